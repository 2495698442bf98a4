import { defineLifecycle } from "@sfe/kit";
import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigint,
  check,
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

// db/schema.ts re-exports this file (so drizzle-kit sees its tables); importing schema.ts back would be a cycle
// evaluated before schema.ts's body, so the schema object is declared here again, by the same name.
const transactionsSchema = pgSchema("transactions");

// Settlement (S.1–S.2, domain §4.15, §7.9, R-SET-1…4). Money is whole pence (bigint); ratios and rates are exact
// decimal strings; quantities and factors are shown rounded to 6 places, with the exact factor kept as "num/den".

export type UtilisationScaleKind = "FLAT" | "SLIDING";
/** R-SET-1: pro-rata to the available hours of each window, or nothing for a window wholly unavailable (else in full). */
export type AvailabilityRule = "PRO_RATA" | "ZERO_WHEN_WHOLLY_UNAVAILABLE";

const pence = (name: string) => bigint(name, { mode: "bigint" });
const ratioColumn = (name: string) => numeric(name, { precision: 12, scale: 6, mode: "string" });
const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
};

/** A product's settlement terms, set by the SO that owns it (or an administrator): one row per product. */
export const settlementTerms = transactionsSchema.table(
  "settlement_terms",
  {
    id: uuid().primaryKey().defaultRandom(),
    productId: uuid("product_id").notNull(),
    /** The product's owner when the terms were set. */
    buyerId: uuid("buyer_id").notNull(),
    utilisationScale: text("utilisation_scale").$type<UtilisationScaleKind>().notNull(),
    floorRatio: ratioColumn("floor_ratio"),
    fullRatio: ratioColumn("full_ratio"),
    availabilityRule: text("availability_rule").$type<AvailabilityRule>().notNull(),
    /** e.g. "0.2" for 20% VAT. */
    vatRate: numeric("vat_rate", { precision: 6, scale: 4, mode: "string" }).notNull(),
    /** Invoices for a month are dated this day of the following month (1–28). */
    invoiceDay: integer("invoice_day").notNull(),
    paymentDays: integer("payment_days").notNull(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("settlement_terms_product_unique").on(t.productId),
    check("settlement_terms_invoice_day_check", sql`${t.invoiceDay} between 1 and 28`),
    check("settlement_terms_payment_days_check", sql`${t.paymentDays} between 0 and 365`),
  ],
);

export type StatementStatus = "DRAFT" | "INVOICED";

/** An explicit unavailable window an SO entered for one award when generating a statement. */
export interface StoredUnavailableWindow {
  awardId: string;
  from: string;
  to: string;
  reason: string | null;
}
export interface StoredAdjustment {
  amountPence: string;
  description: string;
}
/** An assessment of the month left out of the statement (R-SET-3), and why. */
export interface HeldOut {
  assessmentId: string;
  status: string;
  reason: "NOT_FINAL" | "NO_UTILISATION_PRICE";
}
/** The terms a statement was computed with (a snapshot, so a later change of terms never alters it). */
export interface TermsSnapshot {
  utilisationScale: UtilisationScaleKind;
  floorRatio: string | null;
  fullRatio: string | null;
  availabilityRule: AvailabilityRule;
  vatRate: string;
  invoiceDay: number;
  paymentDays: number;
}

/**
 * One provider's settlement for one product and calendar month (UTC): DRAFT until its invoice is issued, then
 * INVOICED and frozen (later data makes credit notes). One per (product, provider, month).
 */
export const settlementStatements = transactionsSchema.table(
  "settlement_statements",
  {
    id: uuid().primaryKey().defaultRandom(),
    productId: uuid("product_id").notNull(),
    providerId: uuid("provider_id").notNull(),
    buyerId: uuid("buyer_id").notNull(),
    /** "YYYY-MM". */
    month: text().notNull(),
    periodStart: timestamp("period_start", { withTimezone: true }).notNull(),
    periodEnd: timestamp("period_end", { withTimezone: true }).notNull(),
    status: text().$type<StatementStatus>().notNull().default("DRAFT"),
    totalPence: pence("total_pence").notNull(),
    terms: jsonb().$type<TermsSnapshot>().notNull(),
    unavailableWindows: jsonb("unavailable_windows").$type<StoredUnavailableWindow[]>().notNull().default([]),
    adjustments: jsonb().$type<StoredAdjustment[]>().notNull().default([]),
    heldOut: jsonb("held_out").$type<HeldOut[]>().notNull().default([]),
    generatedAt: timestamp("generated_at", { withTimezone: true }).notNull().defaultNow(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("settlement_statements_scope_unique").on(t.productId, t.providerId, t.month),
    index("settlement_statements_provider_idx").on(t.providerId),
    index("settlement_statements_buyer_idx").on(t.buyerId),
  ],
);

export type InvoiceKind = "INVOICE" | "CREDIT_NOTE";
export type InvoiceStatus = "DRAFT" | "ISSUED" | "APPROVED" | "PAID" | "DISPUTED" | "CREDITED";
/** Who issues: the system operator (self-billing) or the provider FSP; the other side approves. */
export type IssuerSide = "SYSTEM_OPERATOR" | "PROVIDER";

/**
 * S.1: a draft is issued by its issuer, approved by the other side, paid when the payments reach its total; it may
 * be disputed once issued, and is CREDITED when a credit note corrects it. Issued, it never changes otherwise.
 */
export const invoiceLifecycle = defineLifecycle<InvoiceStatus>("Invoice", {
  DRAFT: ["ISSUED"],
  ISSUED: ["APPROVED", "DISPUTED", "CREDITED"],
  APPROVED: ["PAID", "DISPUTED", "CREDITED"],
  DISPUTED: ["ISSUED", "CREDITED"],
  PAID: ["CREDITED"],
  CREDITED: [],
});

export const invoices = transactionsSchema.table(
  "invoices",
  {
    id: uuid().primaryKey().defaultRandom(),
    kind: text().$type<InvoiceKind>().notNull().default("INVOICE"),
    statementId: uuid("statement_id")
      .notNull()
      .references(() => settlementStatements.id),
    /** A credit note's original invoice. */
    originalInvoiceId: uuid("original_invoice_id").references((): AnyPgColumn => invoices.id),
    productId: uuid("product_id").notNull(),
    providerId: uuid("provider_id").notNull(),
    buyerId: uuid("buyer_id").notNull(),
    issuerSide: text("issuer_side").$type<IssuerSide>().notNull(),
    month: text().notNull(),
    status: text().$type<InvoiceStatus>().notNull().default("DRAFT"),
    netPence: pence("net_pence").notNull(),
    vatPence: pence("vat_pence").notNull(),
    totalPence: pence("total_pence").notNull(),
    vatRate: numeric("vat_rate", { precision: 6, scale: 4, mode: "string" }).notNull(),
    invoiceDay: integer("invoice_day").notNull(),
    paymentDays: integer("payment_days").notNull(),
    issuedAt: timestamp("issued_at", { withTimezone: true }),
    dueAt: timestamp("due_at", { withTimezone: true }),
    /** Why a credit note was made (e.g. the dispute that corrected an assessment). */
    reason: text(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("invoices_statement_invoice_unique").on(t.statementId).where(sql`${t.kind} = 'INVOICE'`),
    index("invoices_original_idx").on(t.originalInvoiceId),
    index("invoices_provider_idx").on(t.providerId),
    index("invoices_buyer_idx").on(t.buyerId),
  ],
);

export type StatementLineType = "AVAILABILITY" | "UTILISATION" | "PENALTY" | "ADJUSTMENT";

/** A line of a statement, or of a credit note (the difference a correction makes): exactly one owner. */
export const settlementLines = transactionsSchema.table(
  "settlement_lines",
  {
    id: uuid().primaryKey().defaultRandom(),
    statementId: uuid("statement_id").references(() => settlementStatements.id, { onDelete: "cascade" }),
    creditNoteId: uuid("credit_note_id").references(() => invoices.id),
    position: integer().notNull(),
    type: text().$type<StatementLineType>().notNull(),
    /** What the line settles, stable across recomputation (a credit note's lines correct lines of the same key). */
    key: text().notNull(),
    period: text().notNull(),
    /** MW·h (availability), MWh (utilisation) or 1, to 6 places. */
    quantity: numeric({ precision: 20, scale: 6, mode: "string" }).notNull(),
    unitPriceGbp: numeric("unit_price_gbp", { precision: 16, scale: 4, mode: "string" }).notNull(),
    factor: ratioColumn("factor").notNull(),
    /** The factor exactly, "num/den". */
    factorExact: text("factor_exact").notNull(),
    amountPence: pence("amount_pence").notNull(),
    assessmentId: uuid("assessment_id"),
    penaltyId: uuid("penalty_id"),
    awardIds: uuid("award_ids").array().notNull().default(sql`'{}'::uuid[]`),
    basis: text(),
  },
  (t) => [
    index("settlement_lines_statement_idx").on(t.statementId),
    index("settlement_lines_credit_note_idx").on(t.creditNoteId),
    index("settlement_lines_assessment_idx").on(t.assessmentId),
    check("settlement_lines_owner_check", sql`(${t.statementId} is null) <> (${t.creditNoteId} is null)`),
  ],
);

export type PaymentMethod = "BACS";

/** S.2: a payment of an invoice by its payer (the system operator); the invoice is PAID when they reach its total. */
export const payments = transactionsSchema.table(
  "payments",
  {
    id: uuid().primaryKey().defaultRandom(),
    invoiceId: uuid("invoice_id")
      .notNull()
      .references(() => invoices.id),
    providerId: uuid("provider_id").notNull(),
    buyerId: uuid("buyer_id").notNull(),
    amountPence: pence("amount_pence").notNull(),
    method: text().$type<PaymentMethod>().notNull().default("BACS"),
    paidAt: timestamp("paid_at", { withTimezone: true }).notNull(),
    reference: text().notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("payments_invoice_reference_unique").on(t.invoiceId, t.reference),
    check("payments_amount_check", sql`${t.amountPence} > 0`),
  ],
);
