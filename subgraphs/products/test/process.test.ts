import { type DatabaseHandle, type EntityReferences, type ProcessOperation, staticReferences } from "@sfe/kit";
import { apiKeyOf, as, errorCodes, execute, orgs, setUpSubgraph } from "@sfe/kit/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { createProductsSubgraph } from "../src/server.js";
import { productsSubgraph } from "./helpers.js";

// The other hub subgraphs, as their /internal/process-operations would answer; `failing` answers 503.
const calls: string[] = [];
let failing: string | null = null;
const answers: Record<string, ProcessOperation[]> = {
  assets: [{ operation: "Mutation.registerAsset", subgraph: "assets", codes: ["Q.4"] }],
  transactions: [{ operation: "Mutation.submitBid", subgraph: "transactions", codes: ["C.2"] }],
};
const references: EntityReferences = {
  ...staticReferences({}),
  async call<T>(subgraph: string, path: string) {
    calls.push(`${subgraph} ${path}`);
    if (subgraph === failing) return { status: 503, body: {} as T };
    return { status: 200, body: { subgraph, operations: answers[subgraph] ?? [] } as T };
  },
};

let handle: DatabaseHandle;
let subgraph: ReturnType<typeof createProductsSubgraph>;
beforeAll(async () => {
  ({ handle, subgraph } = await setUpSubgraph(productsSubgraph, references));
});
afterAll(() => handle.close());
beforeEach(() => {
  calls.length = 0;
  failing = null;
});

const STEPS = /* GraphQL */ `query ($phase: ProcessPhase) { processSteps(phase: $phase) { code phase name toolkitVersion v32Code source } }`;

describe("Query.processSteps / processStep", () => {
  it("lists the toolkit's 28 steps in order, or one phase's, to anyone signed in; asks no other subgraph for them", async () => {
    const all = await execute(subgraph, STEPS, {}, as.investor);
    expect(all.errors).toBeUndefined();
    expect(all.data?.processSteps).toHaveLength(28);
    expect(all.data?.processSteps[3]).toEqual({
      code: "E.4",
      phase: "EXPLORATION",
      name: "Develop Operational Strategy",
      toolkitVersion: "2.0",
      v32Code: "E.4",
      source: "Common End-to-End Process Workstream Toolkit v2.0 (GB Market Facilitator, 2025-07-29)",
    });
    const verification = await execute(subgraph, STEPS, { phase: "VERIFICATION" }, as.regulator);
    expect(verification.data?.processSteps.map((step: { code: string; v32Code: string }) => `${step.code}=${step.v32Code}`)).toEqual([
      "V.1=V.1",
      "V.2=V.2",
      "V.3=V.3",
      "V.4=V.5",
      "V.5=V.6",
    ]);
    expect(calls).toEqual([]);
  });

  it("refuses an anonymous caller (UNAUTHENTICATED) and an API key without a products scope (FORBIDDEN)", async () => {
    expect(errorCodes(await execute(subgraph, STEPS, {}, as.anonymous))).toEqual(["UNAUTHENTICATED"]);
    const key = apiKeyOf(orgs.platform, ["THIRD_PARTY"], ["assets:read"]);
    expect(errorCodes(await execute(subgraph, `{ processStep(code: "Q.4") { code } }`, {}, key))).toEqual(["FORBIDDEN"]);
  });

  it("answers one step by its code, case and spaces ignored; null for a code toolkit v2.0 lacks", async () => {
    const result = await execute(
      subgraph,
      `{ q4: processStep(code: " q.4 ") { code name } q9: processStep(code: "Q.9") { code } junk: processStep(code: "<script>") { code } }`,
      {},
      as.fspA,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ q4: { code: "Q.4", name: "Register Assets" }, q9: null, junk: null });
  });
});

describe("ProcessStep.operations", () => {
  it("gathers the fields of every hub subgraph serving the step: one call to each other subgraph per request, however many steps", async () => {
    const result = await execute(
      subgraph,
      `{ q4: processStep(code: "Q.4") { operations { subgraph field codes } }
         e1: processStep(code: "E.1") { operations { field } }
         processSteps { code operations { field } } }`,
      {},
      as.fspA,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.q4.operations).toEqual([{ subgraph: "assets", field: "Mutation.registerAsset", codes: ["Q.4"] }]);
    // Products' own tags are read from its schema, not asked for.
    expect(result.data?.e1.operations.map((operation: { field: string }) => operation.field)).toEqual(
      expect.arrayContaining(["Mutation.createProduct", "Mutation.reviseProduct", "Mutation.createConstraintManagedZone"]),
    );
    const c2 = result.data?.processSteps.find((step: { code: string }) => step.code === "C.2");
    expect(c2.operations).toEqual([{ field: "Mutation.submitBid" }]);
    expect(calls.sort()).toEqual(["assets", "rules", "transactions", "users"].map((name) => `${name} /internal/process-operations`));
  });

  it("is null with UPSTREAM_UNAVAILABLE naming a subgraph that cannot answer; the steps themselves still come back", async () => {
    failing = "rules";
    const result = await execute(subgraph, `{ processStep(code: "Q.4") { code operations { field } } }`, {}, as.fspA);
    expect(result.data?.processStep).toEqual({ code: "Q.4", operations: null });
    expect(result.errors?.map((error) => [error.extensions?.code, error.extensions?.subgraph])).toEqual([
      ["UPSTREAM_UNAVAILABLE", "rules"],
    ]);
  });
});
