import { auditEventsTable, defineLifecycle } from "@sfe/kit";
import { sql } from "drizzle-orm";
import { bigint, doublePrecision, index, integer, jsonb, numeric, pgSchema, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

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
