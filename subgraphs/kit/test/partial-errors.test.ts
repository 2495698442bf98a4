import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { createSubgraph, reportPartialFailure, SfeError } from "../src/index.js";
import { execute } from "../src/testing.js";

/** A list merged from two sources, one of which fails: the data and an error naming the failed source. */
const subgraph = createSubgraph({
  name: "merged",
  typeDefs: parse(`type Query { items: [String!]! other: String }`),
  resolvers: {
    Query: {
      items: (_: unknown, __: unknown, context: object, info: never) => {
        reportPartialFailure(context, info, new SfeError("UPSTREAM_UNAVAILABLE", "The B register is unavailable", { registry: "B" }));
        reportPartialFailure(context, info, new Error("SELECT * FROM secrets"));
        return ["from A"];
      },
      other: () => "fine",
    },
  },
  createLoaders: () => ({}),
});

describe("reportPartialFailure", () => {
  it("answers the data with the reported errors at the field's path, masking an uncoded one", async () => {
    const result = await execute(subgraph, "{ items other }");
    expect(result.data).toEqual({ items: ["from A"], other: "fine" });
    expect(result.errors).toEqual([
      { message: "The B register is unavailable", path: ["items"], extensions: { code: "UPSTREAM_UNAVAILABLE", registry: "B" } },
      { message: "Internal server error", path: ["items"], extensions: { code: "INTERNAL_SERVER_ERROR" } },
    ]);
  });

  it("reports nothing on a request that reported nothing", async () => {
    expect((await execute(subgraph, "{ other }")).errors).toBeUndefined();
  });
});
