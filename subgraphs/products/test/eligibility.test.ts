import type { DatabaseHandle } from "@sfe/kit";
import { staticReferences } from "@sfe/kit";
import { apiKeyOf, as, errorCodes, execute, orgs, setUpSubgraph } from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  durationEnergy,
  evaluate,
  location,
  minimumCapacity,
  outcomeOf,
  type ProductFacts,
  productFacts,
  responseTime,
  type Subject,
  technology,
  zoneIndex,
} from "../src/modules/eligibility/rules.js";
import type { ZoneRow } from "../src/modules/zones/repository.js";
import type { createProductsSubgraph, createRepositories } from "../src/server.js";
import { productsSubgraph } from "./helpers.js";

// ---- The requirement functions, with the domain digest's numbers (§5.2, §8.3) ---------------------------------

const product = (overrides: Partial<ProductFacts> = {}): ProductFacts => ({
  id: "p",
  code: "P",
  directions: ["GENERATION_TURN_UP", "DEMAND_TURN_DOWN"],
  minimumCapacityKw: 1000,
  responseTimeSeconds: null,
  durationMinutes: null,
  eligibleTechnologies: [],
  locations: [],
  ...overrides,
});
const member = (categoryCode: string, gspGroup: string | null = "_C", responseTimeSeconds: number | null = null) => ({
  categoryCode,
  gspGroup,
  responseTimeSeconds,
});
const asset = (overrides: Partial<Subject> & { category?: string } = {}): Subject => ({
  kind: "asset",
  importCapacityKw: 0,
  exportCapacityKw: 0,
  energyCapacityKwh: null,
  gspGroups: ["_C"],
  members: [member(overrides.category ?? "BESS")],
  ...overrides,
});
/** A 2 MW / 1 MWh battery. */
const battery = asset({ importCapacityKw: 2000, exportCapacityKw: 2000, energyCapacityKwh: 1000 });
const zone = (code: string, name: string, gspGroups: string[]): ZoneRow =>
  ({
    id: code,
    code,
    name,
    gspGroups,
    licenceArea: "London",
    operatorId: orgs.soA,
    createdAt: new Date(),
    updatedAt: new Date(),
  }) as ZoneRow;
const noZones = zoneIndex([]);

/** Quick Reserve (PQR): generation up / demand down, 1 MW minimum, full delivery within 60 s, 15 minutes. */
const quickReserve = product({ code: "PQR", responseTimeSeconds: 60, durationMinutes: 15 });
/** Dynamic Containment Low: full delivery ≤ 1 s, sustained 15 minutes. */
const dynamicContainment = product({ code: "DCL", responseTimeSeconds: 1, durationMinutes: 15 });

describe("requirement functions", () => {
  it("R-ELG-1: an SPG of 0.8 MW is under Quick Reserve's 1 MW minimum; 2 MW meets it", () => {
    const spg = asset({ kind: "unit", exportCapacityKw: 800, members: [member("BESS"), member("BESS")] });
    expect(minimumCapacity(spg, quickReserve, noZones)).toMatchObject({
      verdict: "NOT_MET",
      ruleId: "R-ELG-1",
      reason: "export capacity 800 kW is under the minimum 1,000 kW",
      values: { capacityKw: 800, side: "EXPORT", minimumCapacityKw: 1000 },
    });
    expect(minimumCapacity(battery, quickReserve, noZones)?.verdict).toBe("MET");
  });

  it("R-ELG-1: demand directions count import, generation directions export (a battery has both)", () => {
    const evCharger = asset({ importCapacityKw: 7, category: "EV_CHARGER" });
    const demandDown = product({ directions: ["DEMAND_TURN_DOWN"], minimumCapacityKw: 5 });
    const generationUp = product({ directions: ["GENERATION_TURN_UP"], minimumCapacityKw: 5 });
    expect(evaluate(evCharger, demandDown, noZones).outcome).toBe("ELIGIBLE");
    const { outcome, checks } = evaluate(evCharger, generationUp, noZones);
    expect(outcome).toBe("NOT_ELIGIBLE");
    expect(checks.find((c) => c.requirement === "DIRECTION")?.reason).toBe(
      "it cannot move in a direction the product buys: generation turn up needs export capacity, which is 0 kW",
    );
    expect(evaluate(battery, demandDown, noZones).outcome).toBe("ELIGIBLE");
    expect(evaluate(battery, generationUp, noZones).outcome).toBe("ELIGIBLE");
  });

  it("R-ELG-2: a heat pump that records no response time is UNKNOWN for DC (≤ 1 s); one declaring 120 s is NOT_MET", () => {
    const heatPump = asset({ importCapacityKw: 1500, category: "HEAT_PUMP" });
    expect(responseTime(heatPump, dynamicContainment, noZones)).toMatchObject({
      verdict: "UNKNOWN",
      reason: "response time not recorded; the product needs full delivery within 1 s",
    });
    const declared = asset({ importCapacityKw: 1500, members: [member("HEAT_PUMP", "_C", 120)] });
    expect(responseTime(declared, dynamicContainment, noZones)).toMatchObject({
      verdict: "NOT_MET",
      reason: "full delivery in 120 s is slower than 1 s",
      values: { responseTimeSeconds: 120, requiredResponseTimeSeconds: 1 },
    });
    expect(responseTime(asset({ members: [member("BESS", "_C", 0.5)] }), quickReserve, noZones)?.verdict).toBe("MET");
    expect(evaluate(heatPump, dynamicContainment, noZones).outcome).toBe("ELIGIBLE_WITH_GAPS");
  });

  it("R-ELG-3: a 2 MW / 1 MWh battery cannot sustain a 60-minute product, but sustains DC's 15 minutes", () => {
    const regulation = product({ code: "DRL", durationMinutes: 60 });
    expect(durationEnergy(battery, regulation, noZones)).toMatchObject({
      verdict: "NOT_MET",
      ruleId: "R-ELG-3",
      reason: "1,000 kWh sustains 2,000 kW for 30 minutes, under the 60 minutes required (1,000 kW at most for the full duration)",
      values: { energyCapacityKwh: 1000, capacityKw: 2000, durationMinutes: 60, requiredEnergyKwh: 2000 },
    });
    expect(durationEnergy(battery, dynamicContainment, noZones)).toMatchObject({ verdict: "MET", values: { requiredEnergyKwh: 500 } });
    expect(durationEnergy(asset({ exportCapacityKw: 2000 }), regulation, noZones)?.verdict).toBe("MET"); // not energy-limited
  });

  it("R-ELG-5: a category not in the product's list is NOT_MET; every member of a unit must be in it", () => {
    const onlyBatteries = product({ eligibleTechnologies: ["BESS", "EV_CHARGER"] });
    expect(technology(asset({ category: "HEAT_PUMP" }), onlyBatteries, noZones)).toMatchObject({
      verdict: "NOT_MET",
      ruleId: "R-ELG-5",
      reason: "category HEAT_PUMP is not among the product's eligible technologies (BESS, EV_CHARGER)",
    });
    const mixed = asset({ kind: "unit", members: [member("BESS"), member("HEAT_PUMP")] });
    expect(technology(mixed, onlyBatteries, noZones)?.verdict).toBe("NOT_MET");
    expect(technology(battery, onlyBatteries, noZones)?.verdict).toBe("MET");
    expect(technology(battery, product(), noZones)).toBeNull(); // an empty list admits any
  });

  it("R-ELG-4: outside every group is NOT_MET; a group the product names is MET; a zone's group is UNKNOWN", () => {
    const zones = zoneIndex([zone("UKPN_HENDON_WAY", "Hendon Way", ["_C"])]);
    const hendonWay = product({ locations: ["Hendon Way"] });
    expect(location(asset({ gspGroups: ["_A"], members: [member("BESS", "_A")] }), hendonWay, zones)).toMatchObject({
      verdict: "NOT_MET",
      ruleId: "R-ELG-4",
      reason: "GSP group _A lies outside the product's locations (Hendon Way)",
    });
    expect(location(battery, hendonWay, zones)).toMatchObject({
      verdict: "UNKNOWN",
      reason:
        "GSP group _C is covered only in part by Hendon Way: the meter point's network location decides, and the hub does not record it",
    });
    expect(location(battery, product({ locations: ["ukpn_hendon_way"] }), zones)?.verdict).toBe("UNKNOWN"); // by code
    expect(location(battery, product({ locations: ["_C", "_A"] }), zones)?.verdict).toBe("MET");
    // GB is national: every location lies within it, recorded or not.
    expect(location(battery, product({ locations: ["GB"] }), zones)).toMatchObject({
      verdict: "MET",
      reason: "the product's locations (GB) cover the whole of GB",
    });
    expect(location(asset({ gspGroups: [], members: [member("BESS", null)] }), product({ locations: ["GB"] }), zones)?.verdict).toBe("MET");
    expect(location(asset({ gspGroups: [], members: [member("BESS", null)] }), hendonWay, zones)?.verdict).toBe("UNKNOWN");
    // A location the hub cannot resolve does not prove the asset outside it.
    expect(location(asset({ gspGroups: ["_A"] }), product({ locations: ["Somewhere"] }), zones)?.verdict).toBe("UNKNOWN");
    const spread = asset({ kind: "unit", gspGroups: ["_A", "_C"], members: [member("BESS", "_A"), member("BESS", "_C")] });
    expect(location(spread, product({ locations: ["_C"] }), zones)?.verdict).toBe("NOT_MET"); // every member must lie within
  });

  it("the outcome: any NOT_MET is NOT_ELIGIBLE, else any UNKNOWN is ELIGIBLE_WITH_GAPS, else ELIGIBLE", () => {
    const c = (verdict: "MET" | "NOT_MET" | "UNKNOWN") => ({
      requirement: "LOCATION" as const,
      verdict,
      reason: "",
      ruleId: "",
      values: {},
    });
    expect(outcomeOf([c("MET"), c("UNKNOWN"), c("NOT_MET")])).toBe("NOT_ELIGIBLE");
    expect(outcomeOf([c("MET"), c("UNKNOWN")])).toBe("ELIGIBLE_WITH_GAPS");
    expect(outcomeOf([c("MET")])).toBe("ELIGIBLE");
    expect(outcomeOf([])).toBe("ELIGIBLE");
  });

  it("lists only the requirements a product states, in the rules' order", () => {
    const { checks } = evaluate(battery, quickReserve, noZones);
    expect(checks.map((c) => c.requirement)).toEqual(["DIRECTION", "MINIMUM_CAPACITY", "RESPONSE_TIME", "DURATION_ENERGY"]);
    // Attributes the versions branch adds slot in: a stated maximum and metering requirement are checked.
    const richer = evaluate(
      battery,
      { ...quickReserve, maximumCapacityKw: 500, meteringRequirement: "half-hourly boundary metering" },
      noZones,
    );
    expect(richer.checks.map((c) => c.requirement)).toContain("MAXIMUM_CAPACITY");
    expect(richer.checks.find((c) => c.requirement === "METERING")?.verdict).toBe("UNKNOWN");
  });
});

// ---- Through the subgraph: _entities as the gateway sends them --------------------------------------------------

let handle: DatabaseHandle;
let repos: ReturnType<typeof createRepositories>;
let subgraph: ReturnType<typeof createProductsSubgraph>;
const ids: Record<string, string> = {};

const CREATE = `mutation ($i: CreateProductInput!) { createProduct(input: $i) { product { id } } }`;
const ENTITIES = /* GraphQL */ `
  query ($r: [_Any!]!, $p: [ID!]) {
    _entities(representations: $r) {
      ... on Asset { eligibility(productIds: $p) { product { code } outcome indicative checks { requirement verdict reason ruleId values } } }
      ... on MarketUnit { eligibility(productIds: $p) { product { code } outcome checks { requirement verdict } } }
    }
  }`;

const assetRepresentation = (id: string, fields: Record<string, unknown> = {}) => ({
  __typename: "Asset",
  id,
  importCapacityKw: 2000,
  exportCapacityKw: 2000,
  energyCapacityKwh: 1000,
  category: { code: "BESS" },
  location: { gspGroup: "_C" },
  attributes: {},
  ...fields,
});

beforeAll(async () => {
  ({ handle, repos, subgraph } = await setUpSubgraph(productsSubgraph, staticReferences({ Organisation: [orgs.soA, orgs.soB] })));
  const create = async (input: Record<string, unknown>) => {
    const result = await execute(subgraph, CREATE, { i: { serviceType: "AVAILABILITY_ONLY", status: "PUBLISHED", ...input } }, as.admin);
    expect(result.errors).toBeUndefined();
    ids[String(input.code)] = result.data!.createProduct.product.id;
  };
  const zone = await execute(
    subgraph,
    `mutation { createConstraintManagedZone(input: { operatorId: "${orgs.soA}", code: "UKPN_HENDON_WAY", name: "Hendon Way",
      licenceArea: "London", gspGroups: ["_C"] }) { constraintManagedZone { id } } }`,
    {},
    as.admin,
  );
  expect(zone.errors).toBeUndefined();
  await create({
    ownerId: orgs.soB,
    code: "DCL",
    name: "Dynamic Containment Low",
    directions: ["GENERATION_TURN_UP", "DEMAND_TURN_DOWN"],
    minimumCapacityKw: 1000,
    responseTimeSeconds: 1,
    durationMinutes: 15,
  });
  await create({
    ownerId: orgs.soB,
    code: "DRL",
    name: "Dynamic Regulation Low",
    directions: ["GENERATION_TURN_UP"],
    minimumCapacityKw: 1000,
    durationMinutes: 60,
  });
  await create({
    ownerId: orgs.soA,
    code: "SAOU",
    name: "Hendon Way SAOU",
    directions: ["DEMAND_TURN_DOWN"],
    minimumCapacityKw: 10,
    eligibleTechnologies: ["EV_CHARGER", "BESS"],
    locations: ["UKPN_HENDON_WAY"],
  });
  await create({
    ownerId: orgs.soA,
    code: "DRAFTY",
    name: "Not yet",
    directions: ["DEMAND_TURN_DOWN"],
    minimumCapacityKw: 1,
    status: "DRAFT",
  });
}, 60_000);
afterAll(() => handle.close());

describe("Asset.eligibility and MarketUnit.eligibility", () => {
  it("answers a verdict per published product, eligible first; drafts are never compared", async () => {
    const result = await execute(subgraph, ENTITIES, { r: [assetRepresentation("a1")] }, as.fspA);
    expect(result.errors).toBeUndefined();
    const [answer] = result.data!._entities as { eligibility: { product: { code: string }; outcome: string; indicative: boolean }[] }[];
    expect(answer!.eligibility.map((e) => [e.product.code, e.outcome, e.indicative])).toEqual([
      ["DCL", "ELIGIBLE_WITH_GAPS", true], // response time not recorded
      ["SAOU", "ELIGIBLE_WITH_GAPS", true], // Hendon Way covers _C only in part
      ["DRL", "NOT_ELIGIBLE", true], // 1 MWh cannot sustain 2 MW for 60 minutes
    ]);
  });

  it("judges a market unit on its sums and every member: a heat pump among them fails a battery-only product", async () => {
    const unit = {
      __typename: "MarketUnit",
      id: "u1",
      importCapacityKw: 2007,
      exportCapacityKw: 2000,
      energyCapacityKwh: 1000,
      gspGroups: ["_C"],
      members: [
        { id: "m1", category: { code: "BESS" }, location: { gspGroup: "_C" }, attributes: {} },
        { id: "m2", category: { code: "HEAT_PUMP" }, location: { gspGroup: "_C" }, attributes: {} },
      ],
    };
    const result = await execute(subgraph, ENTITIES, { r: [unit], p: [ids.SAOU] }, as.fspA);
    expect(result.errors).toBeUndefined();
    expect(result.data!._entities).toEqual([
      {
        eligibility: [
          {
            product: { code: "SAOU" },
            outcome: "NOT_ELIGIBLE",
            checks: [
              { requirement: "DIRECTION", verdict: "MET" },
              { requirement: "MINIMUM_CAPACITY", verdict: "MET" },
              { requirement: "TECHNOLOGY", verdict: "NOT_MET" },
              { requirement: "LOCATION", verdict: "UNKNOWN" },
            ],
          },
        ],
      },
    ]);
  });

  it("costs one product read and one zone read for 30 assets × every product (not N × M)", async () => {
    const list = vi.spyOn(repos.products, "list");
    const zones = vi.spyOn(repos.zones, "byCodesOrNames");
    const representations = Array.from({ length: 30 }, (_, i) => assetRepresentation(`a${i}`, { exportCapacityKw: 100 * i }));
    const result = await execute(subgraph, ENTITIES, { r: representations }, as.fspA);
    expect(result.errors).toBeUndefined();
    expect(result.data!._entities).toHaveLength(30);
    expect(list).toHaveBeenCalledTimes(1);
    expect(zones).toHaveBeenCalledTimes(1);
    list.mockRestore();
    zones.mockRestore();
  });

  it("compares only the products named, and only published ones", async () => {
    const result = await execute(subgraph, ENTITIES, { r: [assetRepresentation("a1")], p: [ids.DRL, ids.DRAFTY] }, as.admin);
    expect(result.data!._entities).toEqual([{ eligibility: [expect.objectContaining({ product: { code: "DRL" } })] }]);
  });

  it("refuses malformed product ids and more than 100 of them (BAD_USER_INPUT), and an API key without products:read", async () => {
    const malformed = await execute(subgraph, ENTITIES, { r: [assetRepresentation("a1")], p: ["nope"] }, as.fspA);
    expect(errorCodes(malformed)).toEqual(["BAD_USER_INPUT"]);
    const many = Array.from({ length: 101 }, () => ids.DCL);
    const tooMany = await execute(subgraph, ENTITIES, { r: [assetRepresentation("a1")], p: many }, as.fspA);
    expect(errorCodes(tooMany)).toEqual(["BAD_USER_INPUT"]);
    expect(tooMany.errors?.[0]?.message).toMatch(/at most 100/);
    const key = apiKeyOf(orgs.fspA, ["FSP"], ["assets:read"]);
    expect(errorCodes(await execute(subgraph, ENTITIES, { r: [assetRepresentation("a1")] }, key))).toEqual(["FORBIDDEN"]);
    const reader = apiKeyOf(orgs.fspA, ["FSP"], ["assets:read", "products:read"]);
    expect((await execute(subgraph, ENTITIES, { r: [assetRepresentation("a1")] }, reader)).errors).toBeUndefined();
    expect(errorCodes(await execute(subgraph, ENTITIES, { r: [assetRepresentation("a1")] }, null))).toEqual(["UNAUTHENTICATED"]);
  });

  it("refuses a representation without the facts @requires names, rather than judging zeros", async () => {
    const result = await execute(subgraph, ENTITIES, { r: [{ __typename: "Asset", id: "a1" }] }, as.fspA);
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
  });
});

// Used by the unit tests above to keep the row → facts mapping honest.
it("productFacts reads the stored attributes the rules need", async () => {
  const [row] = await repos.products.byIds([ids.DCL!], { everything: true });
  expect(productFacts(row!)).toMatchObject({ code: "DCL", minimumCapacityKw: 1000, responseTimeSeconds: 1, durationMinutes: 15 });
});
