/**
 * The Central Asset Register's REST contract (CONTRACT.md), as types. The assets subgraph's client
 * declares the same shape itself (a subgraph never imports a registry); its tests check the two agree.
 */

/** Elexon's draft FMAR `AssetCategory` codes (elexon-fmar-code-catalogue.csv). */
export const ASSET_CATEGORIES = [
  "BESS",
  "SOLAR_PV",
  "WIND_TURBINE",
  "EV_CHARGER",
  "HEAT_PUMP",
  "ELECTRIC_BOILER",
  "HVAC",
  "REFRIGERATION",
  "INDUSTRIAL_LOAD",
  "CHP",
  "OTHER",
] as const;
export type AssetCategoryCode = (typeof ASSET_CATEGORIES)[number];

export const COMMISSIONING_STATUSES = ["COMMISSIONING", "COMMISSIONED", "DECOMMISSIONED"] as const;
export type CommissioningStatus = (typeof COMMISSIONING_STATUSES)[number];

/** One asset of record. Capacities in kW / kWh with at most 2 decimals (Elexon: Decimal (2dp)). */
export interface CarAsset {
  /** The register's immutable id, `CAR-` and six digits. */
  carId: string;
  /** The asset's import MPAN core: 13 digits, distributor id 10–23, valid check digit. */
  meterPointId: string;
  /** Elexon `AssetCategory` code. */
  technology: AssetCategoryCode;
  /** Capacity of record (Elexon `RatedCapacity`): the larger of import and export. */
  ratedCapacityKw: number;
  /** Maximum import (Elexon `DemandCapacity`). */
  ratedImportKw: number;
  /** Maximum export (Elexon `GenCapacity`). */
  ratedExportKw: number;
  /** Storage only; null for anything that stores no energy. */
  energyCapacityKwh: number | null;
  /** YYYY-MM-DD (Elexon `CommissioningDate`). */
  connectionDate: string;
  installer: string;
  commissioningStatus: CommissioningStatus;
  /** Elexon `DNOCode`, e.g. `UKPN_LPN`. */
  dnoCode: string;
  postcode: string;
  /** ISO 8601 UTC. */
  updatedAt: string;
}

/** At most this many ids (or MPAN cores) in one batch request; more answers 400. */
export const MAX_BATCH = 100;
