import { defineLifecycle } from "@sfe/kit";
import { sql } from "drizzle-orm";
import { check, doublePrecision, index, jsonb, numeric, pgSchema, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

// Its own handle on the schema: db/schema.ts re-exports this file, so it cannot import from there.
const transactionsSchema = pgSchema("transactions");

export type BuyRequirementStatus = "DRAFT" | "PUBLISHED" | "OPEN" | "CLOSED" | "CLEARED" | "RESULTS_PUBLISHED" | "CANCELLED";
export type RequirementType = "LIVE" | "TEST";

/**
 * C.1 (domain §4.10, §4.21): the SO drafts a requirement, publishes it (the call for offers is public from then on),
 * opens and closes its gate, records its clearing (CLEARED) and publishes the results. Until cleared it may be
 * cancelled.
 */
export const buyRequirementLifecycle = defineLifecycle<BuyRequirementStatus>("BuyRequirement", {
  DRAFT: ["PUBLISHED", "CANCELLED"],
  PUBLISHED: ["OPEN", "CANCELLED"],
  OPEN: ["CLOSED", "CANCELLED"],
  CLOSED: ["CLEARED", "CANCELLED"],
  CLEARED: ["RESULTS_PUBLISHED"],
  RESULTS_PUBLISHED: [],
  CANCELLED: [],
});

const price = (name: string) => numeric(name, { precision: 12, scale: 4, mode: "string" });

/** A buy requirement (C.1), modelled on NGED trade opportunities and NESO DFS requirements. */
export const buyRequirements = transactionsSchema.table(
  "buy_requirements",
  {
    id: uuid().primaryKey().defaultRandom(),
    name: text().notNull(),
    productId: uuid("product_id").notNull(),
    /** The system operator that owns the product (recorded when written). */
    buyerId: uuid("buyer_id").notNull(),
    /** The constraint managed zone, by id and/or code (e.g. "CMZ_T7B_SWA_0012"). */
    cmzId: uuid("cmz_id"),
    cmzCode: text("cmz_code"),
    requiredService: text("required_service").notNull(),
    gateOpen: timestamp("gate_open", { withTimezone: true }).notNull(),
    gateClose: timestamp("gate_close", { withTimezone: true }).notNull(),
    /** Delivery windows, at least one; [start, end) is their span (for window filters). */
    windows: jsonb().$type<{ start: string; end: string }[]>().notNull(),
    start: timestamp("start_at", { withTimezone: true }).notNull(),
    end: timestamp("end_at", { withTimezone: true }).notNull(),
    minMw: doublePrecision("min_mw").notNull().default(0),
    maxMw: doublePrecision("max_mw").notNull(),
    availabilityCeilingGbpPerMwH: price("availability_ceiling_gbp_per_mw_h"),
    utilisationCeilingGbpPerMwh: price("utilisation_ceiling_gbp_per_mwh"),
    requirementType: text("requirement_type").$type<RequirementType>().notNull().default("LIVE"),
    guaranteedAcceptancePriceGbpPerMwh: price("guaranteed_acceptance_price_gbp_per_mwh"),
    /** The organisations that may bid; null: all participants. */
    eligibleParticipantIds: uuid("eligible_participant_ids").array(),
    status: text().$type<BuyRequirementStatus>().notNull().default("DRAFT"),
    /** When it was first published: from then on every signed-in caller sees it. */
    publishedAt: timestamp("published_at", { withTimezone: true }),
    source: text().notNull().default("API"),
    externalId: text("external_id"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("buy_requirements_product_idx").on(t.productId),
    index("buy_requirements_buyer_idx").on(t.buyerId),
    index("buy_requirements_status_idx").on(t.status),
    uniqueIndex("buy_requirements_source_external_id_unique").on(t.source, t.externalId),
    check("buy_requirements_gate_check", sql`${t.gateClose} > ${t.gateOpen}`),
    check("buy_requirements_window_check", sql`${t.end} > ${t.start}`),
    check("buy_requirements_mw_check", sql`${t.minMw} >= 0 and ${t.maxMw} > 0 and ${t.minMw} <= ${t.maxMw}`),
  ],
);
