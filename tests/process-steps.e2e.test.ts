/**
 * The process catalogue through the gateway, over real HTTP: the 28 toolkit steps, and each step's operations
 * gathered from every hub subgraph's own tags, with one internal call per subgraph per query however many
 * steps it asks for.
 */
import { PROCESS_OPERATIONS_PATH } from "@sfe/kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, gql, gqlOk, startTestStack } from "./helpers.js";

let stack: Awaited<ReturnType<typeof startTestStack>>;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.stop());

const HUB = ["users", "assets", "products", "transactions", "rules"];
/** Internal process-operations calls each subgraph has received so far. */
const internalCalls = () =>
  Object.fromEntries(HUB.map((name) => [name, stack.subgraphs.get(name)!.routeRequestCount(PROCESS_OPERATIONS_PATH)]));
const delta = (before: Record<string, number>, after: Record<string, number>) =>
  Object.fromEntries(HUB.map((name) => [name, (after[name] ?? 0) - (before[name] ?? 0)]));

type Step = { code: string; operations: { subgraph: string; field: string }[] };

describe("the process catalogue", () => {
  it("lists the toolkit's 28 steps to anyone signed in, and refuses an anonymous caller", async () => {
    const fsp = await stack.signUp("louis@process-flex.test", "FSP", "Process Flex Ltd");
    const data = await gqlOk(stack.url, `{ processSteps { code phase name toolkitVersion v32Code } }`, {}, fsp.as);
    expect(data.processSteps).toHaveLength(28);
    expect(data.processSteps.map((step: { code: string }) => step.code).slice(0, 5)).toEqual(["E.1", "E.2", "E.3", "E.4", "Q.1"]);
    expect(codes(await gql(stack.url, `{ processSteps { code } }`))).toEqual(["UNAUTHENTICATED"]);
  });

  it("Q.4's operations include Mutation.registerAsset; operations come from all five subgraphs", async () => {
    const data = await gqlOk<{ processStep: Step; processSteps: Step[] }>(
      stack.url,
      `{ processStep(code: "Q.4") { code operations { subgraph field } } processSteps { code operations { subgraph field } } }`,
      {},
      stack.admin,
    );
    expect(data.processStep.operations).toContainEqual({ subgraph: "assets", field: "Mutation.registerAsset" });
    const subgraphs = new Set(data.processSteps.flatMap((step) => step.operations.map((operation) => operation.subgraph)));
    expect([...subgraphs].sort()).toEqual(expect.arrayContaining([...HUB].sort()));
    const c2 = data.processSteps.find((step) => step.code === "C.2")!;
    expect(c2.operations).toContainEqual({ subgraph: "transactions", field: "Mutation.submitBid" });
  });

  it("asks each other subgraph once per query, whether for one step or all 28 (and no other subgraph's GraphQL)", async () => {
    const ask = async (query: string) => {
      const calls = internalCalls();
      const graphql = stack.requestCounts();
      await gqlOk(stack.url, query, {}, stack.admin);
      const graphqlAfter = stack.requestCounts();
      return { calls: delta(calls, internalCalls()), graphql: delta(graphql, graphqlAfter) };
    };
    const one = await ask(`{ processStep(code: "Q.4") { operations { field } } }`);
    const many = await ask(`{ a: processStep(code: "Q.4") { operations { field } } b: processStep(code: "C.3") { operations { field } }
      processSteps { operations { field } } }`);
    const once = { users: 1, assets: 1, products: 0, transactions: 1, rules: 1 }; // products reads its own tags
    expect(one.calls).toEqual(once);
    expect(many.calls).toEqual(once);
    expect(many.graphql).toEqual({ users: 0, assets: 0, products: 1, transactions: 0, rules: 0 });
  });
});
