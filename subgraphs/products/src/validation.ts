import { badInput, grouped, quote, requireBounded, requireNonEmpty, requireText } from "@sfe/kit";
import type {
  AggregationScope,
  AvailabilityUnit,
  Direction,
  DispatchMethod,
  FaultTiming,
  Metering,
  NeedType,
  Procurement,
  ProductStatus,
  ServiceType,
  ServiceWindow,
  UtilisationUnit,
} from "./db/schema.js";
import { normaliseGspGroup, zoneCode } from "./modules/zones/validation.js";
import type { VersionAttributes } from "./repositories/products.js";

/** What a client sends for a window (GraphQL `ServiceWindowInput`). */
export interface ServiceWindowInput {
  daysOfWeek: readonly number[];
  startLocal: string;
  endLocal: string;
  seasonStart?: string | null;
  seasonEnd?: string | null;
}

const PRODUCT_CODE = /^[A-Z0-9][A-Z0-9_-]{0,31}$/;
const TECHNOLOGY = /^[A-Z][A-Z0-9_]*$/;
const LOCAL_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Trimmed and upper-cased, e.g. " dcl " → "DCL". */
export function productCode(value: string): string {
  const code = value.trim().toUpperCase();
  if (!PRODUCT_CODE.test(code)) {
    throw badInput("code must be 1–32 upper-case letters, digits, '-' or '_', starting with a letter or digit (e.g. DCL, SAOU)", "code");
  }
  return code;
}

export const productName = (value: string) => requireText(value, "name");

// ---- Physical bounds (stated in schema.graphql) ---------------------------------------------------------

/** A product's minimum capacity, kW: 2 GW, the largest single asset the hub registers. */
export const MAX_MINIMUM_CAPACITY_KW = 2_000_000;
/** Time to full delivery, s: a day; flexibility products answer in seconds to hours. */
export const MAX_RESPONSE_TIME_SECONDS = 86_400;
/** How long delivery is sustained, min: a day. */
export const MAX_DURATION_MINUTES = 1_440;

export const minimumCapacityKw = (value: number) => requireBounded(value, "minimumCapacityKw", MAX_MINIMUM_CAPACITY_KW, "kW (2 GW)");

export function responseTimeSeconds(value: number | null | undefined): number | null {
  return value == null ? null : requireBounded(value, "responseTimeSeconds", MAX_RESPONSE_TIME_SECONDS, "seconds (a day)");
}

export function durationMinutes(value: number | null | undefined): number | null {
  if (value == null) return null;
  if (!Number.isInteger(value) || value <= 0 || value > MAX_DURATION_MINUTES) {
    throw badInput(
      `durationMinutes must be a whole number of minutes > 0 and ≤ ${grouped(MAX_DURATION_MINUTES)} (a day)`,
      "durationMinutes",
    );
  }
  return value;
}

export const directions = (values: readonly Direction[]): Direction[] => [...new Set(requireNonEmpty(values, "directions"))];

/** Asset category codes (BESS, EV_CHARGER, …), trimmed and de-duplicated; an empty list means any technology. */
export function eligibleTechnologies(values: readonly string[] | null | undefined): string[] {
  const codes = (values ?? []).map((value) => value.trim());
  for (const code of codes) {
    if (!TECHNOLOGY.test(code)) {
      throw badInput(`eligibleTechnologies: ${quote(code)} is not an asset category code (e.g. BESS, EV_CHARGER)`, "eligibleTechnologies");
    }
  }
  return [...new Set(codes)];
}

/** Zone, CMZ or GSP group names, trimmed and de-duplicated. */
export function locations(values: readonly string[] | null | undefined): string[] {
  return [...new Set((values ?? []).map((value) => requireText(value, "locations")))];
}

export function serviceWindows(values: readonly ServiceWindowInput[] | null | undefined): ServiceWindow[] {
  return (values ?? []).map((window, i) => serviceWindow(window, `serviceWindows[${i}]`));
}

function serviceWindow(input: ServiceWindowInput, field: string): ServiceWindow {
  const days = requireNonEmpty(input.daysOfWeek, `${field}.daysOfWeek`);
  for (const day of days) {
    if (!Number.isInteger(day) || day < 1 || day > 7) {
      throw badInput(`${field}.daysOfWeek must hold days 1 (Monday) to 7 (Sunday), got ${day}`, `${field}.daysOfWeek`);
    }
  }
  const startLocal = input.startLocal.trim();
  if (!LOCAL_TIME.test(startLocal)) throw badInput(`${field}.startLocal must be a time HH:MM from 00:00 to 23:59`, `${field}.startLocal`);
  const endLocal = input.endLocal.trim();
  if (!LOCAL_TIME.test(endLocal) && endLocal !== "24:00") {
    throw badInput(`${field}.endLocal must be a time HH:MM from 00:00 to 24:00`, `${field}.endLocal`);
  }
  // Zero-padded HH:MM strings order like the times they name.
  if (!(startLocal < endLocal)) throw badInput(`${field}.endLocal must be after startLocal (${startLocal})`, `${field}.endLocal`);
  const seasonStart = date(input.seasonStart, `${field}.seasonStart`);
  const seasonEnd = date(input.seasonEnd, `${field}.seasonEnd`);
  if (seasonStart && seasonEnd && seasonStart > seasonEnd) {
    throw badInput(`${field}.seasonEnd must not be before seasonStart (${seasonStart})`, `${field}.seasonEnd`);
  }
  return { daysOfWeek: [...new Set(days)].sort((a, b) => a - b), startLocal, endLocal, seasonStart, seasonEnd };
}

/** A real calendar date written YYYY-MM-DD, or null. */
function date(value: string | null | undefined, field: string): string | null {
  if (value == null) return null;
  const text = value.trim();
  const match = DATE.exec(text);
  const [year, month, day] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
  const parsed = new Date(Date.UTC(year, month - 1, day));
  if (!match || parsed.getUTCFullYear() !== year || parsed.getUTCMonth() !== month - 1 || parsed.getUTCDate() !== day) {
    throw badInput(`${field} must be a date YYYY-MM-DD, got ${quote(value)}`, field);
  }
  return text;
}

/** Statuses a product may be created in (suspended or retired needs a product that was published). */
const INITIAL_STATUSES: readonly ProductStatus[] = ["DRAFT", "IN_CONSULTATION", "PUBLISHED"];

export function initialStatus(value: ProductStatus | null | undefined): ProductStatus {
  const status = value ?? "DRAFT";
  if (!INITIAL_STATUSES.includes(status)) {
    throw badInput(`A new product's status must be one of ${INITIAL_STATUSES.join(", ")}, not ${status}`, "status");
  }
  return status;
}

// ---- Version attributes beyond the catalogue's first fields (domain §4.7) ---------------------------------

/** Notice before delivery, min: a year (Scheduled Utilisation is bought up to a year ahead). */
export const MAX_NOTICE_MINUTES = 525_600;
/** Days from the gate to delivery: four years (the Capacity Market's T-4). */
export const MAX_DAYS_BEFORE_DELIVERY = 1_461;
/** A price ceiling, £ per unit: well above the highest GB flexibility prices seen (UKPN peak events, ~£40k/MWh). */
export const MAX_CEILING_GBP = 100_000;
/** A metering granularity, s: an hour. */
export const MAX_GRANULARITY_SECONDS = 3_600;

const GBP = /^\d{1,6}(\.\d{1,2})?$/;
const REFERENCE = 200;

function wholeNumber(value: number, field: string, max: number, unit: string, min = 0): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw badInput(`${field} must be a whole number from ${grouped(min)} to ${grouped(max)} ${unit}`, field);
  }
  return value;
}

export function maximumCapacityKw(value: number | null | undefined): number | null {
  return value == null ? null : requireBounded(value, "maximumCapacityKw", MAX_MINIMUM_CAPACITY_KW, "kW (2 GW)");
}

export const noticeMinutes = (value: number | null | undefined): number | null =>
  value == null ? null : wholeNumber(value, "noticeMinutes", MAX_NOTICE_MINUTES, "minutes (a year)");

/** EFA blocks 1–6, de-duplicated and sorted. */
export function efaBlocks(values: readonly number[] | null | undefined): number[] {
  const blocks = (values ?? []).map((block) => wholeNumber(block, "efaBlocks", 6, "(EFA blocks 1 to 6)", 1));
  return [...new Set(blocks)].sort((a, b) => a - b);
}

/** A decimal amount of pounds, normalised to two places ("500" → "500.00"). */
function gbp(value: string | null | undefined, field: string): string | null {
  if (value == null) return null;
  const text = value.trim();
  if (!GBP.test(text) || Number(text) > MAX_CEILING_GBP) {
    throw badInput(
      `${field} must be a decimal amount of pounds ≥ 0 and ≤ ${grouped(MAX_CEILING_GBP)}, at most 2 decimal places, got ${quote(value)}`,
      field,
    );
  }
  return Number(text).toFixed(2);
}

function localTime(value: string | null | undefined, field: string): string | null {
  if (value == null) return null;
  const text = value.trim();
  if (!LOCAL_TIME.test(text)) throw badInput(`${field} must be a time HH:MM from 00:00 to 23:59`, field);
  return text;
}

export interface ProcurementInput {
  cadence: Procurement["cadence"];
  daysBeforeDelivery: number;
  gateOpensLocal?: string | null;
  gateClosesLocal?: string | null;
  resultsLocal?: string | null;
  pricingRule: Procurement["pricingRule"];
  availabilityCeilingGbp?: string | null;
  utilisationCeilingGbp?: string | null;
}

export function procurement(input: ProcurementInput | null | undefined): Procurement | null {
  if (input == null) return null;
  return {
    cadence: input.cadence,
    daysBeforeDelivery: wholeNumber(input.daysBeforeDelivery, "procurement.daysBeforeDelivery", MAX_DAYS_BEFORE_DELIVERY, "days (T-4)"),
    gateOpensLocal: localTime(input.gateOpensLocal, "procurement.gateOpensLocal"),
    gateClosesLocal: localTime(input.gateClosesLocal, "procurement.gateClosesLocal"),
    resultsLocal: localTime(input.resultsLocal, "procurement.resultsLocal"),
    pricingRule: input.pricingRule,
    availabilityCeilingGbp: gbp(input.availabilityCeilingGbp, "procurement.availabilityCeilingGbp"),
    utilisationCeilingGbp: gbp(input.utilisationCeilingGbp, "procurement.utilisationCeilingGbp"),
  };
}

export function metering(input: { point: Metering["point"]; granularitySeconds: number; telemetryRequired: boolean } | null | undefined) {
  if (input == null) return null;
  return {
    point: input.point,
    granularitySeconds: wholeNumber(
      input.granularitySeconds,
      "metering.granularitySeconds",
      MAX_GRANULARITY_SECONDS,
      "seconds (an hour)",
      1,
    ),
    telemetryRequired: input.telemetryRequired,
  } satisfies Metering;
}

const optionalText = (value: string | null | undefined, field: string, max = REFERENCE) =>
  value == null ? null : requireText(value, field, max);

/** What a client may send for a version's attributes (Create/Update/ReviseProductInput share these fields). */
export interface VersionAttributesInput {
  name?: string | null;
  serviceType?: ServiceType | null;
  directions?: readonly Direction[] | null;
  minimumCapacityKw?: number | null;
  maximumCapacityKw?: number | null;
  responseTimeSeconds?: number | null;
  durationMinutes?: number | null;
  noticeMinutes?: number | null;
  needType?: NeedType | null;
  faultTiming?: FaultTiming | null;
  aggregationScope?: AggregationScope | null;
  serviceWindows?: readonly ServiceWindowInput[] | null;
  efaBlocks?: readonly number[] | null;
  procurement?: ProcurementInput | null;
  pricingUnits?: { availability?: AvailabilityUnit | null; utilisation?: UtilisationUnit | null } | null;
  metering?: { point: Metering["point"]; granularitySeconds: number; telemetryRequired: boolean } | null;
  baselineMethods?: readonly string[] | null;
  stackingRulesRef?: string | null;
  eligibleTechnologies?: readonly string[] | null;
  agreementVersion?: string | null;
  dispatchMethod?: DispatchMethod | null;
  locations?: readonly string[] | null;
}

/**
 * The attributes `input` gives, validated and normalised; a field left out is absent (unchanged), an explicit null
 * clears an optional one. Locations are checked against the zones separately (`requireOwnLocations`).
 */
export function versionChanges(input: VersionAttributesInput): Partial<VersionAttributes> {
  const given = (key: keyof VersionAttributesInput) => input[key] !== undefined;
  const present = (key: keyof VersionAttributesInput) => input[key] != null;
  return {
    ...(present("name") && { name: productName(input.name!) }),
    ...(present("serviceType") && { serviceType: input.serviceType! }),
    ...(present("directions") && { directions: directions(input.directions!) }),
    ...(present("minimumCapacityKw") && { minimumCapacityKw: minimumCapacityKw(input.minimumCapacityKw!) }),
    ...(given("maximumCapacityKw") && { maximumCapacityKw: maximumCapacityKw(input.maximumCapacityKw) }),
    ...(given("responseTimeSeconds") && { responseTimeSeconds: responseTimeSeconds(input.responseTimeSeconds) }),
    ...(given("durationMinutes") && { durationMinutes: durationMinutes(input.durationMinutes) }),
    ...(given("noticeMinutes") && { noticeMinutes: noticeMinutes(input.noticeMinutes) }),
    ...(given("needType") && { needType: input.needType ?? null }),
    ...(given("faultTiming") && { faultTiming: input.faultTiming ?? null }),
    ...(given("aggregationScope") && { aggregationScope: input.aggregationScope ?? null }),
    ...(present("serviceWindows") && { serviceWindows: serviceWindows(input.serviceWindows) }),
    ...(present("efaBlocks") && { efaBlocks: efaBlocks(input.efaBlocks) }),
    ...(given("procurement") && { procurement: procurement(input.procurement) }),
    ...(given("pricingUnits") && {
      availabilityUnit: input.pricingUnits?.availability ?? null,
      utilisationUnit: input.pricingUnits?.utilisation ?? null,
    }),
    ...(given("metering") && { metering: metering(input.metering) }),
    ...(present("baselineMethods") && { baselineMethods: [...new Set(input.baselineMethods!)] }),
    ...(given("stackingRulesRef") && { stackingRulesRef: optionalText(input.stackingRulesRef, "stackingRulesRef") }),
    ...(present("eligibleTechnologies") && { eligibleTechnologies: eligibleTechnologies(input.eligibleTechnologies) }),
    ...(given("agreementVersion") && { agreementVersion: optionalText(input.agreementVersion, "agreementVersion") }),
    ...(given("dispatchMethod") && { dispatchMethod: input.dispatchMethod ?? null }),
    ...(present("locations") && { locations: locations(input.locations) }),
  };
}

type Consistency = Pick<
  VersionAttributes,
  "serviceType" | "minimumCapacityKw" | "maximumCapacityKw" | "availabilityUnit" | "utilisationUnit" | "procurement"
>;

const PAYS_AVAILABILITY: readonly ServiceType[] = ["AVAILABILITY_ONLY", "AVAILABILITY_AND_UTILISATION", "CAPACITY"];
const PAYS_UTILISATION: readonly ServiceType[] = ["UTILISATION_ONLY", "AVAILABILITY_AND_UTILISATION", "ENERGY"];

/**
 * Checks a version's attributes together (domain §7.4 step 2, "units consistent"): the maximum capacity is not
 * below the minimum; a pricing unit or price ceiling only for a payment the service type makes.
 */
export function requireConsistentVersion(version: Consistency): void {
  if (version.maximumCapacityKw != null && version.maximumCapacityKw < version.minimumCapacityKw) {
    throw badInput(`maximumCapacityKw must not be below minimumCapacityKw (${version.minimumCapacityKw} kW)`, "maximumCapacityKw");
  }
  const availability = PAYS_AVAILABILITY.includes(version.serviceType);
  const utilisation = PAYS_UTILISATION.includes(version.serviceType);
  if (!availability && (version.availabilityUnit != null || version.procurement?.availabilityCeilingGbp != null)) {
    throw badInput(
      `A ${version.serviceType} product pays no availability: give no availability unit or ceiling`,
      "pricingUnits.availability",
    );
  }
  if (!utilisation && (version.utilisationUnit != null || version.procurement?.utilisationCeilingGbp != null)) {
    throw badInput(`A ${version.serviceType} product pays no utilisation: give no utilisation unit or ceiling`, "pricingUnits.utilisation");
  }
}

/** National scope: the whole of GB. */
export const NATIONAL = "GB";

/**
 * Location scope (domain §7.4 step 2): each entry is GB, a GSP group (normalised to _A … _P) or the code of a
 * constraint managed zone that exists and is the owner's. `zonesByCode` finds the zones among the codes.
 */
export async function requireOwnLocations(
  values: readonly string[],
  ownerId: string,
  zonesByCode: (codes: string[]) => Promise<{ code: string; operatorId: string }[]>,
): Promise<string[]> {
  const normalised = values.map((value) => {
    const text = value.trim().toUpperCase();
    if (text === NATIONAL) return { value: NATIONAL, zone: false };
    const group = normaliseGspGroup(text);
    return group && text.length <= 2 ? { value: group, zone: false } : { value: zoneCode(text, "locations"), zone: true };
  });
  const codes = [...new Set(normalised.filter((entry) => entry.zone).map((entry) => entry.value))];
  const found = new Map((codes.length > 0 ? await zonesByCode(codes) : []).map((zone) => [zone.code, zone]));
  for (const code of codes) {
    const zone = found.get(code);
    if (!zone)
      throw badInput(
        `locations: constraint managed zone ${code} does not exist (give a CMZ code, a GSP group _A … _P, or GB)`,
        "locations",
      );
    if (zone.operatorId !== ownerId) throw badInput(`locations: constraint managed zone ${code} is another system operator's`, "locations");
  }
  return [...new Set(normalised.map((entry) => entry.value))];
}
