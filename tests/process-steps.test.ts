/**
 * Every operation of the graph names the toolkit step(s) it serves: each Query and Mutation field of each hub
 * subgraph's SDL carries `@processStep(codes: [...])` with codes of the catalogue. A new field without one fails
 * here, naming it (the kit's createSubgraph already refuses an unknown code).
 */
import { fileURLToPath } from "node:url";
import { PROCESS_STEPS, processOperations, readSubgraphSdl } from "@sfe/kit";
import { SO_SUBGRAPH_SDL } from "@sfe/so-subgraph";
import { SUBGRAPH_MODULES } from "@sfe/stack/modules";
import { parse } from "graphql";
import { describe, expect, it } from "vitest";

const KNOWN = new Set(PROCESS_STEPS.map((step) => step.code));
const sdlOf = (name: string) => parse(readSubgraphSdl(fileURLToPath(new URL(`../subgraphs/${name}/`, import.meta.url))));

describe("@processStep tags", () => {
  it.each(SUBGRAPH_MODULES.map((module) => module.name))("every Query and Mutation field of %s names known steps", (name) => {
    const operations = processOperations(name, sdlOf(name));
    expect(operations.length).toBeGreaterThan(0);
    const untagged = operations.filter((operation) => operation.codes.length === 0).map((operation) => operation.operation);
    expect(untagged, `add @processStep(codes: [...]) to these ${name} fields`).toEqual([]);
    const unknown = operations.flatMap(({ operation, codes }) =>
      codes.filter((code) => !KNOWN.has(code)).map((code) => `${operation}: ${code}`),
    );
    expect(unknown).toEqual([]);
  });

  it("the example SO subgraph's root fields, if it gains any, are tagged too", () => {
    const untagged = processOperations("so_example", parse(SO_SUBGRAPH_SDL)).filter((operation) => operation.codes.length === 0);
    expect(untagged).toEqual([]);
  });

  it("the hub's operations serve steps of five phases at least, and Q.4 is served by registerAsset", () => {
    const all = SUBGRAPH_MODULES.flatMap((module) => processOperations(module.name, sdlOf(module.name)));
    expect(all.find((operation) => operation.operation === "Mutation.registerAsset")?.codes).toContain("Q.4");
    const phases = new Set(all.flatMap((operation) => operation.codes).map((code) => code[0]));
    expect([...phases]).toEqual(expect.arrayContaining(["C", "D", "E", "Q", "V"]));
  });
});
