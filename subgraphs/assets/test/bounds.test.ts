/**
 * Every number an asset states has a physical bound (D4): capacities ≤ 2,000,000 kW, energy ≤ 10,000,000 kWh,
 * attribute numbers within ±10⁹, each finite; a value outside is BAD_USER_INPUT naming the field and the bound,
 * and nothing is written. And a write never answers an error after it committed: a market unit's sums are read
 * inside its transaction.
 */
import type { DatabaseHandle } from "@sfe/kit";
import { staticReferences } from "@sfe/kit";
import { as, countRows, errorCodes, execute, orgs, setUpSubgraph } from "@sfe/kit/testing";
import { print } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type createAssetsSubgraph, type createRepositories, typeDefs } from "../src/server.js";
import { MAX_ATTRIBUTE_MAGNITUDE, MAX_CAPACITY_KW, MAX_ENERGY_KWH } from "../src/modules/assets/validation.js";
import { assetsSubgraph, mpan, ruleRoutes } from "./helpers.js";

const ORG = orgs.fspA;
const { fspA: fsp, admin } = as;

let handle: DatabaseHandle;
let repos: ReturnType<typeof createRepositories>;
let subgraph: ReturnType<typeof createAssetsSubgraph>;
let serial = 1;

beforeAll(async () => {
  // A unit's creation is checked against the market rules (none in force here): the real engine in process.
  ({ handle, repos, subgraph } = await setUpSubgraph(assetsSubgraph, staticReferences({ Organisation: [ORG] }, ruleRoutes().routes)));
});
afterAll(async () => {
  await subgraph.close();
  await handle.close();
});

const count = (table: string) => countRows(handle, `assets.${table}`);
const REGISTER = /* GraphQL */ `mutation ($input: RegisterAssetInput!) { registerAsset(input: $input) {
  asset { id importCapacityKw exportCapacityKw energyCapacityKwh } } }`;
const battery = (overrides: Record<string, unknown> = {}) => ({
  ownerId: ORG,
  name: `Battery ${serial}`,
  categoryCode: "BESS",
  importCapacityKw: 500,
  exportCapacityKw: 500,
  energyCapacityKwh: 1000,
  meterPointId: mpan(12, serial++),
  ...overrides,
});

/** A refusal: BAD_USER_INPUT naming `field`, its message matching `message`, nothing written. */
async function refused(query: string, variables: Record<string, unknown>, field: string, message: RegExp) {
  const before = [await count("assets"), await count("market_units"), await count("audit_events")];
  const result = await execute(subgraph, query, variables, fsp);
  expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
  expect(result.errors?.[0]?.extensions?.field).toBe(field);
  expect(result.errors?.[0]?.message).toMatch(message);
  expect([await count("assets"), await count("market_units"), await count("audit_events")]).toEqual(before);
}

describe("registerAsset", () => {
  it("takes capacities up to the bounds exactly", async () => {
    const result = await execute(
      subgraph,
      REGISTER,
      { input: battery({ importCapacityKw: MAX_CAPACITY_KW, exportCapacityKw: 0, energyCapacityKwh: MAX_ENERGY_KWH }) },
      fsp,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.registerAsset.asset).toMatchObject({ importCapacityKw: 2_000_000, energyCapacityKwh: 10_000_000 });
  });

  it.each([
    ["importCapacityKw", 2_000_000.01, /^importCapacityKw must be a number ≥ 0 and ≤ 2,000,000 kW \(2 GW\)$/],
    ["exportCapacityKw", 1e308, /^exportCapacityKw must be a number ≥ 0 and ≤ 2,000,000 kW \(2 GW\)$/],
    ["importCapacityKw", -1, /^importCapacityKw must be a number ≥ 0 and ≤ 2,000,000 kW/],
    ["energyCapacityKwh", 10_000_000.5, /^energyCapacityKwh must be a number ≥ 0 and ≤ 10,000,000 kWh \(10 GWh\)$/],
    ["energyCapacityKwh", 1.7976931348623157e308, /^energyCapacityKwh must be a number ≥ 0 and ≤ 10,000,000 kWh/],
  ])("refuses %s = %s, naming the field and the bound", async (field, value, message) => {
    await refused(REGISTER, { input: battery({ [field]: value }) }, field, message);
  });

  it("bounds attribute numbers to ±1,000,000,000", async () => {
    const charger = (chargePointCount: number) => ({
      ownerId: ORG,
      name: `Charger ${serial}`,
      categoryCode: "EV_CHARGER",
      importCapacityKw: 22,
      exportCapacityKw: 0,
      attributes: { chargePointCount },
    });
    await refused(
      REGISTER,
      { input: charger(MAX_ATTRIBUTE_MAGNITUDE + 1) },
      "attributes.chargePointCount",
      /^attributes\.chargePointCount must be between -1,000,000,000 and 1,000,000,000$/,
    );
    const ok = await execute(subgraph, REGISTER, { input: charger(MAX_ATTRIBUTE_MAGNITUDE) }, fsp);
    expect(ok.errors).toBeUndefined();
  });
});

describe("updateAsset and the taxonomy", () => {
  it("updateAsset applies the same bounds", async () => {
    const created = await execute(subgraph, REGISTER, { input: battery() }, fsp);
    const id = created.data!.registerAsset.asset.id;
    const UPDATE = /* GraphQL */ `mutation ($input: UpdateAssetInput!) { updateAsset(input: $input) { asset { id } } }`;
    await refused(UPDATE, { input: { id, exportCapacityKw: 1e308 } }, "exportCapacityKw", /≤ 2,000,000 kW/);
    await refused(UPDATE, { input: { id, energyCapacityKwh: 2e7 } }, "energyCapacityKwh", /≤ 10,000,000 kWh/);
    const [row] = await repos.assets.byIds([id]);
    expect(row).toMatchObject({ exportCapacityKw: 500, energyCapacityKwh: 1000 });
  });

  it("a category attribute's minimum is bounded too", async () => {
    const result = await execute(
      subgraph,
      `mutation ($input: CreateAssetCategoryInput!) { createAssetCategory(input: $input) { category { code } } }`,
      { input: { code: "HUGE_MIN", label: "Huge", attributes: [{ key: "size", label: "Size", type: "NUMBER", minimum: 1e300 }] } },
      admin,
    );
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.message).toBe("attributes[0].minimum must be a finite number between -1,000,000,000 and 1,000,000,000");
  });

  it("states every bound in the schema", () => {
    const sdl = print(typeDefs);
    for (const bound of ["2,000,000 (2 GW)", "10,000,000 (10 GWh)", "-1,000,000,000 and 1,000,000,000"]) expect(sdl).toContain(bound);
    const described = (type: string, field: string) =>
      new RegExp(`(input|type) ${type} [^}]*"""[^"]*2,000,000[^"]*"""\\s*${field}: Float`).test(sdl);
    for (const type of ["Asset", "RegisterAssetInput", "UpdateAssetInput"]) {
      expect(described(type, "importCapacityKw"), type).toBe(true);
      expect(described(type, "exportCapacityKw"), type).toBe(true);
    }
  });
});

describe("createMarketUnit", () => {
  it("never answers an error after committing: members whose sums overflow leave no unit behind", async () => {
    // Two assets stored before the bounds existed (straight into the table): their capacities sum past double precision.
    const huge = [];
    for (const name of ["Legacy 1", "Legacy 2"]) {
      huge.push(
        await repos.assets.create(
          { ownerId: ORG, name, categoryCode: "HEAT_PUMP", importCapacityKw: 1e308, exportCapacityKw: 0, meterPointId: mpan(12, serial++) },
          null,
        ),
      );
    }
    const before = [await count("market_units"), await count("market_unit_members"), await count("audit_events")];
    const result = await execute(
      subgraph,
      `mutation ($input: CreateMarketUnitInput!) { createMarketUnit(input: $input) { marketUnit { id importCapacityKw } } }`,
      { input: { ownerId: ORG, name: "Overflowing", unitType: "SPG", assetIds: huge.map((a) => a.id) } },
      fsp,
    );
    expect(result.errors).toHaveLength(1);
    expect(result.data).toBeNull();
    expect([await count("market_units"), await count("market_unit_members"), await count("audit_events")]).toEqual(before);
  });

  it("answers a new unit's sums as computed in its transaction", async () => {
    const ids = [];
    for (const kw of [1_500_000, 2_000_000]) {
      const created = await execute(subgraph, REGISTER, { input: battery({ importCapacityKw: kw, exportCapacityKw: kw }) }, fsp);
      ids.push(created.data!.registerAsset.asset.id);
    }
    const result = await execute(
      subgraph,
      `mutation ($input: CreateMarketUnitInput!) { createMarketUnit(input: $input) {
        marketUnit { importCapacityKw exportCapacityKw energyCapacityKwh gspGroups } } }`,
      { input: { ownerId: ORG, name: "Big", unitType: "SPG", assetIds: ids } },
      fsp,
    );
    expect(result).toEqual({
      data: {
        createMarketUnit: {
          marketUnit: { importCapacityKw: 3_500_000, exportCapacityKw: 3_500_000, energyCapacityKwh: 2000, gspGroups: ["_C"] },
        },
      },
    });
  });
});
