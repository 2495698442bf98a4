import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AUDIT_EVENT_SDL } from "./audit-read.js";

/**
 * A subgraph's SDL: its `schema.graphql` (the `@link`, shared scalars and enums) followed by each module's
 * fragment, `src/modules/<aggregate>/schema.graphql`, in name order. The server, codegen and the
 * supergraph composition all read it here, so a module adds types and fields without touching a shared file.
 * Last comes the kit's own fragment: the `AuditEvent` type every subgraph's audit trail is read as, and the
 * `@processStep` directive that tags each Query and Mutation field with the toolkit step(s) it serves.
 */
export function readSubgraphSdl(subgraphDir: string | URL): string {
  const dir = typeof subgraphDir === "string" ? subgraphDir : fileURLToPath(subgraphDir);
  const files = [join(dir, "schema.graphql"), ...moduleFiles(dir, "schema.graphql")];
  const own = files.map((file) => readFileSync(file, "utf8")).join("\n");
  // The fragment's scalars, for a subgraph that uses neither itself.
  const scalars = ["DateTime", "JSONObject"]
    .filter((name) => !new RegExp(`\\bscalar ${name}\\b`).test(own))
    .map((name) => `scalar ${name}`);
  return [own, ...scalars, AUDIT_EVENT_SDL, PROCESS_STEP_DIRECTIVE_SDL].join("\n");
}

/** Subgraph-local (not composed into the supergraph): the hub reads the tags from each subgraph's own SDL. */
export const PROCESS_STEP_DIRECTIVE_SDL = `
"""The toolkit building block(s) this operation serves, by code (E.1 … S.2): see Query.processSteps."""
directive @processStep(codes: [String!]!) on FIELD_DEFINITION
`;

/** `src/modules/*\/<file>` that exist, in module-name order. */
export function moduleFiles(subgraphDir: string, file: string): string[] {
  const modules = join(subgraphDir, "src", "modules");
  if (!existsSync(modules)) return [];
  return readdirSync(modules, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(modules, entry.name, file))
    .filter((path) => existsSync(path))
    .sort();
}
