import { ConfigError } from "@sfe/kit";
import type { SubgraphRef } from "./supergraph.js";

/** `SUBGRAPH_URL_ASSETS=http://…` overrides where the gateway finds the assets subgraph. */
export function subgraphUrlsFromEnv(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env)
      .filter(([key, value]) => key.startsWith("SUBGRAPH_URL_") && value)
      .map(([key, value]) => [key.slice("SUBGRAPH_URL_".length).toLowerCase(), value as string]),
  );
}

/**
 * Extra subgraphs as `name=url` pairs separated by commas or new lines (`#` starts a comment), e.g.
 * `so_ukpn=http://ukpn.example/graphql`.
 */
export function parseSubgraphList(text: string): SubgraphRef[] {
  return text
    .split(/[,\n]/)
    .map((line) => line.replace(/#.*/, "").trim())
    .filter(Boolean)
    .map((entry) => {
      const match = /^([a-z][a-z0-9_]*)=(https?:\/\/\S+)$/i.exec(entry);
      if (!match) throw new ConfigError(`Invalid configuration: extra subgraph ${JSON.stringify(entry)}: expected name=http(s)://url`);
      return { name: match[1]!.toLowerCase(), url: match[2]! };
    });
}
