import { awardEvent, recordCommitmentEvent } from "../modules/commitments/events.js";
import { anonymityHaving, type AnonymityRule, appendAudit, conflict, type Database, guardedUpdate, type Identity, isUuid } from "@sfe/kit";
import { seesNothing, type Visibility } from "../access.js";
import { and, asc, eq, gte, inArray, lt, ne, type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { AWARDABLE_BID_STATUSES, type AwardStatus, auditEvents, awardLifecycle, awards, bids } from "../db/schema.js";
import { visibleAwards } from "./visibility.js";
import { overlaps, type Window } from "./window.js";

export type AwardRow = typeof awards.$inferSelect;
export type NewAward = typeof awards.$inferInsert;

export interface AwardFilter extends Window {
  assetId?: string | null | undefined;
  marketUnitId?: string | null | undefined;
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
  /** Which groups may be reported (kit/anonymity.ts): distinct providers and dominance, judged without the caller's. */
  rule: AnonymityRule;
  /** The caller's organisation, whose awards never count towards the rule (null: nothing left out). */
  callerOrganisationId: string | null;
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

/** A price's MW-weighted sum, and the MW it weighs, over the awards that have the price (one provider's part). */
const pricedMw = (price: PgColumn) => ({
  value: sql<string | null>`sum(${awards.awardedMw}::numeric * ${price})`,
  mw: sql<string | null>`sum(${awards.awardedMw}::numeric) filter (where ${price} is not null)`,
  magnitude: sql<number>`coalesce(sum(abs(${awards.awardedMw}::numeric * ${price})), 0)`,
});

/** The MW-weighted mean of per-provider weighted sums, rounded to 4 places, as a decimal string. */
const weightedAverage = (value: SQL.Aliased, mw: SQL.Aliased): SQL<string | null> =>
  sql`round(sum(${value}) / nullif(sum(${mw}), 0), 4)::text`;

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

    /** Every award of these market units whose window overlaps `window`, by start. */
    async byMarketUnitIds(unitIds: readonly string[], visible: Visibility, window?: Window): Promise<AwardRow[]> {
      const valid = unitIds.filter(isUuid);
      if (valid.length === 0 || seesNothing(visible)) return [];
      return db
        .select()
        .from(awards)
        .where(and(inArray(awards.marketUnitId, valid), overlaps(awards, window), visibleAwards(awards, visible)))
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
            filter.marketUnitId ? eq(awards.marketUnitId, filter.marketUnitId) : undefined,
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
     * Awards (other than CANCELLED) grouped by product and UTC calendar month of their start, computed by the
     * database: per-provider partial sums in a subquery, the group's figures over them, and the anonymisation rule
     * (`filter.rule`, judged without the caller's organisation, over awarded MW and the MW-weighted availability and
     * utilisation amounts) in HAVING, so a suppressed group never leaves the database.
     */
    async statistics(filter: AwardStatisticsFilter): Promise<AwardStatisticRow[]> {
      const availability = pricedMw(awards.availabilityPriceGbpPerMwH);
      const utilisation = pricedMw(awards.utilisationPriceGbpPerMwh);
      const month = () => sql<string>`to_char(${awards.start} at time zone 'UTC', 'YYYY-MM')`;
      const perProvider = db
        .select({
          productId: awards.productId,
          month: month().as("month"),
          providerId: awards.providerId,
          awards: sql<number>`count(*)`.as("awards"),
          mw: sql<number>`sum(${awards.awardedMw})`.as("mw"),
          availabilityValue: availability.value.as("availability_value"),
          availabilityMw: availability.mw.as("availability_mw"),
          availabilityMagnitude: availability.magnitude.as("availability_magnitude"),
          minimumAvailability: sql<string | null>`min(${awards.availabilityPriceGbpPerMwH})`.as("minimum_availability"),
          maximumAvailability: sql<string | null>`max(${awards.availabilityPriceGbpPerMwH})`.as("maximum_availability"),
          utilisationValue: utilisation.value.as("utilisation_value"),
          utilisationMw: utilisation.mw.as("utilisation_mw"),
          utilisationMagnitude: utilisation.magnitude.as("utilisation_magnitude"),
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
        .groupBy(awards.productId, month(), awards.providerId)
        .as("per_provider");
      return db
        .select({
          productId: perProvider.productId,
          month: perProvider.month,
          awardCount: sql<number>`sum(${perProvider.awards})::int`.mapWith(Number),
          providerCount: sql<number>`count(*)::int`.mapWith(Number),
          totalAwardedMw: sql<number>`sum(${perProvider.mw})`.mapWith(Number),
          averageAvailabilityPrice: weightedAverage(perProvider.availabilityValue, perProvider.availabilityMw),
          minimumAvailabilityPrice: sql<string | null>`min(${perProvider.minimumAvailability})::text`,
          maximumAvailabilityPrice: sql<string | null>`max(${perProvider.maximumAvailability})::text`,
          averageUtilisationPrice: weightedAverage(perProvider.utilisationValue, perProvider.utilisationMw),
        })
        .from(perProvider)
        .groupBy(perProvider.productId, perProvider.month)
        .having(
          anonymityHaving({
            owner: perProvider.providerId,
            measures: [perProvider.mw, perProvider.availabilityMagnitude, perProvider.utilisationMagnitude],
            excludeOwner: filter.callerOrganisationId,
            rule: filter.rule,
          }),
        )
        .orderBy(perProvider.month, asc(perProvider.productId));
    },

    /**
     * Inserts and audits the award; null when an award with the same (source, externalId) is already recorded;
     * CONFLICT (nothing written) when the bid it accepts is withdrawn or rejected.
     */
    async create(values: NewAward, actor: Identity | null): Promise<AwardRow | null> {
      return db.transaction(async (tx) => {
        if (values.bidId) {
          // The bid is locked (for share) so that it cannot be withdrawn or rejected while it is awarded.
          const [bid] = await tx.select({ status: bids.status }).from(bids).where(eq(bids.id, values.bidId)).for("share");
          if (bid && !AWARDABLE_BID_STATUSES.includes(bid.status)) {
            throw conflict(`bidId: Bid ${values.bidId} is ${bid.status}: it cannot be awarded`, {
              field: "bidId",
              currentStatus: bid.status,
            });
          }
        }
        const [row] = await tx
          .insert(awards)
          .values(values)
          .onConflictDoNothing({ target: [awards.source, awards.externalId] })
          .returning();
        if (!row) return null;
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "Award", entityId: row.id, after: row });
        await recordCommitmentEvent(tx, awardEvent(row));
        return row;
      });
    },

    /** Sets the status as `awardLifecycle` allows (CONFLICT otherwise); null when the award does not exist. */
    updateStatus: (id: string, status: AwardStatus, actor: Identity | null): Promise<AwardRow | null> =>
      guardedUpdate(db, { table: awards, audit: auditEvents, lifecycle: awardLifecycle, id, actor, change: () => ({ status }) }),
  };
}

export type AwardRepository = ReturnType<typeof createAwardRepository>;
