import { sql } from "drizzle-orm";
import { check, doublePrecision, index, integer, numeric, pgSchema, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { buyRequirements } from "../buy-requirements/tables.js";

// Its own handle on the schema: db/schema.ts re-exports this file, so it cannot import from there.
const transactionsSchema = pgSchema("transactions");

export type ClearingMethod = "PAY_AS_CLEAR" | "PAY_AS_BID";

/**
 * C.3, the market clearing report (domain §4.10, mirrors NESO EAC Results Summary): one auction's or requirement's
 * cleared volume and price. No single bid's price is in it.
 */
export const clearingResults = transactionsSchema.table(
  "clearing_results",
  {
    id: uuid().primaryKey().defaultRandom(),
    buyRequirementId: uuid("buy_requirement_id").references(() => buyRequirements.id),
    /** The auction's own reference, e.g. EAC auction id "144". */
    auctionRef: text("auction_ref"),
    productId: uuid("product_id").notNull(),
    /** The system operator that owns the product (recorded when written). */
    buyerId: uuid("buyer_id").notNull(),
    /** e.g. "DCL", "DRH", "SAOU". */
    serviceType: text("service_type").notNull(),
    deliveryStart: timestamp("delivery_start", { withTimezone: true }).notNull(),
    deliveryEnd: timestamp("delivery_end", { withTimezone: true }).notNull(),
    clearedVolumeMw: doublePrecision("cleared_volume_mw").notNull(),
    /** £/MW/h (availability) or £/MWh, exact: see clearingPriceUnit. */
    clearingPrice: numeric("clearing_price", { precision: 12, scale: 4, mode: "string" }).notNull(),
    method: text().$type<ClearingMethod>().notNull(),
    /** Null until published: then every signed-in caller sees it. */
    publishedAt: timestamp("published_at", { withTimezone: true }),
    source: text().notNull().default("API"),
    externalId: text("external_id"),
    /** Which bulk ingest last wrote it, and from which row of its file (modules/ingest); null when made through the graph. */
    ingestBatchId: uuid("ingest_batch_id"),
    sourceRow: integer("source_row"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("clearing_results_requirement_idx").on(t.buyRequirementId),
    index("clearing_results_product_idx").on(t.productId),
    uniqueIndex("clearing_results_source_external_id_unique").on(t.source, t.externalId),
    check("clearing_results_window_check", sql`${t.deliveryEnd} > ${t.deliveryStart}`),
    check("clearing_results_volume_check", sql`${t.clearedVolumeMw} >= 0`),
  ],
);
