import type { DatabaseHandle, Identity } from "@sfe/kit";
import { staticReferences } from "@sfe/kit";
import {
  apiKeyOf,
  as,
  countRows,
  errorCodes,
  execute,
  MISSING_ID as UNKNOWN,
  type OperationResult,
  orgs,
  runAs,
  setUpSubgraph,
  testIdentity,
} from "@sfe/kit/testing";
import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { auditEvents, marketUnitMembers } from "../src/db/schema.js";
import type { NewAsset } from "../src/modules/assets/repository.js";
import type { createAssetsSubgraph, createRepositories } from "../src/server.js";
import { assetsSubgraph, mpan, ruleRoutes } from "./helpers.js";

const { fspA: ORG_A, fspB: ORG_B, soA: ORG_SO } = orgs;

let handle: DatabaseHandle;
let repos: ReturnType<typeof createRepositories>;
let subgraph: ReturnType<typeof createAssetsSubgraph>;

let serial = 1;

// ---- Who calls -------------------------------------------------------------------------------------

const fspKey = (scopes: string[]) => apiKeyOf(ORG_A, ["FSP"], scopes);
const callers = {
  anonymous: as.anonymous,
  "FSP A": as.fspA,
  "FSP B": as.fspB,
  "SO of _C": as.soA,
  "SO of _M": testIdentity({ roles: ["SYSTEM_OPERATOR"], organisationId: ORG_SO, areas: ["_M"] }),
  "national SO": as.nationalSo,
  "unverified SO of _C": as.unverifiedSoA,
  INVESTOR: as.investor,
  REGULATOR: as.regulator,
  ADMIN: as.admin,
  "FSP A's API key with assets:read": fspKey(["assets:read"]),
  "FSP A's API key with assets:write": fspKey(["assets:write"]),
  "FSP A's API key with products:read only": fspKey(["products:read"]),
} satisfies Record<string, Identity | null>;
type Caller = keyof typeof callers;

const run = runAs(() => subgraph, callers);
const count = (table: string) => countRows(handle, `assets.${table}`);

// ---- What exists -----------------------------------------------------------------------------------

interface AssetFixture {
  id: string;
  owner: string;
  gspGroup: string | null;
}
const assets: Record<string, AssetFixture> = {};
const id = (key: string) => assets[key]!.id;

async function createAsset(key: string, owner: string, values: Partial<NewAsset> & Pick<NewAsset, "categoryCode">) {
  const gspGroup = values.gspGroup === undefined ? "_C" : values.gspGroup;
  const row = await repos.assets.create(
    {
      ownerId: owner,
      name: key,
      importCapacityKw: 10,
      exportCapacityKw: 0,
      meterPointId: gspGroup === "_M" ? mpan(23, serial++) : mpan(12, serial++),
      ...values,
      gspGroup,
    },
    null,
  );
  assets[key] = { id: row.id, owner, gspGroup };
}

interface UnitFixture {
  key: string;
  id: string;
  owner: string;
  /** Its current members (an SO's visibility follows their GSP groups). */
  members: string[];
}
const units: UnitFixture[] = [];
const unit = (key: string) => units.find((u) => u.key === key)!;

async function createUnit(key: string, owner: string, unitType: "SPU" | "SPG", members: string[]) {
  const row = await repos.marketUnits.create({ ownerId: owner, name: key, unitType }, members.map(id), null);
  units.push({ key, id: row.id, owner, members });
  return row;
}

beforeAll(async () => {
  ({ handle, repos, subgraph } = await setUpSubgraph(
    assetsSubgraph,
    staticReferences({ Organisation: [ORG_A, ORG_B, ORG_SO] }, ruleRoutes().routes),
  ));
  await createAsset("A1 battery", ORG_A, { categoryCode: "BESS", importCapacityKw: 100, exportCapacityKw: 100, energyCapacityKwh: 200 });
  await createAsset("A2 heat pump", ORG_A, { categoryCode: "HEAT_PUMP", importCapacityKw: 10, exportCapacityKw: 0 });
  await createAsset("A3 charger", ORG_A, {
    categoryCode: "EV_CHARGER",
    gspGroup: "_M",
    importCapacityKw: 7,
    attributes: { chargePointCount: 1 },
  });
  await createAsset("A4 load", ORG_A, { categoryCode: "OTHER", gspGroup: null, meterPointId: null, importCapacityKw: 50 });
  await createAsset("A5 load", ORG_A, { categoryCode: "OTHER", gspGroup: "_J", meterPointId: null, importCapacityKw: 20 });
  await createAsset("A6 retired", ORG_A, { categoryCode: "OTHER", status: "DEREGISTERED" });
  await createAsset("A7 boiler", ORG_A, { categoryCode: "ELECTRIC_BOILER", importCapacityKw: 30 });
  await createAsset("A8 solar", ORG_A, {
    categoryCode: "SOLAR_PV",
    gspGroup: "_M",
    importCapacityKw: 0,
    exportCapacityKw: 40,
    energyCapacityKwh: 5,
  });
  await createAsset("A9 chiller", ORG_A, { categoryCode: "HVAC", importCapacityKw: 15 });
  await createAsset("B1 battery", ORG_B, { categoryCode: "BESS", importCapacityKw: 300, exportCapacityKw: 300, energyCapacityKwh: 600 });
  await createAsset("B2 heat pump", ORG_B, { categoryCode: "HEAT_PUMP", gspGroup: "_M", importCapacityKw: 8 });
  // The units every caller's reads are checked against (the write tests below make their own).
  await createUnit("A London and Leeds", ORG_A, "SPG", ["A1 battery", "A2 heat pump", "A3 charger"]);
  await createUnit("A single load", ORG_A, "SPU", ["A4 load"]);
  await createUnit("A loads", ORG_A, "SPG", ["A4 load", "A5 load"]);
  await createUnit("B portfolio", ORG_B, "SPG", ["B1 battery", "B2 heat pump"]);
});
afterAll(() => handle.close());

const sortedIds = (list: { id: string }[] | null | undefined) => (list ?? []).map((u) => u.id).sort();
const idsOf = (list: UnitFixture[]) => list.map((u) => u.id).sort();

// ---- Reads -----------------------------------------------------------------------------------------

type Outcome = "ok" | "UNAUTHENTICATED" | "FORBIDDEN";
const assetInArea = (areas: string[]) => (a: AssetFixture) => a.gspGroup !== null && areas.includes(a.gspGroup);
const inArea = (areas: string[]) => (u: UnitFixture) => u.members.some((m) => assetInArea(areas)(assets[m]!));

/**
 * What each caller may do, restated from the access model: `sees` picks the units it may see, `seesAsset` the
 * member assets; `read` is how single lookups and list fields answer, `list` how `marketUnits` does.
 */
const expectations: Record<
  Caller,
  { sees: (u: UnitFixture) => boolean; seesAsset: (a: AssetFixture) => boolean; read: Outcome; list: Outcome }
> = {
  anonymous: { sees: () => false, seesAsset: () => false, read: "UNAUTHENTICATED", list: "UNAUTHENTICATED" },
  "FSP A": { sees: (u) => u.owner === ORG_A, seesAsset: (a) => a.owner === ORG_A, read: "ok", list: "ok" },
  "FSP B": { sees: (u) => u.owner === ORG_B, seesAsset: (a) => a.owner === ORG_B, read: "ok", list: "ok" },
  "SO of _C": { sees: inArea(["_C"]), seesAsset: assetInArea(["_C"]), read: "ok", list: "ok" },
  "SO of _M": { sees: inArea(["_M"]), seesAsset: assetInArea(["_M"]), read: "ok", list: "ok" },
  "national SO": { sees: () => true, seesAsset: () => true, read: "ok", list: "ok" },
  "unverified SO of _C": { sees: () => false, seesAsset: () => false, read: "ok", list: "FORBIDDEN" },
  INVESTOR: { sees: () => false, seesAsset: () => false, read: "ok", list: "FORBIDDEN" },
  REGULATOR: { sees: () => false, seesAsset: () => false, read: "ok", list: "FORBIDDEN" },
  ADMIN: { sees: () => true, seesAsset: () => true, read: "ok", list: "ok" },
  "FSP A's API key with assets:read": { sees: (u) => u.owner === ORG_A, seesAsset: (a) => a.owner === ORG_A, read: "ok", list: "ok" },
  "FSP A's API key with assets:write": { sees: (u) => u.owner === ORG_A, seesAsset: (a) => a.owner === ORG_A, read: "ok", list: "ok" },
  "FSP A's API key with products:read only": { sees: () => false, seesAsset: () => false, read: "FORBIDDEN", list: "FORBIDDEN" },
};
const matrix = Object.entries(expectations).map(([caller, expected]) => ({ caller: caller as Caller, ...expected }));

const UNIT = /* GraphQL */ `query ($id: ID!) { marketUnit(id: $id) { id owner { id } members { id } } }`;
const ENTITIES = /* GraphQL */ `query ($r: [_Any!]!) { _entities(representations: $r) {
  ... on MarketUnit { id members { id } }
  ... on Asset { id units: marketUnits { id } }
  ... on Organisation { id marketUnits(first: 1000) { id } } } }`;

describe.each(matrix)("$caller reading market units", ({ caller, sees, seesAsset, read, list }) => {
  const visible = () => units.filter(sees);
  const visibleMembers = (u: UnitFixture) =>
    u.members
      .map((m) => assets[m]!)
      .filter(seesAsset)
      .map((a) => a.id)
      .sort();

  it(`marketUnit(id): ${read === "ok" ? "the units it may see with the members it may see, null for the others" : read}`, async () => {
    for (const u of units) {
      const result = await run(caller, UNIT, { id: u.id });
      if (read !== "ok") {
        expect(errorCodes(result)).toEqual([read]);
        continue;
      }
      expect(result.errors).toBeUndefined();
      if (!sees(u)) expect(result.data?.marketUnit).toBeNull();
      else {
        expect(result.data?.marketUnit).toMatchObject({ id: u.id, owner: { id: u.owner } });
        expect(sortedIds(result.data?.marketUnit.members)).toEqual(visibleMembers(u));
      }
    }
    if (read === "ok") expect((await run(caller, UNIT, { id: UNKNOWN })).data).toEqual({ marketUnit: null });
  });

  it(`marketUnits(…): ${list === "ok" ? "only the units it may see, filtered in SQL" : list}`, async () => {
    const spy = vi.spyOn(repos.marketUnits, "list");
    const all = await run(caller, `{ marketUnits(first: 1000) { id } }`);
    const ofB = await run(caller, `query ($o: ID) { marketUnits(ownerId: $o) { id } }`, { o: ORG_B });
    if (list !== "ok") {
      for (const result of [all, ofB]) expect(errorCodes(result)).toEqual([list]);
      expect(spy).not.toHaveBeenCalled();
    } else {
      expect(sortedIds(all.data?.marketUnits)).toEqual(idsOf(visible()));
      // Naming another organisation narrows the list; it does not widen it.
      expect(sortedIds(ofB.data?.marketUnits)).toEqual(idsOf(visible().filter((u) => u.owner === ORG_B)));
      expect(spy.mock.calls.every(([filter]) => filter.visible !== undefined)).toBe(true);
    }
    spy.mockRestore();
  });

  it("_entities MarketUnit: null for every unit it may not see (existence is not revealed)", async () => {
    const result = await run(caller, ENTITIES, {
      r: [...units.map((u) => ({ __typename: "MarketUnit", id: u.id })), { __typename: "MarketUnit", id: UNKNOWN }],
    });
    expect(result.errors).toBeUndefined();
    const entities = result.data?._entities as ({ id: string; members: { id: string }[] } | null)[];
    expect(entities.map((e) => e?.id ?? null)).toEqual([...units.map((u) => (read === "ok" && sees(u) ? u.id : null)), null]);
    units.forEach((u, i) => {
      if (sees(u)) expect(sortedIds(entities[i]!.members)).toEqual(visibleMembers(u));
    });
  });

  it("Organisation.marketUnits: each organisation's units it may see", async () => {
    const result = await run(caller, ENTITIES, { r: [ORG_A, ORG_B].map((id) => ({ __typename: "Organisation", id })) });
    if (read !== "ok") return expect(errorCodes(result)).toEqual([read, read]);
    expect(result.errors).toBeUndefined();
    const [a, b] = result.data!._entities as { marketUnits: { id: string }[] }[];
    expect(sortedIds(a?.marketUnits)).toEqual(idsOf(visible().filter((u) => u.owner === ORG_A)));
    expect(sortedIds(b?.marketUnits)).toEqual(idsOf(visible().filter((u) => u.owner === ORG_B)));
  });

  it("Asset.marketUnits: for each asset it may see, the units it may see that the asset is in", async () => {
    const keys = Object.keys(assets);
    const result = await run(caller, ENTITIES, { r: keys.map((k) => ({ __typename: "Asset", id: id(k) })) });
    expect(result.errors).toBeUndefined();
    const entities = result.data!._entities as ({ id: string; units: { id: string }[] } | null)[];
    keys.forEach((k, i) => {
      if (read !== "ok" || !seesAsset(assets[k]!)) expect(entities[i]).toBeNull();
      else expect(sortedIds(entities[i]!.units)).toEqual(idsOf(visible().filter((u) => u.members.includes(k))));
    });
  });
});

describe("aggregates", () => {
  const AGGREGATES = /* GraphQL */ `{ marketUnits(first: 1000) { name unitType status importCapacityKw exportCapacityKw energyCapacityKwh gspGroups } }`;

  it("sum the current members' capacities (energy null when none states one) and list their GSP groups", async () => {
    const result = await run("ADMIN", AGGREGATES);
    expect(result.errors).toBeUndefined();
    const byName = Object.fromEntries((result.data!.marketUnits as { name: string }[]).map((u) => [u.name, u]));
    expect(byName["A London and Leeds"]).toEqual({
      name: "A London and Leeds",
      unitType: "SPG",
      status: "DRAFT",
      importCapacityKw: 117,
      exportCapacityKw: 100,
      energyCapacityKwh: 200,
      gspGroups: ["_C", "_M"],
    });
    expect(byName["A single load"]).toMatchObject({
      unitType: "SPU",
      importCapacityKw: 50,
      exportCapacityKw: 0,
      energyCapacityKwh: null,
      gspGroups: [],
    });
    expect(byName["A loads"]).toMatchObject({ importCapacityKw: 70, energyCapacityKwh: null, gspGroups: ["_J"] });
    expect(byName["B portfolio"]).toMatchObject({
      importCapacityKw: 308,
      exportCapacityKw: 300,
      energyCapacityKwh: 600,
      gspGroups: ["_C", "_M"],
    });
  });

  it("are the whole unit's, even for a system operator who sees only some members", async () => {
    const result = await run("SO of _M", `query ($id: ID!) { marketUnit(id: $id) { members { id } importCapacityKw gspGroups } }`, {
      id: unit("A London and Leeds").id,
    });
    expect(result.data?.marketUnit).toEqual({ members: [{ id: id("A3 charger") }], importCapacityKw: 117, gspGroups: ["_C", "_M"] });
  });
});

describe("batching", () => {
  it("N unit references are one read; their aggregates one more; their members one more", async () => {
    const byIds = vi.spyOn(repos.marketUnits, "byIds");
    const aggregates = vi.spyOn(repos.marketUnits, "aggregates");
    const members = vi.spyOn(repos.marketUnits, "members");
    const representations = [...units, ...units].map((u) => ({ __typename: "MarketUnit", id: u.id }));
    const result = await run(
      "ADMIN",
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on MarketUnit { id importCapacityKw gspGroups members { id } } } }`,
      { r: representations },
    );
    expect(result.errors).toBeUndefined();
    expect((result.data!._entities as unknown[]).every(Boolean)).toBe(true);
    expect(byIds).toHaveBeenCalledTimes(1);
    expect([...byIds.mock.calls[0]![0]].sort()).toEqual(idsOf(units));
    expect(aggregates).toHaveBeenCalledTimes(1);
    expect(members).toHaveBeenCalledTimes(1);
    vi.restoreAllMocks();
  });

  it("a list of units with aggregates is one list read and one aggregate read", async () => {
    const list = vi.spyOn(repos.marketUnits, "list");
    const aggregates = vi.spyOn(repos.marketUnits, "aggregates");
    const result = await run("ADMIN", `{ marketUnits { id importCapacityKw exportCapacityKw energyCapacityKwh gspGroups } }`);
    expect((result.data!.marketUnits as unknown[]).length).toBeGreaterThanOrEqual(4);
    expect(list).toHaveBeenCalledTimes(1);
    expect(aggregates).toHaveBeenCalledTimes(1);
    vi.restoreAllMocks();
  });

  it("Organisation.marketUnits for many organisations and Asset.marketUnits for many assets are one read each", async () => {
    const byOwnerIds = vi.spyOn(repos.marketUnits, "byOwnerIds");
    const byAssetIds = vi.spyOn(repos.marketUnits, "byAssetIds");
    const result = await run("ADMIN", ENTITIES, {
      r: [
        ...[ORG_A, ORG_B, ORG_A, UNKNOWN].map((id) => ({ __typename: "Organisation", id })),
        ...Object.keys(assets).map((k) => ({ __typename: "Asset", id: id(k) })),
      ],
    });
    expect(result.errors).toBeUndefined();
    expect(byOwnerIds).toHaveBeenCalledTimes(1);
    expect(byAssetIds).toHaveBeenCalledTimes(1);
    vi.restoreAllMocks();
  });
});

// ---- Writes ----------------------------------------------------------------------------------------

const UNIT_FIELDS = `id name unitType status owner { id } members { id } importCapacityKw gspGroups
  membershipHistory { asset { id } addedAt removedAt } createdAt updatedAt`;
const CREATE = /* GraphQL */ `mutation ($input: CreateMarketUnitInput!) { createMarketUnit(input: $input) { marketUnit { ${UNIT_FIELDS} } } }`;
const ADD = /* GraphQL */ `mutation ($input: MarketUnitMembersInput!) { addMarketUnitMembers(input: $input) { marketUnit { ${UNIT_FIELDS} } } }`;
const REMOVE = /* GraphQL */ `mutation ($input: MarketUnitMembersInput!) { removeMarketUnitMembers(input: $input) { marketUnit { ${UNIT_FIELDS} } } }`;
const UPDATE = /* GraphQL */ `mutation ($input: UpdateMarketUnitInput!) { updateMarketUnit(input: $input) { marketUnit { ${UNIT_FIELDS} } } }`;

const TABLES = ["market_units", "market_unit_members", "audit_events"];
/** Row counts, every unit and every membership: what a refused (or no-op) write must leave as it was. */
const snapshot = async () => [
  ...(await Promise.all(TABLES.map(count))),
  (
    await repos.marketUnits.byIds(
      units.map((u) => u.id),
      { all: true },
    )
  ).sort((a, b) => (a.id < b.id ? -1 : 1)),
  await handle.db.select().from(marketUnitMembers).orderBy(asc(marketUnitMembers.id)),
];

/** Runs `write` and checks that a refusal left no unit, membership or audit event behind, and changed none. */
async function expectNothingWritten(write: () => Promise<OperationResult>, code: string) {
  const before = await snapshot();
  const result = await write();
  expect(errorCodes(result)).toEqual([code]);
  expect(result.data ?? null).toBeNull();
  expect(await snapshot()).toEqual(before);
  return result;
}

/** Creates a unit through the API as `caller`, recorded among the fixtures. */
async function create(caller: Caller, key: string, unitType: "SPU" | "SPG", members: string[], ownerId = ORG_A) {
  const result = await run(caller, CREATE, { input: { ownerId, name: key, unitType, assetIds: members.map(id) } });
  expect(result.errors).toBeUndefined();
  const created = result.data!.createMarketUnit.marketUnit;
  units.push({ key, id: created.id, owner: ownerId, members });
  return created;
}

const lastAudit = async (entityId: string) => {
  const rows = await handle.db.select().from(auditEvents).where(eq(auditEvents.entityId, entityId)).orderBy(asc(auditEvents.occurredAt));
  return rows.at(-1);
};

describe("createMarketUnit", () => {
  it("FSP A groups its assets into an SPG: DRAFT, members, aggregates, audited in one go", async () => {
    const before = await Promise.all(TABLES.map(count));
    const created = await create("FSP A", "Boiler and solar", "SPG", ["A7 boiler", "A8 solar"]);
    expect(created).toMatchObject({
      name: "Boiler and solar",
      unitType: "SPG",
      status: "DRAFT",
      owner: { id: ORG_A },
      importCapacityKw: 30,
      gspGroups: ["_C", "_M"],
    });
    expect(sortedIds(created.members)).toEqual([id("A7 boiler"), id("A8 solar")].sort());
    expect(created.membershipHistory.every((m: { removedAt: unknown }) => m.removedAt === null)).toBe(true);
    expect(await Promise.all(TABLES.map(count))).toEqual([before[0]! + 1, before[1]! + 2, before[2]! + 1]);
    expect(await lastAudit(created.id)).toMatchObject({
      action: "CREATE",
      entityType: "MarketUnit",
      after: { assetIds: [id("A7 boiler"), id("A8 solar")].sort() },
    });
  });

  it("an SPU of one asset, an SPG of a metered asset and one without a meter point, duplicate ids collapsing", async () => {
    const spu = await create("FSP A", "Battery alone", "SPU", ["A1 battery"]);
    expect(spu).toMatchObject({ unitType: "SPU", members: [{ id: id("A1 battery") }] });
    const again = await run("FSP A", CREATE, {
      input: { ownerId: ORG_A, name: "Twice", unitType: "SPU", assetIds: [id("A2 heat pump"), id("A2 heat pump")] },
    });
    expect(again.errors).toBeUndefined();
    units.push({ key: "Twice", id: again.data!.createMarketUnit.marketUnit.id, owner: ORG_A, members: ["A2 heat pump"] });
    expect(again.data?.createMarketUnit.marketUnit.members).toEqual([{ id: id("A2 heat pump") }]);
    await create("FSP A", "Metered and not", "SPG", ["A1 battery", "A4 load"]); // an asset may be in several units (R-MU-3)
  });

  it("ADMIN creates for any owner; FSP A's API key with assets:write for its own organisation", async () => {
    expect(await create("ADMIN", "Made by admin", "SPU", ["A9 chiller"])).toMatchObject({ owner: { id: ORG_A } });
    expect(await create("FSP A's API key with assets:write", "Made by key", "SPU", ["A9 chiller"])).toMatchObject({ owner: { id: ORG_A } });
  });

  const refused: [Caller, string, RegExp][] = [
    ["anonymous", "UNAUTHENTICATED", /Sign in/],
    ["FSP B", "FORBIDDEN", /^FSPs manage market units for their own organisation$/],
    ["SO of _C", "FORBIDDEN", /Only FSP or ADMIN/],
    ["national SO", "FORBIDDEN", /Only FSP or ADMIN/],
    ["INVESTOR", "FORBIDDEN", /Only FSP or ADMIN/],
    ["REGULATOR", "FORBIDDEN", /Only FSP or ADMIN/],
    ["FSP A's API key with assets:read", "FORBIDDEN", /assets:write/],
    ["FSP A's API key with products:read only", "FORBIDDEN", /assets:write/],
  ];
  it.each(refused)("%s may not create a unit for FSP A: %s, nothing written", async (caller, code, message) => {
    const input = { ownerId: ORG_A, name: "Refused", unitType: "SPU", assetIds: [id("A7 boiler")] };
    const result = await expectNothingWritten(() => run(caller, CREATE, { input }), code);
    expect(result.errors?.[0]?.message).toMatch(message);
  });

  const bad: [string, Caller, () => Record<string, unknown>, RegExp][] = [
    ["no asset", "FSP A", () => ({ assetIds: [] }), /assetIds must list at least one value/],
    ["a malformed asset id", "FSP A", () => ({ assetIds: ["nope"] }), /assetIds must be ids/],
    [
      "an unknown asset",
      "FSP A",
      () => ({ assetIds: [UNKNOWN] }),
      new RegExp(`^assetIds: ${UNKNOWN} is not an asset of the unit's owner$`),
    ],
    [
      "another organisation's asset",
      "FSP A",
      () => ({ assetIds: [id("A7 boiler"), id("B1 battery")] }),
      /is not an asset of the unit's owner/,
    ],
    ["another organisation's asset, as ADMIN", "ADMIN", () => ({ assetIds: [id("B1 battery")] }), /is not an asset of the unit's owner/],
    ["a DEREGISTERED asset", "FSP A", () => ({ assetIds: [id("A6 retired")] }), /is DEREGISTERED/],
    ["an empty name", "FSP A", () => ({ name: " " }), /name must not be empty/],
    ["a malformed owner", "ADMIN", () => ({ ownerId: "nope" }), /ownerId must be an id/],
    [
      "an SPU of two meter points",
      "FSP A",
      () => ({ assetIds: [id("A1 battery"), id("A2 heat pump")] }),
      /SPU's members must share one meter point/,
    ],
    [
      "an SPU of two assets without meter points",
      "FSP A",
      () => ({ assetIds: [id("A4 load"), id("A5 load")] }),
      /SPU's members must share one meter point/,
    ],
    [
      "an SPG of one asset",
      "FSP A",
      () => ({ unitType: "SPG", assetIds: [id("A1 battery")] }),
      /SPG needs members at more than one accounting point/,
    ],
    ["an unknown unit type", "FSP A", () => ({ unitType: "BMU" }), /BMU/],
  ];
  it.each(bad)("refuses %s with BAD_USER_INPUT, nothing written", async (_case, caller, overrides, message) => {
    const input = { ownerId: ORG_A, name: "Bad", unitType: "SPU", assetIds: [id("A7 boiler")], ...overrides() };
    const result = await expectNothingWritten(() => run(caller, CREATE, { input }), "BAD_USER_INPUT");
    expect(result.errors?.[0]?.message).toMatch(message);
  });

  it("another organisation's asset is refused exactly like an unknown one", async () => {
    const other = await run("FSP A", CREATE, { input: { ownerId: ORG_A, name: "X", unitType: "SPU", assetIds: [id("B1 battery")] } });
    const unknown = await run("FSP A", CREATE, { input: { ownerId: ORG_A, name: "X", unitType: "SPU", assetIds: [UNKNOWN] } });
    expect(JSON.stringify(other.errors).replaceAll(id("B1 battery"), "<id>")).toBe(
      JSON.stringify(unknown.errors).replaceAll(UNKNOWN, "<id>"),
    );
  });
});

describe("changing the members", () => {
  const history = (u: { membershipHistory: { asset: { id: string }; removedAt: string | null }[] }) =>
    u.membershipHistory.map((m) => [m.asset.id, m.removedAt === null ? "current" : "ended"]);

  it("adding to a DRAFT unit keeps it DRAFT; the aggregates follow; audited", async () => {
    const created = await create("FSP A", "Growing", "SPG", ["A7 boiler", "A9 chiller"]);
    const result = await run("FSP A", ADD, { input: { unitId: created.id, assetIds: [id("A2 heat pump")] } });
    expect(result.errors).toBeUndefined();
    expect(result.data?.addMarketUnitMembers.marketUnit).toMatchObject({ status: "DRAFT", importCapacityKw: 55, gspGroups: ["_C"] });
    expect(await lastAudit(created.id)).toMatchObject({
      action: "UPDATE",
      before: { assetIds: [id("A7 boiler"), id("A9 chiller")].sort() },
      after: { assetIds: [id("A7 boiler"), id("A9 chiller"), id("A2 heat pump")].sort() },
    });
  });

  it("a composition change of an ACTIVE unit makes it REASSESSMENT_REQUIRED; reactivated, it changes again; history is kept", async () => {
    const created = await create("FSP A", "Active one", "SPG", ["A1 battery", "A3 charger"]);
    const activated = await run("FSP A", UPDATE, { input: { id: created.id, status: "ACTIVE" } });
    expect(activated.data?.updateMarketUnit.marketUnit.status).toBe("ACTIVE");

    const added = await run("FSP A", ADD, { input: { unitId: created.id, assetIds: [id("A8 solar")] } });
    expect(added.data?.addMarketUnitMembers.marketUnit).toMatchObject({ status: "REASSESSMENT_REQUIRED", importCapacityKw: 107 });
    expect(await lastAudit(created.id)).toMatchObject({
      action: "STATUS_CHANGE",
      before: { status: "ACTIVE" },
      after: { status: "REASSESSMENT_REQUIRED" },
    });

    // Reassessed: active again. Removing a member (an SPG keeps more than one accounting point) needs reassessment again.
    await run("FSP A", UPDATE, { input: { id: created.id, status: "ACTIVE" } });
    const removed = await run("FSP A", REMOVE, { input: { unitId: created.id, assetIds: [id("A3 charger")] } });
    expect(removed.errors).toBeUndefined();
    const after = removed.data!.removeMarketUnitMembers.marketUnit;
    expect(after).toMatchObject({ status: "REASSESSMENT_REQUIRED", importCapacityKw: 100, gspGroups: ["_C", "_M"] });
    expect(sortedIds(after.members)).toEqual([id("A1 battery"), id("A8 solar")].sort());
    expect(history(after)).toEqual(
      expect.arrayContaining([
        [id("A1 battery"), "current"],
        [id("A3 charger"), "ended"],
        [id("A8 solar"), "current"],
      ]),
    );

    // Re-adding an asset starts a new membership: the ended one stays in the history.
    const readded = await run("FSP A", ADD, { input: { unitId: created.id, assetIds: [id("A3 charger")] } });
    expect(history(readded.data!.addMarketUnitMembers.marketUnit).filter(([asset]) => asset === id("A3 charger"))).toEqual([
      [id("A3 charger"), "ended"],
      [id("A3 charger"), "current"],
    ]);
    const rows = await handle.db.select().from(marketUnitMembers).where(eq(marketUnitMembers.unitId, created.id));
    expect(rows).toHaveLength(4);
    const ended = rows.find((r) => r.assetId === id("A3 charger") && r.removedAt !== null)!;
    expect(ended.removedAt!.getTime()).toBeGreaterThanOrEqual(ended.addedAt.getTime());
    unit("Active one").members = ["A1 battery", "A8 solar", "A3 charger"];
  });

  it("a system operator sees a unit while a current member is in its area", async () => {
    const created = await create("FSP A", "Leaving _M", "SPG", ["A2 heat pump", "A8 solar"]);
    expect((await run("SO of _M", UNIT, { id: created.id })).data?.marketUnit).toMatchObject({ id: created.id });
    // An SPG left with one accounting point is refused, so add a member in _J before removing the one in _M.
    expect(errorCodes(await run("FSP A", REMOVE, { input: { unitId: created.id, assetIds: [id("A8 solar")] } }))).toEqual([
      "BAD_USER_INPUT",
    ]);
    expect((await run("FSP A", ADD, { input: { unitId: created.id, assetIds: [id("A5 load")] } })).errors).toBeUndefined();
    const removed = await run("FSP A", REMOVE, { input: { unitId: created.id, assetIds: [id("A8 solar")] } });
    expect(removed.errors).toBeUndefined();
    unit("Leaving _M").members = ["A2 heat pump", "A5 load"];
    expect((await run("SO of _M", UNIT, { id: created.id })).data?.marketUnit).toBeNull();
    expect((await run("SO of _C", UNIT, { id: created.id })).data?.marketUnit).toMatchObject({ id: created.id });
  });

  // Refusals: on unit "A London and Leeds" (SPG of A1, A2, A3) unless said otherwise.
  const target = () => unit("A London and Leeds").id;
  /** An organisation that is both FSP and SO (of _C): it sees FSP A's unit in _C but does not own it. */
  const both = testIdentity({ roles: ["FSP", "SYSTEM_OPERATOR"], organisationId: ORG_B, areas: ["_C"] });
  const refusedChanges: [string, Caller | Identity, string, () => { query: string; input: Record<string, unknown> }, RegExp][] = [
    [
      "anonymous",
      "anonymous",
      "UNAUTHENTICATED",
      () => ({ query: ADD, input: { unitId: target(), assetIds: [id("A7 boiler")] } }),
      /Sign in/,
    ],
    [
      "FSP B, who cannot see it",
      "FSP B",
      "NOT_FOUND",
      () => ({ query: ADD, input: { unitId: target(), assetIds: [id("B1 battery")] } }),
      /does not exist/,
    ],
    [
      "FSP B removing",
      "FSP B",
      "NOT_FOUND",
      () => ({ query: REMOVE, input: { unitId: target(), assetIds: [id("A1 battery")] } }),
      /does not exist/,
    ],
    ["FSP B renaming", "FSP B", "NOT_FOUND", () => ({ query: UPDATE, input: { id: target(), name: "Mine now" } }), /does not exist/],
    [
      "the SO of _C, who sees it",
      "SO of _C",
      "FORBIDDEN",
      () => ({ query: ADD, input: { unitId: target(), assetIds: [id("A7 boiler")] } }),
      /Only FSP or ADMIN/,
    ],
    [
      "an organisation that is FSP and SO, in its area",
      both,
      "FORBIDDEN",
      () => ({ query: UPDATE, input: { id: target(), name: "X" } }),
      /^Only the market unit's owner or a hub administrator may change it$/,
    ],
    [
      "INVESTOR",
      "INVESTOR",
      "FORBIDDEN",
      () => ({ query: REMOVE, input: { unitId: target(), assetIds: [id("A1 battery")] } }),
      /Only FSP or ADMIN/,
    ],
    [
      "an API key with assets:read",
      "FSP A's API key with assets:read",
      "FORBIDDEN",
      () => ({ query: UPDATE, input: { id: target(), name: "X" } }),
      /assets:write/,
    ],
    [
      "an unknown unit",
      "FSP A",
      "NOT_FOUND",
      () => ({ query: ADD, input: { unitId: UNKNOWN, assetIds: [id("A7 boiler")] } }),
      /does not exist/,
    ],
    [
      "a malformed unit id",
      "FSP A",
      "BAD_USER_INPUT",
      () => ({ query: ADD, input: { unitId: "nope", assetIds: [id("A7 boiler")] } }),
      /unitId must be an id/,
    ],
    [
      "an asset already a member",
      "FSP A",
      "BAD_USER_INPUT",
      () => ({ query: ADD, input: { unitId: target(), assetIds: [id("A1 battery")] } }),
      /is already a member/,
    ],
    [
      "another organisation's asset",
      "FSP A",
      "BAD_USER_INPUT",
      () => ({ query: ADD, input: { unitId: target(), assetIds: [id("B1 battery")] } }),
      /assetIds: .* is not an asset of the unit's owner/,
    ],
    [
      "an unknown asset",
      "ADMIN",
      "BAD_USER_INPUT",
      () => ({ query: ADD, input: { unitId: target(), assetIds: [UNKNOWN] } }),
      /assetIds: .* is not an asset of the unit's owner/,
    ],
    [
      "a DEREGISTERED asset",
      "FSP A",
      "BAD_USER_INPUT",
      () => ({ query: ADD, input: { unitId: target(), assetIds: [id("A6 retired")] } }),
      /DEREGISTERED/,
    ],
    ["no asset", "FSP A", "BAD_USER_INPUT", () => ({ query: ADD, input: { unitId: target(), assetIds: [] } }), /at least one/],
    [
      "removing a non-member",
      "FSP A",
      "BAD_USER_INPUT",
      () => ({ query: REMOVE, input: { unitId: target(), assetIds: [id("A9 chiller")] } }),
      /is not a member of the unit/,
    ],
    [
      "removing every member",
      "FSP A",
      "BAD_USER_INPUT",
      () => ({ query: REMOVE, input: { unitId: target(), assetIds: ["A1 battery", "A2 heat pump", "A3 charger"].map(id) } }),
      /cannot lose its last member/,
    ],
    [
      "the last member of an SPU",
      "FSP A",
      "BAD_USER_INPUT",
      () => ({ query: REMOVE, input: { unitId: unit("A single load").id, assetIds: [id("A4 load")] } }),
      /cannot lose its last member/,
    ],
    [
      "a second meter point in an SPU",
      "FSP A",
      "BAD_USER_INPUT",
      () => ({ query: ADD, input: { unitId: unit("A single load").id, assetIds: [id("A7 boiler")] } }),
      /SPU's members must share one meter point/,
    ],
    [
      "leaving an SPG with one accounting point",
      "FSP A",
      "BAD_USER_INPUT",
      () => ({ query: REMOVE, input: { unitId: unit("A loads").id, assetIds: [id("A5 load")] } }),
      /SPG needs members at more than one accounting point/,
    ],
    [
      "a status going back to DRAFT",
      "FSP A",
      "CONFLICT",
      () => ({ query: UPDATE, input: { id: unit("Active one").id, status: "DRAFT" } }),
      /cannot become DRAFT/,
    ],
    ["an empty name", "FSP A", "BAD_USER_INPUT", () => ({ query: UPDATE, input: { id: target(), name: "" } }), /name must not be empty/],
  ];
  it.each(refusedChanges)("refuses %s: %s, nothing written", async (_case, caller, code, operation, message) => {
    const { query, input } = operation();
    const identity = typeof caller === "string" ? callers[caller] : caller;
    const result = await expectNothingWritten(() => execute(subgraph, query, { input }, identity), code);
    expect(result.errors?.[0]?.message).toMatch(message);
  });

  it("another organisation's unit is NOT_FOUND exactly like an unknown id", async () => {
    const hidden = await run("FSP B", UPDATE, { input: { id: target(), name: "X" } });
    const unknown = await run("FSP B", UPDATE, { input: { id: UNKNOWN, name: "X" } });
    expect(JSON.stringify(hidden.errors).replaceAll(target(), "<id>")).toBe(JSON.stringify(unknown.errors).replaceAll(UNKNOWN, "<id>"));
  });
});

describe("updateMarketUnit", () => {
  it("renames and moves through the life cycle, audited; a change to nothing writes nothing; DEREGISTERED is final", async () => {
    const created = await create("ADMIN", "Life cycle", "SPU", ["A7 boiler"]);
    const audits = await count("audit_events");
    const renamed = await run("FSP A", UPDATE, { input: { id: created.id, name: " Life cycle 2 " } });
    expect(renamed.data?.updateMarketUnit.marketUnit).toMatchObject({ name: "Life cycle 2", status: "DRAFT" });
    expect(await lastAudit(created.id)).toMatchObject({ action: "UPDATE" });
    let activeSince: unknown;
    for (const status of ["ACTIVE", "SUSPENDED", "ACTIVE", "REASSESSMENT_REQUIRED", "ACTIVE"]) {
      const result = await run("FSP A", UPDATE, { input: { id: created.id, status } });
      expect(result.errors).toBeUndefined();
      expect(result.data?.updateMarketUnit.marketUnit.status).toBe(status);
      expect(await lastAudit(created.id)).toMatchObject({ action: "STATUS_CHANGE", after: { status } });
      activeSince = result.data?.updateMarketUnit.marketUnit.updatedAt;
    }
    expect(await count("audit_events")).toBe(audits + 6);
    const before = await snapshot();
    const same = await run("FSP A", UPDATE, { input: { id: created.id, name: "Life cycle 2", status: "ACTIVE" } });
    expect(same.errors).toBeUndefined();
    expect(same.data?.updateMarketUnit.marketUnit.updatedAt).toEqual(activeSince);
    expect(await snapshot()).toEqual(before);

    expect(
      (await run("ADMIN", UPDATE, { input: { id: created.id, status: "DEREGISTERED" } })).data?.updateMarketUnit.marketUnit.status,
    ).toBe("DEREGISTERED");
    for (const [query, input] of [
      [UPDATE, { id: created.id, status: "ACTIVE" }],
      [UPDATE, { id: created.id, name: "Revived" }],
      [ADD, { unitId: created.id, assetIds: [id("A9 chiller")] }],
    ] as const) {
      const result = await expectNothingWritten(() => run("FSP A", query, { input }), "BAD_USER_INPUT");
      expect(result.errors?.[0]?.message).toMatch(/DEREGISTERED and can no longer change/);
    }
  });

  it("a DRAFT unit cannot be suspended: CONFLICT naming both statuses (marketUnitLifecycle)", async () => {
    const created = await create("FSP A", "Draft only", "SPU", ["A9 chiller"]);
    const result = await expectNothingWritten(() => run("FSP A", UPDATE, { input: { id: created.id, status: "SUSPENDED" } }), "CONFLICT");
    expect(result.errors?.[0]?.message).toBe(
      `MarketUnit ${created.id} is DRAFT: it cannot become SUSPENDED; from DRAFT it may become ACTIVE, DEREGISTERED`,
    );
    expect(result.errors?.[0]?.extensions).toMatchObject({ currentStatus: "DRAFT", requestedStatus: "SUSPENDED" });
  });
});

describe("after the writes", () => {
  it("every caller still sees exactly its units, members included", async () => {
    for (const { caller, sees, list } of matrix) {
      if (list !== "ok") continue;
      const result = await run(caller, `{ marketUnits(first: 1000) { id } }`);
      expect(sortedIds(result.data?.marketUnits), caller).toEqual(idsOf(units.filter(sees)));
    }
  });
});
