import { auditEventsTable, defineLifecycle, outboxTable } from "@sfe/kit";
import { sql } from "drizzle-orm";
import { boolean, check, doublePrecision, index, integer, jsonb, pgSchema, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

export const assetsSchema = pgSchema("assets");

const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
};

export type AssetStatus = "DRAFT" | "PENDING_VALIDATION" | "REGISTERED" | "SUSPENDED" | "DEREGISTERED";

// Lifecycles as data: which status each may become. Every status change goes through the kit's guardedUpdate,
// which checks it against these with the row locked (CONFLICT naming both statuses otherwise). A mutation may
// allow fewer moves than its table (updateAsset never de-registers; reinstateAsset only reinstates).

/**
 * updateAsset moves a live asset between the live statuses freely; deregisterAsset retires it from any of them
 * (checking its market units and transfers first); only a hub administrator's reinstatement brings a
 * DEREGISTERED asset back, as REGISTERED.
 */
export const assetLifecycle = defineLifecycle<AssetStatus>("Asset", {
  DRAFT: ["PENDING_VALIDATION", "REGISTERED", "SUSPENDED", "DEREGISTERED"],
  PENDING_VALIDATION: ["DRAFT", "REGISTERED", "SUSPENDED", "DEREGISTERED"],
  REGISTERED: ["DRAFT", "PENDING_VALIDATION", "SUSPENDED", "DEREGISTERED"],
  SUSPENDED: ["DRAFT", "PENDING_VALIDATION", "REGISTERED", "DEREGISTERED"],
  DEREGISTERED: ["REGISTERED"],
});

export type AttributeType = "NUMBER" | "INTEGER" | "TEXT" | "BOOLEAN";

/** One attribute the assets of a category state, as stored in `asset_categories.attributes`. */
export interface StoredAttribute {
  /** camelCase, unique within the category: the key in `assets.attributes`. */
  key: string;
  label: string;
  type: AttributeType;
  unit: string | null;
  required: boolean;
  /** Only for NUMBER and INTEGER. */
  minimum: number | null;
  /** The category version in which this attribute's rule (its existence, type, required, minimum) last changed. */
  since: number;
}

/**
 * Elexon's draft FMAR asset categories (seeded by migration 0001_asset_categories) and any a hub
 * administrator adds: the taxonomy. `version` goes up by one on every change.
 */
export const assetCategories = assetsSchema.table("asset_categories", {
  code: text().primaryKey(),
  label: text().notNull(),
  definition: text(),
  requiresEnergyCapacity: boolean("requires_energy_capacity").notNull().default(false),
  attributes: jsonb().$type<StoredAttribute[]>().notNull().default([]),
  version: integer().notNull().default(1),
});

export const assets = assetsSchema.table(
  "assets",
  {
    id: uuid().primaryKey().defaultRandom(),
    /** An Organisation owned by the users subgraph (checked over federation, so no foreign key). */
    ownerId: uuid("owner_id").notNull(),
    name: text().notNull(),
    categoryCode: text("category_code")
      .notNull()
      .references(() => assetCategories.code),
    importCapacityKw: doublePrecision("import_capacity_kw").notNull(),
    exportCapacityKw: doublePrecision("export_capacity_kw").notNull(),
    energyCapacityKwh: doublePrecision("energy_capacity_kwh"),
    postcode: text(),
    gspGroup: text("gsp_group"),
    licenceArea: text("licence_area"),
    dnoGroup: text("dno_group"),
    meterPointId: text("meter_point_id"),
    externalId: text("external_id"),
    /** The asset's id in the Central Asset Register; the fields the CAR owns are resolved from it, never copied. */
    carId: text("car_id"),
    status: text().$type<AssetStatus>().notNull().default("REGISTERED"),
    /** The category's attributes (key → value), checked against the category when written. */
    attributes: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    ...timestamps,
  },
  (t) => [
    index("assets_owner_idx").on(t.ownerId),
    index("assets_category_idx").on(t.categoryCode),
    index("assets_name_idx").on(t.name),
    uniqueIndex("assets_meter_point_id_unique").on(t.meterPointId).where(sql`meter_point_id is not null`),
    uniqueIndex("assets_external_id_unique").on(t.externalId).where(sql`external_id is not null`),
    uniqueIndex("assets_car_id_unique").on(t.carId).where(sql`car_id is not null`),
  ],
);

/** SPU: the assets behind a single accounting point; SPG: a group spanning more than one. */
export type MarketUnitType = "SPU" | "SPG";
export type MarketUnitStatus = "DRAFT" | "ACTIVE" | "REASSESSMENT_REQUIRED" | "SUSPENDED" | "DEREGISTERED";

/**
 * Nothing returns to DRAFT, and DEREGISTERED is final. A change of the members of an ACTIVE unit makes it
 * REASSESSMENT_REQUIRED (market-units' repository).
 */
export const marketUnitLifecycle = defineLifecycle<MarketUnitStatus>("MarketUnit", {
  DRAFT: ["ACTIVE", "DEREGISTERED"],
  ACTIVE: ["REASSESSMENT_REQUIRED", "SUSPENDED", "DEREGISTERED"],
  REASSESSMENT_REQUIRED: ["ACTIVE", "SUSPENDED", "DEREGISTERED"],
  SUSPENDED: ["ACTIVE", "DEREGISTERED"],
  DEREGISTERED: [],
});

/** What an FSP bids and is dispatched with: a group of its assets (domain digest §4.6). */
export const marketUnits = assetsSchema.table(
  "market_units",
  {
    id: uuid().primaryKey().defaultRandom(),
    /** The FSP organisation (users subgraph); every member asset is this organisation's. */
    ownerId: uuid("owner_id").notNull(),
    name: text().notNull(),
    unitType: text("unit_type").$type<MarketUnitType>().notNull(),
    status: text().$type<MarketUnitStatus>().notNull().default("DRAFT"),
    ...timestamps,
  },
  (t) => [index("market_units_owner_idx").on(t.ownerId, t.name)],
);

/**
 * Which assets are in which unit, with history: removing a member sets `removed_at`; the current members
 * are the rows where it is null (at most one such row per unit and asset).
 */
export const marketUnitMembers = assetsSchema.table(
  "market_unit_members",
  {
    id: uuid().primaryKey().defaultRandom(),
    unitId: uuid("unit_id")
      .notNull()
      .references(() => marketUnits.id),
    assetId: uuid("asset_id")
      .notNull()
      .references(() => assets.id),
    addedAt: timestamp("added_at", { withTimezone: true }).notNull().defaultNow(),
    removedAt: timestamp("removed_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("market_unit_members_current_unique").on(t.unitId, t.assetId).where(sql`removed_at is null`),
    index("market_unit_members_asset_idx").on(t.assetId).where(sql`removed_at is null`),
    index("market_unit_members_unit_idx").on(t.unitId),
    check("market_unit_members_removed_after_added", sql`removed_at is null or removed_at >= added_at`),
  ],
);

/** Where a transfer of an asset to another organisation stands: PENDING until the receiver decides or the sender cancels. */
export type TransferStatus = "PENDING" | "ACCEPTED" | "DECLINED" | "CANCELLED";

/** The receiver accepts or declines, or the sender cancels: each decision is final. */
export const transferLifecycle = defineLifecycle<TransferStatus>("AssetTransfer", {
  PENDING: ["ACCEPTED", "DECLINED", "CANCELLED"],
  ACCEPTED: [],
  DECLINED: [],
  CANCELLED: [],
});

/**
 * Transfers of assets between organisations (FSPs). The current owner's request is its consent; the receiving
 * organisation accepts (the asset changes owner) or declines, or the sender cancels. At most one PENDING transfer
 * per asset; decided transfers stay as the asset's history.
 */
export const assetTransfers = assetsSchema.table(
  "asset_transfers",
  {
    id: uuid().primaryKey().defaultRandom(),
    assetId: uuid("asset_id")
      .notNull()
      .references(() => assets.id),
    /** The owner when the transfer was requested (an Organisation of the users subgraph). */
    fromOrganisationId: uuid("from_organisation_id").notNull(),
    /** The receiving organisation (users subgraph, checked over federation). */
    toOrganisationId: uuid("to_organisation_id").notNull(),
    status: text().$type<TransferStatus>().notNull().default("PENDING"),
    /** The person who requested it (null for an API key; the audit trail names the organisation). */
    requestedBy: uuid("requested_by"),
    requestedAt: timestamp("requested_at", { withTimezone: true }).notNull().defaultNow(),
    decidedAt: timestamp("decided_at", { withTimezone: true }),
    decidedBy: uuid("decided_by"),
    note: text(),
  },
  (t) => [
    uniqueIndex("asset_transfers_pending_unique").on(t.assetId).where(sql`status = 'PENDING'`),
    index("asset_transfers_asset_idx").on(t.assetId),
    index("asset_transfers_from_idx").on(t.fromOrganisationId, t.requestedAt),
    index("asset_transfers_to_idx").on(t.toOrganisationId, t.requestedAt),
    check("asset_transfers_status_known", sql`status in ('PENDING', 'ACCEPTED', 'DECLINED', 'CANCELLED')`),
    check("asset_transfers_parties_differ", sql`from_organisation_id <> to_organisation_id`),
    check("asset_transfers_decided_when_not_pending", sql`(status = 'PENDING') = (decided_at is null)`),
  ],
);

export const auditEvents = auditEventsTable(assetsSchema);

/** Events its writes cause (a market rule's RULE_WARNING), recorded in the write's transaction, relayed to rules (kit outbox.ts). */
export const outboxEvents = outboxTable(assetsSchema);
