import { appendAudit, type Database, guardedUpdate, type Identity, isUuid } from "@sfe/kit";
import { and, asc, desc, eq, gt, inArray, isNotNull, isNull, lt, lte, or, sql } from "drizzle-orm";
import type { ExclusivityRule } from "../modules/conflicts/detector.js";
import { auditEvents, marketRules, marketRuleVersions, type RuleKind, type RuleStatus, type SubjectKind } from "../db/schema.js";

export type MarketRuleRow = typeof marketRules.$inferSelect;
export type NewMarketRule = typeof marketRules.$inferInsert;
export type MarketRuleVersionRow = typeof marketRuleVersions.$inferSelect;

/** A version's snapshot: the rule as saved, dates as ISO strings (jsonb). */
const snapshotOf = (row: MarketRuleRow): Record<string, unknown> => JSON.parse(JSON.stringify(row)) as Record<string, unknown>;

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
        await tx.insert(marketRuleVersions).values({ ruleId: row.id, version: row.version, snapshot: snapshotOf(row) });
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "MarketRule", entityId: row.id, after: row });
        return row;
      });
    },

    /**
     * Applies the changes `change` computes from the locked rule (throwing refuses, nothing written): any change makes
     * the next version, kept in market_rule_versions in the same transaction and audited as UPDATE; none changes
     * nothing. Null when the rule does not exist.
     */
    update: (
      id: string,
      change: (before: MarketRuleRow) => Partial<NewMarketRule>,
      actor: Identity | null,
    ): Promise<MarketRuleRow | null> =>
      guardedUpdate(db, {
        table: marketRules,
        entityType: "MarketRule",
        id,
        change: (before) => {
          const changes = change(before);
          return Object.keys(changes).length === 0 ? {} : { ...changes, version: before.version + 1 };
        },
        record: async (tx, entry) => {
          await appendAudit(tx, auditEvents, actor, entry);
          await tx
            .insert(marketRuleVersions)
            .values({ ruleId: entry.after.id, version: entry.after.version, snapshot: snapshotOf(entry.after) });
        },
      }),

    /** Every version of each rule, newest first: one read for a batch. */
    async versionsOf(ruleIds: readonly string[]): Promise<MarketRuleVersionRow[]> {
      const valid = ruleIds.filter(isUuid);
      if (valid.length === 0) return [];
      return db
        .select()
        .from(marketRuleVersions)
        .where(inArray(marketRuleVersions.ruleId, valid))
        .orderBy(desc(marketRuleVersions.version));
    },

    /** The ACTIVE rules with an expression for `subjectKind` in force at some time in [from, to] (scope and time are the engine's to match). */
    evaluable: (subjectKind: SubjectKind, from: Date, to: Date): Promise<MarketRuleRow[]> =>
      db
        .select()
        .from(marketRules)
        .where(
          and(
            eq(marketRules.status, "ACTIVE"),
            eq(marketRules.subjectKind, subjectKind),
            isNotNull(marketRules.expression),
            lte(marketRules.effectiveFrom, to),
            or(isNull(marketRules.effectiveTo), gt(marketRules.effectiveTo, from)),
          ),
        )
        .orderBy(asc(marketRules.code)),

    /** ACTIVE rules in force on `on`: the product's (or any when null), market-wide ones, and those scoped to the sub-market. */
    async inForce(on: Date, productId: string | null): Promise<MarketRuleRow[]> {
      if (productId != null && !isUuid(productId)) return [];
      return db
        .select()
        .from(marketRules)
        .where(
          and(
            eq(marketRules.status, "ACTIVE"),
            lte(marketRules.effectiveFrom, on),
            or(isNull(marketRules.effectiveTo), gt(marketRules.effectiveTo, on)),
            productId == null ? undefined : or(eq(marketRules.productId, productId), isNull(marketRules.productId)),
          ),
        )
        .orderBy(asc(marketRules.code));
    },

    /**
     * The exclusivity clauses (ACTIVE STACKING rules with scope.exclusive) in force at some time in [from, to): one read
     * per detector run, as the detector takes them.
     */
    async exclusivityInForce(from: Date, to: Date): Promise<ExclusivityRule[]> {
      const rows = await db
        .select()
        .from(marketRules)
        .where(
          and(
            eq(marketRules.status, "ACTIVE"),
            eq(marketRules.kind, "STACKING"),
            sql`${marketRules.scope}->>'exclusive' = 'true'`,
            lt(marketRules.effectiveFrom, to),
            or(isNull(marketRules.effectiveTo), gt(marketRules.effectiveTo, from)),
          ),
        )
        .orderBy(asc(marketRules.code));
      return rows.flatMap((row): ExclusivityRule[] => {
        const base = {
          ruleId: row.id,
          code: row.code,
          effectiveFrom: row.effectiveFrom.toISOString(),
          effectiveTo: row.effectiveTo?.toISOString() ?? null,
        };
        if (row.scope.productPairs.length > 0) return row.scope.productPairs.map((pair) => ({ ...base, productIds: pair.productIds }));
        return row.productId ? [{ ...base, productIds: [row.productId, null] }] : [];
      });
    },
  };
}

export type MarketRuleRepository = ReturnType<typeof createMarketRuleRepository>;
