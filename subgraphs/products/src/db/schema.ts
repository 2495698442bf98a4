import { auditEventsTable, defineLifecycle, outboxTable } from "@sfe/kit";
import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  numeric,
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
/** Domain digest §3.3. */
export type NeedType =
  | "FREQUENCY_RESPONSE"
  | "RESERVE"
  | "CONSTRAINT_MANAGEMENT"
  | "ENERGY_BALANCING"
  | "MARGIN"
  | "VOLTAGE"
  | "STABILITY"
  | "SECURITY_OF_SUPPLY";
export type FaultTiming = "PRE_FAULT" | "POST_FAULT" | "SCHEDULED" | "RESTORATION";
export type DispatchMethod = "BOA" | "ASDP_API" | "OBP" | "PLATFORM_API" | "EMAIL" | "SCHEDULE_AT_AWARD" | "AUTONOMOUS_FREQUENCY";
export type PricingRule = "PAY_AS_CLEAR" | "PAY_AS_BID" | "FIXED_PRICE" | "CEILING_PRICE_PAY_AS_BID";
export type MeteringPoint = "BOUNDARY" | "ASSET";
export type AggregationScope = "NONE" | "WITHIN_CMZ" | "WITHIN_GSP_GROUP" | "NATIONAL";
export type ProcurementCadence = "YEAR_AHEAD" | "SEASON_AHEAD" | "MONTH_AHEAD" | "WEEK_AHEAD" | "DAY_AHEAD" | "WITHIN_DAY" | "REAL_TIME";
export type AvailabilityUnit = "GBP_PER_MW_PER_H" | "GBP_PER_KW_PER_YEAR";
export type UtilisationUnit = "GBP_PER_MWH";

/**
 * Which status a product version may become (domain digest: DRAFT → IN_CONSULTATION → PUBLISHED → SUSPENDED /
 * RETIRED). Who may make each move is access.ts's: the owning SO proposes (IN_CONSULTATION) and withdraws,
 * only a hub administrator publishes. Every change goes through the kit's guardedUpdate, checked with the
 * row locked; the status a version already has changes nothing. schema.graphql's ProductStatus quotes
 * this table (a test checks).
 */
export const productLifecycle = defineLifecycle<ProductStatus>("ProductVersion", {
  DRAFT: ["IN_CONSULTATION", "PUBLISHED"],
  IN_CONSULTATION: ["PUBLISHED", "DRAFT"],
  PUBLISHED: ["SUSPENDED", "RETIRED"],
  SUSPENDED: ["PUBLISHED", "RETIRED"],
  RETIRED: [],
});

/** Statuses of a version that was published: it is immutable (a change makes a new version). */
export const PUBLISHED_STATUSES: readonly ProductStatus[] = ["PUBLISHED", "SUSPENDED", "RETIRED"];

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

/** How and when a version is bought (domain §4.7 procurement), as stored in `procurement`. */
export interface Procurement {
  cadence: ProcurementCadence;
  /** Whole days between the gate and delivery (1 for day-ahead). */
  daysBeforeDelivery: number;
  /** Gate opening, gate closure and results, "HH:MM" Europe/London, or null. */
  gateOpensLocal: string | null;
  gateClosesLocal: string | null;
  resultsLocal: string | null;
  pricingRule: PricingRule;
  /** Decimal strings in pounds (money is never a float), in the version's pricing units; null: no ceiling. */
  availabilityCeilingGbp: string | null;
  utilisationCeilingGbp: string | null;
}

/** What a version's metering must be (domain §4.7 meteringRequirements), as stored in `metering`. */
export interface Metering {
  point: MeteringPoint;
  /** Seconds per reading, e.g. 1800 (half-hourly) or 1 (frequency response). */
  granularitySeconds: number;
  telemetryRequired: boolean;
}

/**
 * A product: what stays the same across its versions, i.e. who buys it and its code (unique per owner). Every
 * attribute a bid, a qualification or a settlement needs lives on its versions (product_versions).
 */
export const products = productsSchema.table(
  "products",
  {
    id: uuid().primaryKey().defaultRandom(),
    /** The buying System Operator: an Organisation in the users subgraph (checked on write, no foreign key). */
    ownerId: uuid("owner_id").notNull(),
    code: text().notNull(),
    /** The sub-market it is bought in, if one is recorded (sub_markets). */
    subMarketId: uuid("sub_market_id").references(() => subMarkets.id),
    ...timestamps,
  },
  (t) => [uniqueIndex("products_owner_code_unique").on(t.ownerId, t.code), index("products_owner_idx").on(t.ownerId)],
);

/**
 * One version of a product (domain §4.7, versioned; SO-authored, admin-governed). A version is editable while
 * DRAFT or IN_CONSULTATION; once published it is immutable, and a change makes the next version, which
 * `supersedes` it. A superseded version keeps its id and status (qualifications and contracts against it stay
 * valid until the SO suspends or retires it); `superseded_at` records when the next one was published.
 */
export const productVersions = productsSchema.table(
  "product_versions",
  {
    id: uuid().primaryKey().defaultRandom(),
    productId: uuid("product_id")
      .notNull()
      .references(() => products.id),
    /** 1, 2, … per product. */
    version: integer().notNull(),
    status: text().$type<ProductStatus>().notNull().default("DRAFT"),
    /** When the version applies from (null: from its publication). */
    effectiveFrom: timestamp("effective_from", { withTimezone: true }),
    supersedesId: uuid("supersedes_id").references((): AnyPgColumn => productVersions.id),
    publishedAt: timestamp("published_at", { withTimezone: true }),
    supersededAt: timestamp("superseded_at", { withTimezone: true }),
    name: text().notNull(),
    needType: text("need_type").$type<NeedType>(),
    faultTiming: text("fault_timing").$type<FaultTiming>(),
    serviceType: text("service_type").$type<ServiceType>().notNull(),
    directions: text().array().$type<Direction[]>().notNull(),
    minimumCapacityKw: doublePrecision("minimum_capacity_kw").notNull(),
    maximumCapacityKw: doublePrecision("maximum_capacity_kw"),
    /** Time to full delivery. */
    responseTimeSeconds: doublePrecision("response_time_seconds"),
    /** How long delivery must be sustained. */
    durationMinutes: integer("duration_minutes"),
    /** How long before delivery an instruction (or availability confirmation) is given. */
    noticeMinutes: integer("notice_minutes"),
    aggregationScope: text("aggregation_scope").$type<AggregationScope>(),
    /** CMZ codes of the owner, GSP groups (_A … _P), or GB (national). */
    locations: text().array().$type<string[]>().notNull().default([]),
    serviceWindows: jsonb("service_windows").$type<ServiceWindow[]>().notNull().default([]),
    /** EFA blocks 1–6 (four hours each from 23:00) the version is bought in; [] when not bought by EFA block. */
    efaBlocks: integer("efa_blocks").array().$type<number[]>().notNull().default([]),
    procurement: jsonb().$type<Procurement>(),
    availabilityUnit: text("availability_unit").$type<AvailabilityUnit>(),
    utilisationUnit: text("utilisation_unit").$type<UtilisationUnit>(),
    metering: jsonb().$type<Metering>(),
    baselineMethods: text("baseline_methods").array().$type<string[]>().notNull().default([]),
    stackingRulesRef: text("stacking_rules_ref"),
    eligibleTechnologies: text("eligible_technologies").array().$type<string[]>().notNull().default([]),
    agreementVersion: text("agreement_version"),
    dispatchMethod: text("dispatch_method").$type<DispatchMethod>(),
    ...timestamps,
  },
  (t) => [uniqueIndex("product_versions_product_version_unique").on(t.productId, t.version)],
);

/**
 * A sub-market (domain §4.7, toolkit E.1 "sub-market definition record"): who operates and who procures it,
 * its need, geography, objective, rule documents and timing, e.g. "DSO Local Constraint Market – UKPN".
 */
export const subMarkets = productsSchema.table(
  "sub_markets",
  {
    id: uuid().primaryKey().defaultRandom(),
    name: text().notNull(),
    /** The system operator that runs it (Organisation of the users subgraph, checked on write). */
    operatorId: uuid("operator_id").notNull(),
    /** Who buys in it (usually the operator). */
    procurerId: uuid("procurer_id").notNull(),
    needType: text("need_type").$type<NeedType>().notNull(),
    /** GB (national), GSP groups or CMZ codes of the operator. */
    geography: text().array().$type<string[]>().notNull(),
    objective: text(),
    ruleDocumentRefs: text("rule_document_refs").array().$type<string[]>().notNull().default([]),
    timingProfile: text("timing_profile"),
    ...timestamps,
  },
  (t) => [uniqueIndex("sub_markets_operator_name_unique").on(t.operatorId, t.name)],
);

/** A market test (UC13) of one product version while it is IN_CONSULTATION: open until `closes_at`. */
export const consultations = productsSchema.table("consultations", {
  id: uuid().primaryKey().defaultRandom(),
  productVersionId: uuid("product_version_id")
    .notNull()
    .unique("consultations_product_version_unique")
    .references(() => productVersions.id),
  closesAt: timestamp("closes_at", { withTimezone: true }).notNull(),
  /** The SO's summary of the responses, once it publishes one. */
  summary: text(),
  summaryPublishedAt: timestamp("summary_published_at", { withTimezone: true }),
  ...timestamps,
});

/** One answer about one attribute of the version (stored in feedback `answers`). */
export interface FeedbackAnswer {
  /** A ProductVersion attribute name, e.g. minimumCapacityKw. */
  attribute: string;
  verdict: "AGREE" | "CHANGE";
  suggestedValue: string | null;
  comment: string | null;
}

/** An organisation's response to a consultation (domain §4.17): one per organisation, replaced until closing. */
export const productFeedback = productsSchema.table(
  "product_feedback",
  {
    id: uuid().primaryKey().defaultRandom(),
    consultationId: uuid("consultation_id")
      .notNull()
      .references(() => consultations.id),
    authorOrgId: uuid("author_org_id").notNull(),
    authorUserId: uuid("author_user_id"),
    answers: jsonb().$type<FeedbackAnswer[]>().notNull(),
    wouldParticipate: boolean("would_participate"),
    indicativeMw: doublePrecision("indicative_mw"),
    comment: text(),
    ...timestamps,
  },
  (t) => [uniqueIndex("product_feedback_consultation_author_unique").on(t.consultationId, t.authorOrgId)],
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

// ---- Contracts (UC14, domain §4.9): templates per product, agreements issued from them, call-offs per award ----

/** One numbered section of an agreement's text. */
export interface ContractClause {
  number: string;
  heading: string;
  text: string;
}

export type ContractType = "OVERARCHING_AGREEMENT" | "CALL_OFF";
export type ContractStatus = "DRAFT" | "ISSUED" | "SIGNED" | "ACTIVE" | "TERMINATED" | "EXPIRED";
/** The two sides of a contract: the buying system operator (company) and the flexibility service provider. */
export type ContractSide = "SO" | "FSP";

/** A signature, kept on the contract row so that signing is one guarded (row-locked, audited) update. */
export interface ContractSignature {
  side: ContractSide;
  userId: string;
  /** The signer's name as it was when they signed: what the document shows. */
  userName: string;
  organisationId: string;
  signedAt: string;
}

/** A variation of a clause (domain §4.9, §11): who initiated it, and when the MF and all signatories were told. */
export interface ContractVariation {
  id: string;
  clause: string;
  text: string;
  initiatedBy: ContractSide;
  initiatedByUserId: string | null;
  initiatedByUserName: string;
  createdAt: string;
  reportedToMfAt: string | null;
  sharedWithAllAt: string | null;
}

/**
 * DRAFT → ISSUED (the SO issues) → SIGNED (both sides have signed) → ACTIVE (the SO activates) →
 * TERMINATED / EXPIRED. An issued or signed contract may also be terminated before it is active.
 * Who may make which move is the contracts module's policy.ts.
 */
export const contractLifecycle = defineLifecycle<ContractStatus>("Contract", {
  DRAFT: ["ISSUED"],
  ISSUED: ["SIGNED", "TERMINATED"],
  SIGNED: ["ACTIVE", "TERMINATED"],
  ACTIVE: ["TERMINATED", "EXPIRED"],
  TERMINATED: [],
  EXPIRED: [],
});

/** The statuses in which an overarching agreement stands (a provider gets no second one then). */
export const STANDING_CONTRACT_STATUSES: readonly ContractStatus[] = ["DRAFT", "ISSUED", "SIGNED", "ACTIVE"];

const agreementText = {
  /** e.g. ENA-SA-3.0 */
  agreementVersion: text("agreement_version").notNull(),
  serviceTermsRef: text("service_terms_ref").notNull(),
  procurementRulesRef: text("procurement_rules_ref").notNull(),
  referencedRules: text("referenced_rules").array().$type<string[]>().notNull().default([]),
  /** Exact money: whole pence (a cap of £10m is 1,000,000,000 pence, beyond a 32-bit integer). */
  liabilityCapPence: bigint("liability_cap_pence", { mode: "number" }).notNull(),
  clauses: jsonb().$type<ContractClause[]>().notNull(),
  /** The fields each call-off (contract award notification) carries. */
  callOffFields: text("call_off_fields").array().$type<string[]>().notNull(),
};

/**
 * An SO's contract template for one of its products (ENA Standard Agreement shape). Each change bumps
 * `version`; a contract copies the text it was issued from, so a later change never alters it.
 */
export const contractTemplates = productsSchema.table(
  "contract_templates",
  {
    id: uuid().primaryKey().defaultRandom(),
    productId: uuid("product_id")
      .notNull()
      .references(() => products.id),
    /** The product's owner (a system operator) when the template was made. */
    ownerId: uuid("owner_id").notNull(),
    version: integer().notNull().default(1),
    ...agreementText,
    ...timestamps,
  },
  (t) => [uniqueIndex("contract_templates_product_unique").on(t.productId), index("contract_templates_owner_idx").on(t.ownerId)],
);

export const contracts = productsSchema.table(
  "contracts",
  {
    id: uuid().primaryKey().defaultRandom(),
    type: text().$type<ContractType>().notNull().default("OVERARCHING_AGREEMENT"),
    /** The buying system operator (an Organisation of the users subgraph). */
    companyId: uuid("company_id").notNull(),
    /** The flexibility service provider (an Organisation of the users subgraph). */
    providerId: uuid("provider_id").notNull(),
    productId: uuid("product_id")
      .notNull()
      .references(() => products.id),
    templateId: uuid("template_id")
      .notNull()
      .references(() => contractTemplates.id),
    templateVersion: integer("template_version").notNull(),
    /** The qualification (pre-qualification outcome) the contract was issued on, if any. */
    qualificationId: uuid("qualification_id"),
    status: text().$type<ContractStatus>().notNull().default("DRAFT"),
    ...agreementText,
    startsAt: timestamp("starts_at", { withTimezone: true }),
    endsAt: timestamp("ends_at", { withTimezone: true }),
    signatures: jsonb().$type<ContractSignature[]>().notNull().default([]),
    variations: jsonb().$type<ContractVariation[]>().notNull().default([]),
    ...timestamps,
  },
  (t) => [
    // One standing overarching agreement per SO, product and provider: issuing on qualification is idempotent.
    uniqueIndex("contracts_standing_agreement_unique")
      .on(t.companyId, t.productId, t.providerId)
      .where(sql`${t.type} = 'OVERARCHING_AGREEMENT' and ${t.status} in ('DRAFT', 'ISSUED', 'SIGNED', 'ACTIVE')`),
    index("contracts_company_idx").on(t.companyId),
    index("contracts_provider_idx").on(t.providerId),
  ],
);

/** A call-off (contract award notification) under an agreement: one per award of the transactions subgraph. */
export const contractCallOffs = productsSchema.table(
  "contract_call_offs",
  {
    id: uuid().primaryKey().defaultRandom(),
    contractId: uuid("contract_id")
      .notNull()
      .references(() => contracts.id),
    /** An Award of the transactions subgraph (checked on write, no foreign key). */
    awardId: uuid("award_id").notNull(),
    contractedMw: doublePrecision("contracted_mw").notNull(),
    /** £/MW/h and £/MWh as exact decimals, as the award has them. */
    availabilityPriceGbpPerMwH: numeric("availability_price_gbp_per_mw_h", { precision: 12, scale: 4, mode: "string" }),
    utilisationPriceGbpPerMwh: numeric("utilisation_price_gbp_per_mwh", { precision: 12, scale: 4, mode: "string" }),
    serviceWindows: jsonb("service_windows").$type<ServiceWindow[]>().notNull().default([]),
    baselineMethod: text("baseline_method"),
    meteringPoint: text("metering_point"),
    start: timestamp({ withTimezone: true }).notNull(),
    end: timestamp({ withTimezone: true }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("contract_call_offs_award_unique").on(t.awardId), index("contract_call_offs_contract_idx").on(t.contractId)],
);

export const auditEvents = auditEventsTable(productsSchema);
/** Events its writes cause, recorded in the same transaction (kit outbox.ts) and relayed to the rules subgraph. */
export const outboxEvents = outboxTable(productsSchema);

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
 * What a product version asks of an applicant (domain §4.8), declared while the version is a draft (a published
 * version is immutable); `common_key` lets one answer serve every product that asks for it.
 */
export const prequalificationRequirements = productsSchema.table(
  "prequalification_requirements",
  {
    id: uuid().primaryKey().defaultRandom(),
    productId: uuid("product_id")
      .notNull()
      .references(() => products.id),
    /** The version that asks it: requirements change with the product's versions, as its other terms do. */
    productVersionId: uuid("product_version_id")
      .notNull()
      .references(() => productVersions.id),
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
    index("prequalification_requirements_version_idx").on(t.productVersionId),
    uniqueIndex("prequalification_requirements_common_key_unique").on(t.productVersionId, t.commonKey),
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

/** The products an application is for, each at the version in force when applying. */
export const qualificationApplicationProducts = productsSchema.table(
  "qualification_application_products",
  {
    applicationId: uuid("application_id")
      .notNull()
      .references(() => qualificationApplications.id),
    productId: uuid("product_id")
      .notNull()
      .references(() => products.id),
    productVersionId: uuid("product_version_id")
      .notNull()
      .references(() => productVersions.id),
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
    productVersionId: uuid("product_version_id")
      .notNull()
      .references(() => productVersions.id),
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

// ------------------------------------------------------------------------------------------ SO product APIs

/**
 * A product an SO publishes through its own product API (AO.UC4 option 2b), resolved on demand: only which
 * external id the hub has seen from which configured API, and the hub id it answers to (so `Product.id` is
 * stable and federation references by id work). Everything else about the product stays in the API.
 */
export const externalProducts = productsSchema.table(
  "external_products",
  {
    id: uuid().primaryKey().defaultRandom(),
    /** The configured API's name (SO_PRODUCT_APIS), e.g. neso-products. */
    api: text().notNull(),
    externalId: text("external_id").notNull(),
    /** The SO publishing it: an Organisation in the users subgraph (configured, no foreign key). */
    operatorId: uuid("operator_id").notNull(),
    /** When the hub first saw it. */
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("external_products_api_external_id_unique").on(t.api, t.externalId)],
);
