import { auditEventsTable } from "@sfe/kit";
import { sql } from "drizzle-orm";
import { boolean, doublePrecision, index, pgSchema, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

export const assetsSchema = pgSchema("assets");

const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
};

export type AssetStatus = "DRAFT" | "PENDING_VALIDATION" | "REGISTERED" | "SUSPENDED" | "DEREGISTERED";

/** Elexon's draft FMAR asset categories; seeded by migration 0001_asset_categories. */
export const assetCategories = assetsSchema.table("asset_categories", {
  code: text().primaryKey(),
  label: text().notNull(),
  definition: text(),
  requiresEnergyCapacity: boolean("requires_energy_capacity").notNull().default(false),
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
    status: text().$type<AssetStatus>().notNull().default("REGISTERED"),
    ...timestamps,
  },
  (t) => [
    index("assets_owner_idx").on(t.ownerId),
    index("assets_category_idx").on(t.categoryCode),
    index("assets_name_idx").on(t.name),
    uniqueIndex("assets_meter_point_id_unique").on(t.meterPointId).where(sql`meter_point_id is not null`),
    uniqueIndex("assets_external_id_unique").on(t.externalId).where(sql`external_id is not null`),
  ],
);

export const auditEvents = auditEventsTable(assetsSchema);
