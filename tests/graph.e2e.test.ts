/**
 * The whole graph over real HTTP: gateway + five subgraphs on free ports, one fresh database.
 * Data is created through the gateway, as a client would.
 */
import type { PlanNode, QueryPlan } from "@apollo/query-planner";
import { countRows } from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, gql as gqlAs, gqlOk as gqlOkAs, mpan, startTestStack } from "./helpers.js";

let stack: Awaited<ReturnType<typeof startTestStack>>;
// Everything here runs as a hub administrator, who sees the whole graph; access rules are tested in access.e2e.test.ts.
const gql = (url: string, query: string, variables: Record<string, unknown> = {}) => gqlAs(url, query, variables, stack.admin);
const gqlOk = <T = any>(url: string, query: string, variables: Record<string, unknown> = {}) =>
  gqlOkAs<T>(url, query, variables, stack.admin);
let lastPlan: QueryPlan | undefined;
const ids = { so: "", fsp: "", product: "", assets: [] as string[], rule: "" };

/** Registers `count` assets in one aliased mutation (the gateway runs them in order). */
async function registerAssets(count: number, offset: number) {
  const fields = Array.from({ length: count }, (_, i) => {
    const n = offset + i;
    return `a${n}: registerAsset(input: { ownerId: "${ids.fsp}", name: "EV charger ${n}", categoryCode: "EV_CHARGER",
      importCapacityKw: 7, exportCapacityKw: 0, attributes: { chargePointCount: 1 }, meterPointId: "${mpan(12, 1000 + n)}" }) { asset { id } }`;
  });
  const data = await gqlOk<Record<string, { asset: { id: string } }>>(stack.url, `mutation { ${fields.join("\n")} }`);
  return Object.values(data).map((payload) => payload.asset.id);
}

beforeAll(async () => {
  stack = await startTestStack({ gateway: { onQueryPlan: (plan) => (lastPlan = plan) } });
  const orgs = await gqlOk(
    stack.url,
    `mutation {
      so: registerOrganisation(input: { name: "UK Power Networks", companyNumber: "03870728", roles: [SYSTEM_OPERATOR] }) { organisation { id } }
      fsp: registerOrganisation(input: { name: "Axle Energy Limited", roles: [FSP] }) { organisation { id } }
    }`,
  );
  ids.so = orgs.so.organisation.id;
  ids.fsp = orgs.fsp.organisation.id;
  const product = await gqlOk(
    stack.url,
    `mutation ($owner: ID!) { createProduct(input: { ownerId: $owner, code: "SAOU", name: "Scheduled Availability",
      serviceType: AVAILABILITY_AND_UTILISATION, directions: [DEMAND_TURN_DOWN], minimumCapacityKw: 10, locations: ["_C"], status: PUBLISHED }) { product { id } } }`,
    { owner: ids.so },
  );
  ids.product = product.createProduct.product.id;
  ids.assets = [...(await registerAssets(50, 0)), ...(await registerAssets(50, 50))];

  const window = (i: number) =>
    `start: "2025-06-${String(1 + (i % 28)).padStart(2, "0")}T14:00:00Z", end: "2025-06-${String(1 + (i % 28)).padStart(2, "0")}T18:00:00Z"`;
  const awards = ids.assets.map(
    (asset, i) => `w${i}: recordAward(input: { assetId: "${asset}", productId: "${ids.product}", awardedMw: 0.049,
      availabilityPriceGbpPerMwH: "109.00", ${window(i)} }) { award { id } }`,
  );
  await gqlOk(stack.url, `mutation { ${awards.join("\n")} }`);
  const dispatches = ids.assets.map(
    (asset, i) => `d${i}: issueDispatchInstruction(input: { assetId: "${asset}", productId: "${ids.product}", issuedById: "${ids.so}",
      direction: DEMAND_TURN_DOWN, setPointMw: 0.049, ${window(i)} }) { dispatchInstruction { id } }`,
  );
  const issued = await gqlOk<Record<string, { dispatchInstruction: { id: string } }>>(stack.url, `mutation { ${dispatches.join("\n")} }`);
  const dispatchIds = Object.values(issued).map((p) => p.dispatchInstruction.id);
  const rule = await gqlOk(
    stack.url,
    `mutation ($p: ID!) { createMarketRule(input: { code: "UKPN-NO-OVERLAP", name: "No overlapping windows", productId: $p,
      kind: STACKING, parameters: { maxOverlapMinutes: 0 }, mode: NOTIFY }) { marketRule { id } } }`,
    { p: ids.product },
  );
  ids.rule = rule.createMarketRule.marketRule.id;
  await gqlOk(
    stack.url,
    `mutation ($a: ID!, $d: [ID!]!, $r: ID!) { recordConflict(input: { kind: OPPOSING_INSTRUCTIONS, assetIds: [$a], instructionIds: $d,
      overlapStart: "2025-06-01T15:30:00Z", overlapEnd: "2025-06-01T15:45:00Z", ruleId: $r }) { conflict { id } } }`,
    { a: ids.assets[0], d: dispatchIds.slice(0, 2), r: ids.rule },
  );
}, 180_000);

afterAll(() => stack?.stop());

const ASSETS_ACROSS_THE_GRAPH = /* GraphQL */ `
  query ($first: Int!) {
    assets(first: $first, ownerId: null) {
      id name category { code } location { gspGroup licenceArea }
      owner { name }
      awards { awardedMw availabilityPriceGbpPerMwH product { name owner { id } } }
      dispatches { setPointMw direction }
      conflicts { kind rule { code } }
    }
  }`;

/** Fetch nodes per subgraph in a query plan. */
function fetchesPerSubgraph(plan: QueryPlan): Record<string, number> {
  const counts: Record<string, number> = {};
  const walk = (node: PlanNode | undefined): void => {
    if (!node) return;
    if (node.kind === "Fetch") counts[node.serviceName] = (counts[node.serviceName] ?? 0) + 1;
    if (node.kind === "Sequence" || node.kind === "Parallel") node.nodes.forEach(walk);
    if (node.kind === "Flatten") walk(node.node as PlanNode);
    if (node.kind === "Condition") for (const clause of [node.ifClause, node.elseClause]) walk(clause);
    if (node.kind === "Defer") for (const child of [node.primary.node, ...node.deferred.map((d) => d.node)]) walk(child);
  };
  walk(plan.node as PlanNode | undefined); // queries only: no subscription nodes
  return counts;
}

describe("one query across all five subgraphs", () => {
  it("returns assets with owner (users), awards and dispatches (transactions), products (products) and conflicts (rules)", async () => {
    const data = await gqlOk(stack.url, ASSETS_ACROSS_THE_GRAPH, { first: 100 });
    expect(data.assets).toHaveLength(100);
    const first = data.assets.find((a: { id: string }) => a.id === ids.assets[0]);
    expect(first).toMatchObject({
      category: { code: "EV_CHARGER" },
      location: { gspGroup: "_C", licenceArea: "London" },
      owner: { name: "Axle Energy Limited" },
      awards: [
        {
          awardedMw: 0.049,
          availabilityPriceGbpPerMwH: expect.stringMatching(/^109(\.0+)?$/),
          product: { name: "Scheduled Availability", owner: { id: ids.so } },
        },
      ],
      dispatches: [{ setPointMw: 0.049, direction: "DEMAND_TURN_DOWN" }],
      conflicts: [{ kind: "OPPOSING_INSTRUCTIONS", rule: { code: "UKPN-NO-OVERLAP" } }],
    });
  });

  it("costs each subgraph the requests its query plan names, however many assets (no N+1)", async () => {
    const observed: Record<number, Record<string, number>> = {};
    for (const n of [10, 100]) {
      const before = stack.requestCounts();
      const data = await gqlOk(stack.url, ASSETS_ACROSS_THE_GRAPH, { first: n });
      expect(data.assets).toHaveLength(n);
      const after = stack.requestCounts();
      observed[n] = Object.fromEntries(Object.keys(after).map((name) => [name, after[name]! - before[name]!]));
      // Every request a subgraph received is a fetch in the plan: none per asset.
      expect(observed[n]).toEqual({ ...{ users: 0, assets: 0, products: 0, transactions: 0, rules: 0 }, ...fetchesPerSubgraph(lastPlan!) });
    }
    expect(observed[100]).toEqual(observed[10]);
    expect(Object.values(observed[100]!).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(6);
  });
});

describe("bad input through the gateway", () => {
  it("answers null for unknown ids and for malformed ids", async () => {
    const data = await gqlOk(
      stack.url,
      `{ a: asset(id: "00000000-0000-4000-8000-000000000000") { id } b: asset(id: "nope") { id }
         p: product(id: "00000000-0000-4000-8000-000000000000") { id } o: organisation(id: "x") { id } }`,
    );
    expect(data).toEqual({ a: null, b: null, p: null, o: null });
  });

  it("refuses references to unknown entities with BAD_USER_INPUT and writes nothing", async () => {
    const before = await countRows(stack.database, "transactions.awards");
    const result = await gql(
      stack.url,
      `mutation ($p: ID!) { recordAward(input: { assetId: "00000000-0000-4000-8000-000000000000", productId: $p, awardedMw: 1,
        availabilityPriceGbpPerMwH: "10", start: "2025-01-01T00:00:00Z", end: "2025-01-01T01:00:00Z" }) { award { id } } }`,
      { p: ids.product },
    );
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.message).toMatch(/Asset/);
    expect(await countRows(stack.database, "transactions.awards")).toBe(before);
  });

  it("refuses malformed values and missing required fields with stable codes, writing nothing", async () => {
    const before = await countRows(stack.database, "assets.assets");
    const badMpan = await gql(
      stack.url,
      `mutation ($o: ID!) { registerAsset(input: { ownerId: $o, name: "x", categoryCode: "BESS", importCapacityKw: 5,
        exportCapacityKw: 5, energyCapacityKwh: 10, meterPointId: "1200000000001" }) { asset { id } } }`,
      { o: ids.fsp },
    );
    expect(codes(badMpan)).toEqual(["BAD_USER_INPUT"]);
    const badDate = await gql(
      stack.url,
      `mutation { recordAward(input: { assetId: "a", productId: "b", awardedMw: 1, start: "yesterday", end: "today" }) { award { id } } }`,
    );
    expect(new Set(codes(badDate))).toEqual(new Set(["GRAPHQL_VALIDATION_FAILED"]));
    expect(badDate.errors?.[0]?.message).toMatch(/DateTime/);
    const missing = await gql(stack.url, `mutation { registerAsset(input: { name: "x" }) { asset { id } } }`);
    expect(new Set(codes(missing))).toEqual(new Set(["GRAPHQL_VALIDATION_FAILED"]));
    expect(missing.errors?.map((e) => e.message).join("\n")).toMatch(/ownerId/);
    expect(await countRows(stack.database, "assets.assets")).toBe(before);
  });

  it("keeps internals out of error messages", async () => {
    const result = await gql(stack.url, `{ assets(first: 5000) { id } }`); // under the cost limit, over the page limit
    expect(codes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(JSON.stringify(result)).not.toMatch(/select|postgres|stack|at \//i);
  });
});

describe("query limits", () => {
  it("refuses an over-deep query and too many aliases before asking any subgraph", async () => {
    const before = stack.requestCounts();
    const tooDeep = await gql(
      stack.url,
      `{ organisations(first: 1) { ${"assets(first: 1) { owner { ".repeat(6)} id ${"} } ".repeat(6)} } }`,
    );
    expect(codes(tooDeep)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    const aliases = Array.from({ length: 151 }, (_, i) => `a${i}: assetCategories { code }`).join(" ");
    expect(codes(await gql(stack.url, `{ ${aliases} }`))).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    expect(stack.requestCounts()).toEqual(before);
  });
});
