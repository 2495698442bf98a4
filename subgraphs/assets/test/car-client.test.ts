import { type CarRegistry, createCarRegistry, demoRegister, type CarAsset as RegistryCarAsset } from "@sfe/car-registry";
import { MockAgent } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type CarAsset, type CarClientOptions, createCarClient } from "../src/clients/car.js";

const RECORDS: RegistryCarAsset[] = demoRegister();
// The client declares the contract's shape itself (a subgraph never imports a registry): this line
// stops compiling if the stand-in's records no longer fit it.
const READ_AS: CarAsset[] = RECORDS;
const carId = (n: number) => `CAR-${String(n).padStart(6, "0")}`;

let registry: CarRegistry;
beforeAll(async () => {
  registry = await createCarRegistry({ records: RECORDS });
});
afterAll(() => registry.stop());

const clients: { close(): Promise<void> }[] = [];
afterEach(async () => {
  registry.setDown(false);
  registry.setLatency(0);
  registry.failNext(0);
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

/** A fresh client (own cache and breaker) on the shared stand-in; backoff kept short for the tests. */
function client(options: Partial<CarClientOptions> = {}) {
  const made = createCarClient({ baseUrl: registry.url, backoffMs: 1, ...options });
  clients.push(made);
  return made;
}

/** A clock the test moves. */
function clock(start = 1_700_000_000_000) {
  let time = start;
  return {
    now: () => time,
    advance: (ms: number) => {
      time += ms;
    },
  };
}

/** Runs `fn` and says how many requests the stand-in received meanwhile. */
async function counting<T>(fn: () => Promise<T>): Promise<{ requests: number; result: T }> {
  const before = registry.requestCount();
  const result = await fn();
  return { requests: registry.requestCount() - before, result };
}

async function countingFailure(fn: () => Promise<unknown>): Promise<{ requests: number; error: unknown }> {
  const before = registry.requestCount();
  const error = await fn().then(
    () => expect.unreachable("the call should have been rejected"),
    (e: unknown) => e,
  );
  return { requests: registry.requestCount() - before, error };
}

const UNAVAILABLE = {
  message: "The Central Asset Register is unavailable",
  extensions: { code: "UPSTREAM_UNAVAILABLE", registry: "CAR" },
};

const lastAsked = (n: number) => registry.requests.slice(-n);

describe("batching", () => {
  it("splits 250 ids into 3 requests, keeps the order, collapses duplicates and answers null for unknown ids", async () => {
    const ids = Array.from({ length: 248 }, (_, i) => carId(248 - i)); // reversed, to show order is kept
    const keys = [...ids.slice(0, 120), "CAR-999998", ...ids.slice(120), "CAR-999999", carId(5), carId(200), "CAR-999998"];
    const { requests, result } = await counting(() => client().byIds(keys));
    expect(requests).toBe(3);
    const asked = lastAsked(3).map((url) => url.searchParams.get("ids")!.split(","));
    expect(asked.map((batch) => batch.length).sort((a, b) => a - b)).toEqual([50, 100, 100]);
    expect(new Set(asked.flat()).size).toBe(250);
    expect(result).toHaveLength(keys.length);
    expect(result.map((asset) => asset?.carId ?? null)).toEqual(keys.map((key) => (key.startsWith("CAR-9999") ? null : key)));
    expect(result[keys.length - 2]).toEqual(RECORDS[199]);
  });

  it("reads by MPAN core the same way", async () => {
    const wanted = [RECORDS[12]!, RECORDS[3]!, RECORDS[12]!];
    const keys = [...wanted.map((record) => record.meterPointId), "1200000000009"];
    const { requests, result } = await counting(() => client().byMeterPoints(keys));
    expect(requests).toBe(1);
    expect(lastAsked(1)[0]!.searchParams.get("meterPointIds")!.split(",")).toHaveLength(3);
    expect(result).toEqual([...wanted, null]);
  });

  it("makes no request for no ids", async () => {
    expect(await counting(() => client().byIds([]))).toEqual({ requests: 0, result: [] });
  });

  it("sizes batches by batchSize", async () => {
    const ids = Array.from({ length: 25 }, (_, i) => carId(i + 1));
    expect((await counting(() => client({ batchSize: 10 }).byIds(ids))).requests).toBe(3);
  });
});

describe("cache", () => {
  it("serves a second call within the TTL without a request, and refetches after it", async () => {
    const time = clock();
    const car = client({ now: time.now, cacheTtlMs: 30_000 });
    const ids = [carId(1), carId(2), carId(3)];
    expect((await counting(() => car.byIds(ids))).requests).toBe(1);
    time.advance(29_999);
    expect(await counting(() => car.byIds([...ids].reverse()))).toEqual({ requests: 0, result: [RECORDS[2], RECORDS[1], RECORDS[0]] });
    time.advance(2);
    expect(await counting(() => car.byIds(ids))).toEqual({ requests: 1, result: RECORDS.slice(0, 3) });
  });

  it("fetches only what it does not hold, and knows a record found by id by its MPAN too", async () => {
    const car = client();
    await car.byIds([carId(1), carId(2)]);
    expect((await counting(() => car.byMeterPoints([RECORDS[0]!.meterPointId, RECORDS[1]!.meterPointId]))).requests).toBe(0);
    expect((await counting(() => car.byIds([carId(1), carId(9), carId(2)]))).requests).toBe(1);
    expect(lastAsked(1)[0]!.searchParams.get("ids")).toBe(carId(9));
  });

  it("remembers 'not in the register' briefly", async () => {
    const time = clock();
    const car = client({ now: time.now, cacheTtlMs: 30_000, negativeCacheTtlMs: 5_000 });
    expect(await car.byIds(["CAR-999999", carId(1)])).toEqual([null, RECORDS[0]]);
    expect((await counting(() => car.byIds(["CAR-999999"]))).requests).toBe(0);
    time.advance(5_001);
    expect(await counting(() => car.byIds(["CAR-999999", carId(1)]))).toEqual({ requests: 1, result: [null, RECORDS[0]] });
    expect(lastAsked(1)[0]!.searchParams.get("ids")).toBe("CAR-999999");
  });

  it("sees a change to the register once the entry expires", async () => {
    const time = clock();
    const car = client({ now: time.now });
    const record: RegistryCarAsset = { ...RECORDS[0]!, carId: "CAR-800001", meterPointId: "2300000000428" };
    expect(await car.byIds(["CAR-800001"])).toEqual([null]);
    registry.put(record);
    expect(await car.byIds(["CAR-800001"])).toEqual([null]);
    time.advance(5_001);
    expect(await car.byIds(["CAR-800001"])).toEqual([record]);
  });

  it("holds at most cacheMaxEntries, dropping the least recently used", async () => {
    const car = client({ cacheMaxEntries: 4 });
    await car.byIds([carId(1), carId(2), carId(3)]); // 6 entries (by id and by MPAN) → 4 kept
    expect(car.state().cacheSize).toBe(4);
    expect((await counting(() => car.byIds([carId(3)]))).requests).toBe(0);
    expect((await counting(() => car.byIds([carId(1)]))).requests).toBe(1);
  });

  it("caches nothing when cacheTtlMs is 0", async () => {
    const car = client({ cacheTtlMs: 0 });
    await car.byIds([carId(1), "CAR-999999"]);
    expect((await counting(() => car.byIds([carId(1), "CAR-999999"]))).requests).toBe(1);
    expect(car.state().cacheSize).toBe(0);
  });
});

describe("failures", () => {
  it("times out a slow register: every attempt is cut short, then UPSTREAM_UNAVAILABLE", async () => {
    registry.setLatency(5_000);
    const car = client({ timeoutMs: 100, retries: 2 });
    const { requests, error } = await countingFailure(() => car.byIds([carId(1)]));
    expect(error).toMatchObject(UNAVAILABLE);
    expect(requests).toBe(3); // the first attempt and two retries, each timed out
    expect(car.state()).toMatchObject({ breaker: "CLOSED", consecutiveFailures: 1 });
  });

  it("says UPSTREAM_UNAVAILABLE naming the CAR when the register is down", async () => {
    registry.setDown(true);
    const { requests, error } = await countingFailure(() => client().byIds([carId(1)]));
    expect(error).toMatchObject(UNAVAILABLE);
    expect(requests).toBe(3);
  });

  it("says UPSTREAM_UNAVAILABLE when nothing listens", async () => {
    const gone = await createCarRegistry({ records: [] });
    await gone.stop();
    const car = createCarClient({ baseUrl: gone.url, backoffMs: 1 });
    clients.push(car);
    await expect(car.byIds([carId(1)])).rejects.toMatchObject(UNAVAILABLE);
    expect(car.state().consecutiveFailures).toBe(1);
  });

  it("retries a 503 and succeeds", async () => {
    registry.failNext(1, 503);
    expect(await counting(() => client().byIds([carId(4)]))).toEqual({ requests: 2, result: [RECORDS[3]] });
  });

  it("gives up after retries + 1 attempts", async () => {
    registry.failNext(2, 500);
    expect((await counting(() => client({ retries: 2 }).byIds([carId(4)]))).requests).toBe(3);
    registry.failNext(2, 500);
    const { requests, error } = await countingFailure(() => client({ retries: 1 }).byIds([carId(4)]));
    expect(requests).toBe(2);
    expect(error).toMatchObject(UNAVAILABLE);
  });

  it("never retries a 4xx, and a 4xx does not count against the register's health", async () => {
    const car = client({ batchSize: 150 }); // more than the register's 100 a request: it answers 400
    const ids = Array.from({ length: 101 }, (_, i) => carId(i + 1));
    const { requests, error } = await countingFailure(() => car.byIds(ids));
    expect(requests).toBe(1);
    expect(error).toMatchObject({ extensions: { code: "UPSTREAM_UNAVAILABLE", registry: "CAR", status: 400 } });
    expect(car.state()).toMatchObject({ breaker: "CLOSED", consecutiveFailures: 0 });
    registry.failNext(1, 404);
    expect((await countingFailure(() => car.byIds([carId(1)]))).requests).toBe(1);
  });
});

describe("circuit breaker", () => {
  it("opens after 5 failed calls, fails fast without a request, lets one trial through after resetAfterMs", async () => {
    const time = clock();
    const car = client({ now: time.now, breaker: { failureThreshold: 5, resetAfterMs: 10_000 } });
    registry.setDown(true);
    for (let call = 1; call <= 5; call++) {
      const { requests, error } = await countingFailure(() => car.byIds([carId(call)]));
      expect(error).toMatchObject(UNAVAILABLE);
      expect(requests).toBe(3); // each failed call made its attempt and two retries
    }
    expect(car.state()).toMatchObject({ breaker: "OPEN", consecutiveFailures: 5 });

    // OPEN: no request at all.
    const fast = await countingFailure(() => car.byIds([carId(6)]));
    expect(fast).toEqual({ requests: 0, error: expect.objectContaining(UNAVAILABLE) });
    time.advance(9_999);
    expect((await countingFailure(() => car.byIds([carId(6)]))).requests).toBe(0);

    // HALF_OPEN: one trial request (no retries); it fails, so the breaker opens again.
    time.advance(1);
    expect(car.state().breaker).toBe("HALF_OPEN");
    expect((await countingFailure(() => car.byIds([carId(6)]))).requests).toBe(1);
    expect(car.state().breaker).toBe("OPEN");
    expect((await countingFailure(() => car.byIds([carId(6)]))).requests).toBe(0);

    // The next trial succeeds and closes it.
    time.advance(10_000);
    registry.setDown(false);
    expect(await counting(() => car.byIds([carId(6)]))).toEqual({ requests: 1, result: [RECORDS[5]] });
    expect(car.state()).toMatchObject({ breaker: "CLOSED", consecutiveFailures: 0 });
    expect((await counting(() => car.byIds([carId(7)]))).requests).toBe(1);
  });

  it("lets exactly one trial through when calls arrive together", async () => {
    const time = clock();
    const car = client({ now: time.now, retries: 0, breaker: { failureThreshold: 1, resetAfterMs: 1_000 } });
    registry.setDown(true);
    await expect(car.byIds([carId(1)])).rejects.toMatchObject(UNAVAILABLE);
    expect(car.state().breaker).toBe("OPEN");
    registry.setDown(false);
    registry.setLatency(50);
    time.advance(1_000);
    const before = registry.requestCount();
    const outcomes = await Promise.allSettled([car.byIds([carId(2)]), car.byIds([carId(3)]), car.byIds([carId(4)])]);
    expect(registry.requestCount() - before).toBe(1);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(["fulfilled", "rejected", "rejected"]);
    expect(car.state().breaker).toBe("CLOSED");
  });

  it("still serves what it holds while the breaker is open", async () => {
    const car = client({ retries: 0, breaker: { failureThreshold: 1, resetAfterMs: 60_000 } });
    await car.byIds([carId(1)]);
    registry.setDown(true);
    await expect(car.byIds([carId(2)])).rejects.toMatchObject(UNAVAILABLE);
    expect(car.state().breaker).toBe("OPEN");
    expect(await counting(() => car.byIds([carId(1)]))).toEqual({ requests: 0, result: [RECORDS[0]] });
  });
});

describe("garbage from the register (undici MockAgent)", () => {
  const ORIGIN = "http://car.test";
  function mocked() {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const car = createCarClient({ baseUrl: ORIGIN, dispatcher: agent, backoffMs: 1 });
    return { agent, pool: agent.get(ORIGIN), car };
  }
  const assetsPath = { path: (path: string) => path.startsWith("/v1/assets?"), method: "GET" };

  it("says UPSTREAM_UNAVAILABLE when the body is not JSON, after retrying", async () => {
    const { agent, pool, car } = mocked();
    pool
      .intercept(assetsPath)
      .reply(200, "<html>Gateway error</html>", { headers: { "content-type": "text/html" } })
      .times(3);
    await expect(car.byIds([carId(1)])).rejects.toMatchObject(UNAVAILABLE);
    agent.assertNoPendingInterceptors(); // all three attempts were made
    await agent.close();
  });

  it("says UPSTREAM_UNAVAILABLE when the JSON is not the contract's", async () => {
    const { agent, pool, car } = mocked();
    pool
      .intercept(assetsPath)
      .reply(200, { assets: [{ carId: 1 }] })
      .times(2);
    pool.intercept(assetsPath).reply(200, { items: [] });
    await expect(car.byIds([carId(1)])).rejects.toMatchObject(UNAVAILABLE);
    agent.assertNoPendingInterceptors();
    await agent.close();
  });

  it("recovers when a retry gets a good answer", async () => {
    const { agent, pool, car } = mocked();
    pool.intercept(assetsPath).reply(200, "{ truncated");
    pool.intercept(assetsPath).reply(200, { assets: [RECORDS[0]] });
    expect(await car.byIds([carId(1), "CAR-999999"])).toEqual([RECORDS[0], null]);
    agent.assertNoPendingInterceptors();
    await agent.close();
  });
});

describe("loader", () => {
  it("batches 100 loads in one tick into one request", async () => {
    const loader = client().createLoader();
    const ids = Array.from({ length: 100 }, (_, i) => carId(i + 1));
    const { requests, result } = await counting(() => Promise.all(ids.map((id) => loader.load(id))));
    expect(requests).toBe(1);
    expect(result).toEqual(RECORDS.slice(0, 100));
  });

  it("loads each id once, null for unknown, and at most batchSize ids a request", async () => {
    const loader = client({ batchSize: 100 }).createLoader();
    const ids = [...Array.from({ length: 250 }, (_, i) => carId(i + 1)), carId(1), "CAR-999999"];
    const { requests, result } = await counting(() => Promise.all(ids.map((id) => loader.load(id))));
    expect(requests).toBe(3);
    expect(result.at(-2)).toEqual(RECORDS[0]);
    expect(result.at(-1)).toBeNull();
  });

  it("rejects each load with UPSTREAM_UNAVAILABLE when the register is down", async () => {
    registry.setDown(true);
    const loader = client({ retries: 0 }).createLoader();
    const outcomes = await Promise.allSettled([loader.load(carId(1)), loader.load(carId(2))]);
    expect(outcomes).toEqual([
      { status: "rejected", reason: expect.objectContaining(UNAVAILABLE) },
      { status: "rejected", reason: expect.objectContaining(UNAVAILABLE) },
    ]);
  });
});

it("reads the stand-in's records as the contract's", async () => {
  expect(await client().byIds(READ_AS.slice(0, 3).map((record) => record.carId))).toEqual(READ_AS.slice(0, 3));
});

it("reports its state for /readyz", async () => {
  const car = client();
  expect(car.state()).toEqual({ breaker: "CLOSED", consecutiveFailures: 0, cacheSize: 0 });
  await car.byIds([carId(1)]);
  expect(car.state()).toEqual({ breaker: "CLOSED", consecutiveFailures: 0, cacheSize: 2 });
});
