import { badInput, LICENCE_AREAS, type LicenceArea, quote, requireBounded, requireText } from "@sfe/kit";

export { LICENCE_AREAS, type LicenceArea } from "@sfe/kit";
import type { AssetStatus } from "../../db/schema.js";

const BY_DISTRIBUTOR = new Map(LICENCE_AREAS.map((area) => [area.distributorId, area]));
const BY_GSP_GROUP = new Map(LICENCE_AREAS.map((area) => [area.gspGroup, area]));

const MPAN_PRIMES = [3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43];

/** The 13th digit of an MPAN core: Σ(digit × prime) over the first 12 digits, mod 11, mod 10. */
export function mpanCheckDigit(first12: string): number {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (MPAN_PRIMES[i] ?? 0);
  return (sum % 11) % 10;
}

/** A valid MPAN core (spaces allowed in input, dropped), with the licence area its distributor id names. */
export function meterPointId(value: string, field = "meterPointId"): { mpan: string; area: LicenceArea } {
  const mpan = value.replace(/\s+/g, "");
  if (!/^\d{13}$/.test(mpan)) {
    throw badInput(
      `${field} must be a 13-digit MPAN core, got ${mpan.length} characters${/^\d*$/.test(mpan) ? "" : " (not all digits)"}`,
      field,
    );
  }
  const distributorId = Number(mpan.slice(0, 2));
  const area = BY_DISTRIBUTOR.get(distributorId);
  if (!area) throw badInput(`${field}: distributor id ${mpan.slice(0, 2)} (first two digits) must be between 10 and 23`, field);
  const expected = mpanCheckDigit(mpan.slice(0, 12));
  if (Number(mpan[12]) !== expected) {
    throw badInput(`${field}: check digit (13th digit) is ${mpan[12]}, expected ${expected}`, field);
  }
  return { mpan, area };
}

/** A GSP group `_A`…`_P` (also accepted: `A`, `_a`); null when absent or not a GB GSP group. */
export function normaliseGspGroup(value: string): string | null {
  const letter = value.trim().toUpperCase().replace(/^_/, "");
  const group = `_${letter}`;
  return BY_GSP_GROUP.has(group) ? group : null;
}

export function gspGroup(value: string, field = "gspGroup"): LicenceArea {
  const group = normaliseGspGroup(value);
  const area = group ? BY_GSP_GROUP.get(group) : undefined;
  if (!area) throw badInput(`${field} must be a GB GSP group (_A to _P, e.g. _C), got ${quote(value)}`, field);
  return area;
}

const POSTCODE = /^([A-Z]{1,2}\d[A-Z\d]?) ?(\d[A-Z]{2})$/;

/** A UK postcode (loosely checked), upper case with one space; null stays null. */
export function postcode(value: string | null | undefined, field = "postcode"): string | null {
  if (value === null || value === undefined) return null;
  const match = POSTCODE.exec(value.trim().toUpperCase());
  if (!match) throw badInput(`${field} must be a UK postcode such as NW3 6DS, got ${quote(value)}`, field);
  return `${match[1]} ${match[2]}`;
}

export interface Location {
  postcode: string | null;
  gspGroup: string | null;
  licenceArea: string | null;
  dnoGroup: string | null;
}

/** Location fields from the input: the MPAN decides the area; a GSP group given as well must agree with it. */
export function location(input: {
  postcode?: string | null;
  gspGroup?: string | null;
  meterPointId?: string | null;
}): Location & { meterPointId: string | null } {
  const fromMpan = input.meterPointId != null ? meterPointId(input.meterPointId) : null;
  const fromGsp = input.gspGroup != null ? gspGroup(input.gspGroup) : null;
  if (fromMpan && fromGsp && fromMpan.area.gspGroup !== fromGsp.gspGroup) {
    throw badInput(
      `gspGroup ${fromGsp.gspGroup} contradicts meterPointId, whose distributor id ${fromMpan.area.distributorId} is in ${fromMpan.area.gspGroup} (${fromMpan.area.licenceArea})`,
      "gspGroup",
    );
  }
  const area = fromMpan?.area ?? fromGsp;
  return {
    postcode: postcode(input.postcode),
    gspGroup: area?.gspGroup ?? null,
    licenceArea: area?.licenceArea ?? null,
    dnoGroup: area?.dnoGroup ?? null,
    meterPointId: fromMpan?.mpan ?? null,
  };
}

export const assetName = (value: string) => requireText(value, "name");

// ---- Physical bounds (stated in the schema) -------------------------------------------------------------
// Each number an asset states has one, so no value is absurd and no sum of them (market units, statistics)
// can overflow: 1e308 kW is accepted by GraphQL's Float, and two of them overflow SQL's double precision.

/** Import or export capacity of one asset, kW: 2 GW, above any single flexible asset's connection in GB. */
export const MAX_CAPACITY_KW = 2_000_000;
/** Energy capacity of one asset, kWh: 10 GWh, above GB's largest store (Dinorwig, about 9.1 GWh). */
export const MAX_ENERGY_KWH = 10_000_000;
/** Magnitude of a NUMBER or INTEGER attribute, and of a category attribute's minimum: 10⁹ whatever its unit. */
export const MAX_ATTRIBUTE_MAGNITUDE = 1_000_000_000;

/** An import or export capacity: 0 to 2,000,000 kW. */
export const capacity = (value: number, field: string) => requireBounded(value, field, MAX_CAPACITY_KW, "kW (2 GW)");

/** An optional energy capacity: null stays null, anything else 0 to 10,000,000 kWh. */
export const optionalCapacity = (value: number | null | undefined, field: string) =>
  value === null || value === undefined ? null : requireBounded(value, field, MAX_ENERGY_KWH, "kWh (10 GWh)");

/** Storage categories must state a positive energy capacity. */
export function requireEnergyCapacity(category: { code: string; requiresEnergyCapacity: boolean }, energyCapacityKwh: number | null): void {
  if (category.requiresEnergyCapacity && !(energyCapacityKwh !== null && energyCapacityKwh > 0)) {
    throw badInput(`energyCapacityKwh must be > 0 for a ${category.code} asset (storage)`, "energyCapacityKwh");
  }
}

export const externalId = (value: string | null | undefined) =>
  value === null || value === undefined ? null : requireText(value, "externalId");

// ---- Life cycle ----------------------------------------------------------------------------------------

/** A DEREGISTERED asset is kept for audit only: nothing changes it but a hub administrator's reinstatement. */
export function requireNotDeregisteredAsset(asset: { id: string; status: AssetStatus }, field: string): void {
  if (asset.status === "DEREGISTERED")
    throw badInput(`${field}: asset ${asset.id} is DEREGISTERED and can no longer change (a hub administrator may reinstate it)`, field);
}

/** updateAsset does not de-register: deregisterAsset does, after checking the asset's market units. */
export function requireUpdatableStatus(status: AssetStatus | null | undefined): void {
  if (status === "DEREGISTERED")
    throw badInput("status: use deregisterAsset to de-register an asset (it checks the asset's market units first)", "status");
}
