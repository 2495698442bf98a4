/**
 * Eligibility discovery (UC9) through the gateway, over real HTTP: an FSP asks which published products its assets
 * and market unit could qualify for. The facts come from the assets subgraph once for all assets (@requires) and the
 * products subgraph answers every (asset, product) in one request, so 1 asset and 30 cost the same requests.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, type Credential, gql, gqlOk, mpan, PASSWORD, signIn, startTestStack } from "./helpers.js";

let stack: Awaited<ReturnType<typeof startTestStack>>;
let fspA: Awaited<ReturnType<typeof stack.signUp>>;
let fspB: Awaited<ReturnType<typeof stack.signUp>>;
const ids = { so: "", batteries: [] as string[], chargers: [] as string[], assetOfB: "", unit: "", products: {} as Record<string, string> };

const CHECKS = "product { code } outcome indicative checks { requirement verdict reason ruleId values }";
const MY_ASSETS = `query ($n: Int!, $p: [ID!]) { assets(first: $n) { id name eligibility(productIds: $p) { ${CHECKS} } } }`;

type Eligibility = {
  product: { code: string };
  outcome: string;
  indicative: boolean;
  checks: { requirement: string; verdict: string; reason: string; ruleId: string }[];
};

beforeAll(async () => {
  stack = await startTestStack();
  const admin = stack.admin;
  const so = await gqlOk(
    stack.url,
    `mutation { registerOrganisation(input: { name: "UK Power Networks", companyNumber: "03870728", roles: [SYSTEM_OPERATOR] }) { organisation { id } } }`,
    {},
    admin,
  );
  ids.so = so.registerOrganisation.organisation.id;
  await gqlOk(
    stack.url,
    `mutation ($o: ID!) { createConstraintManagedZone(input: { operatorId: $o, code: "UKPN_HENDON_WAY", name: "Hendon Way",
      licenceArea: "London", gspGroups: ["_C"] }) { constraintManagedZone { id } } }`,
    { o: ids.so },
    admin,
  );
  const products = {
    PQR: `code: "PQR", name: "Positive Quick Reserve", directions: [GENERATION_TURN_UP, DEMAND_TURN_DOWN], minimumCapacityKw: 1000,
      responseTimeSeconds: 60, durationMinutes: 15`,
    DRL: `code: "DRL", name: "Dynamic Regulation Low", directions: [GENERATION_TURN_UP], minimumCapacityKw: 1000, durationMinutes: 60`,
    SAOU: `code: "SAOU", name: "Hendon Way SAOU", directions: [DEMAND_TURN_DOWN], minimumCapacityKw: 5,
      eligibleTechnologies: ["EV_CHARGER", "BESS"], locations: ["UKPN_HENDON_WAY"]`,
    LONDON: `code: "LONDON", name: "London turn down", directions: [DEMAND_TURN_DOWN], minimumCapacityKw: 5, locations: ["_C"]`,
    EAST: `code: "EAST", name: "Eastern turn down", directions: [DEMAND_TURN_DOWN], minimumCapacityKw: 5, locations: ["_A"]`,
  };
  const created = await gqlOk(
    stack.url,
    `mutation ($o: ID!) { ${Object.entries(products)
      .map(
        ([alias, fields]) =>
          `${alias}: createProduct(input: { ownerId: $o, serviceType: AVAILABILITY_ONLY, status: PUBLISHED, ${fields} }) { product { id } }`,
      )
      .join("\n")} }`,
    { o: ids.so },
    admin,
  );
  ids.products = Object.fromEntries(
    Object.entries(created).map(([code, payload]) => [code, (payload as { product: { id: string } }).product.id]),
  );

  fspA = await stack.signUp("louis@eligible-flex.test", "FSP", "Eligible Flex Ltd");
  fspB = await stack.signUp("rival@other-flex.test", "FSP", "Other Flex Ltd");
  // 30 assets in London (_C, distributor 12): 10 grid batteries of 2 MW / 1 MWh, 20 home EV chargers of 7 kW.
  const register = Array.from({ length: 30 }, (_, i) =>
    i < 10
      ? `a${i}: registerAsset(input: { ownerId: "${fspA.organisationId}", name: "Battery ${String(i).padStart(2, "0")}", categoryCode: "BESS",
          importCapacityKw: 2000, exportCapacityKw: 2000, energyCapacityKwh: 1000, meterPointId: "${mpan(12, 7000 + i)}" }) { asset { id } }`
      : `a${i}: registerAsset(input: { ownerId: "${fspA.organisationId}", name: "Charger ${String(i).padStart(2, "0")}", categoryCode: "EV_CHARGER",
          importCapacityKw: 7, exportCapacityKw: 0, attributes: { chargePointCount: 1 }, meterPointId: "${mpan(12, 7000 + i)}" }) { asset { id } }`,
  );
  const registered = await gqlOk<Record<string, { asset: { id: string } }>>(stack.url, `mutation { ${register.join("\n")} }`, {}, fspA.as);
  const assetIds = Object.values(registered).map((payload) => payload.asset.id);
  ids.batteries = assetIds.slice(0, 10);
  ids.chargers = assetIds.slice(10);
  const other = await gqlOk(
    stack.url,
    `mutation ($o: ID!, $m: String!) { registerAsset(input: { ownerId: $o, name: "Rival battery", categoryCode: "BESS", importCapacityKw: 5000,
      exportCapacityKw: 5000, energyCapacityKwh: 10000, meterPointId: $m }) { asset { id } } }`,
    { o: fspB.organisationId, m: mpan(12, 7999) },
    fspB.as,
  );
  ids.assetOfB = other.registerAsset.asset.id;
  const unit = await gqlOk(
    stack.url,
    `mutation ($o: ID!, $a: [ID!]!) { createMarketUnit(input: { ownerId: $o, name: "Chargers SPG", unitType: SPG, assetIds: $a }) { marketUnit { id } } }`,
    { o: fspA.organisationId, a: ids.chargers },
    fspA.as,
  );
  ids.unit = unit.createMarketUnit.marketUnit.id;
}, 180_000);
afterAll(() => stack?.stop());

/** The subgraph requests one operation costs, by subgraph. */
async function requestsOf(run: () => Promise<unknown>): Promise<Record<string, number>> {
  const before = stack.requestCounts();
  await run();
  const after = stack.requestCounts();
  return Object.fromEntries(Object.keys(after).map((name) => [name, after[name]! - before[name]!]));
}

const byCode = (eligibility: Eligibility[]) => Object.fromEntries(eligibility.map((e) => [e.product.code, e]));

describe("eligibility of an FSP's assets for every published product", () => {
  it("answers a verdict per (asset, product) with the reasons, indicative", async () => {
    const data = await gqlOk(stack.url, MY_ASSETS, { n: 30 }, fspA.as);
    expect(data.assets).toHaveLength(30);
    const battery = byCode(data.assets.find((a: { id: string }) => a.id === ids.batteries[0]).eligibility);
    const charger = byCode(data.assets.find((a: { id: string }) => a.id === ids.chargers[0]).eligibility);

    expect(Object.values(battery).every((e) => e.indicative)).toBe(true);
    expect(battery.PQR).toMatchObject({ outcome: "ELIGIBLE_WITH_GAPS" }); // response time not recorded
    expect(battery.PQR!.checks.find((c) => c.requirement === "RESPONSE_TIME")).toEqual({
      requirement: "RESPONSE_TIME",
      verdict: "UNKNOWN",
      reason: "response time not recorded; the product needs full delivery within 60 s",
      ruleId: "R-ELG-2",
      values: { responseTimeSeconds: null, requiredResponseTimeSeconds: 60 },
    });
    expect(battery.DRL!.outcome).toBe("NOT_ELIGIBLE");
    expect(battery.DRL!.checks.find((c) => c.verdict === "NOT_MET")).toMatchObject({ requirement: "DURATION_ENERGY", ruleId: "R-ELG-3" });
    expect(battery.LONDON!.outcome).toBe("ELIGIBLE");
    expect(battery.EAST!.checks.find((c) => c.requirement === "LOCATION")).toMatchObject({
      verdict: "NOT_MET",
      reason: "GSP group _C lies outside the product's locations (_A)",
    });
    expect(battery.SAOU!.checks.find((c) => c.requirement === "LOCATION")?.verdict).toBe("UNKNOWN"); // Hendon Way covers _C in part

    expect(charger.PQR!.checks.find((c) => c.requirement === "MINIMUM_CAPACITY")).toMatchObject({
      verdict: "NOT_MET",
      reason: "import capacity 7 kW is under the minimum 1,000 kW",
    });
    expect(charger.DRL!.checks.find((c) => c.requirement === "DIRECTION")?.verdict).toBe("NOT_MET"); // exports nothing
    expect(charger.LONDON!.outcome).toBe("ELIGIBLE");
    // Eligible first, then with gaps, then not; by code within each.
    expect(data.assets[0].name).toBe("Battery 00");
    expect(data.assets[0].eligibility.map((e: Eligibility) => e.product.code)).toEqual(["LONDON", "PQR", "SAOU", "DRL", "EAST"]);
  });

  it("costs each subgraph the same requests for 1 asset × 5 products as for 30 × 5 (not N × M)", async () => {
    const one = await requestsOf(() => gqlOk(stack.url, MY_ASSETS, { n: 1 }, fspA.as));
    const thirty = await requestsOf(() => gqlOk(stack.url, MY_ASSETS, { n: 30 }, fspA.as));
    expect(thirty).toEqual(one);
    // assets answers the list with the facts; products gets one _entities call with every representation.
    expect(thirty).toEqual({ users: 0, assets: 1, products: 1, transactions: 0, rules: 0 });
  });

  it("judges a market unit on its members' sums: 20 chargers of 7 kW make 140 kW", async () => {
    const data = await gqlOk(
      stack.url,
      `query ($id: ID!, $p: [ID!]) { marketUnit(id: $id) { importCapacityKw eligibility(productIds: $p) { ${CHECKS} } } }`,
      { id: ids.unit, p: [ids.products.PQR, ids.products.SAOU] },
      fspA.as,
    );
    expect(data.marketUnit.importCapacityKw).toBe(140);
    const unit = byCode(data.marketUnit.eligibility);
    expect(Object.keys(unit).sort()).toEqual(["PQR", "SAOU"]);
    expect(unit.PQR!.checks.find((c) => c.requirement === "MINIMUM_CAPACITY")?.reason).toBe(
      "import capacity 140 kW is under the minimum 1,000 kW",
    );
    expect(unit.SAOU!.checks.find((c) => c.requirement === "TECHNOLOGY")).toMatchObject({
      verdict: "MET",
      reason: "members' category EV_CHARGER is among the product's eligible technologies (EV_CHARGER, BESS)",
    });
  });
});

describe("who is answered, and bad input", () => {
  it("never answers for another organisation's asset: it is null and products is not asked", async () => {
    const costs = await requestsOf(async () => {
      const data = await gqlOk(
        stack.url,
        `query ($id: ID!) { asset(id: $id) { eligibility { outcome } } }`,
        { id: ids.batteries[0] },
        fspB.as,
      );
      expect(data.asset).toBeNull();
    });
    expect(costs.products).toBe(0);
    const own = await gqlOk(stack.url, `query ($id: ID!) { asset(id: $id) { eligibility { outcome } } }`, { id: ids.assetOfB }, fspB.as);
    expect(own.asset.eligibility).toHaveLength(5);
    const list = await gqlOk(stack.url, MY_ASSETS, { n: 100 }, fspB.as);
    expect(list.assets.map((a: { id: string }) => a.id)).toEqual([ids.assetOfB]);
  });

  it("answers a system operator for the assets in its area only, and a hub administrator for all", async () => {
    const soIn = async (email: string, areas: string[]) => {
      const so = await stack.signUp(email, "SYSTEM_OPERATOR", `SO ${areas.join(" ")}`);
      await gqlOk(stack.url, `mutation ($u: ID!) { verifySystemOperator(userId: $u) { user { status } } }`, { u: so.userId }, stack.admin);
      await gqlOk(
        stack.url,
        `mutation ($o: ID!, $a: [String!]!) { updateOrganisation(input: { id: $o, areas: $a }) { organisation { id } } }`,
        { o: so.organisationId, a: areas },
        stack.admin,
      );
      return signIn(stack.url, email, PASSWORD); // roles and areas are in the token: sign in again
    };
    const london = await gqlOk(stack.url, MY_ASSETS, { n: 100 }, await soIn("ed@london-so.test", ["_C"]));
    expect(london.assets).toHaveLength(31); // FSP A's 30 and FSP B's one, all in _C
    expect(london.assets.every((a: { eligibility: unknown[] }) => a.eligibility.length === 5)).toBe(true);
    const eastern = await gqlOk(stack.url, MY_ASSETS, { n: 100 }, await soIn("ed@eastern-so.test", ["_A"]));
    expect(eastern.assets).toEqual([]);
    const all = await gqlOk(stack.url, MY_ASSETS, { n: 100 }, stack.admin);
    expect(all.assets).toHaveLength(31);
  });

  it("refuses malformed product ids and more than 100 (BAD_USER_INPUT); the assets still answer", async () => {
    const malformed = await gql(stack.url, MY_ASSETS, { n: 2, p: ["not-an-id"] }, fspA.as);
    expect(new Set(codes(malformed))).toEqual(new Set(["BAD_USER_INPUT"]));
    expect(malformed.errors?.[0]?.message).toMatch(/productIds must be an id/);
    expect(malformed.data?.assets).toHaveLength(2);
    expect(malformed.data?.assets.every((a: { eligibility: unknown }) => a.eligibility === null)).toBe(true);
    const many = Array.from({ length: 101 }, () => ids.products.PQR);
    const tooMany = await gql(stack.url, MY_ASSETS, { n: 1, p: many }, fspA.as);
    expect(codes(tooMany)).toEqual(["BAD_USER_INPUT"]);
    expect(tooMany.errors?.[0]?.message).toMatch(/at most 100/);
    const unknown = await gqlOk(stack.url, MY_ASSETS, { n: 1, p: ["00000000-0000-4000-8000-000000000000"] }, fspA.as);
    expect(unknown.assets[0].eligibility).toEqual([]); // no such published product: nothing to compare
  });

  it("an API key needs products:read besides assets:read", async () => {
    const keyWith = async (scopes: string[]): Promise<Credential> => {
      const created = await gqlOk(
        stack.url,
        `mutation ($o: ID!, $s: [String!]!) { createApiKey(input: { organisationId: $o, name: "Bid strategy", scopes: $s }) { secret } }`,
        { o: fspA.organisationId, s: scopes },
        fspA.as,
      );
      return { apiKey: created.createApiKey.secret };
    };
    const assetsOnly = await gql(stack.url, MY_ASSETS, { n: 1 }, await keyWith(["assets:read"]));
    expect(codes(assetsOnly)).toEqual(["FORBIDDEN"]);
    const both = await gqlOk(stack.url, MY_ASSETS, { n: 1 }, await keyWith(["assets:read", "products:read"]));
    expect(both.assets[0].eligibility).toHaveLength(5);
  });
});
