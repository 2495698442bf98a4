import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AUDIT_EVENT_SDL } from "./audit-read.js";

/**
 * A subgraph's SDL: its `schema.graphql` (the `@link`, shared scalars and enums) followed by each module's
 * fragment, `src/modules/<aggregate>/schema.graphql`, in name order. The server, codegen and the
 * supergraph composition all read it here, so a module adds types and fields without touching a shared file.
 * Last comes the kit's own fragment: the `AuditEvent` type every subgraph's audit trail is read as.
 */
export function readSubgraphSdl(subgraphDir: string | URL): string {
  const dir = typeof subgraphDir === "string" ? subgraphDir : fileURLToPath(subgraphDir);
  const files = [join(dir, "schema.graphql"), ...moduleFiles(dir, "schema.graphql")];
  const own = files.map((file) => readFileSync(file, "utf8")).join("\n");
  // The fragment's scalars, for a subgraph that uses neither itself.
  const scalars = ["DateTime", "JSONObject"]
    .filter((name) => !new RegExp(`\\bscalar ${name}\\b`).test(own))
    .map((name) => `scalar ${name}`);
  return [own, ...scalars, AUDIT_EVENT_SDL].join("\n");
}

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
