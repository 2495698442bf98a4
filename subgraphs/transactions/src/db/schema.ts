import { auditEventsTable, defineLifecycle, outboxTable } from "@sfe/kit";
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  numeric,
  pgSchema,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

export const transactionsSchema = pgSchema("transactions");

export type Direction = "DEMAND_TURN_DOWN" | "DEMAND_TURN_UP" | "GENERATION_TURN_UP" | "GENERATION_TURN_DOWN";
export type BidStatus =
  | "DRAFT"
  | "SUBMITTED"
  | "VALIDATED"
  | "REJECTED_VALIDATION"
  | "ACCEPTED"
  | "PARTIALLY_ACCEPTED"
  | "REJECTED"
  | "WITHDRAWN";
export type AwardStatus = "AWARDED" | "ACTIVE" | "DELIVERED" | "SETTLED" | "CANCELLED" | "RELEASED";
export type DispatchStatus = "ISSUED" | "ACKNOWLEDGED" | "REJECTED" | "ACTIVE" | "CEASED" | "COMPLETED" | "SUPERSEDED";

// Lifecycles (domain digest §4.21): which status each may become. Every status change goes through the
// kit's guardedUpdate, which checks it against these with the row locked. Setting the status a record
// already has is a no-op. The enums' descriptions in schema.graphql quote these tables (a test checks).

/**
 * The bidder submits its draft; the buyer validates a submitted bid (or rejects it as invalid), then accepts it (in
 * part) or rejects it; the bidder may withdraw it until then. A submitted bid may still be decided directly (records
 * made before validation existed). Each outcome is final.
 */
export const bidLifecycle = defineLifecycle<BidStatus>("Bid", {
  DRAFT: ["SUBMITTED", "WITHDRAWN"],
  SUBMITTED: ["VALIDATED", "REJECTED_VALIDATION", "ACCEPTED", "PARTIALLY_ACCEPTED", "REJECTED", "WITHDRAWN"],
  VALIDATED: ["ACCEPTED", "PARTIALLY_ACCEPTED", "REJECTED", "WITHDRAWN"],
  REJECTED_VALIDATION: [],
  ACCEPTED: [],
  PARTIALLY_ACCEPTED: [],
  REJECTED: [],
  WITHDRAWN: [],
});

/** The bids an award may accept: not withdrawn or rejected (checked with the bid locked, repositories/awards.ts). */
export const AWARDABLE_BID_STATUSES: readonly BidStatus[] = ["SUBMITTED", "VALIDATED", "ACCEPTED", "PARTIALLY_ACCEPTED"];

/**
 * An award becomes active, is delivered, then settled. Until delivery it may be cancelled, or released
 * (the SO confirms no utilisation will be needed, M-MC3).
 */
export const awardLifecycle = defineLifecycle<AwardStatus>("Award", {
  AWARDED: ["ACTIVE", "CANCELLED", "RELEASED"],
  ACTIVE: ["DELIVERED", "CANCELLED", "RELEASED"],
  DELIVERED: ["SETTLED"],
  SETTLED: [],
  CANCELLED: [],
  RELEASED: [],
});

/**
 * The provider acknowledges or rejects an instruction; an acknowledged one becomes active, is ceased (D.5/D.6),
 * then completed. A newer instruction may supersede it until it is ceased or completed.
 */
export const dispatchLifecycle = defineLifecycle<DispatchStatus>("DispatchInstruction", {
  ISSUED: ["ACKNOWLEDGED", "REJECTED", "SUPERSEDED"],
  ACKNOWLEDGED: ["ACTIVE", "CEASED", "SUPERSEDED"],
  REJECTED: [],
  ACTIVE: ["CEASED", "COMPLETED", "SUPERSEDED"],
  CEASED: ["COMPLETED"],
  COMPLETED: [],
  SUPERSEDED: [],
});

/** Money is never a float: £ amounts are exact decimals, read and written as strings. */
const price = (name: string) => numeric(name, { precision: 12, scale: 4, mode: "string" });

/** Delivery window [start, end) and provenance: every market record has both. */
const window = {
  start: timestamp("start_at", { withTimezone: true }).notNull(),
  end: timestamp("end_at", { withTimezone: true }).notNull(),
};
const provenance = {
  /** Where the record came from: "API" for records made through the graph, else the ingested source. */
  source: text().notNull().default("API"),
  /** The source's own id for the record; (source, external_id) is unique so re-ingesting is a conflict. */
  externalId: text("external_id"),
};
/**
 * Which bulk ingest last wrote the record, and from which row of its file (modules/ingest); null when made through
 * the graph. `details`: what a source gives beyond the columns (a UKPN dispatch's prices and MWh, NESO's unit).
 */
const ingested = {
  ingestBatchId: uuid("ingest_batch_id"),
  sourceRow: integer("source_row"),
  details: jsonb().$type<Record<string, unknown>>(),
};
/**
 * Who a record concerns, resolved when it is written (this subgraph cannot read the owners' tables):
 * the provider FSP (the asset's owner) and the buyer SO (the product's owner). Reads are filtered on them.
 */
const parties = {
  providerId: uuid("provider_id").notNull(),
  buyerId: uuid("buyer_id").notNull(),
};
/** A delivery window [start, end) as stored in a jsonb list (ISO 8601 UTC strings). */
export interface StoredWindow {
  start: string;
  end: string;
}
/** A list of windows (a bid's periods, an award's windows, a requirement's delivery windows). */
const windows = (name: string) => jsonb(name).$type<StoredWindow[]>().notNull().default([]);
const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
};

export const bids = transactionsSchema.table(
  "bids",
  {
    id: uuid().primaryKey().defaultRandom(),
    /** The asset that bids where the product allows a single asset; else the market unit. One of the two. */
    assetId: uuid("asset_id"),
    /** The market unit (assets subgraph) that bids; its owner is the provider. */
    marketUnitId: uuid("market_unit_id"),
    productId: uuid("product_id").notNull(),
    /** The buy requirement (C.1) the bid answers, if any. */
    buyRequirementId: uuid("buy_requirement_id"),
    bidderId: uuid("bidder_id").notNull(),
    ...parties,
    direction: text().$type<Direction>().notNull(),
    quantityMw: doublePrecision("quantity_mw").notNull(),
    /** Curtailable bids: the least MW that may be accepted; null when all or nothing. */
    minQuantityMw: doublePrecision("min_quantity_mw"),
    /** The delivery periods within [start, end) (EFA blocks, settlement periods); empty: the whole span. */
    periods: windows("periods"),
    /** EAC baskets, parent orders and looped (DCL/DCH) bids. */
    basketId: text("basket_id"),
    parentBidId: uuid("parent_bid_id"),
    loopedWithBidId: uuid("looped_with_bid_id"),
    availabilityPriceGbpPerMwH: price("availability_price_gbp_per_mw_h"),
    utilisationPriceGbpPerMwh: price("utilisation_price_gbp_per_mwh"),
    ...window,
    status: text().$type<BidStatus>().notNull().default("SUBMITTED"),
    ...provenance,
    ...ingested,
    ...timestamps,
  },
  (t) => [
    index("bids_asset_idx").on(t.assetId),
    index("bids_market_unit_idx").on(t.marketUnitId),
    index("bids_buy_requirement_idx").on(t.buyRequirementId),
    index("bids_product_idx").on(t.productId),
    index("bids_bidder_idx").on(t.bidderId),
    index("bids_provider_idx").on(t.providerId),
    index("bids_buyer_idx").on(t.buyerId),
    uniqueIndex("bids_source_external_id_unique").on(t.source, t.externalId),
    check("bids_window_check", sql`${t.end} > ${t.start}`),
    check("bids_quantity_check", sql`${t.quantityMw} > 0`),
    check("bids_target_check", sql`${t.assetId} is not null or ${t.marketUnitId} is not null`),
    check("bids_min_quantity_check", sql`${t.minQuantityMw} is null or (${t.minQuantityMw} > 0 and ${t.minQuantityMw} <= ${t.quantityMw})`),
  ],
);

export const awards = transactionsSchema.table(
  "awards",
  {
    id: uuid().primaryKey().defaultRandom(),
    bidId: uuid("bid_id").references(() => bids.id),
    /** The asset awarded, or the market unit: one of the two. */
    assetId: uuid("asset_id"),
    marketUnitId: uuid("market_unit_id"),
    productId: uuid("product_id").notNull(),
    buyRequirementId: uuid("buy_requirement_id"),
    clearingResultId: uuid("clearing_result_id"),
    /** The constraint managed zone (products subgraph) the award serves, if any. */
    cmzId: uuid("cmz_id"),
    ...parties,
    awardedMw: doublePrecision("awarded_mw").notNull(),
    /** The awarded delivery windows within [start, end); empty: the whole span. */
    windows: windows("windows"),
    awardedAt: timestamp("awarded_at", { withTimezone: true }).notNull().defaultNow(),
    availabilityPriceGbpPerMwH: price("availability_price_gbp_per_mw_h"),
    utilisationPriceGbpPerMwh: price("utilisation_price_gbp_per_mwh"),
    ...window,
    status: text().$type<AwardStatus>().notNull().default("AWARDED"),
    ...provenance,
    ...ingested,
    ...timestamps,
  },
  (t) => [
    index("awards_asset_idx").on(t.assetId),
    index("awards_market_unit_idx").on(t.marketUnitId),
    index("awards_product_idx").on(t.productId),
    index("awards_bid_idx").on(t.bidId),
    index("awards_provider_idx").on(t.providerId),
    index("awards_buyer_idx").on(t.buyerId),
    uniqueIndex("awards_source_external_id_unique").on(t.source, t.externalId),
    check("awards_window_check", sql`${t.end} > ${t.start}`),
    check("awards_awarded_mw_check", sql`${t.awardedMw} > 0`),
    check("awards_target_check", sql`${t.assetId} is not null or ${t.marketUnitId} is not null`),
  ],
);

export const dispatchInstructions = transactionsSchema.table(
  "dispatch_instructions",
  {
    id: uuid().primaryKey().defaultRandom(),
    /** Null when the source names only a unit the hub does not know as an asset. */
    assetId: uuid("asset_id"),
    marketUnitId: uuid("market_unit_id"),
    unitReference: text("unit_reference"),
    productId: uuid("product_id").notNull(),
    /** The award the instruction calls on (R-DSP-1 compares with it). */
    awardId: uuid("award_id").references(() => awards.id),
    issuedById: uuid("issued_by_id").notNull(),
    /** The asset's owner; null when only a unit reference is known. */
    providerId: uuid("provider_id"),
    buyerId: parties.buyerId,
    direction: text().$type<Direction>().notNull(),
    setPointMw: doublePrecision("set_point_mw").notNull(),
    ...window,
    /** Energy instructed, MWh, exact to the Wh (a decimal string: audit entries are JSON). */
    energyMwh: numeric("energy_mwh", { precision: 16, scale: 6, mode: "string" }),
    /** Utilisation price, £/MWh. */
    priceGbpPerMwh: price("price_gbp_per_mwh"),
    /** How it was sent, e.g. "epex", "BOA", "ASDP_API", "EMAIL". */
    dispatchMethod: text("dispatch_method"),
    rampStart: timestamp("ramp_start", { withTimezone: true }),
    ceaseRampEnd: timestamp("cease_ramp_end", { withTimezone: true }),
    issuedAt: timestamp("issued_at", { withTimezone: true }).notNull().defaultNow(),
    /** R-DSP-2: the acknowledgement deadline. */
    acknowledgeBy: timestamp("acknowledge_by", { withTimezone: true }),
    acknowledgedAt: timestamp("acknowledged_at", { withTimezone: true }),
    /** UC22: the SO's reason (e.g. out of merit for location); for the SO, the provider and administrators only. */
    rationale: text(),
    /** Flagged in conflict with another instruction (by the issuing SO now, the rules engine later). */
    inConflict: boolean("in_conflict").notNull().default(false),
    ceasedAt: timestamp("ceased_at", { withTimezone: true }),
    actualStart: timestamp("actual_start", { withTimezone: true }),
    actualStop: timestamp("actual_stop", { withTimezone: true }),
    status: text().$type<DispatchStatus>().notNull().default("ISSUED"),
    ...provenance,
    ...ingested,
    ...timestamps,
  },
  (t) => [
    // Partial: every reader asks for an id (= or in), and an ingested export names only a unit reference, so its
    // rows have no asset, unit, award or provider: four index writes a row fewer.
    index("dispatch_instructions_asset_idx").on(t.assetId).where(sql`${t.assetId} is not null`),
    index("dispatch_instructions_market_unit_idx").on(t.marketUnitId).where(sql`${t.marketUnitId} is not null`),
    index("dispatch_instructions_award_idx").on(t.awardId).where(sql`${t.awardId} is not null`),
    index("dispatch_instructions_product_idx").on(t.productId),
    index("dispatch_instructions_issued_by_idx").on(t.issuedById),
    index("dispatch_instructions_provider_idx").on(t.providerId).where(sql`${t.providerId} is not null`),
    index("dispatch_instructions_buyer_idx").on(t.buyerId),
    // The conflict detector reads an ingested export's instructions by unit reference, trimmed and upper-case
    // (commitments route); without it every reactive run scanned every instruction.
    index("dispatch_instructions_unit_reference_idx").on(sql`upper(btrim(${t.unitReference}))`),
    uniqueIndex("dispatch_instructions_source_external_id_unique").on(t.source, t.externalId),
    check("dispatch_instructions_window_check", sql`${t.end} > ${t.start}`),
    check("dispatch_instructions_set_point_check", sql`${t.setPointMw} >= 0`),
    check(
      "dispatch_instructions_target_check",
      sql`${t.assetId} is not null or ${t.marketUnitId} is not null or ${t.unitReference} is not null`,
    ),
  ],
);

// Verification (V.1–V.4, domain §4.12–4.14). Energy is an exact integer number of watt-hours (bigint), as the
// calculation library computes it (src/calculations): exact to 0.000001 MWh, and a million rows COPY fast.
/** Watt-hours, read and written as JavaScript bigints. */
const wh = (name: string) => bigint(name, { mode: "bigint" });

export type MeterReadingQuality = "ACTUAL" | "ESTIMATED" | "SUBSTITUTED";
export type Granularity = "PT30M" | "PT1M" | "PT1S";

/**
 * One metered interval of one meter (V.1): both registers, each ≥ 0, so the export-positive net is
 * export − import. Keyed to an asset, a market unit or only the source's meter reference (MPAN, meter id).
 */
export const meterReadings = transactionsSchema.table(
  "meter_readings",
  {
    // Time-ordered (migration 0012): a million ingested readings fill the primary key left to right.
    id: uuid().primaryKey().default(sql`transactions.uuid_time_ordered()`),
    assetId: uuid("asset_id"),
    marketUnitId: uuid("market_unit_id"),
    /** The source's meter id or MPAN, e.g. "1900012345678". */
    meterReference: text("meter_reference"),
    /** The FSP whose asset or unit it is (resolved when written); reads are filtered on it. */
    providerId: uuid("provider_id").notNull(),
    intervalStart: timestamp("interval_start", { withTimezone: true }).notNull(),
    intervalEnd: timestamp("interval_end", { withTimezone: true }).notNull(),
    granularity: text().$type<Granularity>().notNull().default("PT30M"),
    activeImportWh: wh("active_import_wh").notNull(),
    activeExportWh: wh("active_export_wh").notNull(),
    quality: text().$type<MeterReadingQuality>().notNull().default("ACTUAL"),
    ...provenance,
    ...ingested,
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Every reader narrows by asset or unit (and the window), then filters on provider_id: no provider index (it
    // served no query and cost a seventh of a bulk insert); the unit index skips asset readings (null unit).
    index("meter_readings_asset_interval_idx").on(t.assetId, t.intervalStart),
    index("meter_readings_unit_interval_idx").on(t.marketUnitId, t.intervalStart).where(sql`${t.marketUnitId} is not null`),
    uniqueIndex("meter_readings_source_external_id_unique").on(t.source, t.externalId),
    check("meter_readings_interval_check", sql`${t.intervalEnd} > ${t.intervalStart}`),
    check("meter_readings_registers_check", sql`${t.activeImportWh} >= 0 and ${t.activeExportWh} >= 0`),
    check("meter_readings_target_check", sql`${t.assetId} is not null or ${t.marketUnitId} is not null or ${t.meterReference} is not null`),
  ],
);

export type AssessmentStatus = "PROVISIONAL" | "PUBLISHED" | "DISPUTED" | "FINAL";

/** Published for the provider to see; disputed within the window; final once settled on (§4.21). */
export const assessmentLifecycle = defineLifecycle<AssessmentStatus>("PerformanceAssessment", {
  PROVISIONAL: ["PUBLISHED"],
  PUBLISHED: ["DISPUTED", "FINAL"],
  DISPUTED: ["PUBLISHED", "FINAL"],
  FINAL: [],
});

/**
 * V.2's output for one dispatch instruction (or an award's availability): baseline against metered energy per
 * settlement period, delivered by direction, credited capped at instructed. `periods` keeps each period's
 * figures (Wh as decimal strings) so the assessment can be shown and checked line by line.
 */
export const performanceAssessments = transactionsSchema.table(
  "performance_assessments",
  {
    id: uuid().primaryKey().defaultRandom(),
    dispatchInstructionId: uuid("dispatch_instruction_id").references(() => dispatchInstructions.id),
    awardId: uuid("award_id").references(() => awards.id),
    assetId: uuid("asset_id"),
    marketUnitId: uuid("market_unit_id"),
    productId: uuid("product_id").notNull(),
    ...parties,
    direction: text().$type<Direction>().notNull(),
    ...window,
    /** The baseline method used and its parameters, as the product's version named them. */
    baselineMethod: text("baseline_method").notNull(),
    methodVersion: integer("method_version").notNull().default(1),
    baselineWh: wh("baseline_wh").notNull(),
    meteredWh: wh("metered_wh").notNull(),
    deliveredWh: wh("delivered_wh").notNull(),
    instructedWh: wh("instructed_wh").notNull(),
    creditedWh: wh("credited_wh").notNull(),
    /** delivered / instructed, exact to 6 places; null when nothing was instructed. */
    deliveryRatio: numeric("delivery_ratio", { precision: 12, scale: 6, mode: "string" }),
    /** available time / window time, exact to 6 places; null when not assessed. */
    availabilityRatio: numeric("availability_ratio", { precision: 12, scale: 6, mode: "string" }),
    /** R-VER-1: a settlement period of the window had no reading when assessed. */
    lateData: text("late_data_periods").array().notNull().default(sql`'{}'::text[]`),
    periods: jsonb().$type<Record<string, unknown>[]>().notNull().default([]),
    status: text().$type<AssessmentStatus>().notNull().default("PROVISIONAL"),
    ...provenance,
    ...timestamps,
  },
  (t) => [
    index("performance_assessments_instruction_idx").on(t.dispatchInstructionId),
    index("performance_assessments_award_idx").on(t.awardId),
    // A unit's assessments (MarketUnit.performanceAssessments); most are an asset's, so only those with a unit.
    index("performance_assessments_market_unit_idx").on(t.marketUnitId).where(sql`${t.marketUnitId} is not null`),
    index("performance_assessments_asset_idx").on(t.assetId).where(sql`${t.assetId} is not null`),
    index("performance_assessments_provider_idx").on(t.providerId),
    index("performance_assessments_buyer_idx").on(t.buyerId),
    uniqueIndex("performance_assessments_source_external_id_unique").on(t.source, t.externalId),
    check("performance_assessments_window_check", sql`${t.end} > ${t.start}`),
    // What was assessed: an asset, or a market unit from its own or its members' readings.
    check("performance_assessments_target_check", sql`${t.assetId} is not null or ${t.marketUnitId} is not null`),
  ],
);

export type PenaltyType = "NON_DELIVERY" | "TECHNICAL_UNAVAILABILITY" | "COMMERCIAL_UNAVAILABILITY" | "LATE_DATA";

/** A penalty notice on an assessment (V.4 in v3.2): a whole-pence amount deducted at settlement, with its basis. */
export const penalties = transactionsSchema.table(
  "penalties",
  {
    id: uuid().primaryKey().defaultRandom(),
    assessmentId: uuid("assessment_id")
      .notNull()
      .references(() => performanceAssessments.id),
    type: text().$type<PenaltyType>().notNull(),
    /** Whole pence, > 0 (the statement line subtracts it). */
    amountPence: bigint("amount_pence", { mode: "bigint" }).notNull(),
    basis: text().notNull(),
    /** R-SET-4: the conflict record that waives it, when one is attached. */
    waivedByConflictId: uuid("waived_by_conflict_id"),
    ...timestamps,
  },
  (t) => [index("penalties_assessment_idx").on(t.assessmentId), check("penalties_amount_check", sql`${t.amountPence} > 0`)],
);

export const auditEvents = auditEventsTable(transactionsSchema);
export * from "../modules/buy-requirements/tables.js";
export * from "../modules/clearing-results/tables.js";
export * from "../modules/availability/tables.js";
export * from "../modules/verification/tables.js";
export * from "../modules/settlement/tables.js";
export * from "../modules/disputes/tables.js";
export * from "../modules/ingest/tables.js";
/** Events its writes cause (commitments written: the conflict detector's trigger), relayed to rules (kit outbox.ts). */
export const outboxEvents = outboxTable(transactionsSchema);
