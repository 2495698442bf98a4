import { eq } from "drizzle-orm";
import { pgSchema } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../src/database.js";
import { createThrottle, retryAfterSeconds, type ThrottleLimit, throttleTable, throttleWait } from "../src/throttle.js";
import { countRows, createTestDatabase } from "../src/testing.js";

const table = throttleTable(pgSchema("throttle_test"));
const MINUTE = 60_000;
const T0 = new Date("2025-06-23T12:00:00Z");
const at = (ms: number) => new Date(T0.getTime() + ms);

let handle: DatabaseHandle;
let throttle: ReturnType<typeof createThrottle>;
beforeAll(async () => {
  handle = await createTestDatabase();
  await handle.exec(`
    create schema throttle_test;
    create table throttle_test.throttle_counters (
      key text primary key, hits integer not null, window_started_at timestamptz not null,
      last_hit_at timestamptz, expires_at timestamptz not null);`);
  throttle = createThrottle(handle.db, table);
});
afterAll(async () => {
  await handle.close();
});

describe("throttleWait", () => {
  const limit: ThrottleLimit = { key: "k", windowMs: 10 * MINUTE, max: 3, backoff: { free: 1, firstMs: 1000, maxMs: 5000 } };
  const counter = (hits: number, lastHitMs: number) => ({ hits, windowStartedAt: T0, lastHitAt: at(lastHitMs) });

  it("waits for the window's end past max, and a growing, capped delay past the free hits", () => {
    expect(throttleWait(limit, undefined, T0)).toBe(0);
    expect(throttleWait(limit, counter(1, 0), at(0))).toBe(1000);
    expect(throttleWait(limit, counter(1, 0), at(1000))).toBe(0);
    expect(throttleWait(limit, counter(2, 0), at(0))).toBe(2000);
    expect(throttleWait({ ...limit, max: undefined }, counter(10, 0), at(0))).toBe(5000); // capped
    expect(throttleWait(limit, counter(3, 0), at(MINUTE))).toBe(9 * MINUTE); // max: until the window ends
    expect(throttleWait(limit, counter(3, 0), at(10 * MINUTE))).toBe(0); // a new window
    expect(throttleWait(limit, { ...counter(1, 0), hits: 0 }, at(0))).toBe(0); // refunded
  });

  it("rounds a wait up to whole seconds, at least one", () => {
    expect([1, 999, 1000, 1001, 0].map(retryAfterSeconds)).toEqual([1, 1, 1, 2, 1]);
  });
});

describe("the database throttle", () => {
  it("allows up to max hits, then refuses every key together until the window is over", async () => {
    const limits = [
      { key: "a", windowMs: MINUTE, max: 2 },
      { key: "shared", windowMs: MINUTE, max: 100 },
    ];
    expect(await throttle.hit(limits, at(0))).toEqual({ allowed: true });
    expect(await throttle.hit(limits, at(1000))).toEqual({ allowed: true });
    expect(await throttle.hit(limits, at(2000))).toEqual({ allowed: false, retryAfterMs: MINUTE - 2000 });
    // The refused hit took nothing from the other key.
    const [shared] = await handle.db.select().from(table).where(eq(table.key, "shared"));
    expect(shared?.hits).toBe(2);
    expect(await throttle.hit(limits, at(MINUTE))).toEqual({ allowed: true });
  });

  it("counts concurrent hits exactly: of 40 racing hits, max are allowed", async () => {
    const limits = [{ key: "race", windowMs: MINUTE, max: 7 }];
    const verdicts = await Promise.all(Array.from({ length: 40 }, () => throttle.hit(limits, at(0))));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(7);
  });

  it("refunds and resets", async () => {
    const limits = [{ key: "r", windowMs: MINUTE, max: 1 }];
    expect((await throttle.hit(limits, at(0))).allowed).toBe(true);
    expect((await throttle.hit(limits, at(0))).allowed).toBe(false);
    await throttle.refund(["r"]);
    expect((await throttle.hit(limits, at(0))).allowed).toBe(true);
    await throttle.reset(["r"]);
    expect((await throttle.hit(limits, at(0))).allowed).toBe(true);
    await throttle.refund(["r", "r-never-hit"]);
    await throttle.refund(["r"]); // never below zero
    expect((await throttle.hit(limits, at(0))).allowed).toBe(true);
    expect(await throttle.hit([], at(0))).toEqual({ allowed: true });
  });

  it("prunes rows whose window is over", async () => {
    await throttle.hit([{ key: "old", windowMs: MINUTE, max: 1 }], at(0));
    const before = await countRows(handle, "throttle_test.throttle_counters");
    expect(await throttle.prune(at(2 * MINUTE + 10 * MINUTE))).toBeGreaterThan(0);
    expect(await countRows(handle, "throttle_test.throttle_counters")).toBeLessThan(before);
  });
});
