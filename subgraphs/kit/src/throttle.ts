import { eq, inArray, lt, sql } from "drizzle-orm";
import { index, integer, type PgSchema, text, timestamp } from "drizzle-orm/pg-core";
import type { Database } from "./database.js";

/**
 * An atomic throttle kept in the database, so every replica counts together: one row per key (a counter
 * over a window). `hit` takes one hit on several keys at once, all or none, under row locks, BEFORE the
 * expensive or guessable work it guards; so however many requests race, no key ever gets more hits than
 * its limit allows. A caller that learns the attempt was harmless gives the hit back (`refund`) or
 * clears the key (`reset`).
 */

/** A throttle table's columns, fresh for each table (like `auditColumns()`). */
export const throttleColumns = () => ({
  key: text().primaryKey(),
  hits: integer().notNull(),
  /** The first hit of the current window; the window is over `windowMs` after it. */
  windowStartedAt: timestamp("window_started_at", { withTimezone: true }).notNull(),
  lastHitAt: timestamp("last_hit_at", { withTimezone: true }),
  /** When the row no longer matters (its window is over): `prune` deletes it after that. */
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
});

/** A subgraph's throttle table in its own schema. */
export const throttleTable = (schema: PgSchema, name = "throttle_counters") =>
  schema.table(name, throttleColumns(), (t) => [index(`${name}_expires_idx`).on(t.expiresAt)]);

export type ThrottleTable = ReturnType<typeof throttleTable>;

export interface ThrottleLimit {
  key: string;
  /** A window starts at its first hit and lasts this long; then the key starts again from nothing. */
  windowMs: number;
  /** At most this many hits per window: further ones are refused until the window is over. */
  max?: number;
  /**
   * After `free` hits in the window, each further hit must come at least min(firstMs · 2^(hits − free), maxMs)
   * after the previous one: a growing delay, capped, never a lock-out.
   */
  backoff?: { free: number; firstMs: number; maxMs: number };
}

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterMs: number };

interface Counter {
  hits: number;
  windowStartedAt: Date;
  lastHitAt: Date | null;
}

/** How long a hit on `limit` must wait (0: now), given its counter. Pure, for tests and callers alike. */
export function throttleWait(limit: ThrottleLimit, counter: Counter | undefined, now: Date): number {
  if (!counter || counter.hits === 0) return 0;
  const windowEnd = counter.windowStartedAt.getTime() + limit.windowMs;
  if (windowEnd <= now.getTime()) return 0;
  let until = now.getTime();
  if (limit.max !== undefined && counter.hits >= limit.max) until = windowEnd;
  if (limit.backoff && counter.hits >= limit.backoff.free && counter.lastHitAt) {
    const { free, firstMs, maxMs } = limit.backoff;
    const delay = Math.min(firstMs * 2 ** Math.min(counter.hits - free, 30), maxMs);
    until = Math.max(until, Math.min(counter.lastHitAt.getTime() + delay, windowEnd));
  }
  return Math.max(0, until - now.getTime());
}

/** Whole seconds to tell a client to wait (at least 1). */
export const retryAfterSeconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

const NEVER = new Date(0);

export function createThrottle(db: Database, table: ThrottleTable) {
  return {
    /**
     * Takes one hit on every limit, or (when any of them must wait) none, answering how long to wait. Rows
     * are created and locked in key order, so concurrent hits on overlapping keys queue instead of racing
     * and never deadlock.
     */
    async hit(limits: readonly ThrottleLimit[], now: Date): Promise<ThrottleVerdict> {
      const sorted = [...new Map(limits.map((limit) => [limit.key, limit])).values()].sort((a, b) => (a.key < b.key ? -1 : 1));
      if (sorted.length === 0) return { allowed: true };
      const keys = sorted.map((limit) => limit.key);
      return db.transaction(async (tx) => {
        await tx
          .insert(table)
          .values(keys.map((key) => ({ key, hits: 0, windowStartedAt: NEVER, expiresAt: NEVER })))
          .onConflictDoNothing();
        const rows = await tx.select().from(table).where(inArray(table.key, keys)).orderBy(table.key).for("update");
        const byKey = new Map(rows.map((row) => [row.key, row]));
        const wait = Math.max(...sorted.map((limit) => throttleWait(limit, byKey.get(limit.key), now)));
        if (wait > 0) return { allowed: false, retryAfterMs: wait };
        for (const limit of sorted) {
          const row = byKey.get(limit.key);
          const fresh = !row || row.windowStartedAt.getTime() + limit.windowMs <= now.getTime();
          const windowStartedAt = fresh ? now : row.windowStartedAt;
          await tx
            .update(table)
            .set({
              hits: fresh ? 1 : row.hits + 1,
              windowStartedAt,
              lastHitAt: now,
              expiresAt: new Date(windowStartedAt.getTime() + limit.windowMs),
            })
            .where(eq(table.key, limit.key));
        }
        return { allowed: true };
      });
    },

    /** Gives one hit back on each key (the attempt turned out not to count, e.g. a successful sign-in). */
    async refund(keys: readonly string[]): Promise<void> {
      if (keys.length === 0) return;
      await db
        .update(table)
        .set({ hits: sql`greatest(${table.hits} - 1, 0)` })
        .where(inArray(table.key, [...keys]));
    },

    /** Forgets the keys: their next hit starts a new window. */
    async reset(keys: readonly string[]): Promise<void> {
      if (keys.length === 0) return;
      await db.delete(table).where(inArray(table.key, [...keys]));
    },

    /** Deletes rows whose window is over (they count as nothing anyway). */
    async prune(now: Date): Promise<number> {
      const deleted = await db.delete(table).where(lt(table.expiresAt, now)).returning({ key: table.key });
      return deleted.length;
    },
  };
}

export type Throttle = ReturnType<typeof createThrottle>;
