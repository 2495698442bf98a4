/**
 * Composes the subgraphs' SDL (schema.graphql and their modules' fragments) into gateway/supergraph.graphql (committed; a test
 * fails when it is stale). `npm run codegen` runs this after generating resolver types.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { composeServices } from "@apollo/composition";
import { SUBGRAPH_MODULES } from "@sfe/stack/modules";
import { readSubgraphSdl } from "@sfe/kit";
import { parse } from "graphql";

/** The hub's own subgraphs with the URLs they listen on by default (the gateway overrides them by name). */
export const SUBGRAPHS = SUBGRAPH_MODULES.map(({ name, defaultPort }) => ({
  name,
  url: `http://127.0.0.1:${defaultPort}/graphql`,
}));

const root = new URL("../../", import.meta.url);
export const SUPERGRAPH_PATH = fileURLToPath(new URL("gateway/supergraph.graphql", root));

/** Composes the current schema files; throws with every composition error when they conflict. */
export function composeSupergraph(): string {
  const result = composeServices(
    SUBGRAPHS.map(({ name, url }) => ({
      name,
      url,
      typeDefs: parse(readSubgraphSdl(new URL(`subgraphs/${name}/`, root))),
    })),
  );
  if (result.errors) throw new Error(`Composition failed:\n${result.errors.map((e) => `- ${e.message}`).join("\n")}`);
  return result.supergraphSdl;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(SUPERGRAPH_PATH, composeSupergraph());
  console.log(`wrote ${SUPERGRAPH_PATH}`);
}
