import { defineLifecycle } from "@sfe/kit";
import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  check,
  doublePrecision,
  index,
  integer,
  pgSchema,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

// db/schema.ts re-exports this file (so drizzle-kit sees the tables); it is not imported back here, so the two
// never wait on each other at load. The same Postgres schema, named again.
const transactionsSchema = pgSchema("transactions");

export type AvailabilityDeclarationStatus = "DECLARED" | "SUPERSEDED" | "WITHDRAWN";
export type UnavailabilityNoticeStatus = "ACTIVE" | "WITHDRAWN";

/**
 * A declaration stands until a new version replaces it (SUPERSEDED) or its FSP withdraws it; either only before
 * its lock time (checked with the row locked, modules/availability/repository.ts).
 */
export const availabilityDeclarationLifecycle = defineLifecycle<AvailabilityDeclarationStatus>("AvailabilityDeclaration", {
  DECLARED: ["SUPERSEDED", "WITHDRAWN"],
  SUPERSEDED: [],
  WITHDRAWN: [],
});

/** A notice stands until its FSP withdraws it. */
export const unavailabilityNoticeLifecycle = defineLifecycle<UnavailabilityNoticeStatus>("UnavailabilityNotice", {
  ACTIVE: ["WITHDRAWN"],
  WITHDRAWN: [],
});

const provenance = {
  source: text().notNull().default("API"),
  externalId: text("external_id"),
  /** Which bulk ingest last wrote it, and from which row of its file (modules/ingest); null when made through the graph. */
  ingestBatchId: uuid("ingest_batch_id"),
  sourceRow: integer("source_row"),
};
const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
};

/**
 * D.1: the MW a market unit (or a single asset) declares available to a product for a window, made by its FSP.
 * Locked at `locked_at` (the product's lock time as the SO gives it, else the window's start): no change after it.
 * A change before it is a new version that `supersedes` the old one (SUPERSEDED, kept as history).
 */
export const availabilityDeclarations = transactionsSchema.table(
  "availability_declarations",
  {
    id: uuid().primaryKey().defaultRandom(),
    /** 1 for a first declaration, then 2, 3 … for the versions replacing it. */
    version: integer().notNull().default(1),
    supersedesId: uuid("supersedes_id").references((): AnyPgColumn => availabilityDeclarations.id),
    assetId: uuid("asset_id"),
    marketUnitId: uuid("market_unit_id"),
    productId: uuid("product_id").notNull(),
    /** The award it declares against, if any (an award of the same asset and product). */
    awardId: uuid("award_id"),
    /** The FSP owning the asset or unit, and the SO owning the product (resolved when written). */
    providerId: uuid("provider_id").notNull(),
    buyerId: uuid("buyer_id").notNull(),
    start: timestamp("start_at", { withTimezone: true }).notNull(),
    end: timestamp("end_at", { withTimezone: true }).notNull(),
    declaredMw: doublePrecision("declared_mw").notNull(),
    declaredAt: timestamp("declared_at", { withTimezone: true }).notNull().defaultNow(),
    lockedAt: timestamp("locked_at", { withTimezone: true }).notNull(),
    reason: text(),
    status: text().$type<AvailabilityDeclarationStatus>().notNull().default("DECLARED"),
    ...provenance,
    ...timestamps,
  },
  (t) => [
    index("availability_declarations_asset_idx").on(t.assetId, t.start),
    index("availability_declarations_unit_idx").on(t.marketUnitId, t.start),
    index("availability_declarations_provider_idx").on(t.providerId),
    index("availability_declarations_buyer_idx").on(t.buyerId),
    // A version is replaced at most once: of two racing replacements one wins.
    uniqueIndex("availability_declarations_supersedes_unique").on(t.supersedesId),
    uniqueIndex("availability_declarations_source_external_id_unique").on(t.source, t.externalId),
    check("availability_declarations_window_check", sql`${t.end} > ${t.start}`),
    check("availability_declarations_declared_mw_check", sql`${t.declaredMw} >= 0`),
    check("availability_declarations_lock_check", sql`${t.lockedAt} <= ${t.start}`),
    check("availability_declarations_target_check", sql`(${t.assetId} is null) <> (${t.marketUnitId} is null)`),
  ],
);

/**
 * D.1: an FSP's notice that an asset or unit can deliver less (`reducedMw` less) from `from` to `to`, e.g. the
 * commercial unavailability it files after a conflict (`conflictId`, §7.7). Seen by every SO whose area holds it:
 * `gsp_groups` are the asset's (or unit's) GSP groups when it was written.
 */
export const unavailabilityNotices = transactionsSchema.table(
  "unavailability_notices",
  {
    id: uuid().primaryKey().defaultRandom(),
    assetId: uuid("asset_id"),
    marketUnitId: uuid("market_unit_id"),
    providerId: uuid("provider_id").notNull(),
    gspGroups: text("gsp_groups").array().$type<string[]>().notNull().default(sql`'{}'::text[]`),
    from: timestamp("from_at", { withTimezone: true }).notNull(),
    to: timestamp("to_at", { withTimezone: true }).notNull(),
    reducedMw: doublePrecision("reduced_mw").notNull(),
    reason: text().notNull(),
    /** The rules subgraph's Conflict it follows from, if any (R-SET-4 waivers). */
    conflictId: uuid("conflict_id"),
    status: text().$type<UnavailabilityNoticeStatus>().notNull().default("ACTIVE"),
    ...provenance,
    ...timestamps,
  },
  (t) => [
    index("unavailability_notices_asset_idx").on(t.assetId, t.from),
    index("unavailability_notices_unit_idx").on(t.marketUnitId, t.from),
    index("unavailability_notices_provider_idx").on(t.providerId),
    uniqueIndex("unavailability_notices_source_external_id_unique").on(t.source, t.externalId),
    check("unavailability_notices_window_check", sql`${t.to} > ${t.from}`),
    check("unavailability_notices_reduced_mw_check", sql`${t.reducedMw} >= 0`),
    check("unavailability_notices_target_check", sql`(${t.assetId} is null) <> (${t.marketUnitId} is null)`),
  ],
);
