import { type Database, isUuid } from "@sfe/kit";
import { and, asc, eq, gt, inArray, lt, or, type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { awards, dispatchInstructions as dispatches, meterReadings } from "../../db/schema.js";
import { availabilityDeclarations as declarations, unavailabilityNotices as notices } from "../availability/tables.js";

/** [from, to), both given. */
export interface PositionWindow {
  from: Date;
  to: Date;
}

/**
 * Whose records a position read may return, applied in SQL: every record (ADMIN), or every record of the assets and
 * units whose area the caller covers (`assetIds`, `unitIds`), and those it is party to as FSP (`providerId`) or as
 * buyer (`buyerId`).
 */
export interface PositionAccess {
  everything: boolean;
  assetIds: readonly string[];
  unitIds: readonly string[];
  providerId: string | null;
  buyerId: string | null;
}

/** Which assets and units to read: the given ones, or every one with a record in the window (positionsInArea). */
export type PositionTargets = { assetIds: readonly string[]; unitIds: readonly string[] } | "all";

export interface PositionRows {
  awards: {
    id: string;
    assetId: string | null;
    marketUnitId: string | null;
    productId: string;
    providerId: string;
    buyerId: string;
    awardedMw: number;
    availabilityPriceGbpPerMwH: string | null;
    utilisationPriceGbpPerMwh: string | null;
    start: Date;
    end: Date;
    status: string;
  }[];
  dispatches: {
    id: string;
    assetId: string | null;
    marketUnitId: string | null;
    productId: string;
    issuedById: string;
    providerId: string | null;
    buyerId: string;
    direction: "DEMAND_TURN_DOWN" | "DEMAND_TURN_UP" | "GENERATION_TURN_UP" | "GENERATION_TURN_DOWN";
    setPointMw: number;
    start: Date;
    end: Date;
    status: string;
  }[];
  declarations: {
    id: string;
    assetId: string | null;
    marketUnitId: string | null;
    productId: string;
    providerId: string;
    buyerId: string;
    declaredMw: number;
    start: Date;
    end: Date;
    status: string;
  }[];
  notices: {
    id: string;
    assetId: string | null;
    marketUnitId: string | null;
    providerId: string;
    reducedMw: number;
    from: Date;
    to: Date;
    status: string;
  }[];
  /** Net metered Wh (export − import) per asset or unit and settlement period, as a decimal string. */
  delivered: {
    assetId: string | null;
    marketUnitId: string | null;
    providerId: string;
    periodStart: Date;
    netWh: string;
  }[];
}

/** Rows one read may return per table; a wider area or window is asked to narrow down (BAD_USER_INPUT upstream). */
export const MAX_ROWS_PER_TABLE = 20_000;

const overlapping = (start: PgColumn, end: PgColumn, w: PositionWindow) => and(lt(start, w.to), gt(end, w.from));

/** The target and access conditions for one table: its asset (and unit) column, provider and buyer columns. */
function scope(
  targets: PositionTargets,
  access: PositionAccess,
  columns: { asset: PgColumn | null; unit: PgColumn | null; provider: PgColumn | null; buyer: PgColumn | null },
): SQL | undefined | false {
  const target =
    targets === "all"
      ? undefined
      : (or(
          columns.asset && targets.assetIds.length > 0 ? inArray(columns.asset, [...targets.assetIds]) : undefined,
          columns.unit && targets.unitIds.length > 0 ? inArray(columns.unit, [...targets.unitIds]) : undefined,
        ) ?? false);
  if (target === false) return false;
  if (access.everything) return target;
  const seen = [
    columns.asset && access.assetIds.length > 0 ? inArray(columns.asset, [...access.assetIds]) : undefined,
    columns.unit && access.unitIds.length > 0 ? inArray(columns.unit, [...access.unitIds]) : undefined,
    columns.provider && access.providerId ? eq(columns.provider, access.providerId) : undefined,
    columns.buyer && access.buyerId ? eq(columns.buyer, access.buyerId) : undefined,
  ].filter((condition): condition is SQL => !!condition);
  if (seen.length === 0) return false;
  return and(target, or(...seen));
}

/** Reads for positions: one query per table for any number of assets and units. */
export function createPositionRepository(db: Database) {
  return {
    async read(targets: PositionTargets, window: PositionWindow, access: PositionAccess): Promise<PositionRows> {
      const clean = targets === "all" ? targets : { assetIds: targets.assetIds.filter(isUuid), unitIds: targets.unitIds.filter(isUuid) };
      const limit = MAX_ROWS_PER_TABLE + 1;
      const awardScope = scope(clean, access, {
        asset: awards.assetId,
        unit: awards.marketUnitId,
        provider: awards.providerId,
        buyer: awards.buyerId,
      });
      const dispatchScope = scope(clean, access, {
        asset: dispatches.assetId,
        unit: dispatches.marketUnitId,
        provider: dispatches.providerId,
        buyer: dispatches.buyerId,
      });
      const declarationScope = scope(clean, access, {
        asset: declarations.assetId,
        unit: declarations.marketUnitId,
        provider: declarations.providerId,
        buyer: declarations.buyerId,
      });
      const noticeScope = scope(clean, access, {
        asset: notices.assetId,
        unit: notices.marketUnitId,
        provider: notices.providerId,
        buyer: null,
      });
      const meterScope = scope(clean, access, {
        asset: meterReadings.assetId,
        unit: meterReadings.marketUnitId,
        provider: meterReadings.providerId,
        buyer: null,
      });
      const periodStart = sql<Date>`to_timestamp(floor(extract(epoch from ${meterReadings.intervalStart}) / 1800) * 1800)`;
      const [awardRows, dispatchRows, declarationRows, noticeRows, deliveredRows] = await Promise.all([
        awardScope === false
          ? []
          : db
              .select({
                id: awards.id,
                assetId: awards.assetId,
                marketUnitId: awards.marketUnitId,
                productId: awards.productId,
                providerId: awards.providerId,
                buyerId: awards.buyerId,
                awardedMw: awards.awardedMw,
                availabilityPriceGbpPerMwH: awards.availabilityPriceGbpPerMwH,
                utilisationPriceGbpPerMwh: awards.utilisationPriceGbpPerMwh,
                start: awards.start,
                end: awards.end,
                status: awards.status,
              })
              .from(awards)
              .where(and(overlapping(awards.start, awards.end, window), awardScope))
              .orderBy(asc(awards.start), asc(awards.id))
              .limit(limit),
        dispatchScope === false
          ? []
          : db
              .select({
                id: dispatches.id,
                assetId: dispatches.assetId,
                marketUnitId: dispatches.marketUnitId,
                productId: dispatches.productId,
                issuedById: dispatches.issuedById,
                providerId: dispatches.providerId,
                buyerId: dispatches.buyerId,
                direction: dispatches.direction,
                setPointMw: dispatches.setPointMw,
                start: dispatches.start,
                end: dispatches.end,
                status: dispatches.status,
              })
              .from(dispatches)
              .where(
                and(
                  overlapping(dispatches.start, dispatches.end, window),
                  sql`(${dispatches.assetId} is not null or ${dispatches.marketUnitId} is not null)`,
                  dispatchScope,
                ),
              )
              .orderBy(asc(dispatches.start), asc(dispatches.id))
              .limit(limit),
        declarationScope === false
          ? []
          : db
              .select({
                id: declarations.id,
                assetId: declarations.assetId,
                marketUnitId: declarations.marketUnitId,
                productId: declarations.productId,
                providerId: declarations.providerId,
                buyerId: declarations.buyerId,
                declaredMw: declarations.declaredMw,
                start: declarations.start,
                end: declarations.end,
                status: declarations.status,
              })
              .from(declarations)
              .where(and(overlapping(declarations.start, declarations.end, window), eq(declarations.status, "DECLARED"), declarationScope))
              .orderBy(asc(declarations.start), asc(declarations.id))
              .limit(limit),
        noticeScope === false
          ? []
          : db
              .select({
                id: notices.id,
                assetId: notices.assetId,
                marketUnitId: notices.marketUnitId,
                providerId: notices.providerId,
                reducedMw: notices.reducedMw,
                from: notices.from,
                to: notices.to,
                status: notices.status,
              })
              .from(notices)
              .where(and(overlapping(notices.from, notices.to, window), eq(notices.status, "ACTIVE"), noticeScope))
              .orderBy(asc(notices.from), asc(notices.id))
              .limit(limit),
        meterScope === false
          ? []
          : db
              .select({
                assetId: meterReadings.assetId,
                marketUnitId: meterReadings.marketUnitId,
                providerId: meterReadings.providerId,
                periodStart,
                netWh: sql<string>`(sum(${meterReadings.activeExportWh}) - sum(${meterReadings.activeImportWh}))::text`,
              })
              .from(meterReadings)
              .where(
                and(
                  overlapping(meterReadings.intervalStart, meterReadings.intervalEnd, window),
                  sql`(${meterReadings.assetId} is not null or ${meterReadings.marketUnitId} is not null)`,
                  meterScope,
                ),
              )
              .groupBy(meterReadings.assetId, meterReadings.marketUnitId, meterReadings.providerId, periodStart)
              .orderBy(periodStart)
              .limit(limit),
      ]);
      return {
        awards: awardRows,
        dispatches: dispatchRows,
        declarations: declarationRows,
        notices: noticeRows,
        delivered: deliveredRows.map((row) => ({ ...row, periodStart: new Date(row.periodStart) })),
      };
    },
  };
}

export type PositionRepository = ReturnType<typeof createPositionRepository>;
