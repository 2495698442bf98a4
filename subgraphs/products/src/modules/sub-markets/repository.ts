import { appendAudit, type Database, guardedUpdate, type Identity, isUuid } from "@sfe/kit";
import { asc, eq, inArray } from "drizzle-orm";
import { auditEvents, subMarkets } from "../../db/schema.js";

export type SubMarketRow = typeof subMarkets.$inferSelect;
export type NewSubMarket = typeof subMarkets.$inferInsert;
/** What an update may change: the operator stays. */
export type SubMarketChanges = Partial<Omit<NewSubMarket, "id" | "operatorId" | "createdAt" | "updatedAt">>;

/** Sub-markets: market information, read by anyone signed in, written by their operator or an administrator. */
export function createSubMarketRepository(db: Database) {
  return {
    /** Rows for the ids that exist, in any order (the loader orders them). */
    async byIds(ids: readonly string[]): Promise<SubMarketRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return [];
      return db.select().from(subMarkets).where(inArray(subMarkets.id, valid));
    },

    async list(filter: { operatorId?: string | null; limit: number; offset: number }): Promise<SubMarketRow[]> {
      if (filter.operatorId != null && !isUuid(filter.operatorId)) return []; // a malformed id operates nothing
      return db
        .select()
        .from(subMarkets)
        .where(filter.operatorId != null ? eq(subMarkets.operatorId, filter.operatorId) : undefined)
        .orderBy(asc(subMarkets.name), asc(subMarkets.id))
        .limit(filter.limit)
        .offset(filter.offset);
    },

    /** Adds a sub-market, audited; CONFLICT (by the unique index) when its operator has one of that name. */
    async create(values: NewSubMarket, actor: Identity | null): Promise<SubMarketRow> {
      return db.transaction(async (tx) => {
        const [row] = await tx.insert(subMarkets).values(values).returning();
        if (!row) throw new Error("insert returned no row");
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "SubMarket", entityId: row.id, after: row });
        return row;
      });
    },

    /** Applies `changes` to sub-market `id` (null when there is none); `authorize` runs first against the locked row. */
    update: (id: string, changes: SubMarketChanges, actor: Identity | null, authorize: (before: SubMarketRow) => void) =>
      guardedUpdate(db, {
        table: subMarkets,
        audit: auditEvents,
        entityType: "SubMarket",
        id,
        actor,
        change: (before) => {
          authorize(before);
          // Only what differs from the locked row: the same values again write nothing.
          return Object.fromEntries(
            Object.entries(changes).filter(
              ([key, value]) => JSON.stringify(value) !== JSON.stringify(before[key as keyof SubMarketChanges]),
            ),
          );
        },
      }),
  };
}

export type SubMarketRepository = ReturnType<typeof createSubMarketRepository>;
