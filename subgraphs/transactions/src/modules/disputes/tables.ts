import { defineLifecycle } from "@sfe/kit";
import { sql } from "drizzle-orm";
import { index, jsonb, pgSchema, text, timestamp, uuid } from "drizzle-orm/pg-core";

// See settlement/tables.ts: the schema object is declared here again rather than imported from db/schema.ts.
const transactionsSchema = pgSchema("transactions");

export type DisputeSubjectType = "PERFORMANCE_ASSESSMENT" | "PENALTY" | "INVOICE";
export type DisputeCategory = "DATA_ACCURACY" | "PERFORMANCE" | "PENALTY" | "PAYMENT" | "ASSET_OWNERSHIP";
export type DisputeStatus =
  | "SUBMITTED"
  | "ACKNOWLEDGED"
  | "UNDER_INVESTIGATION"
  | "AWAITING_INFO"
  | "RESOLVED_CORRECTED"
  | "RESOLVED_NO_ACTION"
  | "WITHDRAWN";

/** §4.18 / §7.10: acknowledged, investigated (asking for information as needed), resolved; the raiser may withdraw it until resolved. */
export const disputeLifecycle = defineLifecycle<DisputeStatus>("Dispute", {
  SUBMITTED: ["ACKNOWLEDGED", "WITHDRAWN"],
  ACKNOWLEDGED: ["UNDER_INVESTIGATION", "WITHDRAWN"],
  UNDER_INVESTIGATION: ["AWAITING_INFO", "RESOLVED_CORRECTED", "RESOLVED_NO_ACTION", "WITHDRAWN"],
  AWAITING_INFO: ["UNDER_INVESTIGATION", "WITHDRAWN"],
  RESOLVED_CORRECTED: [],
  RESOLVED_NO_ACTION: [],
  WITHDRAWN: [],
});

/** The correction a RESOLVED_CORRECTED dispute carried, as applied. */
export interface StoredCorrection {
  /** The assessment's corrected delivered energy, Wh as a decimal string. */
  deliveredWh?: string;
  /** An adjustment of the invoice(s) concerned, pence as a decimal string (negative: credited to the payer). */
  adjustmentPence?: string;
  /** The audit events of the correction (the assessment's update). */
  auditedAt?: string;
}

export const disputes = transactionsSchema.table(
  "disputes",
  {
    id: uuid().primaryKey().defaultRandom(),
    raisedByOrgId: uuid("raised_by_org_id").notNull(),
    /** The parties of the subject (copied from it): only they and administrators see the dispute. */
    providerId: uuid("provider_id").notNull(),
    buyerId: uuid("buyer_id").notNull(),
    subjectType: text("subject_type").$type<DisputeSubjectType>().notNull(),
    subjectId: uuid("subject_id").notNull(),
    category: text().$type<DisputeCategory>().notNull(),
    description: text().notNull(),
    evidence: text().array().notNull().default(sql`'{}'::text[]`),
    slaDueAt: timestamp("sla_due_at", { withTimezone: true }).notNull(),
    status: text().$type<DisputeStatus>().notNull().default("SUBMITTED"),
    /** The subject's status when the dispute was raised, restored when it is withdrawn. */
    subjectStatusBefore: text("subject_status_before"),
    outcome: text(),
    correction: jsonb().$type<StoredCorrection>(),
    creditNoteIds: uuid("credit_note_ids").array().notNull().default(sql`'{}'::uuid[]`),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("disputes_subject_idx").on(t.subjectType, t.subjectId),
    index("disputes_provider_idx").on(t.providerId),
    index("disputes_buyer_idx").on(t.buyerId),
  ],
);
