import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ASSET_CATEGORIES,
  type CarAsset,
  type CarRegistry,
  carId,
  createCarRegistry,
  demoRegister,
  isValidMpanCore,
  LICENCE_AREAS,
  MAX_BATCH,
  mpanCore,
} from "../src/server.js";

let registry: CarRegistry;
beforeAll(async () => {
  registry = await createCarRegistry();
});
afterAll(() => registry.stop());

async function get(path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${registry.url}${path}`);
  return { status: response.status, body: await response.json() };
}

const ids = (assets: CarAsset[]) => assets.map((asset) => asset.carId).sort();

describe("the demo register (ILLUSTRATIVE)", () => {
  const records = demoRegister();

  it("has 300 records, CAR-000001 upwards, the same on every call", () => {
    expect(records).toHaveLength(300);
    expect(records[0]!.carId).toBe("CAR-000001");
    expect(records[299]!.carId).toBe("CAR-000300");
    expect(new Set(records.map((r) => r.carId)).size).toBe(300);
    expect(demoRegister()).toEqual(records);
    expect(demoRegister(10)).toEqual(records.slice(0, 10));
  });

  it("holds the hub's demo batteries on their MPANs", () => {
    expect(records[0]).toMatchObject({ meterPointId: mpanCore(12, "0048213907"), technology: "BESS", ratedCapacityKw: 2000 });
    expect(records[1]).toMatchObject({ meterPointId: mpanCore(22, "0073150264"), technology: "BESS", energyCapacityKwh: 1000 });
  });

  it("has valid, unique MPAN cores whose distributor matches the DNO", () => {
    expect(new Set(records.map((r) => r.meterPointId)).size).toBe(300);
    for (const record of records) {
      expect(isValidMpanCore(record.meterPointId), record.meterPointId).toBe(true);
      expect(record.dnoCode).toBe(LICENCE_AREAS[Number(record.meterPointId.slice(0, 2))]!.dnoCode);
    }
  });

  it("has plausible values", () => {
    const technologies = new Set(records.map((r) => r.technology));
    expect(technologies.size).toBeGreaterThanOrEqual(8);
    for (const record of records) {
      expect(ASSET_CATEGORIES).toContain(record.technology);
      expect(record.ratedCapacityKw).toBe(Math.max(record.ratedImportKw, record.ratedExportKw));
      expect(record.ratedCapacityKw).toBeGreaterThan(0);
      expect(record.energyCapacityKwh === null).toBe(record.technology !== "BESS");
      expect(record.connectionDate).toMatch(/^20(1[2-9]|2[0-5])-\d\d-\d\d$/);
      expect(record.postcode).toMatch(/^[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}$/);
      expect(Date.parse(record.updatedAt)).toBeGreaterThanOrEqual(Date.parse(record.connectionDate));
      expect(["COMMISSIONING", "COMMISSIONED", "DECOMMISSIONED"]).toContain(record.commissioningStatus);
    }
  });

  it("checks MPAN cores", () => {
    expect(isValidMpanCore("1200482139071")).toBe(true);
    expect(isValidMpanCore("1200482139072")).toBe(false); // wrong check digit
    expect(isValidMpanCore("0900482139071")).toBe(false); // no distributor 09
    expect(isValidMpanCore("120048213907")).toBe(false);
  });
});

describe("GET /v1/assets", () => {
  it("answers a batch of CAR ids with the ones found", async () => {
    const { status, body } = await get("/v1/assets?ids=CAR-000003,CAR-999999,CAR-000001,CAR-000003");
    expect(status).toBe(200);
    expect(ids(body.assets)).toEqual(["CAR-000001", "CAR-000003"]);
    expect(body.assets.find((a: CarAsset) => a.carId === "CAR-000001")).toEqual(demoRegister(1)[0]);
  });

  it("accepts the parameter repeated", async () => {
    const { body } = await get("/v1/assets?ids=CAR-000001&ids=CAR-000002");
    expect(ids(body.assets)).toEqual(["CAR-000001", "CAR-000002"]);
  });

  it("answers a batch of MPAN cores", async () => {
    const [a, b] = demoRegister(12).slice(10);
    const { status, body } = await get(`/v1/assets?meterPointIds=${a!.meterPointId},${b!.meterPointId},1200000000000`);
    expect(status).toBe(200);
    expect(ids(body.assets)).toEqual([a!.carId, b!.carId]);
  });

  it("takes at most 100 ids a request", async () => {
    const hundred = Array.from({ length: MAX_BATCH }, (_, i) => carId(i + 1));
    expect((await get(`/v1/assets?ids=${hundred.join(",")}`)).body.assets).toHaveLength(100);
    const tooMany = await get(`/v1/assets?ids=${[...hundred, carId(101)].join(",")}`);
    expect(tooMany).toEqual({ status: 400, body: { error: "At most 100 ids per request, got 101" } });
    expect((await get(`/v1/assets?meterPointIds=${hundred.map((_, i) => mpanCore(12, i)).join(",")},1`)).status).toBe(400);
  });

  it("refuses a request without exactly one kind of key", async () => {
    expect((await get("/v1/assets")).status).toBe(400);
    expect((await get("/v1/assets?ids=")).status).toBe(400);
    expect((await get("/v1/assets?ids=CAR-000001&meterPointIds=1200482139071")).status).toBe(400);
  });

  it("answers one asset by id, or 404", async () => {
    expect(await get("/v1/assets/CAR-000002")).toEqual({ status: 200, body: demoRegister(2)[1] });
    expect(await get("/v1/assets/CAR-999999")).toEqual({ status: 404, body: { error: "No asset CAR-999999 in the register" } });
  });

  it("answers only GET", async () => {
    const response = await fetch(`${registry.url}/v1/assets?ids=CAR-000001`, { method: "POST" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET");
  });
});

describe("the test knobs", () => {
  it("records what was asked", async () => {
    const before = registry.requestCount();
    await get("/v1/assets?ids=CAR-000007");
    expect(registry.requestCount()).toBe(before + 1);
    expect(registry.requests.at(-1)!.searchParams.get("ids")).toBe("CAR-000007");
  });

  it("adds and replaces records", async () => {
    const record: CarAsset = { ...demoRegister(1)[0]!, carId: "CAR-900001", meterPointId: mpanCore(23, 42) };
    registry.put(record);
    expect((await get("/v1/assets/CAR-900001")).body).toEqual(record);
    registry.put({ ...record, meterPointId: mpanCore(23, 43), installer: "Thistle Controls Ltd" });
    expect((await get(`/v1/assets?meterPointIds=${mpanCore(23, 42)}`)).body.assets).toEqual([]);
    expect((await get(`/v1/assets?meterPointIds=${mpanCore(23, 43)}`)).body.assets[0].installer).toBe("Thistle Controls Ltd");
  });

  it("goes down and comes back", async () => {
    registry.setDown(true);
    try {
      expect((await get("/v1/assets?ids=CAR-000001")).status).toBe(503);
      expect((await get("/healthz")).status).toBe(503);
    } finally {
      registry.setDown(false);
    }
    expect(await get("/healthz")).toEqual({ status: 200, body: { status: "ok" } });
  });

  it("fails the next requests on demand", async () => {
    registry.failNext(2, 500);
    expect((await get("/v1/assets?ids=CAR-000001")).status).toBe(500);
    expect((await get("/v1/assets/CAR-000001")).status).toBe(500);
    expect((await get("/v1/assets/CAR-000001")).status).toBe(200);
  });

  it("answers slowly, and a caller that gives up is not answered", async () => {
    const slow = await createCarRegistry({ records: demoRegister(3), latencyMs: 5_000 });
    try {
      await expect(fetch(`${slow.url}/v1/assets/CAR-000001`, { signal: AbortSignal.timeout(50) })).rejects.toThrow();
      expect(slow.requestCount()).toBe(1);
      slow.setLatency(0);
      expect((await fetch(`${slow.url}/v1/assets/CAR-000001`)).status).toBe(200);
    } finally {
      await slow.stop();
    }
  });

  it("stops while a slow answer is pending", async () => {
    const slow = await createCarRegistry({ records: [], latencyMs: 60_000 });
    const pending = fetch(`${slow.url}/v1/assets/CAR-000001`).catch((error: unknown) => error);
    await expect.poll(() => slow.requestCount()).toBe(1);
    await slow.stop();
    expect(await pending).toBeInstanceOf(Error);
  });
});
