/**
 * SO product APIs through the gateway, over real HTTP: the two stand-ins on loopback, the products subgraph
 * configured with them (SO_PRODUCT_APIS), products from both and the hub's in one `products` query.
 */
import { randomUUID } from "node:crypto";
import { createDsoProductsApi, type DsoProductsApi } from "@sfe/dso-products-registry";
import { createNesoProductsApi, type NesoProductsApi } from "@sfe/neso-products-registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, gql, gqlOk, startTestStack } from "./helpers.js";

const NESO = randomUUID();
const UKPN = randomUUID();
let neso: NesoProductsApi;
let dso: DsoProductsApi;
let stack: Awaited<ReturnType<typeof startTestStack>>;
beforeAll(async () => {
  [neso, dso] = await Promise.all([createNesoProductsApi(), createDsoProductsApi()]);
  stack = await startTestStack({
    env: {
      SO_PRODUCT_APIS: JSON.stringify([
        { name: "neso-products", kind: "neso", operatorId: NESO, url: neso.url },
        { name: "ukpn-products", kind: "dso", operatorId: UKPN, url: dso.url },
      ]),
      SO_PRODUCT_API_TIMEOUT_MS: "300",
      // No cache: every query below reaches the stand-ins, so their request counts say what one query costs.
      SO_PRODUCT_API_CACHE_TTL_MS: "0",
    },
  });
});
afterAll(async () => {
  await stack?.stop();
  await Promise.all([neso?.stop(), dso?.stop()]);
});

const LIST = `{ products { id code owner { id } source { kind name } externalId } }`;
type Listed = { id: string; code: string; owner: { id: string } | null; source: { kind: string; name: string }; externalId: string | null };

describe("SO product APIs through the gateway", () => {
  it("answers hub and both APIs' products in one query, with one listing and one batch read per API", async () => {
    await gqlOk(
      stack.url,
      `mutation ($i: CreateProductInput!) { createProduct(input: $i) { product { id } } }`,
      {
        i: {
          ownerId: (await gqlOk(stack.url, `{ me { organisation { id } } }`, {}, stack.admin)).me.organisation.id,
          code: "HUB-1",
          name: "A hub product",
          serviceType: "UTILISATION_ONLY",
          directions: ["DEMAND_TURN_DOWN"],
          minimumCapacityKw: 10,
          status: "PUBLISHED",
        },
      },
      stack.admin,
    );
    const before = [neso.requestCount(), dso.requestCount()];
    const data = await gqlOk(stack.url, LIST, {}, stack.admin);
    expect([neso.requestCount() - before[0]!, dso.requestCount() - before[1]!]).toEqual([2, 2]);
    const products = data.products as Listed[];
    const bySource = (name: string) => products.filter((p) => p.source.name === name);
    expect(bySource("hub").map((p) => p.code)).toEqual(["HUB-1"]);
    expect(bySource("neso-products").map((p) => p.externalId)).toHaveLength(10);
    expect(bySource("ukpn-products").every((p) => p.owner?.id === UKPN && p.source.kind === "SO_PRODUCT_API")).toBe(true);
    expect(bySource("ukpn-products")).toHaveLength(5);

    const dcl = products.find((p) => p.code === "DCL")!;
    const one = await gqlOk(
      stack.url,
      `query ($id: ID!) { product(id: $id) { code externalId owner { id } version subMarket { id }
         currentVersion { id version status name } versions { id } } }`,
      { id: dcl.id },
      stack.admin,
    );
    // Under versions: the API's one state of the product is its version 1, read-only, with the product's id.
    expect(one.product).toEqual({
      code: "DCL",
      externalId: "DCL",
      owner: { id: NESO },
      version: 1,
      subMarket: null,
      currentVersion: { id: dcl.id, version: 1, status: "PUBLISHED", name: "Dynamic Containment Low" },
      versions: [{ id: dcl.id }],
    });
    const update = await gql(
      stack.url,
      `mutation ($i: UpdateProductInput!) { updateProduct(input: $i) { product { id } } }`,
      { i: { id: dcl.id, name: "Renamed" } },
      stack.admin,
    );
    expect(codes(update)).toEqual(["FORBIDDEN"]);
    expect(update.errors?.[0]?.extensions).toMatchObject({ registry: "neso-products", externalId: "DCL" });
    const revise = await gql(
      stack.url,
      `mutation ($i: ReviseProductInput!) { reviseProduct(input: $i) { version { id } } }`,
      { i: { productId: dcl.id, name: "Renamed" } },
      stack.admin,
    );
    expect(codes(revise)).toEqual(["FORBIDDEN"]);
  });

  it("when one API is slow, answers the rest within the timeout, with an error naming that API", async () => {
    neso.setLatency(10_000);
    try {
      const started = Date.now();
      const result = await gql(stack.url, LIST, {}, stack.admin);
      expect(Date.now() - started).toBeLessThan(3_000); // 3 attempts × 300 ms and two short backoffs
      expect(new Set((result.data!.products as Listed[]).map((p) => p.source.name))).toEqual(new Set(["hub", "ukpn-products"]));
      expect(result.errors).toEqual([
        expect.objectContaining({
          message: "The NESO product API (neso-products) is unavailable",
          extensions: expect.objectContaining({ code: "UPSTREAM_UNAVAILABLE", registry: "neso-products" }),
        }),
      ]);
    } finally {
      neso.setLatency(0);
    }
    // The products subgraph's /readyz says how each API's client stands.
    const ready = await (await fetch(stack.subgraphs.get("products")!.url.replace(/graphql$/, "readyz"))).json();
    expect(ready).toMatchObject({
      ready: true,
      registries: {
        "neso-products": { breaker: "CLOSED", consecutiveFailures: 1 },
        "ukpn-products": { breaker: "CLOSED", consecutiveFailures: 0 },
      },
    });
  });
});
