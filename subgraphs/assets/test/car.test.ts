/**
 * CAR fields resolved lazily through the assets subgraph, against the stand-in register over real HTTP:
 * batching, outage (hub fields still answer, CAR fields null with an UPSTREAM_UNAVAILABLE error naming the
 * registry), import from the CAR, and one entry per CAR id.
 */
import type { DatabaseHandle } from "@sfe/kit";
import { staticReferences } from "@sfe/kit";
import { as, countRows, createMigratedDatabase, errorCodes, execute, orgs, testIdentity } from "@sfe/kit/testing";
import { type CarAsset, type CarRegistry, createCarRegistry, demoRegister } from "@sfe/car-registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CarClient, createCarClient } from "../src/clients/car.js";
import { assetsModule, createAssetsSubgraph } from "../src/server.js";
import { mpan } from "./helpers.js";

const OWNER = orgs.fspA;
const { fspA: FSP, fspB: OTHER_FSP } = as;

let handle: DatabaseHandle;
let registry: CarRegistry;
let car: CarClient;
let subgraph: ReturnType<typeof createAssetsSubgraph>;
/** Commissioned batteries and EV chargers of the demo register: importable without extra attributes. */
let records: CarAsset[];

beforeAll(async () => {
  handle = await createMigratedDatabase(assetsModule);
  const register = demoRegister(300);
  registry = await createCarRegistry({ records: register });
  // Short timeout and a quick breaker reset keep the outage tests fast; the cache is off to count requests.
  car = createCarClient({
    baseUrl: registry.url,
    timeoutMs: 200,
    retries: 1,
    cacheTtlMs: 0,
    breaker: { failureThreshold: 50, resetAfterMs: 10 },
  });
  subgraph = createAssetsSubgraph({ db: handle.db, references: staticReferences({ Organisation: [OWNER] }), car });
  records = register.filter((r) => r.technology === "BESS" && r.commissioningStatus === "COMMISSIONED" && r.energyCapacityKwh);
  expect(records.length).toBeGreaterThan(33); // 30 imported, three kept back
});
afterAll(async () => {
  await car.close();
  await registry.stop();
  await handle.close();
});

const IMPORT = /* GraphQL */ `
  mutation ($input: ImportAssetFromCarInput!) { importAssetFromCar(input: $input) {
    asset { id carId meterPointId category { code } importCapacityKw location { postcode gspGroup } carRecord { carId ratedCapacityKw installer } } } }`;

describe("lazy CAR fields", () => {
  let imported: { id: string; carId: string }[] = [];

  it("imports assets from the CAR: the record's data registered, only the CAR id stored for its own fields", async () => {
    imported = [];
    for (const record of records.slice(0, 30)) {
      const result = await execute(subgraph, IMPORT, { input: { carId: record.carId, ownerId: OWNER } }, FSP);
      expect(result.errors).toBeUndefined();
      imported.push(result.data!.importAssetFromCar.asset);
    }
    const first = records[0]!;
    const result = await execute(
      subgraph,
      `query ($id: ID!) { asset(id: $id) { carId meterPointId importCapacityKw carRecord { ratedCapacityKw installer connectionDate } } }`,
      { id: imported[0]!.id },
      FSP,
    );
    expect(result.data?.asset).toEqual({
      carId: first.carId,
      meterPointId: first.meterPointId,
      importCapacityKw: first.ratedImportKw,
      carRecord: { ratedCapacityKw: first.ratedCapacityKw, installer: first.installer, connectionDate: first.connectionDate },
    });
  });

  it("resolves CAR fields for many assets with one batched CAR request, not one per asset", async () => {
    const before = registry.requestCount();
    const result = await execute(subgraph, `{ assets(first: 100) { id carRecord { carId commissioningStatus } } }`, {}, FSP);
    expect(result.errors).toBeUndefined();
    expect(result.data?.assets).toHaveLength(imported.length);
    expect(result.data?.assets.every((a: { carRecord: unknown }) => a.carRecord !== null)).toBe(true);
    expect(registry.requestCount() - before).toBe(Math.ceil(imported.length / 100));
  });

  it("answers the hub's own fields when the CAR is down: CAR fields null, error UPSTREAM_UNAVAILABLE naming the CAR", async () => {
    registry.setDown(true);
    try {
      const result = await execute(subgraph, `{ assets(first: 5) { id carId carRecord { ratedCapacityKw } } }`, {}, FSP);
      expect(result.data?.assets).toHaveLength(5);
      expect(result.data?.assets.every((a: { carId: string; carRecord: unknown }) => a.carId && a.carRecord === null)).toBe(true);
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", registry: "CAR" });
      // A registration that needs the CAR writes nothing while it is down.
      const before = await countRows(handle, "assets.assets");
      const refused = await execute(subgraph, IMPORT, { input: { carId: records.at(-3)!.carId, ownerId: OWNER } }, FSP);
      expect(errorCodes(refused)).toEqual(["UPSTREAM_UNAVAILABLE"]);
      expect(await countRows(handle, "assets.assets")).toBe(before);
    } finally {
      registry.setDown(false);
    }
  });

  it("answers within the client's timeout when the CAR is slow", async () => {
    registry.setLatency(1_000); // well above the 200 ms timeout
    try {
      const result = await execute(subgraph, `{ assets(first: 2) { name carRecord { carId } } }`, {}, FSP);
      expect(result.data?.assets.map((a: { carRecord: unknown }) => a.carRecord)).toEqual([null, null]);
      expect(errorCodes(result)).toContain("UPSTREAM_UNAVAILABLE");
    } finally {
      registry.setLatency(0);
    }
  });
});

describe("one entry per physical asset", () => {
  it("refuses the same CAR id twice as CONFLICT pointing at the existing asset for its owner only", async () => {
    const record = records.at(-1)!;
    const first = await execute(subgraph, IMPORT, { input: { carId: record.carId, ownerId: OWNER } }, FSP);
    expect(first.errors).toBeUndefined();
    const again = await execute(subgraph, IMPORT, { input: { carId: record.carId, ownerId: OWNER, name: "Again" } }, FSP);
    expect(errorCodes(again)).toEqual(["CONFLICT"]);
    expect(again.errors?.[0]?.extensions?.existingAssetId).toBe(first.data!.importAssetFromCar.asset.id);
    const stranger = await execute(subgraph, IMPORT, { input: { carId: record.carId, ownerId: OTHER_FSP.organisationId } }, OTHER_FSP);
    expect(errorCodes(stranger)).toEqual(["BAD_USER_INPUT"]); // its organisation is unknown to this test's references
  });

  it("ends two racing registrations of one asset as one asset and one CONFLICT", async () => {
    const record = records.at(-2)!;
    const before = await countRows(handle, "assets.assets");
    const results = await Promise.all([0, 1].map(() => execute(subgraph, IMPORT, { input: { carId: record.carId, ownerId: OWNER } }, FSP)));
    expect(results.map((r) => (r.errors ? r.errors[0]?.extensions?.code : "OK")).sort()).toEqual(["CONFLICT", "OK"]);
    expect(await countRows(handle, "assets.assets")).toBe(before + 1);
  });

  it("refuses CAR ids the register does not hold, and decommissioned assets", async () => {
    expect(errorCodes(await execute(subgraph, IMPORT, { input: { carId: "CAR-999999", ownerId: OWNER } }, FSP))).toEqual([
      "BAD_USER_INPUT",
    ]);
    const decommissioned = demoRegister(300).find((r) => r.commissioningStatus === "DECOMMISSIONED");
    if (decommissioned) {
      const result = await execute(subgraph, IMPORT, { input: { carId: decommissioned.carId, ownerId: OWNER } }, FSP);
      expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
      expect(result.errors?.[0]?.message).toMatch(/decommissioned/);
    }
  });
});

describe("a CAR id binds only to the asset the CAR holds it for", () => {
  const THIEF = "7a1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f";
  const thief = testIdentity({ roles: ["FSP"], organisationId: THIEF });
  const REGISTER = /* GraphQL */ `mutation ($input: RegisterAssetInput!) { registerAsset(input: $input) {
    asset { id carId meterPointId carRecord { carId installer } } } }`;
  /** Both organisations exist here: the refusal is the CAR check's, not the owner lookup's. */
  const both = () => createAssetsSubgraph({ db: handle.db, references: staticReferences({ Organisation: [OWNER, THIEF] }), car });
  const registration = (record: CarAsset, ownerId: string, overrides: Record<string, unknown> = {}) => ({
    ownerId,
    name: "Claimed battery",
    categoryCode: "BESS",
    importCapacityKw: 100,
    exportCapacityKw: 100,
    energyCapacityKwh: 200,
    carId: record.carId,
    meterPointId: record.meterPointId,
    ...overrides,
  });

  /** BAD_USER_INPUT on carId, nothing written, and nothing of the CAR's record told. */
  async function refusedClaim(input: Record<string, unknown>, message: RegExp, record: CarAsset) {
    const before = [await countRows(handle, "assets.assets"), await countRows(handle, "assets.audit_events")];
    const result = await execute(both(), REGISTER, { input }, thief);
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.extensions?.field).toBe("carId");
    expect(result.errors?.[0]?.message).toMatch(message);
    const told = JSON.stringify(result.errors);
    for (const secret of [record.meterPointId, record.installer, record.postcode, record.dnoCode, record.connectionDate]) {
      expect(told).not.toContain(secret);
    }
    expect([await countRows(handle, "assets.assets"), await countRows(handle, "assets.audit_events")]).toEqual(before);
  }

  it("refuses another organisation's CAR id with its own meter point, and without one; the owner is not locked out", async () => {
    const record = records[30]!;
    const before = registry.requestCount();
    await refusedClaim(
      registration(record, THIEF, { meterPointId: mpan(10, 424_242) }),
      /^carId: the Central Asset Register holds CAR-\d{6} for another meter point than this meterPointId \(a CAR id binds only to the asset the Central Asset Register holds it for\)$/,
      record,
    );
    await refusedClaim(
      registration(record, THIEF, { meterPointId: undefined }),
      /^carId: give the asset's meterPointId with its CAR id/,
      record,
    );
    expect(registry.requestCount() - before).toBe(2); // asked over HTTP, each time (the test's client caches nothing)
    // The asset's owner registers it as the CAR holds it.
    const owned = await execute(both(), REGISTER, { input: registration(record, OWNER) }, FSP);
    expect(owned.errors).toBeUndefined();
    expect(owned.data?.registerAsset.asset).toMatchObject({
      carId: record.carId,
      meterPointId: record.meterPointId,
      carRecord: { carId: record.carId, installer: record.installer },
    });
  });

  it("refuses the record's meter point under another technology than the CAR's", async () => {
    const record = records[31]!;
    await refusedClaim(
      registration(record, THIEF, { categoryCode: "HEAT_PUMP", energyCapacityKwh: null }),
      /^carId: the Central Asset Register holds CAR-\d{6} for another technology than categoryCode HEAT_PUMP/,
      record,
    );
  });
});
