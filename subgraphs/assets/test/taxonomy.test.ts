import type { DatabaseHandle, Identity } from "@sfe/kit";
import { staticReferences } from "@sfe/kit";
import { apiKeyOf, as, countRows, errorCodes, type OperationResult, orgs, runAs, setUpSubgraph } from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { NewAsset } from "../src/modules/assets/repository.js";
import { EVERY_ASSET } from "../src/modules/assets/repository.js";
import type { createAssetsSubgraph, createRepositories } from "../src/server.js";
import { attributeIssues } from "../src/modules/categories/validation.js";
import { assetsSubgraph, mpan } from "./helpers.js";

const { fspA: ORG_A, fspB: ORG_B } = orgs;

const callers = {
  anonymous: as.anonymous,
  ADMIN: as.admin,
  "ADMIN's API key with assets:write": apiKeyOf(orgs.hub, ["ADMIN"], ["assets:write"]),
  "FSP A": as.fspA,
  "FSP B": as.fspB,
  "SO of _C": as.soA,
  INVESTOR: as.investor,
  REGULATOR: as.regulator,
} satisfies Record<string, Identity | null>;
type Caller = keyof typeof callers;

let handle: DatabaseHandle;
let repos: ReturnType<typeof createRepositories>;
let subgraph: ReturnType<typeof createAssetsSubgraph>;

beforeAll(async () => {
  ({ handle, repos, subgraph } = await setUpSubgraph(assetsSubgraph, staticReferences({ Organisation: [ORG_A, ORG_B] })));
});
afterAll(() => handle.close());

const run = runAs(() => subgraph, callers);
const count = (table: string) => countRows(handle, `assets.${table}`);

let serial = 1;

const CATEGORY_FIELDS = `code label definition requiresEnergyCapacity version attributes { key label type unit required minimum }`;
const CATEGORIES = /* GraphQL */ `{ assetCategories { ${CATEGORY_FIELDS} } }`;
const CREATE_CATEGORY = /* GraphQL */ `mutation ($input: CreateAssetCategoryInput!) {
  createAssetCategory(input: $input) { category { ${CATEGORY_FIELDS} } } }`;
const UPDATE_CATEGORY = /* GraphQL */ `mutation ($input: UpdateAssetCategoryInput!) {
  updateAssetCategory(input: $input) { category { ${CATEGORY_FIELDS} } assetsNeedingAttention } }`;
const REGISTER = /* GraphQL */ `mutation ($input: RegisterAssetInput!) {
  registerAsset(input: $input) { asset { id attributes attributeIssues category { code version } } } }`;
const UPDATE = /* GraphQL */ `mutation ($input: UpdateAssetInput!) { updateAsset(input: $input) { asset { id attributes attributeIssues } } }`;
const ATTENTION = /* GraphQL */ `query ($c: ID) { assetsNeedingAttention(categoryCode: $c, first: 1000) { id name attributeIssues } }`;

const evCharger = (attributes: Record<string, unknown> | null | undefined, ownerId = ORG_A) => ({
  ownerId,
  name: "Taxonomy EV charger",
  categoryCode: "EV_CHARGER",
  importCapacityKw: 7,
  exportCapacityKw: 0,
  meterPointId: mpan(12, serial++),
  ...(attributes !== undefined && { attributes }),
});

/** Runs `write` and checks that a refusal left no asset, category or audit event behind (and no category changed). */
async function expectNothingWritten(write: () => Promise<OperationResult>, code: string) {
  const tables = ["assets", "asset_categories", "audit_events"];
  const before = [...(await Promise.all(tables.map(count))), await repos.categories.categories()];
  const result = await write();
  expect(errorCodes(result)).toEqual([code]);
  expect(result.data ?? null).toBeNull();
  expect([...(await Promise.all(tables.map(count))), await repos.categories.categories()]).toEqual(before);
  return result;
}

/** Inserts an asset as it may have been stored under an earlier taxonomy (no validation). */
async function storedAsset(values: Partial<NewAsset> & Pick<NewAsset, "categoryCode">) {
  return repos.assets.create(
    {
      ownerId: ORG_A,
      name: `${values.categoryCode} stored`,
      importCapacityKw: 10,
      exportCapacityKw: 0,
      gspGroup: "_C",
      meterPointId: mpan(12, serial++),
      ...values,
    },
    null,
  );
}

describe("the default taxonomy", () => {
  it("is seeded by migration: attributes per category at version 1, public", async () => {
    const result = await run("anonymous", CATEGORIES);
    expect(result.errors).toBeUndefined();
    const categories = result.data!.assetCategories as { code: string; version: number; attributes: unknown[] }[];
    const byCode = Object.fromEntries(categories.map((c) => [c.code, c]));
    expect(categories.every((c) => c.version === 1)).toBe(true);
    const attribute = (key: string, label: string, type: string, extra: Record<string, unknown> = {}) => ({
      key,
      label,
      type,
      unit: null,
      required: false,
      minimum: null,
      ...extra,
    });
    expect(byCode.BESS?.attributes).toEqual([
      attribute("roundTripEfficiencyPct", "Round-trip efficiency", "NUMBER", { unit: "%", minimum: 0 }),
    ]);
    expect(byCode.EV_CHARGER?.attributes).toEqual([
      attribute("chargePointCount", "Charge points", "INTEGER", { required: true, minimum: 1 }),
      attribute("ocppVersion", "OCPP version", "TEXT"),
    ]);
    expect(byCode.HEAT_PUMP?.attributes).toEqual([attribute("thermalStorageKwh", "Thermal storage", "NUMBER", { unit: "kWh" })]);
    expect(byCode.SOLAR_PV?.attributes).toEqual([attribute("curtailable", "Curtailable", "BOOLEAN")]);
    expect(byCode.WIND_TURBINE?.attributes).toEqual([attribute("curtailable", "Curtailable", "BOOLEAN")]);
    expect(byCode.CHP?.attributes).toEqual([attribute("fuel", "Fuel", "TEXT")]);
    for (const code of ["ELECTRIC_BOILER", "HVAC", "REFRIGERATION", "INDUSTRIAL_LOAD", "OTHER"])
      expect(byCode[code]?.attributes).toEqual([]);
    // energyCapacityKwh stays a column, and BESS still requires it.
    expect(byCode.BESS).toMatchObject({ requiresEnergyCapacity: true });
  });
});

describe("asset attributes on registration and update", () => {
  it("registers an EV charger with its attributes (nulls dropped), reads them back, no issues, audited", async () => {
    const audits = await count("audit_events");
    const result = await run("FSP A", REGISTER, { input: evCharger({ chargePointCount: 2, ocppVersion: "2.0.1", colour: null }) });
    expect(result.errors).toBeUndefined();
    expect(result.data?.registerAsset.asset).toMatchObject({
      attributes: { chargePointCount: 2, ocppVersion: "2.0.1" },
      attributeIssues: [],
      category: { code: "EV_CHARGER", version: 1 },
    });
    expect(await count("audit_events")).toBe(audits + 1);
    const [row] = await repos.assets.byIds([result.data!.registerAsset.asset.id]);
    expect(row?.attributes).toEqual({ chargePointCount: 2, ocppVersion: "2.0.1" });
  });

  it("stores {} when a category has no required attribute and none is given", async () => {
    const result = await run("FSP A", REGISTER, {
      input: { ownerId: ORG_A, name: "Plain heat pump", categoryCode: "HEAT_PUMP", importCapacityKw: 5, exportCapacityKw: 0 },
    });
    expect(result.errors).toBeUndefined();
    expect(result.data?.registerAsset.asset).toMatchObject({ attributes: {}, attributeIssues: [] });
  });

  const text201 = "x".repeat(201);
  const badAttributes: [string, Record<string, unknown>, string, RegExp][] = [
    [
      "a required attribute missing",
      evCharger({ ocppVersion: "1.6" }),
      "attributes.chargePointCount",
      /^attributes\.chargePointCount is required$/,
    ],
    ["no attributes at all where one is required", evCharger(undefined), "attributes.chargePointCount", /chargePointCount is required/],
    [
      "an INTEGER with a fraction",
      evCharger({ chargePointCount: 1.5 }),
      "attributes.chargePointCount",
      /chargePointCount must be an integer/,
    ],
    [
      "an INTEGER given as text",
      evCharger({ chargePointCount: "2" }),
      "attributes.chargePointCount",
      /chargePointCount must be an integer/,
    ],
    [
      "an INTEGER under its minimum",
      evCharger({ chargePointCount: 0 }),
      "attributes.chargePointCount",
      /chargePointCount must be ≥ 1 \(is 0\)/,
    ],
    ["a TEXT given as a number", evCharger({ chargePointCount: 1, ocppVersion: 16 }), "attributes.ocppVersion", /ocppVersion must be text/],
    [
      "a TEXT over 200 characters",
      evCharger({ chargePointCount: 1, ocppVersion: text201 }),
      "attributes.ocppVersion",
      /at most 200 characters/,
    ],
    [
      "an unknown key",
      evCharger({ chargePointCount: 1, colour: "red" }),
      "attributes.colour",
      /attributes\.colour is not an attribute of EV_CHARGER/,
    ],
    [
      "a NUMBER under its minimum",
      { ...evCharger({ roundTripEfficiencyPct: -1 }), categoryCode: "BESS", energyCapacityKwh: 10 },
      "attributes.roundTripEfficiencyPct",
      /roundTripEfficiencyPct must be ≥ 0 \(is -1\)/,
    ],
    [
      "a NUMBER given as text",
      { ...evCharger({ thermalStorageKwh: "big" }), categoryCode: "HEAT_PUMP" },
      "attributes.thermalStorageKwh",
      /thermalStorageKwh must be a number/,
    ],
    [
      "a BOOLEAN given as text",
      { ...evCharger({ curtailable: "yes" }), categoryCode: "SOLAR_PV" },
      "attributes.curtailable",
      /curtailable must be true or false/,
    ],
    [
      "any key for a category without attributes",
      { ...evCharger({ size: 3 }), categoryCode: "HVAC" },
      "attributes.size",
      /size is not an attribute of HVAC/,
    ],
  ];
  it.each(badAttributes)("refuses %s: BAD_USER_INPUT naming the attribute, nothing written", async (_case, input, field, message) => {
    const result = await expectNothingWritten(() => run("FSP A", REGISTER, { input }), "BAD_USER_INPUT");
    expect(result.errors?.[0]?.message).toMatch(message);
    expect(result.errors?.[0]?.extensions?.field).toBe(field);
  });

  it("names every problem at once", async () => {
    const result = await expectNothingWritten(
      () => run("FSP A", REGISTER, { input: evCharger({ ocppVersion: 2, extra: true }) }),
      "BAD_USER_INPUT",
    );
    expect(result.errors?.[0]?.message).toBe(
      "attributes.chargePointCount is required; attributes.ocppVersion must be text; attributes.extra is not an attribute of EV_CHARGER",
    );
  });

  it("updateAsset replaces the attributes, checked against the category; null clears them; nothing written when refused", async () => {
    const created = await run("FSP A", REGISTER, { input: { ...evCharger({ thermalStorageKwh: 8 }), categoryCode: "HEAT_PUMP" } });
    const id = created.data!.registerAsset.asset.id as string;
    const replaced = await run("FSP A", UPDATE, { input: { id, attributes: { thermalStorageKwh: 12.5 } } });
    expect(replaced.data?.updateAsset.asset).toEqual({ id, attributes: { thermalStorageKwh: 12.5 }, attributeIssues: [] });
    const [before] = await repos.assets.byIds([id]);
    const refused = await expectNothingWritten(
      () => run("FSP A", UPDATE, { input: { id, attributes: { thermalStorageKwh: true } } }),
      "BAD_USER_INPUT",
    );
    expect(refused.errors?.[0]?.extensions?.field).toBe("attributes.thermalStorageKwh");
    expect((await repos.assets.byIds([id]))[0]).toEqual(before);
    // Another change leaves the attributes alone; null clears them.
    expect((await run("FSP A", UPDATE, { input: { id, name: "Renamed" } })).data?.updateAsset.asset.attributes).toEqual({
      thermalStorageKwh: 12.5,
    });
    expect((await run("FSP A", UPDATE, { input: { id, attributes: null } })).data?.updateAsset.asset.attributes).toEqual({});

    const ev = await run("FSP A", REGISTER, { input: evCharger({ chargePointCount: 3 }) });
    const evId = ev.data!.registerAsset.asset.id as string;
    const cleared = await expectNothingWritten(() => run("FSP A", UPDATE, { input: { id: evId, attributes: null } }), "BAD_USER_INPUT");
    expect(cleared.errors?.[0]?.message).toBe("attributes.chargePointCount is required");
  });
});

describe("maintaining the taxonomy", () => {
  const v2g = {
    code: "v2g_charger",
    label: "Bidirectional EV charger",
    definition: "Vehicle-to-grid charger able to export.",
    attributes: [
      { key: "chargePointCount", label: "Charge points", type: "INTEGER", required: true, minimum: 1 },
      { key: "maxDischargeKw", label: "Maximum discharge", type: "NUMBER", unit: "kW", minimum: 0 },
      { key: "oemCloud", label: "OEM cloud", type: "TEXT" },
    ],
  };

  const refusedCallers: [Caller, string, RegExp][] = [
    ["anonymous", "UNAUTHENTICATED", /Sign in/],
    ["FSP A", "FORBIDDEN", /Only ADMIN/],
    ["SO of _C", "FORBIDDEN", /Only ADMIN/],
    ["INVESTOR", "FORBIDDEN", /Only ADMIN/],
    ["REGULATOR", "FORBIDDEN", /Only ADMIN/],
    ["ADMIN's API key with assets:write", "FORBIDDEN", /^API keys may not maintain the asset taxonomy$/],
  ];
  it.each(refusedCallers)("%s may not create or update a category: %s, nothing written", async (caller, code, message) => {
    const created = await expectNothingWritten(() => run(caller, CREATE_CATEGORY, { input: v2g }), code);
    expect(created.errors?.[0]?.message).toMatch(message);
    const updated = await expectNothingWritten(() => run(caller, UPDATE_CATEGORY, { input: { code: "HVAC", label: "Taken over" } }), code);
    expect(updated.errors?.[0]?.message).toMatch(message);
  });

  it("ADMIN creates a category at version 1, audited, listed publicly; assets of it are checked against it", async () => {
    const audits = await count("audit_events");
    const result = await run("ADMIN", CREATE_CATEGORY, { input: v2g });
    expect(result.errors).toBeUndefined();
    expect(result.data?.createAssetCategory.category).toEqual({
      code: "V2G_CHARGER",
      label: "Bidirectional EV charger",
      definition: "Vehicle-to-grid charger able to export.",
      requiresEnergyCapacity: false,
      version: 1,
      attributes: [
        { key: "chargePointCount", label: "Charge points", type: "INTEGER", unit: null, required: true, minimum: 1 },
        { key: "maxDischargeKw", label: "Maximum discharge", type: "NUMBER", unit: "kW", required: false, minimum: 0 },
        { key: "oemCloud", label: "OEM cloud", type: "TEXT", unit: null, required: false, minimum: null },
      ],
    });
    expect(await count("audit_events")).toBe(audits + 1);
    const listed = await run("anonymous", CATEGORIES);
    expect((listed.data!.assetCategories as { code: string }[]).map((c) => c.code)).toContain("V2G_CHARGER");

    const input = { ...evCharger({ chargePointCount: 1, maxDischargeKw: 7.4 }), categoryCode: "V2G_CHARGER" };
    expect((await run("FSP A", REGISTER, { input })).data?.registerAsset.asset).toMatchObject({ attributeIssues: [] });
    const bad = await expectNothingWritten(
      () => run("FSP A", REGISTER, { input: { ...input, meterPointId: mpan(12, serial++), attributes: { maxDischargeKw: 7 } } }),
      "BAD_USER_INPUT",
    );
    expect(bad.errors?.[0]?.message).toBe("attributes.chargePointCount is required");
  });

  it("a category with neither attributes nor definition is fine", async () => {
    const result = await run("ADMIN", CREATE_CATEGORY, { input: { code: "HYDRO", label: "Hydro" } });
    expect(result.errors).toBeUndefined();
    expect(result.data?.createAssetCategory.category).toMatchObject({ code: "HYDRO", definition: null, attributes: [], version: 1 });
  });

  it("a duplicate code is CONFLICT, nothing written", async () => {
    const result = await expectNothingWritten(() => run("ADMIN", CREATE_CATEGORY, { input: { ...v2g, code: "BESS" } }), "CONFLICT");
    expect(result.errors?.[0]?.message).toBe("Asset category BESS already exists");
  });

  const attribute = (overrides: Record<string, unknown>) => ({ key: "fooBar", label: "Foo", type: "NUMBER", ...overrides });
  const badCategories: [string, Record<string, unknown>, RegExp][] = [
    ["a code starting with a digit", { code: "2G" }, /code must be 2–32 characters/],
    ["a one-letter code", { code: "A" }, /code must be/],
    ["a code with a hyphen", { code: "V2G-CHARGER" }, /code must be/],
    ["a code of 33 characters", { code: `A${"B".repeat(32)}` }, /code must be/],
    ["an empty label", { label: " " }, /label must not be empty/],
    ["an attribute key in PascalCase", { attributes: [attribute({ key: "FooBar" })] }, /attributes\[0\]\.key must be camelCase/],
    ["an attribute key in snake_case", { attributes: [attribute({ key: "foo_bar" })] }, /attributes\[0\]\.key must be camelCase/],
    [
      "a duplicate attribute key",
      { attributes: [attribute({}), attribute({ label: "Again" })] },
      /attributes\[1\]\.key fooBar appears more than once/,
    ],
    ["an attribute key that is an asset field", { attributes: [attribute({ key: "energyCapacityKwh" })] }, /is a field of every asset/],
    [
      "a minimum on a TEXT attribute",
      { attributes: [attribute({ type: "TEXT", minimum: 1 })] },
      /attributes\[0\]\.minimum: only NUMBER and INTEGER/,
    ],
    [
      "a unit on a BOOLEAN attribute",
      { attributes: [attribute({ type: "BOOLEAN", unit: "kW" })] },
      /attributes\[0\]\.unit: only NUMBER and INTEGER/,
    ],
    ["an attribute without a label", { attributes: [attribute({ label: "" })] }, /attributes\[0\]\.label must not be empty/],
    ["an unknown attribute type", { attributes: [attribute({ type: "DATE" })] }, /DATE/],
  ];
  it.each(badCategories)("refuses %s with BAD_USER_INPUT, nothing written", async (_case, overrides, message) => {
    const created = await expectNothingWritten(
      () => run("ADMIN", CREATE_CATEGORY, { input: { ...v2g, code: "NEW_CATEGORY", ...overrides } }),
      "BAD_USER_INPUT",
    );
    expect(created.errors?.[0]?.message).toMatch(message);
    if ("code" in overrides) return;
    const updated = await expectNothingWritten(
      () => run("ADMIN", UPDATE_CATEGORY, { input: { code: "HVAC", ...overrides } }),
      "BAD_USER_INPUT",
    );
    expect(updated.errors?.[0]?.message).toMatch(message);
  });

  it("updating an unknown category is NOT_FOUND", async () => {
    await expectNothingWritten(() => run("ADMIN", UPDATE_CATEGORY, { input: { code: "NUCLEAR", label: "Nuclear" } }), "NOT_FOUND");
  });

  it("an update that changes nothing keeps the version and writes nothing", async () => {
    const [hvac] = await repos.categories.categoryByCodes(["HVAC"]);
    const audits = await count("audit_events");
    const result = await run("ADMIN", UPDATE_CATEGORY, { input: { code: "hvac", label: hvac!.label, attributes: [] } });
    expect(result.errors).toBeUndefined();
    expect(result.data?.updateAssetCategory).toMatchObject({ category: { code: "HVAC", version: 1 }, assetsNeedingAttention: 0 });
    expect(await count("audit_events")).toBe(audits);
  });

  it("a label or definition change bumps the version, audited; an attribute's rule keeps its version when only its label changes", async () => {
    const audits = await count("audit_events");
    const result = await run("ADMIN", UPDATE_CATEGORY, {
      input: {
        code: "CHP",
        definition: null,
        attributes: [{ key: "fuel", label: "Primary fuel", type: "TEXT" }],
      },
    });
    expect(result.errors).toBeUndefined();
    expect(result.data?.updateAssetCategory.category).toMatchObject({
      code: "CHP",
      label: "CHP",
      definition: null,
      version: 2,
      attributes: [{ key: "fuel", label: "Primary fuel", type: "TEXT", required: false }],
    });
    expect(await count("audit_events")).toBe(audits + 1);
    const [chp] = await repos.categories.categoryByCodes(["CHP"]);
    expect(chp?.attributes[0]?.since).toBe(1);
  });
});

describe("a taxonomy change never rewrites assets: it shows up as attention", () => {
  // EV chargers of A (in _C) and B (in _M), registered before the change.
  const ev: Record<string, string> = {};
  const UPDATE_EV = (attributes: Record<string, unknown>[]) => run("ADMIN", UPDATE_CATEGORY, { input: { code: "EV_CHARGER", attributes } });
  const chargePoints = (extra: Record<string, unknown> = {}) => ({
    key: "chargePointCount",
    label: "Charge points",
    type: "INTEGER",
    ...extra,
  });
  const ocpp = { key: "ocppVersion", label: "OCPP version", type: "TEXT" };
  const attention = async (caller: Caller, categoryCode?: string) => {
    const result = await run(caller, ATTENTION, { c: categoryCode });
    expect(result.errors).toBeUndefined();
    return result.data!.assetsNeedingAttention as { id: string; name: string; attributeIssues: string[] }[];
  };
  const evIds = (list: { id: string }[]) => list.map((a) => a.id).filter((id) => Object.values(ev).includes(id));
  const keyOf = (id: string) => Object.entries(ev).find(([, v]) => v === id)?.[0];

  beforeAll(async () => {
    // Version 2: chargePointCount becomes optional, so an EV charger without one can be registered.
    expect((await UPDATE_EV([chargePoints({ required: false, minimum: 1 }), ocpp])).data?.updateAssetCategory).toMatchObject({
      category: { version: 2 },
      assetsNeedingAttention: 0,
    });
    const register = async (key: string, caller: Caller, attributes: Record<string, unknown>, ownerId: string, distributor: number) => {
      const result = await run(caller, REGISTER, {
        input: { ...evCharger(attributes, ownerId), name: `EV ${key}`, meterPointId: mpan(distributor, serial++) },
      });
      expect(result.errors).toBeUndefined();
      ev[key] = result.data!.registerAsset.asset.id;
    };
    await register("a-four", "FSP A", { chargePointCount: 4, ocppVersion: "2.0.1" }, ORG_A, 12);
    await register("a-one", "FSP A", { chargePointCount: 1 }, ORG_A, 12);
    await register("a-none", "FSP A", {}, ORG_A, 12);
    await register("b-none", "FSP B", { ocppVersion: "1.6" }, ORG_B, 23);
    await register("b-gone", "FSP B", {}, ORG_B, 23);
    const gone = await run("FSP B", `mutation ($id: ID!) { deregisterAsset(id: $id) { asset { status } } }`, { id: ev["b-gone"] });
    expect(gone.data?.deregisterAsset.asset.status).toBe("DEREGISTERED");
    for (const caller of ["ADMIN", "FSP A", "FSP B"] as const) expect(evIds(await attention(caller, "EV_CHARGER"))).toEqual([]);
  });

  it("making chargePointCount required with minimum 2 counts the assets that now fail it, without touching them", async () => {
    const before = await repos.assets.byIds(Object.values(ev));
    const result = await UPDATE_EV([chargePoints({ required: true, minimum: 2 }), ocpp]);
    expect(result.errors).toBeUndefined();
    // a-one (1 < 2), a-none and b-none (missing); b-gone is DEREGISTERED; a-four is fine.
    expect(result.data?.updateAssetCategory).toMatchObject({ category: { code: "EV_CHARGER", version: 3 }, assetsNeedingAttention: 3 });
    expect(await repos.assets.byIds(Object.values(ev))).toEqual(before); // not rewritten, not even updatedAt

    const listed = await attention("ADMIN", "EV_CHARGER");
    expect(listed.map((a) => keyOf(a.id))).toEqual(["a-none", "a-one", "b-none"]); // by name
    expect(Object.fromEntries(listed.map((a) => [keyOf(a.id), a.attributeIssues]))).toEqual({
      "a-none": ["chargePointCount is required since category version 3"],
      "a-one": ["chargePointCount must be ≥ 2 since category version 3 (is 1)"],
      "b-none": ["chargePointCount is required since category version 3"],
    });
    const four = await run("FSP A", `query ($id: ID!) { asset(id: $id) { attributeIssues } }`, { id: ev["a-four"] });
    expect(four.data?.asset.attributeIssues).toEqual([]);
    // A DEREGISTERED asset is not listed, but still says what is wrong with it.
    const gone = await run("FSP B", `query ($id: ID!) { asset(id: $id) { attributeIssues } }`, { id: ev["b-gone"] });
    expect(gone.data?.asset.attributeIssues).toEqual(["chargePointCount is required since category version 3"]);
  });

  it("lists only what the caller may see, like assets; investors and regulators are FORBIDDEN", async () => {
    expect((await attention("FSP A", "EV_CHARGER")).map((a) => keyOf(a.id))).toEqual(["a-none", "a-one"]);
    expect((await attention("FSP B", "EV_CHARGER")).map((a) => keyOf(a.id))).toEqual(["b-none"]);
    expect((await attention("SO of _C", "EV_CHARGER")).map((a) => keyOf(a.id))).toEqual(["a-none", "a-one"]);
    expect(evIds(await attention("ADMIN"))).toHaveLength(3); // every category
    expect(await attention("ADMIN", "HVAC")).toEqual([]);
    for (const caller of ["INVESTOR", "REGULATOR"] as const) expect(errorCodes(await run(caller, ATTENTION))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await run("anonymous", ATTENTION))).toEqual(["UNAUTHENTICATED"]);
  });

  it("a fixed asset leaves the list; a removed attribute flags the assets still stating it", async () => {
    const fixed = await run("FSP A", UPDATE, { input: { id: ev["a-one"], attributes: { chargePointCount: 2 } } });
    expect(fixed.data?.updateAsset.asset.attributeIssues).toEqual([]);
    expect((await attention("FSP A", "EV_CHARGER")).map((a) => keyOf(a.id))).toEqual(["a-none"]);

    const result = await UPDATE_EV([chargePoints({ required: true, minimum: 2 })]); // version 4: ocppVersion removed
    const listed = await attention("ADMIN", "EV_CHARGER");
    // Ours below, and the first charger registered in this file, which states an ocppVersion too.
    expect(listed).toHaveLength(4);
    expect(result.data?.updateAssetCategory).toMatchObject({ category: { version: 4 }, assetsNeedingAttention: 4 });
    const issues = Object.fromEntries(listed.filter((a) => keyOf(a.id)).map((a) => [keyOf(a.id), a.attributeIssues]));
    expect(issues).toEqual({
      "a-four": ["ocppVersion is not an attribute of EV_CHARGER (category version 4)"],
      "a-none": ["chargePointCount is required since category version 3"], // the rule dates from version 3, still
      "b-none": [
        "chargePointCount is required since category version 3",
        "ocppVersion is not an attribute of EV_CHARGER (category version 4)",
      ],
    });
  });

  it("a category that starts requiring an energy capacity flags the assets without one", async () => {
    const pump = await storedAsset({ categoryCode: "HEAT_PUMP", name: "Pump without storage" });
    const withStorage = await storedAsset({ categoryCode: "HEAT_PUMP", name: "Pump with storage", energyCapacityKwh: 9 });
    const result = await run("ADMIN", UPDATE_CATEGORY, { input: { code: "HEAT_PUMP", requiresEnergyCapacity: true } });
    expect(result.data?.updateAssetCategory.assetsNeedingAttention).toBeGreaterThanOrEqual(1);
    const listed = await attention("ADMIN", "HEAT_PUMP");
    expect(listed.find((a) => a.id === pump.id)?.attributeIssues).toEqual([
      "energyCapacityKwh must be > 0 for a HEAT_PUMP asset (storage)",
    ]);
    expect(listed.some((a) => a.id === withStorage.id)).toBe(false);
    const back = await run("ADMIN", UPDATE_CATEGORY, { input: { code: "HEAT_PUMP", requiresEnergyCapacity: false } });
    expect(back.data?.updateAssetCategory.assetsNeedingAttention).toBe(0);
  });

  it("is read in one query, and the issues of many assets need one category read", async () => {
    const attentionSpy = vi.spyOn(repos.assets, "needingAttention");
    const categorySpy = vi.spyOn(repos.categories, "categoryByCodes");
    const listed = await attention("ADMIN");
    expect(listed.length).toBeGreaterThanOrEqual(3);
    expect(attentionSpy).toHaveBeenCalledTimes(1);
    expect(attentionSpy.mock.calls[0]![0].visible).toEqual(EVERY_ASSET);
    expect(categorySpy).toHaveBeenCalledTimes(1);
    attentionSpy.mockRestore();
    categorySpy.mockRestore();
  });
});

describe("the SQL attention check agrees with Asset.attributeIssues", () => {
  it("for every kind of value, on both databases", async () => {
    const probe = await run("ADMIN", CREATE_CATEGORY, {
      input: {
        code: "PROBE",
        label: "Probe",
        attributes: [
          { key: "n", label: "Number", type: "NUMBER", minimum: -1.5 },
          { key: "i", label: "Integer", type: "INTEGER", required: true, minimum: 3 },
          { key: "t", label: "Text", type: "TEXT" },
          { key: "b", label: "Boolean", type: "BOOLEAN" },
        ],
      },
    });
    expect(probe.errors).toBeUndefined();
    const variants: [string, Record<string, unknown>, boolean][] = [
      ["valid", { i: 3, n: -1.5, t: "ok", b: false }, false],
      ["valid, integer written 4.0", { i: 4.0 }, false],
      ["missing required", { n: 1 }, true],
      ["empty", {}, true],
      ["integer with a fraction", { i: 3.5 }, true],
      ["integer as text", { i: "3" }, true],
      ["integer under minimum", { i: 2 }, true],
      ["number under minimum", { i: 3, n: -2 }, true],
      ["number as text", { i: 3, n: "1" }, true],
      ["number as boolean", { i: 3, n: true }, true],
      ["big number", { i: 3, n: 1e300 }, false],
      ["text as number", { i: 3, t: 5 }, true],
      ["text of 200 characters", { i: 3, t: "y".repeat(200) }, false],
      ["text of 200 characters beyond the BMP", { i: 3, t: "😀".repeat(200) }, false],
      ["text of 201 characters", { i: 3, t: "y".repeat(201) }, true],
      ["boolean as text", { i: 3, b: "true" }, true],
      ["boolean as number", { i: 3, b: 1 }, true],
      ["an object", { i: 3, t: { nested: 1 } }, true],
      ["an array", { i: 3, n: [1] }, true],
      ["a JSON null", { i: 3, n: null }, true],
      ["required JSON null", { i: null }, true],
      ["unknown key", { i: 3, other: 1 }, true],
    ];
    const ids = new Map<string, string>();
    for (const [name, attributes] of variants) {
      ids.set(name, (await storedAsset({ categoryCode: "PROBE", name: `Probe ${name}`, attributes })).id);
    }
    const flagged = new Set(
      (await repos.assets.needingAttention({ visible: EVERY_ASSET, categoryCode: "PROBE", limit: 1000, offset: 0 })).map((a) => a.id),
    );
    const [category] = await repos.categories.categoryByCodes(["PROBE"]);
    const rows = await repos.assets.byIds([...ids.values()]);
    const mismatches = variants.flatMap(([name, , expected]) => {
      const row = rows.find((r) => r.id === ids.get(name))!;
      const inJs = attributeIssues(category!, row).length > 0;
      const inSql = flagged.has(row.id);
      return inJs === expected && inSql === expected ? [] : [{ name, expected, inJs, inSql }];
    });
    expect(mismatches).toEqual([]);
    expect(await repos.categories.countNeedingAttention("PROBE")).toBe(variants.filter(([, , expected]) => expected).length);
  });
});
