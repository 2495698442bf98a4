import { readFileSync } from "node:fs";
import { ConfigError, z } from "@sfe/kit";
import type { SubgraphRef } from "./supergraph.js";

/** `SUBGRAPH_URL_ASSETS=http://…` overrides where the gateway finds the assets subgraph. */
export function subgraphUrlsFromEnv(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env)
      .filter(([key, value]) => key.startsWith("SUBGRAPH_URL_") && value)
      .map(([key, value]) => [key.slice("SUBGRAPH_URL_".length).toLowerCase(), value as string]),
  );
}

/** The settings of subgraphs added by configuration: the standalone gateway and npm start read the same. */
export const extraSubgraphSettings = {
  EXTRA_SUBGRAPHS: z.string().default(""),
  EXTRA_SUBGRAPHS_FILE: z.string().optional(),
  POLL_INTERVAL_MS: z.coerce.number().int().min(1000).default(15_000),
};

/** The extra subgraphs those settings name, read afresh (the file may change between polls). */
export const extraSubgraphsOf = (config: { EXTRA_SUBGRAPHS: string; EXTRA_SUBGRAPHS_FILE?: string | undefined }): SubgraphRef[] => [
  ...parseSubgraphList(config.EXTRA_SUBGRAPHS),
  ...(config.EXTRA_SUBGRAPHS_FILE ? parseSubgraphList(readFileSync(config.EXTRA_SUBGRAPHS_FILE, "utf8")) : []),
];

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
