import { createHmac, timingSafeEqual } from "node:crypto";
import { and, asc, inArray, isNull, lt, or, sql } from "drizzle-orm";
import { index, integer, jsonb, type PgSchema, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { Database } from "./database.js";
import { badInput, isUuid } from "./errors.js";
import type { EntityReferences } from "./references.js";

/**
 * The transactional outbox: a subgraph records the events its writes cause (QUALIFICATION_DECIDED, DISPATCH_ISSUED …)
 * in its own schema, in the SAME transaction as the write, so an event exists exactly when its write committed. A
 * relay (`startOutboxRelay`) then hands undelivered rows to the rules subgraph's gateway-only `POST /internal/events`
 * and marks them delivered: at least once (a crash between the two sends a row again), so the receiver de-duplicates
 * by event id.
 */
export const outboxTable = (schema: PgSchema) =>
  schema.table(
    "outbox_events",
    {
      id: uuid().primaryKey().defaultRandom(),
      /** SCREAMING_SNAKE, e.g. QUALIFICATION_DECIDED (domain §4.20). */
      type: text().notNull(),
      subjectType: text("subject_type").notNull(),
      subjectId: text("subject_id").notNull(),
      recipients: jsonb().$type<EventRecipients>().notNull(),
      payload: jsonb().$type<Record<string, unknown>>().notNull(),
      occurredAt: timestamp("occurred_at", { withTimezone: true }).notNull().defaultNow(),
      /** Delivery attempts so far; the row is claimed (not to be taken by another relay) until `claimedUntil`. */
      attempts: integer().notNull().default(0),
      claimedUntil: timestamp("claimed_until", { withTimezone: true }),
      deliveredAt: timestamp("delivered_at", { withTimezone: true }),
      lastError: text("last_error"),
    },
    (t) => [index("outbox_events_undelivered_idx").on(t.occurredAt).where(sql`${t.deliveredAt} is null`)],
  );

export type OutboxTable = ReturnType<typeof outboxTable>;
export type OutboxRow = OutboxTable["$inferSelect"];

/** Who an event is for: people by user id, organisations (all their members, and their webhooks) by id. */
export interface EventRecipients {
  users: string[];
  organisations: string[];
}

export interface OutboxEvent {
  type: string;
  subject: { type: string; id: string };
  recipients: Partial<EventRecipients>;
  payload?: Record<string, unknown>;
}

/** What the relay sends, one per event: `POST /internal/events` `{ "events": [DeliveredEvent, …] }`. */
export interface DeliveredEvent {
  id: string;
  type: string;
  subject: { type: string; id: string };
  recipients: EventRecipients;
  payload: Record<string, unknown>;
  occurredAt: string;
  /** The subgraph that recorded it. */
  source: string;
}

/** The rules subgraph's gateway-only route that receives outbox events. */
export const EVENTS_PATH = "/internal/events";
export const EVENT_TYPE = /^[A-Z][A-Z0-9_]{1,63}$/;

/** The relays running in this process, by the outbox they read: `wakeOutbox` starts their pass at once. */
const relaysByTable = new Map<OutboxTable, Set<() => void>>();

/**
 * Wakes this process's relays of `table` now, instead of at their next tick: for a writer to call right after its
 * transaction that recorded events COMMITTED (never before: a pass would not see the rows yet). Polling stays the
 * fallback for every other writer and for other processes.
 */
export function wakeOutbox(table: OutboxTable): void {
  for (const wake of relaysByTable.get(table) ?? []) wake();
}

/**
 * Records `event` with `tx`, the transaction of the write that causes it: it commits, or rolls back, with that write.
 * Answers the event's id. A malformed event is a programming error in the caller, refused as BAD_USER_INPUT.
 */
export async function enqueueEvent(tx: Database, table: OutboxTable, event: OutboxEvent): Promise<string> {
  if (!EVENT_TYPE.test(event.type)) throw badInput(`event type ${event.type} is not SCREAMING_SNAKE`, "type");
  const recipients = {
    users: [...new Set(event.recipients.users ?? [])],
    organisations: [...new Set(event.recipients.organisations ?? [])],
  };
  if ([...recipients.users, ...recipients.organisations].some((id) => !isUuid(id)))
    throw badInput("event recipients must be ids", "recipients");
  if (recipients.users.length + recipients.organisations.length === 0) throw badInput("an event needs a recipient", "recipients");
  const [row] = await tx
    .insert(table)
    .values({
      type: event.type,
      subjectType: event.subject.type,
      subjectId: event.subject.id,
      recipients,
      payload: event.payload ?? {},
    })
    .returning({ id: table.id });
  return row!.id;
}

export interface OutboxRelayOptions {
  db: Database;
  table: OutboxTable;
  /** The recording subgraph, sent as each event's `source`. */
  source: string;
  /** Hands a batch over; throws (or rejects) when it was not accepted, so the batch is tried again later. */
  deliver: (events: DeliveredEvent[]) => Promise<void>;
  /** How often undelivered rows are looked for (and at once on `wakeOutbox`). Default 250 ms. */
  intervalMs?: number;
  batchSize?: number;
  /** How long a claimed batch is left to its relay before another may take it. Default 30 s. */
  leaseMs?: number;
  /** The longest wait before a failed row is tried again (doubling from intervalMs). Default 60 s. */
  maxBackoffMs?: number;
  /**
   * Passes the timer keeps in flight at once, each claiming its own rows (SKIP LOCKED, then the lease): a slow
   * receiver (the conflict detector answers each batch after its run) does not hold back the events behind it. Default 1.
   */
  concurrency?: number;
  /** false: not woken by `wakeOutbox`, the timer alone (a caller driving the passes itself). Default true. */
  wakeable?: boolean;
  log?: (message: string) => void;
}

export interface OutboxRelay {
  /** One pass now: claims, delivers and marks what is due; answers how many were delivered. */
  flush(): Promise<number>;
  /** Passes one after another until one delivers nothing (what the timer does above concurrency 1); answers how many. */
  drain(): Promise<number>;
  /** Looks for due rows now, as a timer tick does (what `wakeOutbox` calls). */
  wake(): void;
  /** Stops polling and waits for a pass under way. */
  stop(): Promise<void>;
}

/**
 * Polls the outbox: claims due rows (`FOR UPDATE SKIP LOCKED`, so relays of several replicas never take the same row,
 * then a lease instead of a lock held across HTTP), delivers them, marks them delivered; a failed batch is tried again
 * after an exponential backoff (capped), never dropped.
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, table: t } = options;
  const intervalMs = options.intervalMs ?? 250;
  const leaseMs = options.leaseMs ?? 30_000;
  const maxBackoffMs = options.maxBackoffMs ?? 60_000;
  let running: Promise<number> | undefined;
  let stopped = false;
  // Passes between the start of their claim and its answer: a row committed meanwhile may have been missed by them.
  let claiming = 0;
  // A wake came while a pass was claiming: look again once it is done, rather than at the next tick.
  let wokenWhileClaiming = false;

  async function pass(): Promise<number> {
    claiming++;
    let claimed: OutboxRow[];
    try {
      claimed = await claim();
    } finally {
      claiming--;
    }
    return claimed.length === 0 ? 0 : deliverClaimed(claimed);
  }

  async function claim(): Promise<OutboxRow[]> {
    const due = db
      .select({ id: t.id })
      .from(t)
      .where(and(isNull(t.deliveredAt), or(isNull(t.claimedUntil), lt(t.claimedUntil, sql`now()`))))
      .orderBy(asc(t.occurredAt))
      .limit(options.batchSize ?? 100)
      .for("update", { skipLocked: true });
    return db
      .update(t)
      .set({ claimedUntil: sql`now() + ${`${leaseMs} milliseconds`}::interval`, attempts: sql`${t.attempts} + 1` })
      .where(inArray(t.id, due))
      .returning();
  }

  async function deliverClaimed(claimed: OutboxRow[]): Promise<number> {
    claimed.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
    const ids = claimed.map((row) => row.id);
    try {
      await options.deliver(claimed.map((row) => toDelivered(row, options.source)));
    } catch (error) {
      const attempts = Math.max(...claimed.map((row) => row.attempts));
      const backoff = Math.min(maxBackoffMs, intervalMs * 2 ** Math.min(attempts, 20));
      await db
        .update(t)
        .set({
          claimedUntil: sql`now() + ${`${backoff} milliseconds`}::interval`,
          lastError: String((error as Error).message).slice(0, 500),
        })
        .where(inArray(t.id, ids));
      options.log?.(`outbox: ${ids.length} event(s) not delivered, retrying in ${backoff} ms: ${(error as Error).message}`);
      return 0;
    }
    await db.update(t).set({ deliveredAt: sql`now()`, claimedUntil: null, lastError: null }).where(inArray(t.id, ids));
    return ids.length;
  }

  const flush = (): Promise<number> => {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  };
  const report = (error: unknown) => options.log?.(`outbox relay: ${(error as Error).message}`);
  // A pass that delivered events is followed at once by the next (a backlog drains without waiting out the
  // interval, one batch after another); an idle outbox is looked at every intervalMs.
  const drain = async () => {
    let delivered = 0;
    for (let n = await flush(); n > 0 && !stopped; n = await flush()) delivered += n;
    return delivered;
  };
  // With concurrency 1 a tick (or a wake) runs one flush, as it always did. Above, its own drains: up to `concurrency`
  // of them while passes find events, each pass after pass (its passes are not shared like flush's). Only while passes
  // find events: an idle outbox is looked at by one pass at a time, and events committed during a slow delivery wait
  // for it and go in one batch (measured: a pass per event, each its own detector run, cost more than it saved).
  const concurrency = options.concurrency ?? 1;
  const loops = new Set<Promise<void>>();
  let busy = false;
  const loop = async () => {
    while (!stopped) {
      wokenWhileClaiming = false;
      busy = (await pass()) > 0;
      if (!busy && !wokenWhileClaiming) return;
    }
  };
  // A timer tick during a claim leaves it be (the next tick looks again); a wake, a commit that claim may not have
  // seen, asks for another pass after it.
  const tick = (woken = false) => {
    if (stopped) return;
    if (claiming > 0) {
      if (woken) wokenWhileClaiming = true;
      return;
    }
    if (concurrency === 1) {
      if (running) return;
      wokenWhileClaiming = false;
      flush()
        .then(() => {
          if (wokenWhileClaiming) tick(true);
        })
        .catch(report);
      return;
    }
    if (running || loops.size >= (busy ? concurrency : 1)) return;
    const started: Promise<void> = loop()
      .catch(report)
      .finally(() => loops.delete(started));
    loops.add(started);
  };
  const timer = setInterval(() => tick(), intervalMs);
  const wake = () => tick(true);
  timer.unref();
  const registered = relaysByTable.get(t) ?? new Set<() => void>();
  if (options.wakeable !== false) relaysByTable.set(t, registered.add(wake));
  return {
    flush,
    drain,
    wake,
    async stop() {
      stopped = true;
      clearInterval(timer);
      registered.delete(wake);
      if (registered.size === 0 && relaysByTable.get(t) === registered) relaysByTable.delete(t);
      await Promise.all([running?.catch(() => {}), ...loops]);
    },
  };
}

const toDelivered = (row: OutboxRow, source: string): DeliveredEvent => ({
  id: row.id,
  type: row.type,
  subject: { type: row.subjectType, id: row.subjectId },
  recipients: row.recipients,
  payload: row.payload,
  occurredAt: row.occurredAt.toISOString(),
  source,
});

/** `deliver` for the relay: POSTs the batch to the rules subgraph's `/internal/events` with the subgraph identity. */
export function deliverToRules(references: EntityReferences): (events: DeliveredEvent[]) => Promise<void> {
  return async (events) => {
    if (!references.call) throw new Error("no subgraph to deliver events to");
    const { status } = await references.call("rules", EVENTS_PATH, { events });
    if (status !== 200) throw new Error(`the rules subgraph answered ${status}`);
  };
}

// Webhook signatures --------------------------------------------------------------------------------------------------

/** Headers of a webhook delivery: its event id (the receiver de-duplicates by it), unix seconds, the signature. */
export const WEBHOOK_HEADERS = {
  id: "x-sfe-webhook-id",
  timestamp: "x-sfe-webhook-timestamp",
  signature: "x-sfe-webhook-signature",
} as const;

/** Receivers refuse deliveries signed longer ago (or further ahead) than this: a replayed request is stale. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** `sha256=<hex>`: HMAC-SHA256 with the endpoint's secret over `<timestamp>.<body>`. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** The headers to send with `body`, signed now. */
export function webhookHeaders(secret: string, id: string, body: string, now = Date.now()): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  return {
    [WEBHOOK_HEADERS.id]: id,
    [WEBHOOK_HEADERS.timestamp]: String(timestamp),
    [WEBHOOK_HEADERS.signature]: signWebhook(secret, timestamp, body),
  };
}

export type WebhookVerification =
  | { ok: true; id: string; timestamp: number }
  | { ok: false; reason: "MISSING_HEADERS" | "STALE" | "BAD_SIGNATURE" };

/**
 * For receivers: whether a delivery is the hub's, and fresh. Pass the raw body exactly as received and the request's
 * headers (lower-case names, as node:http gives them). Refuses a timestamp more than `toleranceSeconds` from now.
 */
export function verifyWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  options: { toleranceSeconds?: number; now?: number } = {},
): WebhookVerification {
  const one = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const id = one(WEBHOOK_HEADERS.id);
  const stamp = one(WEBHOOK_HEADERS.timestamp);
  const signature = one(WEBHOOK_HEADERS.signature);
  if (!id || !stamp || !signature || !/^\d{1,12}$/.test(stamp)) return { ok: false, reason: "MISSING_HEADERS" };
  const timestamp = Number(stamp);
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
  if (Math.abs(nowSeconds - timestamp) > (options.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS)) return { ok: false, reason: "STALE" };
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: "BAD_SIGNATURE" };
  return { ok: true, id, timestamp };
}
