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
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { NewAsset } from "../src/modules/assets/repository.js";
import type { createAssetsSubgraph, createRepositories } from "../src/server.js";
import { assetsSubgraph, mpan } from "./helpers.js";

const { fspA: ORG_A, fspB: ORG_B, soA: ORG_SO } = orgs;
const OTHER_OWNERS = [1, 2, 3, 4].map((n) => `e${n}000000-0000-4000-8000-0000000000e${n}`);

let handle: DatabaseHandle;
let repos: ReturnType<typeof createRepositories>;
let subgraph: ReturnType<typeof createAssetsSubgraph>;

// ---- Who calls -------------------------------------------------------------------------------------

const fspKey = (scopes: string[]) => apiKeyOf(ORG_A, ["FSP"], scopes);
const callers = {
  anonymous: as.anonymous,
  "FSP A": as.fspA,
  "FSP B": as.fspB,
  "SO of _C": as.soA,
  "national SO": as.nationalSo,
  // Not yet verified: the gateway leaves SYSTEM_OPERATOR out of its effective roles.
  "unverified SO of _C": as.unverifiedSoA,
  INVESTOR: as.investor,
  REGULATOR: as.regulator,
  ADMIN: as.admin,
  "FSP A's API key with assets:read": fspKey(["assets:read"]),
  "FSP A's API key with products:read only": fspKey(["products:read"]),
} satisfies Record<string, Identity | null>;
type Caller = keyof typeof callers;

// ---- What exists -----------------------------------------------------------------------------------

interface Fixture {
  key: string;
  id: string;
  owner: string;
  categoryCode: string;
  gspGroup: string | null;
  status?: NewAsset["status"];
  importCapacityKw?: number;
  exportCapacityKw?: number;
  energyCapacityKwh?: number | null;
}

/** Individual assets (a1…b2) and the groups the statistics tests count. */
const fixtures: Omit<Fixture, "id">[] = [
  { key: "a1", owner: ORG_A, categoryCode: "BESS", gspGroup: "_C", energyCapacityKwh: 4000 },
  { key: "a2", owner: ORG_A, categoryCode: "HEAT_PUMP", gspGroup: "_M" },
  { key: "b1", owner: ORG_B, categoryCode: "BESS", gspGroup: "_C", energyCapacityKwh: 2000 },
  { key: "b2", owner: ORG_B, categoryCode: "EV_CHARGER", gspGroup: null },
  // EV_CHARGER × _J: 3 assets, shown.
  { key: "ev1", owner: ORG_A, categoryCode: "EV_CHARGER", gspGroup: "_J", importCapacityKw: 7, exportCapacityKw: 0 },
  { key: "ev2", owner: ORG_A, categoryCode: "EV_CHARGER", gspGroup: "_J", importCapacityKw: 7, exportCapacityKw: 0 },
  { key: "ev3", owner: ORG_B, categoryCode: "EV_CHARGER", gspGroup: "_J", importCapacityKw: 22, exportCapacityKw: 11 },
  // SOLAR_PV × _L: 4 assets, two stating an energy capacity.
  { key: "pv1", owner: ORG_A, categoryCode: "SOLAR_PV", gspGroup: "_L", importCapacityKw: 0, exportCapacityKw: 50, energyCapacityKwh: 10 },
  { key: "pv2", owner: ORG_A, categoryCode: "SOLAR_PV", gspGroup: "_L", importCapacityKw: 0, exportCapacityKw: 50, energyCapacityKwh: 20 },
  { key: "pv3", owner: ORG_B, categoryCode: "SOLAR_PV", gspGroup: "_L", importCapacityKw: 1, exportCapacityKw: 50 },
  { key: "pv4", owner: ORG_B, categoryCode: "SOLAR_PV", gspGroup: "_L", importCapacityKw: 1, exportCapacityKw: 50 },
  // HEAT_PUMP × _J: 2 assets, suppressed (until a third is registered).
  { key: "hp1", owner: ORG_A, categoryCode: "HEAT_PUMP", gspGroup: "_J" },
  { key: "hp2", owner: ORG_B, categoryCode: "HEAT_PUMP", gspGroup: "_J" },
  // WIND_TURBINE × _K: 3 assets, one DEREGISTERED, so 2 count: suppressed.
  { key: "wt1", owner: ORG_A, categoryCode: "WIND_TURBINE", gspGroup: "_K" },
  { key: "wt2", owner: ORG_B, categoryCode: "WIND_TURBINE", gspGroup: "_K" },
  { key: "wt3", owner: ORG_B, categoryCode: "WIND_TURBINE", gspGroup: "_K", status: "DEREGISTERED" },
  // HVAC × _N: one asset each of four other owners, so every caller is shown one group (statistics.test.ts has the rule).
  ...OTHER_OWNERS.map((owner, i) => ({ key: `hvac${i + 1}`, owner, categoryCode: "HVAC", gspGroup: "_N" })),
];
const assets: Fixture[] = [];
const asset = (key: string) => assets.find((f) => f.key === key)!;
let serial = 1;

async function createAsset(f: Omit<Fixture, "id">): Promise<Fixture> {
  const row = await repos.assets.create(
    {
      ownerId: f.owner,
      name: `${f.key} ${f.categoryCode}`,
      categoryCode: f.categoryCode,
      importCapacityKw: f.importCapacityKw ?? 100,
      exportCapacityKw: f.exportCapacityKw ?? 100,
      energyCapacityKwh: f.energyCapacityKwh ?? null,
      gspGroup: f.gspGroup,
      meterPointId: mpan(12, serial++),
      status: f.status ?? "REGISTERED",
    },
    null,
  );
  return { ...f, id: row.id };
}

beforeAll(async () => {
  ({ handle, repos, subgraph } = await setUpSubgraph(assetsSubgraph, staticReferences({ Organisation: [ORG_A, ORG_B, ORG_SO] })));
  for (const fixture of fixtures) assets.push(await createAsset(fixture));
});
afterAll(() => handle.close());

const run = runAs(() => subgraph, callers);

const count = (table: string) => countRows(handle, `assets.${table}`);
const sortedIds = (list: { id: string }[] | null | undefined) => (list ?? []).map((a) => a.id).sort();
const idsOf = (list: Fixture[]) => list.map((f) => f.id).sort();

// ---- Reads -----------------------------------------------------------------------------------------

/**
 * What each caller may do, restated from the access model (not from src/access.ts): `sees` picks the
 * assets it may see; `read` is how single lookups and Organisation.assets answer; `list` how `assets`
 * does; `statistics` how `assetStatistics` does.
 */
type Outcome = "ok" | "UNAUTHENTICATED" | "FORBIDDEN";
const expectations: Record<Caller, { sees: (f: Fixture) => boolean; read: Outcome; list: Outcome; statistics: Outcome }> = {
  anonymous: { sees: () => false, read: "UNAUTHENTICATED", list: "UNAUTHENTICATED", statistics: "UNAUTHENTICATED" },
  "FSP A": { sees: (f) => f.owner === ORG_A, read: "ok", list: "ok", statistics: "ok" },
  "FSP B": { sees: (f) => f.owner === ORG_B, read: "ok", list: "ok", statistics: "ok" },
  "SO of _C": { sees: (f) => f.gspGroup === "_C", read: "ok", list: "ok", statistics: "ok" },
  "national SO": { sees: () => true, read: "ok", list: "ok", statistics: "ok" },
  "unverified SO of _C": { sees: () => false, read: "ok", list: "FORBIDDEN", statistics: "ok" },
  INVESTOR: { sees: () => false, read: "ok", list: "FORBIDDEN", statistics: "ok" },
  REGULATOR: { sees: () => false, read: "ok", list: "FORBIDDEN", statistics: "ok" },
  ADMIN: { sees: () => true, read: "ok", list: "ok", statistics: "ok" },
  "FSP A's API key with assets:read": { sees: (f) => f.owner === ORG_A, read: "ok", list: "ok", statistics: "ok" },
  "FSP A's API key with products:read only": { sees: () => false, read: "FORBIDDEN", list: "FORBIDDEN", statistics: "FORBIDDEN" },
};
const matrix = Object.entries(expectations).map(([caller, expected]) => ({ caller: caller as Caller, ...expected }));

/** A refused operation: exactly one error of `code`, and no data. */
function expectRefused(result: OperationResult<unknown>, code: Outcome) {
  expect(errorCodes(result)).toEqual([code]);
}

const ASSET = /* GraphQL */ `query ($id: ID!) { asset(id: $id) { id owner { id } } }`;
const ENTITIES = /* GraphQL */ `query ($r: [_Any!]!) { _entities(representations: $r) {
  ... on Asset { id } ... on Organisation { id assets(first: 1000) { id } } } }`;

describe.each(matrix)("$caller", ({ caller, sees, read, list, statistics }) => {
  const visible = () => assets.filter(sees);

  it(`asset(id): ${read === "ok" ? "the assets it may see, null for the others" : read}`, async () => {
    for (const f of assets) {
      const result = await run(caller, ASSET, { id: f.id });
      if (read !== "ok") {
        expectRefused(result, read);
        continue;
      }
      expect(result.errors).toBeUndefined();
      expect(result.data?.asset).toEqual(sees(f) ? { id: f.id, owner: { id: f.owner } } : null);
    }
    if (read === "ok") expect((await run(caller, ASSET, { id: UNKNOWN })).data).toEqual({ asset: null });
  });

  it(`assets(…): ${list === "ok" ? "only the assets it may see, filtered in SQL" : list}`, async () => {
    const spy = vi.spyOn(repos.assets, "list");
    const all = await run(caller, `{ assets(first: 1000) { id } }`);
    const otherOrg = await run(caller, `query ($o: ID) { assets(ownerId: $o, first: 1000) { id } }`, { o: ORG_B });
    const inC = await run(caller, `{ assets(gspGroup: "_C", categoryCode: "BESS") { id } }`);
    if (list !== "ok") {
      for (const result of [all, otherOrg, inC]) expectRefused(result, list);
      expect(spy).not.toHaveBeenCalled();
    } else {
      for (const result of [all, otherOrg, inC]) expect(result.errors).toBeUndefined();
      expect(sortedIds(all.data?.assets)).toEqual(idsOf(visible()));
      // Naming another organisation narrows the list; it does not widen it (FSP A gets []).
      expect(sortedIds(otherOrg.data?.assets)).toEqual(idsOf(visible().filter((f) => f.owner === ORG_B)));
      expect(sortedIds(inC.data?.assets)).toEqual(idsOf(visible().filter((f) => f.gspGroup === "_C" && f.categoryCode === "BESS")));
      // The repository got the caller's visibility, so the filtering happened in the query.
      expect(spy.mock.calls.every(([filter]) => filter.visible !== undefined)).toBe(true);
    }
    spy.mockRestore();
  });

  it("_entities Asset: null for every asset it may not see (existence is not revealed)", async () => {
    const unknown = { key: "unknown", id: UNKNOWN } as Fixture;
    const result = await run(caller, ENTITIES, { r: [...assets, unknown].map(({ id }) => ({ __typename: "Asset", id })) });
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities).toEqual([...assets.map((f) => (read === "ok" && sees(f) ? { id: f.id } : null)), null]);
  });

  it(`Organisation.assets via _entities: ${read === "ok" ? "each organisation's assets it may see, from one read" : read}`, async () => {
    const spy = vi.spyOn(repos.assets, "byOwnerIds");
    const result = await run(caller, ENTITIES, { r: [ORG_A, ORG_B].map((id) => ({ __typename: "Organisation", id })) });
    if (read !== "ok") {
      expect(errorCodes(result)).toEqual([read, read]);
      expect(result.data?._entities).toEqual([
        { id: ORG_A, assets: null },
        { id: ORG_B, assets: null },
      ]);
      expect(spy).not.toHaveBeenCalled();
    } else {
      expect(result.errors).toBeUndefined();
      const [a, b] = result.data!._entities as { id: string; assets: { id: string }[] }[];
      expect(sortedIds(a?.assets)).toEqual(idsOf(visible().filter((f) => f.owner === ORG_A)));
      expect(sortedIds(b?.assets)).toEqual(idsOf(visible().filter((f) => f.owner === ORG_B)));
      expect(spy.mock.calls.length).toBeLessThanOrEqual(1); // none at all when it sees nothing
    }
    spy.mockRestore();
  });

  it(`assetStatistics: ${statistics === "ok" ? "the anonymised totals" : statistics}`, async () => {
    const result = await run(caller, `{ assetStatistics { categoryCode gspGroup assetCount } }`);
    if (statistics !== "ok") return expectRefused(result, statistics);
    expect(result.errors).toBeUndefined();
    expect(result.data?.assetStatistics).toEqual([{ categoryCode: "HVAC", gspGroup: "_N", assetCount: 4 }]);
  });
});

// ---- Aggregates ------------------------------------------------------------------------------------

// assetStatistics' values and its anonymisation rule: test/statistics.test.ts.

// ---- Writes ----------------------------------------------------------------------------------------

const REGISTER = /* GraphQL */ `mutation ($input: RegisterAssetInput!) { registerAsset(input: $input) { asset { id owner { id } } } }`;
const UPDATE = /* GraphQL */ `mutation ($input: UpdateAssetInput!) { updateAsset(input: $input) { asset { id name } } }`;
const heatPump = (ownerId: string) => ({
  ownerId,
  name: "Access test heat pump",
  categoryCode: "HEAT_PUMP",
  importCapacityKw: 12,
  exportCapacityKw: 0,
  meterPointId: mpan(15, serial++),
});

/** Runs `write` and checks that a refusal left no asset and no audit event behind. */
async function expectNothingWritten(write: () => Promise<OperationResult>, code: string) {
  const before = [await count("assets"), await count("audit_events")];
  const result = await write();
  expect(errorCodes(result)).toEqual([code]);
  expect(result.data).toBeNull();
  expect([await count("assets"), await count("audit_events")]).toEqual(before);
  return result;
}

describe("registerAsset", () => {
  const allowedForA: Caller[] = ["FSP A", "ADMIN"];
  const refusedForA: [Caller, string, RegExp][] = [
    ["anonymous", "UNAUTHENTICATED", /Sign in/],
    ["FSP B", "FORBIDDEN", /^FSPs register assets for their own organisation$/],
    ["SO of _C", "FORBIDDEN", /Only FSP or ADMIN/],
    ["national SO", "FORBIDDEN", /Only FSP or ADMIN/],
    ["unverified SO of _C", "FORBIDDEN", /Only FSP or ADMIN/],
    ["INVESTOR", "FORBIDDEN", /Only FSP or ADMIN/],
    ["REGULATOR", "FORBIDDEN", /Only FSP or ADMIN/],
    ["FSP A's API key with assets:read", "FORBIDDEN", /assets:write/],
    ["FSP A's API key with products:read only", "FORBIDDEN", /assets:write/],
  ];

  it.each(allowedForA)("%s registers an asset for FSP A", async (caller) => {
    const before = await count("audit_events");
    const result = await run(caller, REGISTER, { input: heatPump(ORG_A) });
    expect(result.errors).toBeUndefined();
    expect(result.data?.registerAsset.asset.owner).toEqual({ id: ORG_A });
    expect(await count("audit_events")).toBe(before + 1);
  });

  it("FSP B registers for its own organisation; an API key with assets:write for its organisation", async () => {
    const own = await run("FSP B", REGISTER, { input: heatPump(ORG_B) });
    expect(own.errors).toBeUndefined();
    expect(own.data?.registerAsset.asset.owner).toEqual({ id: ORG_B });
    const key = await execute(subgraph, REGISTER, { input: heatPump(ORG_A) }, fspKey(["assets:write"]));
    expect(key.errors).toBeUndefined();
    const keyForOther = await expectNothingWritten(
      () => execute(subgraph, REGISTER, { input: heatPump(ORG_B) }, fspKey(["assets:write"])),
      "FORBIDDEN",
    );
    expect(keyForOther.errors?.[0]?.message).toBe("FSPs register assets for their own organisation");
  });

  it.each(refusedForA)("%s may not register an asset for FSP A: %s, nothing written", async (caller, code, message) => {
    const result = await expectNothingWritten(() => run(caller, REGISTER, { input: heatPump(ORG_A) }), code);
    expect(result.errors?.[0]?.message).toMatch(message);
  });

  it("a duplicate meter point is a CONFLICT that does not reveal the other FSP's asset", async () => {
    const a1 = asset("a1");
    const [row] = await repos.assets.byIds([a1.id]);
    const result = await expectNothingWritten(
      () => run("FSP B", REGISTER, { input: { ...heatPump(ORG_B), meterPointId: row!.meterPointId } }),
      "CONFLICT",
    );
    expect(result.errors?.[0]?.message).toBe(
      "An asset with the same meter point is registered already by another organisation: one entry per physical asset",
    );
    const told = JSON.stringify(result.errors);
    expect(told).not.toContain(a1.id);
    expect(told).not.toContain(ORG_A);
  });
});

describe("updateAsset", () => {
  const refusedOnA1: [Caller, string][] = [
    ["anonymous", "UNAUTHENTICATED"],
    ["FSP B", "NOT_FOUND"], // cannot see it: answered exactly as an unknown id
    ["SO of _C", "FORBIDDEN"], // sees it (in its area) but may not change it
    ["national SO", "FORBIDDEN"],
    ["unverified SO of _C", "FORBIDDEN"],
    ["INVESTOR", "FORBIDDEN"],
    ["REGULATOR", "FORBIDDEN"],
    ["FSP A's API key with assets:read", "FORBIDDEN"],
    ["FSP A's API key with products:read only", "FORBIDDEN"],
  ];

  it.each(refusedOnA1)("%s may not update FSP A's asset: %s, nothing written", async (caller, code) => {
    const a1 = asset("a1");
    const [before] = await repos.assets.byIds([a1.id]);
    await expectNothingWritten(() => run(caller, UPDATE, { input: { id: a1.id, name: "Taken over" } }), code);
    expect((await repos.assets.byIds([a1.id]))[0]).toEqual(before);
  });

  it("another organisation's asset is NOT_FOUND exactly like an unknown id", async () => {
    const a1 = asset("a1");
    const hidden = await run("FSP B", UPDATE, { input: { id: a1.id, name: "X" } });
    const unknown = await run("FSP B", UPDATE, { input: { id: UNKNOWN, name: "X" } });
    expect(JSON.stringify(hidden.errors).replaceAll(a1.id, "<id>")).toBe(JSON.stringify(unknown.errors).replaceAll(UNKNOWN, "<id>"));
  });

  it("an organisation that is FSP and SO: FORBIDDEN on another's asset in its area, NOT_FOUND outside it", async () => {
    const both = testIdentity({ roles: ["FSP", "SYSTEM_OPERATOR"], organisationId: ORG_SO, areas: ["_C"] });
    const inArea = await expectNothingWritten(
      () => execute(subgraph, UPDATE, { input: { id: asset("a1").id, name: "X" } }, both),
      "FORBIDDEN",
    );
    expect(inArea.errors?.[0]?.message).toBe("Only the asset's owner or a hub administrator may change it");
    await expectNothingWritten(() => execute(subgraph, UPDATE, { input: { id: asset("a2").id, name: "X" } }, both), "NOT_FOUND");
  });

  it.each(["FSP A", "ADMIN"] as const)("%s updates FSP A's asset, audited", async (caller) => {
    const before = await count("audit_events");
    const result = await run(caller, UPDATE, { input: { id: asset("a1").id, name: `Renamed by ${caller}` } });
    expect(result.errors).toBeUndefined();
    expect(result.data?.updateAsset.asset).toEqual({ id: asset("a1").id, name: `Renamed by ${caller}` });
    expect(await count("audit_events")).toBe(before + 1);
  });

  it("FSP A's API key with assets:write updates its own asset but not FSP B's", async () => {
    const key = fspKey(["assets:write"]);
    const own = await execute(subgraph, UPDATE, { input: { id: asset("a2").id, name: "Renamed by key" } }, key);
    expect(own.errors).toBeUndefined();
    await expectNothingWritten(() => execute(subgraph, UPDATE, { input: { id: asset("b1").id, name: "X" } }, key), "NOT_FOUND");
  });
});
