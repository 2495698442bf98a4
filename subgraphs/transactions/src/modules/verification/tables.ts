import { sql } from "drizzle-orm";
import { check, index, integer, jsonb, pgSchema, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

// The transactions schema by name, not imported from db/schema.ts: that file re-exports this one (for drizzle-kit),
// and an import back would be a cycle in which db/schema.ts's schema object is not yet defined.
const transactionsSchema = pgSchema("transactions");

export type BaselineMethodName = "HISTORICAL_X_OF_Y" | "HISTORICAL_X_OF_Y_WITH_INDAY_ADJ" | "NOMINATED" | "FIXED_REFERENCE" | "ZERO";

/** HISTORICAL_X_OF_Y's parameters as registered (§4.13); absent ones take the defaults (mid 8 of 10, SAME_AS_EVENT_DAY). */
export interface BaselineParameters {
  selection?: "MID" | "HIGH" | "ALL";
  keep?: number;
  of?: number;
  dayPool?: "WORKING" | "NON_WORKING" | "SAME_AS_EVENT_DAY";
  excludeEventDays?: boolean;
}

/**
 * A registered baseline (V.2, §4.13): one asset's (or market unit's) method for one product, versioned. NOMINATED and FIXED_REFERENCE
 * keep their half-hourly profile (local "HH:MM" → export-positive Wh as a decimal string). R-VER-2: no version
 * after the latest's lockedAt.
 */
export const baselines = transactionsSchema.table(
  "baselines",
  {
    id: uuid().primaryKey().defaultRandom(),
    /** The asset's baseline, or (marketUnitId) a market unit's: exactly one. */
    assetId: uuid("asset_id"),
    marketUnitId: uuid("market_unit_id"),
    productId: uuid("product_id").notNull(),
    providerId: uuid("provider_id").notNull(),
    buyerId: uuid("buyer_id").notNull(),
    method: text().$type<BaselineMethodName>().notNull(),
    version: integer().notNull(),
    parameters: jsonb().$type<BaselineParameters>().notNull().default({}),
    profileWh: jsonb("profile_wh").$type<Record<string, string>>().notNull().default({}),
    derCount: integer("der_count"),
    lockedAt: timestamp("locked_at", { withTimezone: true }),
    submittedAt: timestamp("submitted_at", { withTimezone: true }).notNull().defaultNow(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("baselines_asset_product_version_unique").on(t.assetId, t.productId, t.version),
    uniqueIndex("baselines_unit_product_version_unique")
      .on(t.marketUnitId, t.productId, t.version)
      .where(sql`${t.marketUnitId} is not null`),
    index("baselines_provider_idx").on(t.providerId),
    index("baselines_buyer_idx").on(t.buyerId),
    check("baselines_version_check", sql`${t.version} >= 1`),
    check("baselines_target_check", sql`(${t.assetId} is null) <> (${t.marketUnitId} is null)`),
  ],
);
