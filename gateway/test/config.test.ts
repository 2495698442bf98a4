import { ConfigError } from "@sfe/kit";
import { describe, expect, it } from "vitest";
import { parseSubgraphList, subgraphUrlsFromEnv } from "../src/config.js";

describe("gateway configuration", () => {
  it("reads extra subgraphs as name=url pairs, by comma or line, with comments", () => {
    expect(parseSubgraphList("so_ukpn=http://ukpn:4000/graphql, so_nged=https://nged.example/graphql\n# later\n\n")).toEqual([
      { name: "so_ukpn", url: "http://ukpn:4000/graphql" },
      { name: "so_nged", url: "https://nged.example/graphql" },
    ]);
    expect(parseSubgraphList("")).toEqual([]);
  });

  it.each(["so_ukpn", "so ukpn=http://x", "so_ukpn=ftp://x", "1so=http://x"])("refuses %j with one line naming the entry", (entry) => {
    expect(() => parseSubgraphList(entry)).toThrow(ConfigError);
    expect(() => parseSubgraphList(entry)).toThrow(/^Invalid configuration: extra subgraph /);
  });

  it("overrides subgraph URLs from SUBGRAPH_URL_<NAME>", () => {
    expect(subgraphUrlsFromEnv({ SUBGRAPH_URL_ASSETS: "http://assets:4000/graphql", SUBGRAPH_URL_USERS: "", OTHER: "x" })).toEqual({
      assets: "http://assets:4000/graphql",
    });
  });
});
