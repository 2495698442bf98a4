import { readFileSync } from "node:fs";
import { composeSupergraph, SUPERGRAPH_PATH } from "@sfe/codegen/compose";
import { expect, it } from "vitest";

it("the committed gateway/supergraph.graphql is a fresh composition of the subgraphs (run `npm run codegen`)", () => {
  expect(readFileSync(SUPERGRAPH_PATH, "utf8")).toBe(composeSupergraph());
});
