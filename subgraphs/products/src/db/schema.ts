import { auditEventsTable, defineLifecycle } from "@sfe/kit";
import { doublePrecision, index, integer, jsonb, pgSchema, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

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
