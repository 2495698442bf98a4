import { auditEventsTable, defineLifecycle, type RuleSubjectKind } from "@sfe/kit";
import { sql } from "drizzle-orm";
import { check, doublePrecision, index, integer, jsonb, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { rulesSchema } from "./namespace.js";

export { rulesSchema };

export type RuleKind = "ELIGIBILITY" | "STACKING" | "PRIMACY" | "TIMING" | "DATA_QUALITY" | "CONTRACT";
export type RuleMode = "NOTIFY" | "BLOCK";
export type RuleStatus = "ACTIVE" | "RETIRED";
export type RuleSeverity = "INFO" | "WARN" | "BLOCK";
export type RuleSource = "SFE_STORED" | "EXTERNAL_API";
/** What a rule is evaluated on (modules/evaluation/facts.ts declares each kind's facts); the kit's rule-check client names the same. */
export type SubjectKind = RuleSubjectKind;
/** Stacking modes (domain §6.1) and directions of a product-pair scope. */
export type StackingMode = "JUMPING" | "SPLITTING" | "CO_DELIVERY";
export type ScopeDirection = "UP" | "DOWN" | "BOTH";

/**
 * Where else a rule applies besides its product: sub-markets, technologies, and product pairs (a stacking
 * permission by mode and direction applies when both products of a pair are evaluated together).
 */
export interface RuleScope {
  subMarketIds: string[];
  technologies: string[];
  productPairs: { productIds: [string, string]; stackingMode: StackingMode; direction: ScopeDirection }[];
  /**
   * An exclusivity clause (STACKING rules): the product (or each pair's two products) may hold no commitment
   * overlapping one on another product on the same target. Absent in rows saved before it existed: false.
   */
  exclusive?: boolean;
}
export type ConflictKind =
  | "OVERLAPPING_COMMITMENT"
  | "OPPOSING_INSTRUCTIONS"
  | "DOUBLE_REGISTRATION"
  | "EXCEEDS_CAPABILITY"
  | "CONNECTION_LIMIT"
  | "EXCLUSIVITY_BREACH";
export type ConflictStatus = "OPEN" | "NOTIFIED" | "ACKNOWLEDGED" | "RESOLVED" | "ESCALATED" | "DISMISSED";
/** How a conflict was found: recorded by hand (recordConflict), by a sweep (PROACTIVE) or on an event (REACTIVE). */
export type ConflictDetection = "MANUAL" | "PROACTIVE" | "REACTIVE";
/** One clashing commitment or instruction, as the detector saw it (§4.16 items; times ISO 8601 UTC). */
export interface StoredConflictItem {
  kind: "AWARD" | "AVAILABILITY_DECLARATION" | "DISPATCH_INSTRUCTION";
  id: string;
  soOrgId: string;
  direction: string;
  mw: number;
  start: string;
  end: string;
}
/** The outcome primacy proposes (§6.2, R-PRI-1…3). */
export interface StoredPrimacy {
  type: "DSO" | "NESO" | "JOINT" | "NONE";
  winningItemId: string | null;
  ruleId: string;
}

/**
 * Which status a conflict may become: it is notified, acknowledged, then resolved, escalated or dismissed
 * (an escalated one resolved or dismissed); RESOLVED and DISMISSED are final. Who may make each move is
 * access.ts's (an FSP party only acknowledges). Every change goes through the kit's guardedUpdate, checked
 * with the row locked; the status a conflict already has changes nothing.
 */
export const conflictLifecycle = defineLifecycle<ConflictStatus>("Conflict", {
  OPEN: ["NOTIFIED", "ACKNOWLEDGED", "RESOLVED", "ESCALATED", "DISMISSED"],
  NOTIFIED: ["ACKNOWLEDGED", "RESOLVED", "ESCALATED", "DISMISSED"],
  ACKNOWLEDGED: ["RESOLVED", "ESCALATED", "DISMISSED"],
  ESCALATED: ["RESOLVED", "DISMISSED"],
  RESOLVED: [],
  DISMISSED: [],
});

/** A market rule held as data. `productId` refers to the products subgraph (null = market-wide). */
export const marketRules = rulesSchema.table(
  "market_rules",
  {
    id: uuid().primaryKey().defaultRandom(),
    code: text().notNull().unique("market_rules_code_unique"),
    name: text().notNull(),
    productId: uuid("product_id"),
    kind: text().$type<RuleKind>().notNull(),
    parameters: jsonb().$type<Record<string, unknown>>().notNull(),
    mode: text().$type<RuleMode>().notNull(),
    status: text().$type<RuleStatus>().notNull().default("ACTIVE"),
    effectiveFrom: timestamp("effective_from", { withTimezone: true }).notNull().defaultNow(),
    /** End of the rule's force (exclusive); null: open-ended. */
    effectiveTo: timestamp("effective_to", { withTimezone: true }),
    /** What it is evaluated on; null for a parameters-only rule (not evaluated by the engine). */
    subjectKind: text("subject_kind").$type<SubjectKind>(),
    /** A JSONLogic condition that holds when the rule is met, checked against the subject kind's facts when saved. */
    expression: jsonb().$type<unknown>(),
    severity: text().$type<RuleSeverity>().notNull().default("WARN"),
    scope: jsonb().$type<RuleScope>().notNull().default({ subMarketIds: [], technologies: [], productPairs: [] }),
    /** The organisation that owns the rule: the product owner (SO) or the market facilitator (null: hub). */
    ownerOrgId: uuid("owner_org_id"),
    /** 1 when created; every change makes the next version (market_rule_versions keeps each one). */
    version: integer().notNull().default(1),
    /** The document (rules library code, clause or URL) the rule comes from. */
    documentRef: text("document_ref"),
    source: text().$type<RuleSource>().notNull().default("SFE_STORED"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("market_rules_product_idx").on(t.productId), index("market_rules_subject_kind_idx").on(t.subjectKind)],
);

/** Every version of every rule as it was saved: evaluations name (rule, version). */
export const marketRuleVersions = rulesSchema.table(
  "market_rule_versions",
  {
    ruleId: uuid("rule_id")
      .notNull()
      .references(() => marketRules.id),
    version: integer().notNull(),
    /** The rule's row as that version (code, name, expression, parameters, severity, mode, scope, effective dates). */
    snapshot: jsonb().$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.ruleId, t.version] })],
);

/** A detected clash between commitments or instructions on the same asset(s). */
export const conflicts = rulesSchema.table(
  "conflicts",
  {
    id: uuid().primaryKey().defaultRandom(),
    kind: text().$type<ConflictKind>().notNull(),
    status: text().$type<ConflictStatus>().notNull().default("OPEN"),
    overlapStart: timestamp("overlap_start", { withTimezone: true }).notNull(),
    overlapEnd: timestamp("overlap_end", { withTimezone: true }).notNull(),
    ruleId: uuid("rule_id").references(() => marketRules.id),
    description: text(),
    resolution: text(),
    detectedBy: text("detected_by").$type<ConflictDetection>().notNull().default("MANUAL"),
    /** The detector's key for its items (kind and sorted item ids): a second sweep finding them adds nothing. */
    detectionKey: text("detection_key"),
    /** The §8.4 rule the detector applied (R-STK-1…3), if any. */
    ruleCode: text("rule_code"),
    /** MW clashing over the overlap window (the detector's); null for one recorded by hand. */
    overlapMw: doublePrecision("overlap_mw"),
    items: jsonb().$type<StoredConflictItem[]>(),
    primacy: jsonb().$type<StoredPrimacy>(),
    detectedAt: timestamp("detected_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check("conflicts_overlap_window_check", sql`${sql.identifier("overlap_end")} > ${sql.identifier("overlap_start")}`),
    index("conflicts_rule_idx").on(t.ruleId),
    index("conflicts_detected_at_idx").on(t.detectedAt),
    uniqueIndex("conflicts_detection_key_unique").on(t.detectionKey),
  ],
);

/** The assets (owned by the assets subgraph) a conflict involves. */
export const conflictAssets = rulesSchema.table(
  "conflict_assets",
  {
    conflictId: uuid("conflict_id")
      .notNull()
      .references(() => conflicts.id),
    assetId: uuid("asset_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.conflictId, t.assetId] }), index("conflict_assets_asset_idx").on(t.assetId)],
);

/** The dispatch instructions (owned by the transactions subgraph) a conflict involves. */
export const conflictInstructions = rulesSchema.table(
  "conflict_instructions",
  {
    conflictId: uuid("conflict_id")
      .notNull()
      .references(() => conflicts.id),
    instructionId: uuid("instruction_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.conflictId, t.instructionId] })],
);

/**
 * The organisations (owned by the users subgraph) a conflict concerns, fixed when it is recorded: the
 * owners of its assets and the issuers of its dispatch instructions. Who may see a conflict.
 */
export const conflictParties = rulesSchema.table(
  "conflict_parties",
  {
    conflictId: uuid("conflict_id")
      .notNull()
      .references(() => conflicts.id),
    organisationId: uuid("organisation_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.conflictId, t.organisationId] }), index("conflict_parties_organisation_idx").on(t.organisationId)],
);

export const auditEvents = auditEventsTable(rulesSchema);
export * from "../modules/evaluation/tables.js";
export * from "../modules/library/tables.js";
export * from "../modules/notifications/tables.js";
