import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * A subgraph's SDL: its `schema.graphql` (the `@link`, shared scalars and enums) followed by each module's
 * fragment, `src/modules/<aggregate>/schema.graphql`, in name order. The server, codegen and the
 * supergraph composition all read it here, so a module adds types and fields without touching a shared file.
 */
export function readSubgraphSdl(subgraphDir: string | URL): string {
  const dir = typeof subgraphDir === "string" ? subgraphDir : fileURLToPath(subgraphDir);
  return [join(dir, "schema.graphql"), ...moduleFiles(dir, "schema.graphql")].map((file) => readFileSync(file, "utf8")).join("\n");
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
