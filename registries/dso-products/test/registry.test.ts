import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDsoProductsApi, type DsoProduct, type DsoProductsApi, demoProducts, MAX_BATCH, MAX_PAGE_SIZE } from "../src/server.js";

/** The stand-in DSO product API held to CONTRACT.md over HTTP. */
let api: DsoProductsApi;
beforeAll(async () => {
  api = await createDsoProductsApi();
});
afterAll(() => api.stop());

async function call(path: string, init?: RequestInit): Promise<{ status: number; body: any; allow: string | null }> {
  const response = await fetch(`${api.url}${path}`, init);
  return { status: response.status, body: await response.json(), allow: response.headers.get("allow") };
}
const PATH = "/api/v2/flexibility-products";

describe("the demo catalogue", () => {
  it("holds UKPN's products under their UKPN names, ENA products and CMZ names from UKPN's open data", () => {
    const products = demoProducts();
    expect(products.map((p) => [p.product_id, p.product_name, p.ena_product])).toEqual([
      ["UKPN-SAOU", "Scheduled Availability", "SAOU"],
      ["UKPN-PR", "Peak Reduction", "PR"],
      ["UKPN-LTU", "Long-Term Utilisation", "SU"],
      ["UKPN-DA", "Day-Ahead", null],
      ["UKPN-OU", "Operational Utilisation", "OU"],
    ]);
    expect(products[0]).toMatchObject({
      min_capacity_kw: 10,
      zones: expect.arrayContaining(["Hendon Way"]),
      payment_basis: "availability_and_utilisation",
    });
    expect(demoProducts()).toEqual(products);
  });
});

describe("GET /api/v2/flexibility-products (paged)", () => {
  it("lists summaries by product_id, page by page", async () => {
    const first = await call(`${PATH}?page=1&page_size=2`);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      data: [
        { product_id: "UKPN-DA", product_name: "Day-Ahead", status: "open", updated_at: "2025-10-01T08:00:00.000Z" },
        { product_id: "UKPN-LTU", product_name: "Long-Term Utilisation", status: "open", updated_at: "2025-10-01T08:00:00.000Z" },
      ],
      meta: { page: 1, page_size: 2, total_pages: 3, total_records: 5 },
    });
    expect((await call(`${PATH}?page=3&page_size=2`)).body.data.map((p: DsoProduct) => p.product_id)).toEqual(["UKPN-SAOU"]);
    expect((await call(`${PATH}?page=9`)).body).toMatchObject({ data: [], meta: { page: 9, page_size: 20, total_pages: 1 } });
  });

  it("refuses a bad page or page size (400)", async () => {
    for (const query of ["page=0", "page=x", "page_size=0", `page_size=${MAX_PAGE_SIZE + 1}`])
      expect((await call(`${PATH}?${query}`)).status, query).toBe(400);
  });
});

describe("GET /api/v2/flexibility-products/batch?product_id=…", () => {
  it("answers the products found, each once (comma-separated or repeated ids)", async () => {
    const { status, body } = await call(`${PATH}/batch?product_id=UKPN-PR,NOPE&product_id=UKPN-SAOU,UKPN-PR`);
    expect(status).toBe(200);
    expect(body.data.map((p: DsoProduct) => p.product_id).sort()).toEqual(["UKPN-PR", "UKPN-SAOU"]);
    expect(body.data.find((p: DsoProduct) => p.product_id === "UKPN-SAOU")).toEqual(demoProducts()[0]);
  });

  it("refuses no ids and more than MAX_BATCH (400)", async () => {
    expect((await call(`${PATH}/batch`)).status).toBe(400);
    const many = Array.from({ length: MAX_BATCH + 1 }, (_, i) => `P${i}`).join(",");
    expect((await call(`${PATH}/batch?product_id=${many}`)).status).toBe(400);
  });
});

describe("one product, methods, health and test hooks", () => {
  it("answers one product in a data envelope, 404 for an unknown one", async () => {
    expect(await call(`${PATH}/UKPN-OU`)).toMatchObject({ status: 200, body: { data: { product_id: "UKPN-OU", ena_product: "OU" } } });
    expect((await call(`${PATH}/NOPE`)).status).toBe(404);
  });

  it("answers only GET (405 with allow), /healthz, and goes down or slow on demand", async () => {
    expect(await call(PATH, { method: "POST", body: "{}" })).toMatchObject({ status: 405, allow: "GET" });
    expect((await call("/healthz")).status).toBe(200);
    api.setDown(true);
    expect(await call(PATH)).toMatchObject({ status: 503, body: { error: "The DSO product API is unavailable" } });
    api.setDown(false);
    api.failNext(2);
    expect([(await call(PATH)).status, (await call(PATH)).status, (await call(PATH)).status]).toEqual([503, 503, 200]);
    api.setLatency(120);
    const started = Date.now();
    await call(PATH);
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    api.setLatency(0);
  });
});
