import { eq, sql } from "drizzle-orm";
import { pgSchema } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type DatabaseHandle,
  type DeliveredEvent,
  enqueueEvent,
  outboxTable,
  signWebhook,
  startOutboxRelay,
  verifyWebhook,
  WEBHOOK_HEADERS,
  wakeOutbox,
  webhookHeaders,
} from "../src/index.js";
import { createTestDatabase } from "../src/testing.js";

/**
 * The transactional outbox: an event is recorded with the write that causes it (committed together, or rolled back
 * together), the relay delivers each committed event and marks it, a refused batch is kept and retried; the webhook
 * signature helpers sign over `timestamp.body` and refuse replays outside the window.
 */
const schema = pgSchema("outboxed");
const outbox = outboxTable(schema);
const org = "7b0c3c1e-6d0b-4c1e-9b43-0c5f3c8a0a01";

let handle: DatabaseHandle;
beforeAll(async () => {
  handle = await createTestDatabase();
  for (const statement of [
    `create schema outboxed`,
    `create table outboxed.things (id serial primary key, name text not null)`,
    `create table outboxed.outbox_events (id uuid primary key default gen_random_uuid(), type text not null,
      subject_type text not null, subject_id text not null, recipients jsonb not null, payload jsonb not null,
      occurred_at timestamptz not null default now(), attempts integer not null default 0, claimed_until timestamptz,
      delivered_at timestamptz, last_error text)`,
  ]) {
    await handle.db.execute(sql.raw(statement));
  }
});
afterAll(() => handle.close());

const event = (name: string) => ({
  type: "THING_MADE",
  subject: { type: "Thing", id: name },
  recipients: { organisations: [org] },
  payload: { name },
});

/** Writes a thing and its event in one transaction; `fail` rolls both back. */
async function makeThing(name: string, fail = false): Promise<string | undefined> {
  let id: string | undefined;
  await handle.db
    .transaction(async (tx) => {
      await tx.execute(sql`insert into outboxed.things (name) values (${name})`);
      id = await enqueueEvent(tx, outbox, event(name));
      if (fail) throw new Error("the write failed after its event was enqueued");
    })
    .catch((error) => {
      if (!fail) throw error;
    });
  return id;
}

describe("outbox", () => {
  it("delivers a committed write's event once and marks it delivered; a rolled-back write's never", async () => {
    const received: DeliveredEvent[] = [];
    const relay = startOutboxRelay({
      db: handle.db,
      table: outbox,
      source: "test",
      intervalMs: 60_000,
      deliver: async (batch) => void received.push(...batch),
    });
    try {
      const committed = await makeThing("kept");
      const rolledBack = await makeThing("lost", true);
      expect(await relay.flush()).toBe(1);
      expect(received.map((e) => e.id)).toEqual([committed]);
      expect(received[0]).toMatchObject({
        type: "THING_MADE",
        subject: { type: "Thing", id: "kept" },
        recipients: { users: [], organisations: [org] },
        payload: { name: "kept" },
        source: "test",
      });
      expect((await handle.db.select().from(outbox).where(eq(outbox.id, rolledBack!))).length).toBe(0);
      const [row] = await handle.db.select().from(outbox).where(eq(outbox.id, committed!));
      expect(row?.deliveredAt).toBeInstanceOf(Date);
      expect(await relay.flush()).toBe(0);
      expect(received).toHaveLength(1);
    } finally {
      await relay.stop();
    }
  });

  it("keeps a batch the receiver refused and delivers it on a later pass", async () => {
    let refuse = true;
    const received: string[] = [];
    const relay = startOutboxRelay({
      db: handle.db,
      table: outbox,
      source: "test",
      intervalMs: 1,
      maxBackoffMs: 1,
      deliver: async (batch) => {
        if (refuse) throw new Error("rules is down");
        received.push(...batch.map((e) => e.id));
      },
    });
    try {
      await relay.stop(); // driven by hand below
      const id = await makeThing("retried");
      expect(await relay.flush()).toBe(0);
      const [failed] = await handle.db.select().from(outbox).where(eq(outbox.id, id!));
      expect(failed).toMatchObject({ deliveredAt: null, attempts: 1, lastError: "rules is down" });
      refuse = false;
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await relay.flush()).toBe(1);
      expect(received).toEqual([id]);
    } finally {
      await relay.stop();
    }
  });

  it("drains a backlog: several events per call, pass after pass until none is due, each event once", async () => {
    const batches: string[][] = [];
    const relay = startOutboxRelay({
      db: handle.db,
      table: outbox,
      source: "test",
      intervalMs: 60_000,
      wakeable: false, // the test's drain() makes every pass
      batchSize: 2,
      deliver: async (batch) => void batches.push(batch.map((e) => e.subject.id)),
    });
    try {
      const names = ["b1", "b2", "b3", "b4", "b5"];
      for (const name of names) await makeThing(name);
      expect(await relay.drain()).toBe(5);
      expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
      expect(batches.flat()).toEqual(names);
      expect(await relay.drain()).toBe(0);
    } finally {
      await relay.stop();
    }
  });

  it("keeps `concurrency` passes in flight: a slow delivery does not hold back the events behind it; each event once", async () => {
    let inFlight = 0;
    let most = 0;
    const delivered: string[] = [];
    let open: () => void = () => {};
    const bothIn = new Promise<void>((resolve) => {
      open = resolve;
    });
    const relay = startOutboxRelay({
      db: handle.db,
      table: outbox,
      source: "test",
      intervalMs: 10,
      batchSize: 1,
      concurrency: 2,
      deliver: async (batch) => {
        inFlight++;
        most = Math.max(most, inFlight);
        if (inFlight === 2) open();
        // The first delivery waits for a second one to start: with one pass at a time it would wait for ever (5 s).
        await Promise.race([bothIn, new Promise((resolve) => setTimeout(resolve, 5000))]);
        delivered.push(...batch.map((e) => e.subject.id));
        inFlight--;
      },
    });
    try {
      for (const name of ["c1", "c2", "c3"]) await makeThing(name);
      for (let i = 0; i < 500 && delivered.length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      await relay.stop();
    }
    expect(most).toBe(2);
    expect(delivered.sort()).toEqual(["c1", "c2", "c3"]);
  });

  it("is woken by wakeOutbox after a commit: its events at once, a rolled-back write's never", async () => {
    const delivered: string[] = [];
    // No tick within the test: only a wake can start a pass.
    const relay = startOutboxRelay({
      db: handle.db,
      table: outbox,
      source: "test",
      intervalMs: 600_000,
      deliver: async (batch) => {
        delivered.push(...batch.map((e) => e.subject.id));
      },
    });
    const other = outboxTable(pgSchema("elsewhere"));
    try {
      await makeThing("w-rolled-back", true);
      await makeThing("w1");
      wakeOutbox(other); // another outbox's relays only: nothing here
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(delivered).toEqual([]);
      wakeOutbox(outbox);
      for (let i = 0; i < 250 && !delivered.includes("w1"); i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(delivered).toEqual(["w1"]);
    } finally {
      await relay.stop();
    }
    // A stopped relay is woken no more.
    await makeThing("w2");
    wakeOutbox(outbox);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(delivered).toEqual(["w1"]);
    const drainer = startOutboxRelay({ db: handle.db, table: outbox, source: "test", intervalMs: 600_000, deliver: async () => {} });
    expect(await drainer.drain()).toBe(1);
    await drainer.stop();
  });

  it("refuses a malformed event", async () => {
    await expect(enqueueEvent(handle.db, outbox, { ...event("x"), type: "lower case" })).rejects.toMatchObject({
      extensions: { code: "BAD_USER_INPUT" },
    });
    await expect(enqueueEvent(handle.db, outbox, { ...event("x"), recipients: {} })).rejects.toMatchObject({
      extensions: { code: "BAD_USER_INPUT", field: "recipients" },
    });
  });
});

describe("webhook signatures", () => {
  const secret = "whsec_test";
  const body = JSON.stringify({ id: "e1", type: "THING_MADE" });
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);

  it("signs HMAC-SHA256 over timestamp.body and verifies within five minutes", () => {
    const headers = webhookHeaders(secret, "e1", body, now);
    expect(headers[WEBHOOK_HEADERS.signature]).toBe(signWebhook(secret, now / 1000, body));
    expect(headers[WEBHOOK_HEADERS.signature]).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhook(secret, headers, body, { now: now + 299_000 })).toEqual({ ok: true, id: "e1", timestamp: now / 1000 });
  });

  it("refuses a replay outside the window, another body or secret, and missing headers", () => {
    const headers = webhookHeaders(secret, "e1", body, now);
    expect(verifyWebhook(secret, headers, body, { now: now + 301_000 })).toEqual({ ok: false, reason: "STALE" });
    expect(verifyWebhook(secret, headers, `${body} `, { now })).toEqual({ ok: false, reason: "BAD_SIGNATURE" });
    expect(verifyWebhook("whsec_other", headers, body, { now })).toEqual({ ok: false, reason: "BAD_SIGNATURE" });
    expect(verifyWebhook(secret, { [WEBHOOK_HEADERS.id]: "e1" }, body, { now })).toEqual({ ok: false, reason: "MISSING_HEADERS" });
  });
});
