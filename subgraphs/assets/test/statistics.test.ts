/**
 * assetStatistics and its anonymisation rule (kit/anonymity.ts): a group is reported only when, without the
 * caller's organisation's assets, it has at least 3 distinct owners and no owner holds more than 50% of any
 * total. The differencing attack first: an FSP that pads a group with its own assets learns nothing.
 */
import { randomUUID } from "node:crypto";
import type { DatabaseHandle, Identity } from "@sfe/kit";
import { MAX_OWNER_SHARE, MIN_DISTINCT_OWNERS, staticReferences } from "@sfe/kit";
import { as, execute, orgs, setUpSubgraph, testIdentity } from "@sfe/kit/testing";
import { print } from "graphql";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ASSET_STATISTICS_RULE } from "../src/access.js";
import { type createAssetsSubgraph, type createRepositories, typeDefs } from "../src/server.js";
import { assetsSubgraph, mpan } from "./helpers.js";

let handle: DatabaseHandle;
let repos: ReturnType<typeof createRepositories>;
let subgraph: ReturnType<typeof createAssetsSubgraph>;
let serial = 1;

const { fspA: ATTACKER, fspB: VICTIM } = orgs;
const fsp = (organisationId: string) => testIdentity({ roles: ["FSP"], organisationId });
const { investor } = as;

beforeAll(async () => {
  ({ handle, repos, subgraph } = await setUpSubgraph(assetsSubgraph, staticReferences({ Organisation: [ATTACKER, VICTIM] })));
});
afterAll(() => handle.close());

interface Asset {
  owner: string;
  importCapacityKw?: number;
  exportCapacityKw?: number;
  energyCapacityKwh?: number | null;
  status?: "REGISTERED" | "DEREGISTERED";
}

/** Assets of one category in one GSP group (`_C`, distributor 12), straight into the table. */
async function group(categoryCode: string, members: Asset[]): Promise<void> {
  for (const m of members) {
    await repos.assets.create(
      {
        ownerId: m.owner,
        name: `${categoryCode} ${serial}`,
        categoryCode,
        importCapacityKw: m.importCapacityKw ?? 100,
        exportCapacityKw: m.exportCapacityKw ?? 100,
        energyCapacityKwh: m.energyCapacityKwh ?? null,
        gspGroup: "_C",
        meterPointId: mpan(12, serial++),
        status: m.status ?? "REGISTERED",
      },
      null,
    );
  }
}

const STATISTICS = /* GraphQL */ `query ($c: ID) { assetStatistics(categoryCode: $c, gspGroup: "_C") {
  categoryCode gspGroup assetCount totalImportCapacityKw totalExportCapacityKw totalEnergyCapacityKwh } }`;

async function statistics(caller: Identity, categoryCode: string) {
  const result = await execute(subgraph, STATISTICS, { c: categoryCode }, caller);
  expect(result.errors).toBeUndefined();
  return result.data!.assetStatistics as Record<string, unknown>[];
}

describe("the differencing attack", () => {
  it("an FSP with two assets of its own and one of another FSP's in a group is not shown the group", async () => {
    await group("BESS", [
      { owner: ATTACKER, importCapacityKw: 1, exportCapacityKw: 1, energyCapacityKwh: 1 },
      { owner: ATTACKER, importCapacityKw: 1, exportCapacityKw: 1, energyCapacityKwh: 1 },
      { owner: VICTIM, importCapacityKw: 1234.5, exportCapacityKw: 987.25, energyCapacityKwh: 2469 },
    ]);
    // Three assets, yet nothing to subtract from: the attacker's own two do not count.
    expect(await statistics(fsp(ATTACKER), "BESS")).toEqual([]);
    // Nor to the victim (one other owner), nor to a caller outside the group (two owners).
    expect(await statistics(fsp(VICTIM), "BESS")).toEqual([]);
    expect(await statistics(investor, "BESS")).toEqual([]);
  });

  it("padding the group with more own assets changes nothing", async () => {
    await group("BESS", [{ owner: ATTACKER }, { owner: ATTACKER }, { owner: ATTACKER }]);
    expect(await statistics(fsp(ATTACKER), "BESS")).toEqual([]);
  });

  it("with 3 other distinct owners the group is shown, its totals the whole group's", async () => {
    const [x, y, z] = [randomUUID(), randomUUID(), randomUUID()];
    await group("HEAT_PUMP", [
      { owner: ATTACKER, importCapacityKw: 5, exportCapacityKw: 0 },
      { owner: ATTACKER, importCapacityKw: 5, exportCapacityKw: 0 },
      { owner: x, importCapacityKw: 6, exportCapacityKw: 0 },
      { owner: y, importCapacityKw: 7, exportCapacityKw: 0 },
      { owner: z, importCapacityKw: 8, exportCapacityKw: 0 },
    ]);
    const shown = {
      categoryCode: "HEAT_PUMP",
      gspGroup: "_C",
      assetCount: 5,
      totalImportCapacityKw: 31,
      totalExportCapacityKw: 0,
      totalEnergyCapacityKwh: null,
    };
    expect(await statistics(fsp(ATTACKER), "HEAT_PUMP")).toEqual([shown]);
    expect(await statistics(investor, "HEAT_PUMP")).toEqual([shown]);
    // To x the other owners are the attacker, y and z: three, none over 50%, so shown too.
    expect(await statistics(fsp(x), "HEAT_PUMP")).toEqual([shown]);
  });

  it("with only 2 other owners (a third owner being the caller) the group is hidden from that caller only", async () => {
    const [x, y] = [randomUUID(), randomUUID()];
    await group("SOLAR_PV", [
      { owner: ATTACKER, importCapacityKw: 0, exportCapacityKw: 4 },
      { owner: x, importCapacityKw: 0, exportCapacityKw: 4 },
      { owner: y, importCapacityKw: 0, exportCapacityKw: 4 },
    ]);
    expect(await statistics(fsp(ATTACKER), "SOLAR_PV")).toEqual([]);
    expect(await statistics(investor, "SOLAR_PV")).toEqual([expect.objectContaining({ assetCount: 3, totalExportCapacityKw: 12 })]);
  });

  it("counts owners, not assets, and never DEREGISTERED assets", async () => {
    const [x, y, z] = [randomUUID(), randomUUID(), randomUUID()];
    await group("WIND_TURBINE", [{ owner: x }, { owner: x }, { owner: x }, { owner: y }, { owner: z, status: "DEREGISTERED" }]);
    expect(await statistics(investor, "WIND_TURBINE")).toEqual([]); // 4 live assets, 2 owners
  });
});

describe("the dominance rule", () => {
  it("hides a group where one owner holds more than 50% of a total, and shows it at exactly 50%", async () => {
    const [x, y, z] = [randomUUID(), randomUUID(), randomUUID()];
    await group("CHP", [
      { owner: x, importCapacityKw: 0, exportCapacityKw: 510 },
      { owner: y, importCapacityKw: 0, exportCapacityKw: 250 },
      { owner: z, importCapacityKw: 0, exportCapacityKw: 240 },
    ]);
    expect(await statistics(investor, "CHP")).toEqual([]);
    // A fourth owner dilutes x to 510 / 1020 = 50%: shown.
    await group("CHP", [{ owner: randomUUID(), importCapacityKw: 0, exportCapacityKw: 20 }]);
    expect(await statistics(investor, "CHP")).toEqual([expect.objectContaining({ assetCount: 4, totalExportCapacityKw: 1020 })]);
  });

  it("judges dominance without the caller: its own large assets do not dilute another owner's share", async () => {
    const [x, y, z] = [randomUUID(), randomUUID(), randomUUID()];
    await group("ELECTRIC_BOILER", [
      { owner: ATTACKER, importCapacityKw: 100_000, exportCapacityKw: 0 },
      { owner: x, importCapacityKw: 600, exportCapacityKw: 0 },
      { owner: y, importCapacityKw: 200, exportCapacityKw: 0 },
      { owner: z, importCapacityKw: 200, exportCapacityKw: 0 },
    ]);
    // x holds 60% of the others' import capacity: hidden from everyone, the attacker included.
    expect(await statistics(fsp(ATTACKER), "ELECTRIC_BOILER")).toEqual([]);
    expect(await statistics(investor, "ELECTRIC_BOILER")).toEqual([]);
  });

  it("applies to the energy capacity too: one owner stating it all hides the group", async () => {
    const [x, y, z] = [randomUUID(), randomUUID(), randomUUID()];
    await group("REFRIGERATION", [
      { owner: x, energyCapacityKwh: 50 },
      { owner: y, energyCapacityKwh: null },
      { owner: z, energyCapacityKwh: null },
    ]);
    expect(await statistics(investor, "REFRIGERATION")).toEqual([]);
  });
});

describe("assetStatistics", () => {
  it("is computed by the database in one grouped query, with the caller's organisation and the kit's rule", async () => {
    const spy = vi.spyOn(repos.assets, "statistics");
    await statistics(fsp(ATTACKER), "HEAT_PUMP");
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]![0]).toMatchObject({ rule: ASSET_STATISTICS_RULE, callerOrganisationId: ATTACKER });
    spy.mockRestore();
    // Without a rule to speak of the same query answers every group, the attacked one included.
    const all = await repos.assets.statistics({
      rule: { minOwners: 1, maxOwnerShare: 1 },
      callerOrganisationId: null,
      categoryCode: "BESS",
    });
    expect(all).toEqual([expect.objectContaining({ categoryCode: "BESS", gspGroup: "_C", assetCount: 6 })]);
  });

  it("states the rule in the schema, with the constants' values", () => {
    expect(ASSET_STATISTICS_RULE).toEqual({ minOwners: MIN_DISTINCT_OWNERS, maxOwnerShare: MAX_OWNER_SHARE });
    const sdl = print(typeDefs);
    expect(sdl).toMatch(new RegExp(`at least ${MIN_DISTINCT_OWNERS} distinct\\s+owners`));
    expect(sdl).toMatch(new RegExp(`more than\\s+${MAX_OWNER_SHARE * 100}%`));
    expect(sdl).toMatch(/caller's own organisation's assets out/);
  });
});
