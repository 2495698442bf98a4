import { appendAudit, type Database, guardedUpdate, type Identity, isUuid } from "@sfe/kit";
import { and, asc, eq, inArray } from "drizzle-orm";
import { auditEvents, marketRules, type RuleKind, type RuleStatus } from "../db/schema.js";

export type MarketRuleRow = typeof marketRules.$inferSelect;
export type NewMarketRule = typeof marketRules.$inferInsert;

export function createMarketRuleRepository(db: Database) {
  return {
    /** Rows for the ids that exist, in any order (the loader orders them). */
    async byIds(ids: readonly string[]): Promise<MarketRuleRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return [];
      return db.select().from(marketRules).where(inArray(marketRules.id, valid));
    },

    /** Every rule of each product, by code: one read for a whole batch of products. */
    async byProductIds(productIds: readonly string[]): Promise<MarketRuleRow[]> {
      const valid = productIds.filter(isUuid);
      if (valid.length === 0) return [];
      return db.select().from(marketRules).where(inArray(marketRules.productId, valid)).orderBy(asc(marketRules.code));
    },

    async list(filter: {
      productId?: string | null;
      kind?: RuleKind | null;
      status?: RuleStatus | null;
      limit: number;
      offset: number;
    }): Promise<MarketRuleRow[]> {
      if (filter.productId != null && !isUuid(filter.productId)) return []; // no product has a malformed id
      return db
        .select()
        .from(marketRules)
        .where(
          and(
            filter.productId != null ? eq(marketRules.productId, filter.productId) : undefined,
            filter.kind ? eq(marketRules.kind, filter.kind) : undefined,
            filter.status ? eq(marketRules.status, filter.status) : undefined,
          ),
        )
        .orderBy(asc(marketRules.code), asc(marketRules.id))
        .limit(filter.limit)
        .offset(filter.offset);
    },

    async create(values: NewMarketRule, actor: Identity | null): Promise<MarketRuleRow> {
      return db.transaction(async (tx) => {
        const [row] = await tx.insert(marketRules).values(values).returning();
        if (!row) throw new Error("insert returned no row");
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "MarketRule", entityId: row.id, after: row });
        return row;
      });
    },

    /** Applies `changes` (audited as UPDATE; none changes nothing); null when the rule does not exist. */
    update: (id: string, changes: Partial<NewMarketRule>, actor: Identity | null): Promise<MarketRuleRow | null> =>
      guardedUpdate(db, { table: marketRules, audit: auditEvents, entityType: "MarketRule", id, actor, change: () => changes }),
  };
}

export type MarketRuleRepository = ReturnType<typeof createMarketRuleRepository>;
