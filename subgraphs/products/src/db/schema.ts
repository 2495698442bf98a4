import { auditEventsTable, defineLifecycle } from "@sfe/kit";
import {
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

export const productsSchema = pgSchema("products");

const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
};

export type Direction = "DEMAND_TURN_DOWN" | "DEMAND_TURN_UP" | "GENERATION_TURN_UP" | "GENERATION_TURN_DOWN";
export type ServiceType = "AVAILABILITY_ONLY" | "UTILISATION_ONLY" | "AVAILABILITY_AND_UTILISATION" | "CAPACITY" | "ENERGY";
export type ProductStatus = "DRAFT" | "IN_CONSULTATION" | "PUBLISHED" | "SUSPENDED" | "RETIRED";

/**
 * Which status a product may become (domain digest: DRAFT → IN_CONSULTATION → PUBLISHED → SUSPENDED /
 * RETIRED). Who may make each move is access.ts's: the owning SO proposes (IN_CONSULTATION) and withdraws,
 * only a hub administrator publishes. Every change goes through the kit's guardedUpdate, checked with the
 * row locked; the status a product already has changes nothing. schema.graphql's ProductStatus quotes
 * this table (a test checks).
 */
export const productLifecycle = defineLifecycle<ProductStatus>("Product", {
  DRAFT: ["IN_CONSULTATION", "PUBLISHED"],
  IN_CONSULTATION: ["PUBLISHED", "DRAFT"],
  PUBLISHED: ["SUSPENDED", "RETIRED"],
  SUSPENDED: ["PUBLISHED", "RETIRED"],
  RETIRED: [],
});

/** One window, as stored in `service_windows` (already validated and normalised). */
export interface ServiceWindow {
  /** 1 = Monday … 7 = Sunday, ascending, no duplicates. */
  daysOfWeek: number[];
  /** "HH:MM", Europe/London. */
  startLocal: string;
  /** "HH:MM" or "24:00", after `startLocal`. */
  endLocal: string;
  /** YYYY-MM-DD or null. */
  seasonStart: string | null;
  seasonEnd: string | null;
}

export const products = productsSchema.table(
  "products",
  {
    id: uuid().primaryKey().defaultRandom(),
    /** The buying System Operator: an Organisation in the users subgraph (checked on write, no foreign key). */
    ownerId: uuid("owner_id").notNull(),
    code: text().notNull(),
    name: text().notNull(),
    serviceType: text("service_type").$type<ServiceType>().notNull(),
    directions: text().array().$type<Direction[]>().notNull(),
    minimumCapacityKw: doublePrecision("minimum_capacity_kw").notNull(),
    responseTimeSeconds: doublePrecision("response_time_seconds"),
    durationMinutes: integer("duration_minutes"),
    serviceWindows: jsonb("service_windows").$type<ServiceWindow[]>().notNull().default([]),
    eligibleTechnologies: text("eligible_technologies").array().$type<string[]>().notNull().default([]),
    locations: text().array().$type<string[]>().notNull().default([]),
    status: text().$type<ProductStatus>().notNull().default("DRAFT"),
    ...timestamps,
  },
  (t) => [uniqueIndex("products_owner_code_unique").on(t.ownerId, t.code), index("products_owner_idx").on(t.ownerId)],
);

/**
 * A Constraint Managed Zone (domain §4.7): the area behind a constrained network element where a system
 * operator buys flexibility (e.g. NGED `CMZ_T7B_SWA_0012`, UKPN's "Hendon Way"). Its code is unique across
 * the hub; its operator is an Organisation of the users subgraph (checked on write, no foreign key).
 */
export const constraintManagedZones = productsSchema.table(
  "constraint_managed_zones",
  {
    id: uuid().primaryKey().defaultRandom(),
    code: text().notNull(),
    name: text().notNull(),
    operatorId: uuid("operator_id").notNull(),
    licenceArea: text("licence_area").notNull(),
    /** GB GSP groups (`_A` … `_P`), sorted, no duplicates, at least one. */
    gspGroups: text("gsp_groups").array().$type<string[]>().notNull(),
    ...timestamps,
  },
  (t) => [uniqueIndex("constraint_managed_zones_code_unique").on(t.code), index("constraint_managed_zones_operator_idx").on(t.operatorId)],
);

export const auditEvents = auditEventsTable(productsSchema);

// ---- Pre-qualification (issue 9 item 5; domain §4.8, §7.5): counterparty qualification, requirements, applications ----

/** Where an organisation's commercial qualification (Q.2) is; EXPIRED is not stored: a QUALIFIED row past validTo reads so. */
export type CounterpartyQualificationStatus = "UNDER_ASSESSMENT" | "QUALIFIED" | "FAILED" | "REVOKED";
export type CommercialCheckKind = "COMPANY" | "CREDIT" | "INSURANCE";

/** One check of a commercial qualification, as stored in `checks`. */
export interface CommercialCheck {
  kind: CommercialCheckKind;
  passed: boolean;
  /** Where the evidence is (a document reference, a credit agency report id), 1–500 characters. */
  evidenceRef: string;
}

/**
 * Who may become what: a hub administrator, as market facilitator, assesses an organisation once for every
 * system operator; a qualification is renewed by assessing it again (QUALIFIED with a new validity).
 */
export const counterpartyQualificationLifecycle = defineLifecycle<CounterpartyQualificationStatus>("CommercialQualification", {
  UNDER_ASSESSMENT: ["QUALIFIED", "FAILED"],
  QUALIFIED: ["REVOKED", "UNDER_ASSESSMENT"],
  FAILED: ["UNDER_ASSESSMENT"],
  REVOKED: ["UNDER_ASSESSMENT"],
});

/** An organisation's commercial qualification (company checks, credit, insurance): one row per organisation. */
export const counterpartyQualifications = productsSchema.table(
  "counterparty_qualifications",
  {
    id: uuid().primaryKey().defaultRandom(),
    /** An Organisation of the users subgraph (checked on write, no foreign key). */
    organisationId: uuid("organisation_id").notNull(),
    status: text().$type<CounterpartyQualificationStatus>().notNull().default("UNDER_ASSESSMENT"),
    checks: jsonb().$type<CommercialCheck[]>().notNull().default([]),
    validFrom: timestamp("valid_from", { withTimezone: true }),
    validTo: timestamp("valid_to", { withTimezone: true }),
    reason: text(),
    /** The administrator (user) who decided last, and when. */
    assessedBy: uuid("assessed_by"),
    decidedAt: timestamp("decided_at", { withTimezone: true }),
    ...timestamps,
  },
  (t) => [uniqueIndex("counterparty_qualifications_organisation_unique").on(t.organisationId)],
);

export type RequirementLevel = "COUNTERPARTY" | "ASSET" | "UNIT";
export type RequirementKind = "DOCUMENT" | "DATA_FIELD" | "TEST" | "GRID_CHECK" | "CREDIT" | "INSURANCE";
/** What a DATA_FIELD answer must be. */
export type RequirementValueType = "TEXT" | "NUMBER" | "BOOLEAN" | "DATE";

/**
 * What a product version asks of an applicant (domain §4.8). Keyed on (product, version number) until product
 * versions are their own table; `common_key` lets one answer serve every product that asks for it.
 */
export const prequalificationRequirements = productsSchema.table(
  "prequalification_requirements",
  {
    id: uuid().primaryKey().defaultRandom(),
    productId: uuid("product_id")
      .notNull()
      .references(() => products.id),
    productVersion: integer("product_version").notNull().default(1),
    level: text().$type<RequirementLevel>().notNull(),
    kind: text().$type<RequirementKind>().notNull(),
    description: text().notNull(),
    mandatory: boolean().notNull().default(true),
    canBeDoneOnSfe: boolean("can_be_done_on_sfe").notNull().default(true),
    commonKey: text("common_key"),
    /** Only for DATA_FIELD. */
    valueType: text("value_type").$type<RequirementValueType>(),
    ...timestamps,
  },
  (t) => [
    index("prequalification_requirements_product_idx").on(t.productId, t.productVersion),
    uniqueIndex("prequalification_requirements_common_key_unique").on(t.productId, t.productVersion, t.commonKey),
  ],
);

export type QualificationSubjectType = "ORGANISATION" | "ASSET" | "MARKET_UNIT";
export type QualificationApplicationStatus = "DRAFT" | "SUBMITTED";

export const qualificationApplicationLifecycle = defineLifecycle<QualificationApplicationStatus>("QualificationApplication", {
  DRAFT: ["SUBMITTED"],
  SUBMITTED: [],
});

/** One FSP's application for one subject (its organisation, an asset or a market unit) and several products. */
export const qualificationApplications = productsSchema.table(
  "qualification_applications",
  {
    id: uuid().primaryKey().defaultRandom(),
    /** The applying FSP organisation (users subgraph). */
    applicantId: uuid("applicant_id").notNull(),
    subjectType: text("subject_type").$type<QualificationSubjectType>().notNull(),
    /** An Organisation (users) or an Asset / MarketUnit (assets), checked on write. */
    subjectId: uuid("subject_id").notNull(),
    status: text().$type<QualificationApplicationStatus>().notNull().default("DRAFT"),
    submittedAt: timestamp("submitted_at", { withTimezone: true }),
    ...timestamps,
  },
  (t) => [index("qualification_applications_applicant_idx").on(t.applicantId)],
);

/** The products (at the requirement version in force when applying) an application is for. */
export const qualificationApplicationProducts = productsSchema.table(
  "qualification_application_products",
  {
    applicationId: uuid("application_id")
      .notNull()
      .references(() => qualificationApplications.id),
    productId: uuid("product_id")
      .notNull()
      .references(() => products.id),
    productVersion: integer("product_version").notNull(),
  },
  (t) => [primaryKey({ columns: [t.applicationId, t.productId] })],
);

/** One answer per (application, key): the key is a requirement's commonKey, or its id when it has none. */
export const qualificationAnswers = productsSchema.table(
  "qualification_answers",
  {
    id: uuid().primaryKey().defaultRandom(),
    applicationId: uuid("application_id")
      .notNull()
      .references(() => qualificationApplications.id),
    answerKey: text("answer_key").notNull(),
    /** A DATA_FIELD's value, as text checked against the value type. */
    value: text(),
    /** A document, test report or certificate reference. */
    evidenceRef: text("evidence_ref"),
    ...timestamps,
  },
  (t) => [uniqueIndex("qualification_answers_application_key_unique").on(t.applicationId, t.answerKey)],
);

/** Stored statuses of a per-product assessment; EXPIRED is read, not stored (QUALIFIED past validTo). */
export type QualificationStatus = "UNDER_ASSESSMENT" | "INFO_REQUESTED" | "QUALIFIED" | "FAILED" | "REASSESSMENT_REQUIRED" | "REVOKED";

/**
 * Domain §4.21: UNDER_ASSESSMENT ↔ INFO_REQUESTED → QUALIFIED / FAILED; QUALIFIED → REASSESSMENT_REQUIRED (the unit's
 * members changed) or REVOKED; a unit needing reassessment is assessed again. Renewing a QUALIFIED one is an update
 * of its validity, not a move.
 */
export const qualificationLifecycle = defineLifecycle<QualificationStatus>("QualificationAssessment", {
  UNDER_ASSESSMENT: ["INFO_REQUESTED", "QUALIFIED", "FAILED"],
  INFO_REQUESTED: ["UNDER_ASSESSMENT", "FAILED"],
  QUALIFIED: ["REASSESSMENT_REQUIRED", "REVOKED"],
  REASSESSMENT_REQUIRED: ["UNDER_ASSESSMENT", "INFO_REQUESTED", "QUALIFIED", "FAILED"],
  FAILED: [],
  REVOKED: [],
});

/** One product's assessment of a submitted application, by the product's system operator (owner at submission). */
export const qualificationAssessments = productsSchema.table(
  "qualification_assessments",
  {
    id: uuid().primaryKey().defaultRandom(),
    applicationId: uuid("application_id")
      .notNull()
      .references(() => qualificationApplications.id),
    productId: uuid("product_id")
      .notNull()
      .references(() => products.id),
    productVersion: integer("product_version").notNull(),
    /** The assessing system operator: the product's owner when the application was submitted. */
    soOrgId: uuid("so_org_id").notNull(),
    // The application's applicant and subject, copied so "is (subject, product) qualified" reads one table.
    applicantId: uuid("applicant_id").notNull(),
    subjectType: text("subject_type").$type<QualificationSubjectType>().notNull(),
    subjectId: uuid("subject_id").notNull(),
    status: text().$type<QualificationStatus>().notNull().default("UNDER_ASSESSMENT"),
    /** The question of INFO_REQUESTED, the reason of FAILED or REVOKED. */
    reason: text(),
    validFrom: timestamp("valid_from", { withTimezone: true }),
    validTo: timestamp("valid_to", { withTimezone: true }),
    assessedBy: uuid("assessed_by"),
    decidedAt: timestamp("decided_at", { withTimezone: true }),
    /** When and why it lost QUALIFIED because its market unit's members changed (the FSP and the SO both read it). */
    reassessmentRequiredAt: timestamp("reassessment_required_at", { withTimezone: true }),
    reassessmentReason: text("reassessment_reason"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("qualification_assessments_application_product_unique").on(t.applicationId, t.productId),
    index("qualification_assessments_so_idx").on(t.soOrgId, t.status),
    index("qualification_assessments_subject_idx").on(t.subjectId, t.productId),
  ],
);
