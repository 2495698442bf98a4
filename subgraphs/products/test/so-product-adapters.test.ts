import { createDsoProductsApi, type DsoProductsApi, demoProducts } from "@sfe/dso-products-registry";
import { createRegistryClient } from "@sfe/kit";
import { createNesoProductsApi, demoServices, type NesoProductsApi } from "@sfe/neso-products-registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SoProductAdapter } from "../src/modules/so-product-apis/adapters/adapter.js";
import { dsoAdapter, mapDsoProduct } from "../src/modules/so-product-apis/adapters/dso.js";
import { mapNesoService, nesoAdapter } from "../src/modules/so-product-apis/adapters/neso.js";

/** Each adapter against the stand-in speaking its contract, over loopback: the two sides agree. */
let neso: NesoProductsApi;
let dso: DsoProductsApi;
beforeAll(async () => {
  [neso, dso] = await Promise.all([createNesoProductsApi(), createDsoProductsApi()]);
});
afterAll(() => Promise.all([neso.stop(), dso.stop()]));

const clientOf = (adapter: SoProductAdapter, baseUrl: string) =>
  createRegistryClient({
    registry: "test",
    baseUrl,
    retries: 0,
    cacheTtlMs: 0,
    fetchBatch: adapter.fetchBatch,
    batchSize: adapter.batchSize,
  });

describe("the NESO adapter", () => {
  it("lists every service code and maps every service the stand-in publishes", async () => {
    const client = clientOf(nesoAdapter, neso.url);
    const ids = await client.read("listing", nesoAdapter.list);
    expect(ids).toEqual(demoServices().map((s) => s.serviceCode));
    const products = await client.byKeys(["NQR", "DRH", "NOPE"]);
    expect(products.map((p) => p?.code ?? null)).toEqual(["NQR", "DRH", null]);
    expect(products[0]).toEqual({
      externalId: "NQR",
      code: "NQR",
      name: "Negative Quick Reserve",
      serviceType: "AVAILABILITY_AND_UTILISATION",
      directions: ["GENERATION_TURN_DOWN", "DEMAND_TURN_UP"],
      minimumCapacityKw: 1000,
      responseTimeSeconds: 60,
      durationMinutes: 15,
      serviceWindows: [],
      eligibleTechnologies: [],
      locations: ["GB"],
      status: "PUBLISHED",
      updatedAt: new Date("2025-09-01T09:00:00.000Z"),
    });
    await client.close();
  });

  it("maps statuses and refuses an off-contract service", () => {
    const [dcl] = demoServices();
    expect(mapNesoService({ ...dcl, status: "RETIRED" }).status).toBe("RETIRED");
    expect(mapNesoService({ ...dcl, sustainMinutes: null }).durationMinutes).toBeNull();
    for (const broken of [
      null,
      { ...dcl, direction: "SIDEWAYS" },
      { ...dcl, minimumMW: "1" },
      { ...dcl, status: "GONE" },
      { ...dcl, lastUpdated: "yesterday" },
    ])
      expect(() => mapNesoService(broken)).toThrow();
  });
});

describe("the DSO adapter", () => {
  it("maps every product the stand-in publishes: kW, minutes → seconds, day ranges, the DSO's technology names", async () => {
    const client = clientOf(dsoAdapter, dso.url);
    expect(await client.read("listing", dsoAdapter.list)).toEqual(
      demoProducts()
        .map((p) => p.product_id)
        .sort(),
    );
    const [ou, ltu] = await client.byKeys(["UKPN-OU", "UKPN-LTU"]);
    expect(ou).toMatchObject({
      code: "UKPN-OU",
      serviceType: "UTILISATION_ONLY",
      directions: ["DEMAND_TURN_DOWN"],
      minimumCapacityKw: 50,
      responseTimeSeconds: 900,
      serviceWindows: [],
      eligibleTechnologies: ["BESS", "INDUSTRIAL_LOAD"],
      locations: ["Hendon Way", "Willesden Grid"],
    });
    expect(ltu).toMatchObject({
      responseTimeSeconds: null,
      directions: ["DEMAND_TURN_DOWN", "GENERATION_TURN_UP"],
      serviceWindows: [{ daysOfWeek: [1, 2, 3, 4, 5, 6, 7], startLocal: "08:00", endLocal: "23:00", seasonStart: null, seasonEnd: null }],
    });
    await client.close();
  });

  it("follows the listing's pages (one request per 100 products)", async () => {
    const many = Array.from({ length: 130 }, (_, i) => ({ ...demoProducts()[0]!, product_id: `UKPN-T${String(i).padStart(3, "0")}` }));
    const big = await createDsoProductsApi({ products: many });
    const client = clientOf(dsoAdapter, big.url);
    expect(await client.read("listing", dsoAdapter.list)).toHaveLength(130);
    expect(big.requests.map((url) => url.searchParams.get("page"))).toEqual(["1", "2"]);
    await Promise.all([client.close(), big.stop()]);
  });

  it("maps statuses and unknown technologies, and refuses an off-contract product", () => {
    const [saou] = demoProducts();
    expect(mapDsoProduct({ ...saou, status: "paused" }).status).toBe("SUSPENDED");
    expect(mapDsoProduct({ ...saou, technologies: ["Hydrogen Electrolyser", "Battery"] }).eligibleTechnologies).toEqual(["OTHER", "BESS"]);
    const window = saou!.service_windows[0]!;
    for (const broken of [
      { ...saou, payment_basis: "free" },
      { ...saou, dispatch_directions: ["up"] },
      { ...saou, min_capacity_kw: null },
      { ...saou, service_windows: [{ ...window, days: "Tue" }] },
      { ...saou, service_windows: [{ ...window, from: "19:00", to: "15:00" }] },
      { ...saou, zones: "Hendon Way" },
    ])
      expect(() => mapDsoProduct(broken)).toThrow();
  });
});
