import { createServer, type IncomingHttpHeaders } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { close, createRegistryClient, type FetchBatch, listen, type RegistryClientSettings } from "../src/index.js";

/**
 * The kit's registry client against a tiny product registry over loopback: GET /products?ids=a,b answers
 * `{ products: [...] }`, POST /products/search `{ codes: [...] }` answers the same by code. It counts
 * requests; `status` makes every answer that status.
 */
interface Product {
  id: string;
  code: string;
}
const PRODUCTS: Product[] = Array.from({ length: 300 }, (_, i) => ({ id: `p${i + 1}`, code: `C${i + 1}` }));
const asked: { method: string; url: URL; headers: IncomingHttpHeaders; body: string }[] = [];
let status = 200;
const server = createServer(async (req, res) => {
  let body = "";
  for await (const chunk of req) body += chunk;
  const url = new URL(req.url!, "http://localhost");
  asked.push({ method: req.method!, url, headers: req.headers, body });
  res.statusCode = status;
  if (status !== 200) return res.end(JSON.stringify({ error: "no" }));
  const wanted =
    req.method === "GET"
      ? new Set(url.searchParams.get("ids")!.split(","))
      : new Set((JSON.parse(body) as { codes: string[] }).codes.map((code) => PRODUCTS.find((p) => p.code === code)?.id));
  res.end(JSON.stringify({ products: PRODUCTS.filter((p) => wanted.has(p.id)) }));
});
let base = "";
beforeAll(async () => {
  base = await listen(server, 0, "127.0.0.1");
});
afterAll(() => close(server));

const clients: { close(): Promise<void> }[] = [];
afterEach(async () => {
  status = 200;
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

const keyed = (products: Product[], keyOf: (p: Product) => string) => new Map(products.map((p) => [keyOf(p), p]));
const byIds: FetchBatch<Product> = async (ids, http) =>
  keyed(((await http.getJson(`/products?ids=${ids.join(",")}`)) as { products: Product[] }).products, (p) => p.id);
const byCodes: FetchBatch<Product> = async (codes, http) =>
  keyed(((await http.postJson("/products/search", { codes })) as { products: Product[] }).products, (p) => p.code);

function client(settings: Partial<RegistryClientSettings> = {}) {
  const made = createRegistryClient<Product, "codes">({
    registry: "SO_PRODUCTS",
    title: "The product register",
    baseUrl: `${base}/`,
    backoffMs: 1,
    fetchBatch: byIds,
    keyOf: (p) => p.id,
    lookups: { codes: { fetchBatch: byCodes, keyOf: (p) => p.code } },
    ...settings,
  });
  clients.push(made);
  return made;
}

/** How many requests the registry received while `fn` ran, and its outcome. */
async function counting<T>(fn: () => Promise<T>): Promise<{ requests: number; value?: T; error?: unknown }> {
  const before = asked.length;
  const outcome = await fn().then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  return { requests: asked.length - before, ...outcome };
}

/** The clock clients given `now` read; tests move it. */
let time = 1_700_000_000_000;
const now = () => time;
const UNAVAILABLE = {
  message: "The product register is unavailable",
  extensions: { code: "UPSTREAM_UNAVAILABLE", registry: "SO_PRODUCTS" },
};
const ids = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `p${from + i}`);

describe("batching and order", () => {
  it("asks batchSize keys at a time, once each, and answers in key order with null for unknown keys", async () => {
    const keys = [...ids(120).reverse(), "nope", "p5", "p1"];
    const { requests, value } = await counting(() => client({ batchSize: 50 }).byKeys(keys));
    expect(requests).toBe(3);
    expect(value!.map((p) => p?.id ?? null)).toEqual(keys.map((key) => (key === "nope" ? null : key)));
  });

  it("batches a tick's loads, at most batchSize a request", async () => {
    const loader = client({ batchSize: 100 }).loader();
    const { requests, value } = await counting(() => Promise.all([...ids(150), "p1"].map((id) => loader.load(id))));
    expect(requests).toBe(2);
    expect(value!.at(-1)).toEqual(PRODUCTS[0]);
  });

  it("reads by another lookup (POST with the client's headers), and caches a record found one way the other ways", async () => {
    const products = client({ headers: { authorization: "Bearer so-key" } });
    const { requests, value } = await counting(() => products.byKeys(["C2", "C9", "C0"], "codes"));
    expect({ requests, value }).toEqual({ requests: 1, value: [PRODUCTS[1], PRODUCTS[8], null] });
    expect(asked.at(-1)).toMatchObject({ method: "POST", body: '{"codes":["C2","C9","C0"]}', headers: { authorization: "Bearer so-key" } });
    expect((await counting(() => products.byKeys(["p2", "p9"]))).requests).toBe(0);
    expect((await counting(() => products.loader("codes").load("C2"))).requests).toBe(0);
  });
});

describe("cache (lru-cache)", () => {
  it("serves found records for cacheTtlMs and 'not there' for negativeCacheTtlMs, on the client's clock", async () => {
    const products = client({ now, cacheTtlMs: 1_000, negativeCacheTtlMs: 100 });
    await products.byKeys(["p1", "nope"]);
    time += 101;
    expect(await counting(() => products.byKeys(["p1", "nope"]))).toEqual({ requests: 1, value: [PRODUCTS[0], null] });
    expect(asked.at(-1)!.url.searchParams.get("ids")).toBe("nope");
    time += 1_000;
    expect((await counting(() => products.byKeys(["p1"]))).requests).toBe(1);
  });

  it("holds at most cacheMaxEntries; 0 (or cacheTtlMs 0) holds nothing", async () => {
    const small = client({ cacheMaxEntries: 3 });
    await small.byKeys(ids(2)); // 4 entries (by id and by code) → 3 kept, p1 by id dropped
    expect(small.state().cacheSize).toBe(3);
    expect((await counting(() => small.byKeys(["p2"]))).requests).toBe(0);
    expect((await counting(() => small.byKeys(["p1"]))).requests).toBe(1);
    for (const none of [client({ cacheMaxEntries: 0 }), client({ cacheTtlMs: 0 })]) {
      await none.byKeys(["p1"]);
      expect((await counting(() => none.byKeys(["p1"]))).requests).toBe(1);
      expect(none.state().cacheSize).toBe(0);
    }
  });
});

describe("retries and timeouts (cockatiel)", () => {
  it("retries a 5xx retries times, then says UPSTREAM_UNAVAILABLE naming the registry", async () => {
    status = 503;
    const { requests, error } = await counting(() => client({ retries: 3 }).byKeys(["p1"]));
    expect(requests).toBe(4);
    expect(error).toMatchObject(UNAVAILABLE);
  });

  it("never retries a 4xx, which says the registry refused (with the status) and counts as it being up", async () => {
    status = 400;
    const products = client({ breaker: { failureThreshold: 1 } });
    const { requests, error } = await counting(() => products.byKeys(["p1"]));
    expect(requests).toBe(1);
    expect(error).toMatchObject({
      message: "The product register refused the request (HTTP 400)",
      extensions: { code: "UPSTREAM_UNAVAILABLE", registry: "SO_PRODUCTS", status: 400 },
    });
    expect(products.state()).toMatchObject({ breaker: "CLOSED", consecutiveFailures: 0 });
  });

  it("retries an answer that breaks the contract (fetchBatch throws)", async () => {
    let calls = 0;
    const products = createRegistryClient<Product>({
      registry: "SO_PRODUCTS",
      baseUrl: base,
      backoffMs: 1,
      fetchBatch: async (keys, http) => {
        const found = await byIds(keys, http);
        if (++calls < 3) throw new Error("not the contract");
        return found;
      },
    });
    clients.push(products);
    expect(await counting(() => products.byKeys(["p3"]))).toEqual({ requests: 3, value: [PRODUCTS[2]] });
  });

  it("retries a POST lookup like a GET (it only reads)", async () => {
    status = 503;
    const { requests, error } = await counting(() => client({ retries: 2 }).byKeys(["C1"], "codes"));
    expect(requests).toBe(3);
    expect(error).toMatchObject(UNAVAILABLE);
  });

  it("ends an attempt at timeoutMs, whatever fetchBatch does", async () => {
    const products = createRegistryClient<Product>({
      registry: "SO_PRODUCTS",
      title: "The product register",
      baseUrl: base,
      timeoutMs: 20,
      retries: 1,
      backoffMs: 1,
      fetchBatch: () => new Promise(() => {}), // never settles
    });
    clients.push(products);
    await expect(products.byKeys(["p1"])).rejects.toMatchObject(UNAVAILABLE);
    expect(products.state().consecutiveFailures).toBe(1);
  });
});

describe("circuit breaker (cockatiel)", () => {
  it("opens after failureThreshold failed calls, fails fast without a request, half-opens after resetAfterMs", async () => {
    const products = client({ now, retries: 0, breaker: { failureThreshold: 2, resetAfterMs: 5_000 } });
    status = 503;
    await products.byKeys(["p1"]).catch(() => {});
    expect(products.state()).toMatchObject({ breaker: "CLOSED", consecutiveFailures: 1 });
    await products.byKeys(["p1"]).catch(() => {});
    expect(products.state()).toMatchObject({ breaker: "OPEN", consecutiveFailures: 2 });
    status = 200;
    expect(await counting(() => products.byKeys(["p1"], "codes"))).toEqual({ requests: 0, error: expect.objectContaining(UNAVAILABLE) });
    time += 4_999;
    expect((await counting(() => products.byKeys(["p1"]))).requests).toBe(0);
    time += 1;
    expect(products.state().breaker).toBe("HALF_OPEN");
    const [trial, other] = await Promise.allSettled([products.byKeys(["p1"]), products.byKeys(["p2"])]);
    expect([trial.status, other.status]).toEqual(["fulfilled", "rejected"]); // one trial; the other failed fast
    expect(products.state()).toMatchObject({ breaker: "CLOSED", consecutiveFailures: 0 });
  });

  it("serves what it holds while open", async () => {
    const products = client({ retries: 0, breaker: { failureThreshold: 1, resetAfterMs: 60_000 } });
    await products.byKeys(["p7"]);
    status = 500;
    await expect(products.byKeys(["p8"])).rejects.toMatchObject(UNAVAILABLE);
    expect(await counting(() => products.byKeys(["p7"]))).toEqual({ requests: 0, value: [PRODUCTS[6]] });
  });
});

it("refuses settings out of range, naming the registry and the setting", () => {
  expect(() => client({ batchSize: 0 })).toThrow("SO_PRODUCTS client: batchSize must be a positive integer, got 0");
  expect(() => client({ cacheTtlMs: -1 })).toThrow("SO_PRODUCTS client: cacheTtlMs must be 0 or more, got -1");
});

describe("read: a call that is not a batch by key (a listing)", () => {
  const listing = (http: { getJson(path: string): Promise<unknown> }) =>
    http.getJson(`/products?ids=p1,p2`).then((json) => (json as { products: Product[] }).products.map((p) => p.id));

  it("is cached whole for cacheTtlMs, and concurrent reads of one name share one request", async () => {
    const products = client({ now, cacheTtlMs: 1_000 });
    const first = await counting(() => Promise.all([products.read("all", listing), products.read("all", listing)]));
    expect(first).toEqual({
      requests: 1,
      value: [
        ["p1", "p2"],
        ["p1", "p2"],
      ],
    });
    expect((await counting(() => products.read("all", listing))).requests).toBe(0);
    time += 1_001;
    expect((await counting(() => products.read("all", listing))).requests).toBe(1);
  });

  it("shares the retries and the breaker with byKeys, and fails naming the registry", async () => {
    const products = client({ retries: 1, breaker: { failureThreshold: 2 } });
    status = 503;
    const failed = await counting(() => products.read("all", listing));
    expect(failed.requests).toBe(2);
    expect(failed.error).toMatchObject(UNAVAILABLE);
    await products.byKeys(["p7"]).catch(() => {});
    expect(products.state().breaker).toBe("OPEN");
    expect(await counting(() => products.read("all", listing))).toMatchObject({ requests: 0, error: UNAVAILABLE });
  });
});
