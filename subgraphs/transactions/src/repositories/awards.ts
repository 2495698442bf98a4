import { appendAudit, type Database, type Identity, isUuid } from "@sfe/kit";
import { seesNothing, type Visibility } from "../access.js";
import { and, asc, eq, gte, inArray, lt, ne, type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { type AwardStatus, auditEvents, awards } from "../db/schema.js";
import { visibleAwards } from "./visibility.js";
import { overlaps, type Window } from "./window.js";

export type AwardRow = typeof awards.$inferSelect;
export type NewAward = typeof awards.$inferInsert;

export interface AwardFilter extends Window {
  assetId?: string | null | undefined;
  productId?: string | null | undefined;
  limit: number;
  offset: number;
  /** What the caller may see (access.ts). */
  visible: Visibility;
}

/** Awards aggregated per product and calendar month: see `statistics`. */
export interface AwardStatisticsFilter {
  productId?: string | null | undefined;
  /** Awards starting in [from, to). */
  from?: Date | null | undefined;
  to?: Date | null | undefined;
  /** Groups with fewer distinct providers are left out. */
  minProviders: number;
}

export interface AwardStatisticRow {
  productId: string;
  /** "YYYY-MM" (UTC) of the awards' start. */
  month: string;
  awardCount: number;
  providerCount: number;
  totalAwardedMw: number;
  averageAvailabilityPrice: string | null;
  minimumAvailabilityPrice: string | null;
  maximumAvailabilityPrice: string | null;
  averageUtilisationPrice: string | null;
}

/** The MW-weighted mean of a price over the awards that have one, rounded to 4 places, as a decimal string. */
function weightedAverage(price: PgColumn): SQL<string | null> {
  const mw = sql`${awards.awardedMw}::numeric`;
  return sql`round(sum(${mw} * ${price}) / nullif(sum(${mw}) filter (where ${price} is not null), 0), 4)::text`;
}

export function createAwardRepository(db: Database) {
  return {
    async byIds(ids: readonly string[], visible: Visibility): Promise<AwardRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0 || seesNothing(visible)) return [];
      return db
        .select()
        .from(awards)
        .where(and(inArray(awards.id, valid), visibleAwards(awards, visible)));
    },

    /** Every award of these assets whose window overlaps `window`, by start. */
    async byAssetIds(assetIds: readonly string[], visible: Visibility, window?: Window): Promise<AwardRow[]> {
      const valid = assetIds.filter(isUuid);
      if (valid.length === 0 || seesNothing(visible)) return [];
      return db
        .select()
        .from(awards)
        .where(and(inArray(awards.assetId, valid), overlaps(awards, window), visibleAwards(awards, visible)))
        .orderBy(asc(awards.start), asc(awards.id));
    },

    /** Every award in these products whose window overlaps `window`, by start. */
    async byProductIds(productIds: readonly string[], visible: Visibility, window?: Window): Promise<AwardRow[]> {
      const valid = productIds.filter(isUuid);
      if (valid.length === 0 || seesNothing(visible)) return [];
      return db
        .select()
        .from(awards)
        .where(and(inArray(awards.productId, valid), overlaps(awards, window), visibleAwards(awards, visible)))
        .orderBy(asc(awards.start), asc(awards.id));
    },

    async list(filter: AwardFilter): Promise<AwardRow[]> {
      if (seesNothing(filter.visible)) return [];
      return db
        .select()
        .from(awards)
        .where(
          and(
            filter.assetId ? eq(awards.assetId, filter.assetId) : undefined,
            filter.productId ? eq(awards.productId, filter.productId) : undefined,
            overlaps(awards, filter),
            visibleAwards(awards, filter.visible),
          ),
        )
        .orderBy(asc(awards.start), asc(awards.id))
        .limit(filter.limit)
        .offset(filter.offset);
    },

    /**
     * Awards (other than CANCELLED) grouped by product and UTC calendar month of their start, in one
     * GROUP BY; groups with fewer than `minProviders` distinct providers are suppressed (HAVING).
     */
    async statistics(filter: AwardStatisticsFilter): Promise<AwardStatisticRow[]> {
      const month = sql<string>`to_char(${awards.start} at time zone 'UTC', 'YYYY-MM')`;
      return db
        .select({
          productId: awards.productId,
          month,
          awardCount: sql<number>`count(*)::int`.mapWith(Number),
          providerCount: sql<number>`count(distinct ${awards.providerId})::int`.mapWith(Number),
          totalAwardedMw: sql<number>`sum(${awards.awardedMw})`.mapWith(Number),
          averageAvailabilityPrice: weightedAverage(awards.availabilityPriceGbpPerMwH),
          minimumAvailabilityPrice: sql<string | null>`min(${awards.availabilityPriceGbpPerMwH})::text`,
          maximumAvailabilityPrice: sql<string | null>`max(${awards.availabilityPriceGbpPerMwH})::text`,
          averageUtilisationPrice: weightedAverage(awards.utilisationPriceGbpPerMwh),
        })
        .from(awards)
        .where(
          and(
            ne(awards.status, "CANCELLED"),
            filter.productId ? eq(awards.productId, filter.productId) : undefined,
            filter.from ? gte(awards.start, filter.from) : undefined,
            filter.to ? lt(awards.start, filter.to) : undefined,
          ),
        )
        .groupBy(awards.productId, month)
        .having(sql`count(distinct ${awards.providerId}) >= ${filter.minProviders}`)
        .orderBy(month, asc(awards.productId));
    },

    /** Inserts and audits the award; null when an award with the same (source, externalId) is already recorded. */
    async create(values: NewAward, actor: Identity | null): Promise<AwardRow | null> {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .insert(awards)
          .values(values)
          .onConflictDoNothing({ target: [awards.source, awards.externalId] })
          .returning();
        if (!row) return null;
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "Award", entityId: row.id, after: row });
        return row;
      });
    },

    /** Sets the status; null when the award does not exist. */
    async updateStatus(id: string, status: AwardStatus, actor: Identity | null): Promise<AwardRow | null> {
      if (!isUuid(id)) return null;
      return db.transaction(async (tx) => {
        const [before] = await tx.select().from(awards).where(eq(awards.id, id)).for("update");
        if (!before) return null;
        const [row] = await tx.update(awards).set({ status, updatedAt: new Date() }).where(eq(awards.id, id)).returning();
        if (!row) return null;
        await appendAudit(tx, auditEvents, actor, { action: "STATUS_CHANGE", entityType: "Award", entityId: id, before, after: row });
        return row;
      });
    },
  };
}

export type AwardRepository = ReturnType<typeof createAwardRepository>;
