import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNesoProductsApi, demoServices, MAX_BATCH, type NesoProductsApi, type NesoService } from "../src/server.js";

/** The stand-in NESO product API held to CONTRACT.md over HTTP. */
let api: NesoProductsApi;
beforeAll(async () => {
  api = await createNesoProductsApi();
});
afterAll(() => api.stop());

async function call(path: string, init?: RequestInit): Promise<{ status: number; body: any; allow: string | null }> {
  const response = await fetch(`${api.url}${path}`, init);
  return { status: response.status, body: await response.json(), allow: response.headers.get("allow") };
}
const batchGet = (body: unknown) =>
  call("/v1/services:batchGet", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("the demo catalogue", () => {
  it("holds NESO's response and reserve services, both directions, with domain §5.2's parameters", () => {
    const services = demoServices();
    expect(services.map((s) => s.serviceCode)).toEqual(["DCL", "DCH", "DML", "DMH", "DRL", "DRH", "PQR", "NQR", "PSR", "NSR"]);
    expect(demoServices()).toEqual(services);
    const dcl = services[0]!;
    expect(dcl).toMatchObject({
      serviceName: "Dynamic Containment Low",
      direction: "UP",
      minimumMW: 1,
      fullDeliverySeconds: 1,
      sustainMinutes: 15,
    });
    expect(services.find((s) => s.serviceCode === "DRH")).toMatchObject({ direction: "DOWN", fullDeliverySeconds: 10, sustainMinutes: 60 });
    expect(services.find((s) => s.serviceCode === "PQR")).toMatchObject({ fullDeliverySeconds: 60, aggregation: "GSP_GROUP" });
    expect(services.find((s) => s.serviceCode === "NSR")).toMatchObject({ fullDeliverySeconds: 900, direction: "DOWN" });
  });
});

describe("GET /v1/services", () => {
  it("lists every service as a summary", async () => {
    const { status, body } = await call("/v1/services");
    expect(status).toBe(200);
    expect(body.services).toHaveLength(10);
    expect(body.services[0]).toEqual({
      serviceCode: "DCL",
      serviceName: "Dynamic Containment Low",
      status: "LIVE",
      lastUpdated: "2025-04-01T09:00:00.000Z",
    });
  });
});

describe("POST /v1/services:batchGet", () => {
  it("answers the services found, each once; unknown ids are absent", async () => {
    const { status, body } = await batchGet({ ids: ["PQR", "NOPE", "DCL", "PQR"] });
    expect(status).toBe(200);
    expect(body.services.map((s: NesoService) => s.serviceCode).sort()).toEqual(["DCL", "PQR"]);
    expect(body.services.find((s: NesoService) => s.serviceCode === "PQR")).toEqual(demoServices()[6]);
    expect(api.bodies.at(-1)).toEqual({ ids: ["PQR", "NOPE", "DCL", "PQR"] });
  });

  it("refuses a malformed body, no ids and more than MAX_BATCH ids (400)", async () => {
    for (const body of [{}, { ids: "DCL" }, { ids: [1] }, { ids: [] }, { ids: Array.from({ length: MAX_BATCH + 1 }, (_, i) => `S${i}`) }])
      expect((await batchGet(body)).status, JSON.stringify(body)).toBe(400);
    const notJson = await call("/v1/services:batchGet", { method: "POST", body: "{" });
    expect(notJson).toMatchObject({ status: 400, body: { error: "The request body is not JSON" } });
  });
});

describe("GET /v1/services/{serviceCode} and the rest", () => {
  it("answers one service, 404 for an unknown one", async () => {
    expect(await call("/v1/services/DMH")).toMatchObject({ status: 200, body: { serviceCode: "DMH", direction: "DOWN" } });
    expect(await call("/v1/services/XX")).toMatchObject({ status: 404, body: { error: "No service XX" } });
  });

  it("answers 405 to other methods, and /healthz", async () => {
    expect(await call("/v1/services", { method: "DELETE" })).toMatchObject({ status: 405, allow: "GET, POST" });
    expect(await call("/healthz")).toMatchObject({ status: 200, body: { status: "ok" } });
  });

  it("publishes what put adds", async () => {
    api.put({ ...demoServices()[0]!, serviceCode: "DCX", serviceName: "Test service" });
    expect((await call("/v1/services")).body.services.map((s: NesoService) => s.serviceCode)).toContain("DCX");
  });
});

describe("test hooks", () => {
  it("counts requests, goes down (503 everywhere), fails the next n, and delays answers", async () => {
    const before = api.requestCount();
    api.setDown(true);
    expect(await call("/healthz")).toMatchObject({ status: 503, body: { error: "The NESO product API is unavailable" } });
    api.setDown(false);
    api.failNext(1, 500);
    expect((await call("/v1/services")).status).toBe(500);
    expect((await call("/v1/services")).status).toBe(200);
    api.setLatency(150);
    const started = Date.now();
    expect((await call("/v1/services")).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    api.setLatency(0);
    expect(api.requestCount() - before).toBe(4);
    expect(api.requests.at(-1)!.pathname).toBe("/v1/services");
  });
});
