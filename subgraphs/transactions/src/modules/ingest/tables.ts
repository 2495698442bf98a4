import { sql } from "drizzle-orm";
import { check, index, integer, jsonb, pgSchema, text, timestamp, uuid } from "drizzle-orm/pg-core";

// The subgraph's schema by name, not imported from db/schema.ts: that file re-exports this one (for drizzle-kit),
// and importing back would be a cycle.
const transactionsSchema = pgSchema("transactions");

export type IngestEntity =
  | "METER_READING"
  | "DISPATCH_INSTRUCTION"
  | "BID"
  | "AWARD"
  | "CLEARING_RESULT"
  | "AVAILABILITY_DECLARATION"
  | "UNAVAILABILITY_NOTICE";
export type IngestMode = "PARTIAL" | "ALL_OR_NOTHING";
export type IngestFormat = "CSV" | "NDJSON";
/** RUNNING while the file streams in; COMPLETED once merged; REJECTED when all-or-nothing refused it; FAILED when it broke off. */
export type IngestStatus = "RUNNING" | "COMPLETED" | "REJECTED" | "FAILED";

/** One rejected row as the report gives it (issue 10 item 2): row 1 is the first data row after the header. */
export interface IngestRowError {
  row: number;
  field: string;
  code: "BAD_USER_INPUT" | "FORBIDDEN" | "CONFLICT" | "RULE_VIOLATION";
  reason: string;
  message: string;
}

/** A market rule's NOTIFY finding on a row the report lists (issue 11 item 2): the row was written. */
export interface IngestRowWarning {
  row: number;
  ruleId: string;
  message: string;
  values: Record<string, unknown>;
}

/**
 * One bulk ingest (a file POSTed to /ingest/<entity>): who sent it, when, from which source through which adapter,
 * and what became of its rows. Every record it wrote or updated names it (`ingest_batch_id`, `source_row`), so a
 * record's provenance is (source, external_id, batch, row) with who and when here.
 */
export const ingestBatches = transactionsSchema.table(
  "ingest_batches",
  {
    id: uuid().primaryKey().defaultRandom(),
    entity: text().$type<IngestEntity>().notNull(),
    /** The provenance source the records are keyed under, e.g. "ukpn-flexibility-dispatches". */
    source: text().notNull(),
    /** The adapter that read the file: "generic", "ukpn-dispatches", "neso-dc-masterdata". */
    adapter: text().notNull(),
    fileName: text("file_name"),
    format: text().$type<IngestFormat>().notNull(),
    mode: text().$type<IngestMode>().notNull(),
    ingestedByUserId: uuid("ingested_by_user_id"),
    organisationId: uuid("organisation_id"),
    status: text().$type<IngestStatus>().notNull().default("RUNNING"),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    /** Data rows read. */
    rows: integer().notNull().default(0),
    inserted: integer().notNull().default(0),
    updated: integer().notNull().default(0),
    /** Records already held unchanged under the same (source, external id). */
    repeats: integer().notNull().default(0),
    /** Rows of this file repeating an earlier row's key (the last one wins). */
    duplicates: integer().notNull().default(0),
    /** Rows holding nothing of the entity (a rejected bid in a masterdata file ingested for awards). */
    skipped: integer().notNull().default(0),
    rejected: integer().notNull().default(0),
    /** The first 1,000 rejected rows. */
    rejections: jsonb().$type<IngestRowError[]>().notNull().default([]),
    /** The first 1,000 rows a NOTIFY rule flagged (accepted, with the rule, message and values compared). */
    warnings: jsonb().$type<IngestRowWarning[]>().notNull().default([]),
    /** Why a FAILED batch broke off. */
    failure: text(),
  },
  (t) => [
    index("ingest_batches_organisation_idx").on(t.organisationId, t.startedAt),
    check("ingest_batches_counts_check", sql`${t.rows} >= 0 and ${t.rejected} >= 0`),
  ],
);
