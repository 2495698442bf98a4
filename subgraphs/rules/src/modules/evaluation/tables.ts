import { sql } from "drizzle-orm";
import { index, integer, jsonb, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { rulesSchema } from "../../db/namespace.js";
import { marketRules, type SubjectKind } from "../../db/schema.js";

export type RuleOutcome = "PASS" | "WARN" | "FAIL" | "NOT_APPLICABLE";
export type EnforcementMode = "NOTIFY_ONLY" | "BLOCKING";

/**
 * One rule's outcome on one subject (a bid, an award, a unit…), as evaluated: the rule's version, the hash of the
 * facts it was given, what was compared. Append-only; written a whole evaluation at a time (one insert).
 */
export const ruleEvaluations = rulesSchema.table(
  "rule_evaluations",
  {
    id: uuid().primaryKey().defaultRandom(),
    /** One id per evaluateRules call: the outcomes evaluated together. */
    evaluationId: uuid("evaluation_id").notNull(),
    /** A stored rule; null for a rule fetched from an SO's rules API (its code and version say which). */
    ruleId: uuid("rule_id").references(() => marketRules.id),
    ruleCode: text("rule_code").notNull(),
    ruleVersion: integer("rule_version").notNull(),
    ruleSource: text("rule_source").notNull(),
    subjectKind: text("subject_kind").$type<SubjectKind>().notNull(),
    subjectType: text("subject_type").notNull(),
    subjectId: text("subject_id").notNull(),
    /** SHA-256 (hex) of the facts, canonical JSON: the same input always hashes alike. */
    inputHash: text("input_hash").notNull(),
    outcome: text().$type<RuleOutcome>().notNull(),
    severity: text().notNull(),
    mode: text().$type<EnforcementMode>().notNull(),
    message: text().notNull(),
    /** The facts and parameters the expression read, by name. */
    valuesCompared: jsonb("values_compared").$type<Record<string, unknown>>().notNull(),
    /** The organisations the subject concerns (its FSP, its SOs): who may read the evaluation. */
    partyIds: uuid("party_ids").array().notNull().default(sql`'{}'::uuid[]`),
    evaluatedAt: timestamp("evaluated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("rule_evaluations_subject_idx").on(t.subjectId, t.evaluatedAt), index("rule_evaluations_rule_idx").on(t.ruleId)],
);
