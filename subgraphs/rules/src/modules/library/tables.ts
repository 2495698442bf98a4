import { sql } from "drizzle-orm";
import { customType, index, integer, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { rulesSchema } from "../../db/namespace.js";

export type RuleDocumentKind = "FLEXIBILITY_MARKET_RULES" | "SERVICE_TERMS" | "STACKING" | "PRIMACY" | "GUIDANCE";

/** Postgres text search vector (read only: it is a generated column). */
const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

/** A document of the rules library (UC7): what it is, where it comes from, what it is tagged with. */
export const ruleDocuments = rulesSchema.table("rule_documents", {
  id: uuid().primaryKey().defaultRandom(),
  /** Unique upper-case code, e.g. FMR-PRIMACY. */
  code: text().notNull().unique("rule_documents_code_unique"),
  kind: text().$type<RuleDocumentKind>().notNull(),
  sourceUrl: text("source_url"),
  licence: text(),
  /** Tags: the products (hub ids) it concerns (empty: every product), technologies, phases (e.g. QUALIFICATION). */
  productIds: uuid("product_ids").array().notNull().default(sql`'{}'::uuid[]`),
  technologies: text().array().notNull().default(sql`'{}'::text[]`),
  phases: text().array().notNull().default(sql`'{}'::text[]`),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** One version of a document, in force from effectiveFrom to effectiveTo (exclusive; null: open-ended). */
export const ruleDocumentVersions = rulesSchema.table(
  "rule_document_versions",
  {
    id: uuid().primaryKey().defaultRandom(),
    documentId: uuid("document_id")
      .notNull()
      .references(() => ruleDocuments.id),
    version: integer().notNull(),
    title: text().notNull(),
    body: text().notNull(),
    effectiveFrom: timestamp("effective_from", { withTimezone: true }).notNull(),
    effectiveTo: timestamp("effective_to", { withTimezone: true }),
    /** Title (weight A) and body (weight B), English configuration: what full-text search matches and ranks. */
    search: tsvector()
      .notNull()
      .generatedAlwaysAs(
        sql`setweight(to_tsvector('english', coalesce(title, '')), 'A') || setweight(to_tsvector('english', coalesce(body, '')), 'B')`,
      ),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("rule_document_versions_document_version_unique").on(t.documentId, t.version),
    index("rule_document_versions_search_idx").using("gin", t.search),
  ],
);
