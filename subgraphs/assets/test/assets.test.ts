import type { DatabaseHandle, Identity } from "@sfe/kit";
import { staticReferences } from "@sfe/kit";
import { as, countRows, errorCodes, execute, MISSING_ID as UNKNOWN, orgs, setUpSubgraph } from "@sfe/kit/testing";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { EVERY_ASSET } from "../src/modules/assets/repository.js";
import type { createAssetsSubgraph, createRepositories } from "../src/server.js";
import { assetsSubgraph, mpan } from "./helpers.js";

const { fspA: OWNER, fspB: OTHER_OWNER } = orgs;
// UNKNOWN is the kit's MISSING_ID; "an unknown owner organisation" below checks that its value is named in the message.

// Who calls: the owning FSP for its own assets, a hub administrator across owners (access.test.ts
// covers everyone else).
const { fspA: OWNER_FSP, admin: ADMIN } = as;

let handle: DatabaseHandle;
let repos: ReturnType<typeof createRepositories>;
let subgraph: ReturnType<typeof createAssetsSubgraph>;

beforeAll(async () => {
  ({ handle, repos, subgraph } = await setUpSubgraph(assetsSubgraph, staticReferences({ Organisation: [OWNER, OTHER_OWNER] })));
});
afterAll(() => handle.close());

/** The same MPAN with its check digit replaced by a wrong one. */
const wrongCheckDigit = (valid: string) => `${valid.slice(0, 12)}${(Number(valid[12]) + 1) % 10}`;

const ASSET_FIELDS = `id name owner { id } category { code label requiresEnergyCapacity } importCapacityKw exportCapacityKw
  energyCapacityKwh location { postcode gspGroup licenceArea dnoGroup } meterPointId status externalId createdAt updatedAt`;
const REGISTER = /* GraphQL */ `
  mutation ($input: RegisterAssetInput!) { registerAsset(input: $input) { asset { ${ASSET_FIELDS} } } }`;
const UPDATE = /* GraphQL */ `
  mutation ($input: UpdateAssetInput!) { updateAsset(input: $input) { asset { ${ASSET_FIELDS} } } }`;
const ASSET = /* GraphQL */ `query ($id: ID!) { asset(id: $id) { ${ASSET_FIELDS} } }`;

let serial = 1;
const battery = (overrides: Record<string, unknown> = {}) => ({
  ownerId: OWNER,
  name: "Hendon Way battery",
  categoryCode: "BESS",
  importCapacityKw: 2000,
  exportCapacityKw: 2000,
  energyCapacityKwh: 4000,
  meterPointId: mpan(12, serial++),
  ...overrides,
});

async function register(input: Record<string, unknown>, as: Identity = OWNER_FSP) {
  const result = await execute(subgraph, REGISTER, { input }, as);
  expect(result.errors).toBeUndefined();
  return result.data!.registerAsset.asset as { id: string; name: string; meterPointId: string | null };
}

const count = (table: string) => countRows(handle, `assets.${table}`);

describe("asset categories", () => {
  it("are seeded by migration: the 11 FMAR codes, BESS needing an energy capacity", async () => {
    // Public: no identity needed.
    const result = await execute(subgraph, `{ assetCategories { code label definition requiresEnergyCapacity } }`);
    expect(result.errors).toBeUndefined();
    const categories = result.data!.assetCategories as { code: string; label: string; requiresEnergyCapacity: boolean }[];
    expect(categories.map((c) => c.code).sort()).toEqual([
      "BESS",
      "CHP",
      "ELECTRIC_BOILER",
      "EV_CHARGER",
      "HEAT_PUMP",
      "HVAC",
      "INDUSTRIAL_LOAD",
      "OTHER",
      "REFRIGERATION",
      "SOLAR_PV",
      "WIND_TURBINE",
    ]);
    expect(categories.find((c) => c.code === "BESS")).toMatchObject({
      label: "Battery Energy Storage System",
      requiresEnergyCapacity: true,
    });
    expect(categories.filter((c) => c.requiresEnergyCapacity).map((c) => c.code)).toEqual(["BESS"]);
  });
});

describe("registerAsset", () => {
  it("registers a battery, derives its location from the MPAN, audits it and reads it back", async () => {
    const audits = await count("audit_events");
    const meterPointId = mpan(12, 4242);
    const created = await register(battery({ meterPointId, postcode: "nw36ds", externalId: "FU-HENDON-1" }));
    const expected = {
      id: created.id,
      name: "Hendon Way battery",
      owner: { id: OWNER },
      category: { code: "BESS", label: "Battery Energy Storage System", requiresEnergyCapacity: true },
      importCapacityKw: 2000,
      exportCapacityKw: 2000,
      energyCapacityKwh: 4000,
      location: { postcode: "NW3 6DS", gspGroup: "_C", licenceArea: "London", dnoGroup: "UKPN" },
      meterPointId,
      status: "REGISTERED",
      externalId: "FU-HENDON-1",
    };
    expect(created).toMatchObject(expected);
    const found = await execute(subgraph, ASSET, { id: created.id }, OWNER_FSP);
    expect(found.errors).toBeUndefined();
    expect(found.data?.asset).toMatchObject(expected);
    expect(new Date(found.data?.asset.createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000); // a Date in-process
    expect(await count("audit_events")).toBe(audits + 1);
  });

  it("accepts the README's example MPAN and a GSP group that agrees with it; without an MPAN the GSP group sets the area", async () => {
    const a = await register(battery({ meterPointId: "1200000000011", gspGroup: "_C", name: "README battery" }));
    expect(a).toMatchObject({ meterPointId: "1200000000011" });
    const b = await execute(
      subgraph,
      REGISTER,
      {
        input: {
          ownerId: OWNER,
          name: "Leeds heat pump",
          categoryCode: "HEAT_PUMP",
          importCapacityKw: 12,
          exportCapacityKw: 0,
          gspGroup: "m",
        },
      },
      OWNER_FSP,
    );
    expect(b.errors).toBeUndefined();
    expect(b.data?.registerAsset.asset).toMatchObject({
      energyCapacityKwh: null,
      meterPointId: null,
      location: { postcode: null, gspGroup: "_M", licenceArea: "Yorkshire", dnoGroup: "NPg" },
    });
    const c = await execute(
      subgraph,
      REGISTER,
      {
        input: { ownerId: OWNER, name: "Nowhere in particular", categoryCode: "OTHER", importCapacityKw: 0, exportCapacityKw: 0 },
      },
      OWNER_FSP,
    );
    expect(c.data?.registerAsset.asset.location).toEqual({ postcode: null, gspGroup: null, licenceArea: null, dnoGroup: null });
  });

  const badCases: [string, Record<string, unknown>, RegExp][] = [
    ["an MPAN of the wrong length", { meterPointId: "120000000001" }, /13-digit.*got 12/],
    ["an MPAN that is not all digits", { meterPointId: "12000000000AB" }, /13-digit/],
    ["an MPAN with distributor id 24", { meterPointId: mpan(24, 1) }, /distributor id 24/],
    ["an MPAN with a wrong check digit", { meterPointId: wrongCheckDigit(mpan(12, 77)) }, new RegExp(`expected ${mpan(12, 77)[12]}`)],
    ["an unknown category", { categoryCode: "NUCLEAR" }, /categoryCode.*NUCLEAR/],
    ["a battery without energy capacity", { energyCapacityKwh: null }, /energyCapacityKwh must be > 0/],
    ["a battery with zero energy capacity", { energyCapacityKwh: 0 }, /energyCapacityKwh must be > 0/],
    ["a negative capacity", { importCapacityKw: -1 }, /importCapacityKw must be a number ≥ 0/],
    ["a negative energy capacity", { energyCapacityKwh: -5 }, /energyCapacityKwh must be a number ≥ 0/],
    ["a malformed postcode", { postcode: "NOT A POSTCODE" }, /postcode/],
    ["a GSP group contradicting the MPAN", { gspGroup: "_A" }, /gspGroup _A contradicts meterPointId.*_C \(London\)/],
    ["an unknown GSP group", { meterPointId: null, gspGroup: "_Z" }, /gspGroup must be a GB GSP group/],
    ["an unknown owner organisation", { ownerId: UNKNOWN }, /ownerId: Organisation 00000000-0000-4000-8000-000000000000 does not exist/],
    ["a malformed owner id", { ownerId: "not-an-id" }, /ownerId must be an id/],
    ["an empty name", { name: "   " }, /name must not be empty/],
    ["a missing required field", { name: undefined }, /name/],
  ];
  it.each(badCases)("rejects %s with BAD_USER_INPUT and writes nothing", async (_case, overrides, message) => {
    const [assets, audits] = [await count("assets"), await count("audit_events")];
    // As ADMIN, who may name any owner: the unknown and malformed owners are input errors, not refusals.
    const result = await execute(subgraph, REGISTER, { input: battery(overrides) }, ADMIN);
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.message).toMatch(message);
    expect(await count("assets")).toBe(assets);
    expect(await count("audit_events")).toBe(audits);
  });

  it("refuses a second asset with the same meter point or external id as CONFLICT, writing nothing", async () => {
    const first = await register(battery({ externalId: "FU-DUP" }));
    const [assets, audits] = [await count("assets"), await count("audit_events")];
    const sameMeter = await execute(subgraph, REGISTER, { input: battery({ meterPointId: first.meterPointId, name: "Copy" }) }, OWNER_FSP);
    expect(errorCodes(sameMeter)).toEqual(["CONFLICT"]);
    // The caller may see the existing asset, so the CONFLICT points at it.
    expect(sameMeter.errors?.[0]?.message).toMatch(/same meter point is registered already \(asset /);
    expect(sameMeter.errors?.[0]?.extensions).toEqual({ code: "CONFLICT", existingAssetId: first.id });
    const sameExternal = await execute(subgraph, REGISTER, { input: battery({ externalId: "FU-DUP" }) }, OWNER_FSP);
    expect(errorCodes(sameExternal)).toEqual(["CONFLICT"]);
    expect(sameExternal.errors?.[0]?.message).toMatch(/external id/);
    expect(await count("assets")).toBe(assets);
    expect(await count("audit_events")).toBe(audits);
  });
});

describe("updateAsset", () => {
  it("updates changed fields with the same validation, and audits the change", async () => {
    const asset = await register(battery({ postcode: "NW3 6DS" }));
    const audits = await count("audit_events");
    const updated = await execute(
      subgraph,
      UPDATE,
      {
        input: { id: asset.id, name: " Hendon Way battery 2 ", exportCapacityKw: 1500, postcode: "sw1a1aa", status: "SUSPENDED" },
      },
      OWNER_FSP,
    );
    expect(updated.errors).toBeUndefined();
    expect(updated.data?.updateAsset.asset).toMatchObject({
      name: "Hendon Way battery 2",
      importCapacityKw: 2000,
      exportCapacityKw: 1500,
      location: { postcode: "SW1A 1AA", gspGroup: "_C" },
      status: "SUSPENDED",
    });
    expect(await count("audit_events")).toBe(audits + 1);

    for (const [input, message] of [
      [{ energyCapacityKwh: null }, /energyCapacityKwh must be > 0 for a BESS/],
      [{ exportCapacityKw: -3 }, /exportCapacityKw/],
      [{ postcode: "12345" }, /postcode/],
      [{ name: "" }, /name must not be empty/],
    ] as const) {
      const result = await execute(subgraph, UPDATE, { input: { id: asset.id, ...input } }, OWNER_FSP);
      expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
      expect(result.errors?.[0]?.message).toMatch(message);
    }
    expect(await count("audit_events")).toBe(audits + 1);
  });

  it("answers NOT_FOUND for an unknown id", async () => {
    const result = await execute(subgraph, UPDATE, { input: { id: UNKNOWN, name: "Y" } }, OWNER_FSP);
    expect(errorCodes(result)).toEqual(["NOT_FOUND"]);
  });
});

describe("queries", () => {
  it("answers null for unknown and malformed ids", async () => {
    expect((await execute(subgraph, ASSET, { id: UNKNOWN }, ADMIN)).data).toEqual({ asset: null });
    expect((await execute(subgraph, ASSET, { id: "not-an-id" }, ADMIN)).data).toEqual({ asset: null });
  });

  it("lists assets by name with owner, category and GSP group filters and paging", async () => {
    const names = ["Zeta EV 1", "Zeta EV 2", "Zeta EV 3"];
    for (const name of names) {
      await register(
        {
          ownerId: OTHER_OWNER,
          name,
          categoryCode: "EV_CHARGER",
          importCapacityKw: 7,
          exportCapacityKw: 0,
          meterPointId: mpan(19, serial++),
          attributes: { chargePointCount: 1 }, // required of an EV charger (taxonomy.test.ts)
        },
        ADMIN,
      );
    }
    await register(
      {
        ownerId: OTHER_OWNER,
        name: "Yarm heat pump",
        categoryCode: "HEAT_PUMP",
        importCapacityKw: 10,
        exportCapacityKw: 0,
        meterPointId: mpan(23, serial++),
      },
      ADMIN,
    );
    const list = async (args: string) => {
      const result = await execute(subgraph, `{ assets(${args}) { name category { code } location { gspGroup } } }`, {}, ADMIN);
      expect(result.errors).toBeUndefined();
      return (result.data!.assets as { name: string }[]).map((a) => a.name);
    };
    expect(await list(`ownerId: "${OTHER_OWNER}"`)).toEqual(["Yarm heat pump", ...names]);
    expect(await list(`ownerId: "${OTHER_OWNER}", categoryCode: "EV_CHARGER"`)).toEqual(names);
    expect(await list(`ownerId: "${OTHER_OWNER}", categoryCode: "EV_CHARGER", first: 2`)).toEqual(names.slice(0, 2));
    expect(await list(`ownerId: "${OTHER_OWNER}", categoryCode: "EV_CHARGER", first: 2, offset: 2`)).toEqual(names.slice(2));
    expect(await list(`gspGroup: "_J"`)).toEqual(names);
    expect(await list(`gspGroup: "_M", categoryCode: "HEAT_PUMP"`)).toEqual(["Leeds heat pump", "Yarm heat pump"]);
    expect(await list(`ownerId: "not-an-id"`)).toEqual([]);
    expect(await list(`categoryCode: "NUCLEAR"`)).toEqual([]);
    expect((await list("first: 1000")).length).toBe(await count("assets"));
    const tooMany = await execute(subgraph, `{ assets(first: 1001) { id } }`, {}, ADMIN);
    expect(errorCodes(tooMany)).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("entities", () => {
  const ENTITIES = /* GraphQL */ `query ($r: [_Any!]!) { _entities(representations: $r) {
    ... on Asset { id name } ... on AssetCategory { code label }
    ... on Organisation { id assets { name } page: assets(first: 1, offset: 1) { name } } } }`;

  it("resolves Asset references, collapsing duplicates into one batched read with unique keys", async () => {
    const a = await register(battery({ name: "Entity A" }));
    const b = await register(battery({ name: "Entity B" }));
    const spy = vi.spyOn(repos.assets, "byIds");
    const representations = [a, b, a, a, b].map(({ id }) => ({ __typename: "Asset", id }));
    representations.push({ __typename: "Asset", id: UNKNOWN }, { __typename: "Asset", id: "nope" });
    const result = await execute(subgraph, ENTITIES, { r: representations }, ADMIN);
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities).toEqual([
      { id: a.id, name: "Entity A" },
      { id: b.id, name: "Entity B" },
      { id: a.id, name: "Entity A" },
      { id: a.id, name: "Entity A" },
      { id: b.id, name: "Entity B" },
      null,
      null,
    ]);
    expect(spy).toHaveBeenCalledTimes(1);
    expect([...spy.mock.calls[0]![0]].sort()).toEqual([a.id, b.id, UNKNOWN, "nope"].sort());
    spy.mockRestore();
  });

  it("resolves Asset references by externalId (a market platform's unit name) in one batched read, as the caller sees them", async () => {
    const a = await register(battery({ name: "Unit A", externalId: "AG-EXT01" }));
    const b = await register(battery({ name: "Unit B", externalId: "AG-EXT02" }));
    const spy = vi.spyOn(repos.assets, "byExternalIds");
    const representations = ["AG-EXT01", "AG-EXT02", "AG-EXT01", "NO-SUCH-UNIT"].map((externalId) => ({ __typename: "Asset", externalId }));
    const result = await execute(subgraph, ENTITIES, { r: representations }, OWNER_FSP);
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities).toEqual([
      { id: a.id, name: "Unit A" },
      { id: b.id, name: "Unit B" },
      { id: a.id, name: "Unit A" },
      null,
    ]);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    // another FSP's lookup by the name finds nothing: the reference obeys the asset's visibility
    const other = await execute(subgraph, ENTITIES, { r: [{ __typename: "Asset", externalId: "AG-EXT01" }] }, as.fspB);
    expect(other.data?._entities).toEqual([null]);
    // leave the owner's assets as the tests below count them
    await handle.db.execute(sql`delete from assets.assets where id in (${a.id}, ${b.id})`);
  });

  it("resolves AssetCategory references by code", async () => {
    const spy = vi.spyOn(repos.categories, "categoryByCodes");
    const result = await execute(
      subgraph,
      ENTITIES,
      {
        r: ["BESS", "HVAC", "BESS", "NUCLEAR"].map((code) => ({ __typename: "AssetCategory", code })),
      },
      ADMIN,
    );
    expect(result.data?._entities).toEqual([
      { code: "BESS", label: "Battery Energy Storage System" },
      { code: "HVAC", label: "HVAC" },
      { code: "BESS", label: "Battery Energy Storage System" },
      null,
    ]);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
  });

  it("resolves Organisation references to their assets with one batched byOwnerIds read per page asked for", async () => {
    const spy = vi.spyOn(repos.assets, "byOwnerIds");
    const representations = [OTHER_OWNER, UNKNOWN, OTHER_OWNER, "nope"].map((id) => ({ __typename: "Organisation", id }));
    const result = await execute(subgraph, ENTITIES, { r: representations }, ADMIN);
    expect(result.errors).toBeUndefined();
    const other = {
      id: OTHER_OWNER,
      assets: ["Yarm heat pump", "Zeta EV 1", "Zeta EV 2", "Zeta EV 3"].map((name) => ({ name })),
      page: [{ name: "Zeta EV 1" }],
    };
    expect(result.data?._entities).toEqual([other, { id: UNKNOWN, assets: [], page: [] }, other, { id: "nope", assets: [], page: [] }]);
    // Two pages were asked for (the default and first: 1, offset: 1): one read each, never one per organisation.
    expect(spy).toHaveBeenCalledTimes(2);
    for (const [ids] of spy.mock.calls) expect([...ids].sort()).toEqual([OTHER_OWNER, UNKNOWN, "nope"].sort());

    spy.mockClear();
    const ownAssets = (await repos.assets.list({ visible: EVERY_ASSET, ownerId: OWNER, limit: 1000, offset: 0 })).length;
    const simple = await execute(
      subgraph,
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Organisation { assets { name } } } }`,
      {
        r: [OWNER, OTHER_OWNER, OWNER].map((id) => ({ __typename: "Organisation", id })),
      },
      ADMIN,
    );
    expect(simple.errors).toBeUndefined();
    const entities = simple.data!._entities as { assets: unknown[] }[];
    expect(entities.map((e) => e.assets.length)).toEqual([ownAssets, 4, ownAssets]);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
  });
});
