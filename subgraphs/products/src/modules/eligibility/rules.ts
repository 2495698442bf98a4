import type { Direction } from "../../db/schema.js";
import type { ProductRow } from "../../repositories/products.js";
import { NATIONAL } from "../../validation.js";
import type { ZoneRow } from "../zones/repository.js";
import { normaliseGspGroup } from "../zones/validation.js";

/**
 * The eligibility engine (domain §7.5 step 1, rules R-ELG-1 … 6 of §8.3): one function per requirement, in a list.
 * Each compares what the hub records of an asset or market unit (`Subject`) with one product's published
 * requirements and answers a check, or null when the product states no such requirement. Pure: no I/O, so N × M
 * verdicts are computed in memory from facts read once.
 */

export type Requirement =
  | "MINIMUM_CAPACITY"
  | "MAXIMUM_CAPACITY"
  | "DIRECTION"
  | "TECHNOLOGY"
  | "LOCATION"
  | "RESPONSE_TIME"
  | "DURATION_ENERGY"
  | "METERING";
export type Verdict = "MET" | "NOT_MET" | "UNKNOWN";
export type Outcome = "ELIGIBLE" | "ELIGIBLE_WITH_GAPS" | "NOT_ELIGIBLE";

export interface Check {
  requirement: Requirement;
  verdict: Verdict;
  reason: string;
  ruleId: string;
  values: Record<string, unknown>;
}

/** One asset, as eligibility sees it; a market unit has several. */
export interface MemberFacts {
  categoryCode: string | null;
  gspGroup: string | null;
  /** Declared time to full delivery (the category attribute `responseTimeSeconds`), null when not recorded. */
  responseTimeSeconds: number | null;
}

/** What the hub records of an asset or a market unit (the assets subgraph's fields, via @requires). */
export interface Subject {
  kind: "asset" | "unit";
  importCapacityKw: number;
  exportCapacityKw: number;
  energyCapacityKwh: number | null;
  /** The GSP groups it lies in (an asset: its own, if known; a unit: its current members'). */
  gspGroups: string[];
  /** The asset itself, or the unit's current members the caller may see. */
  members: MemberFacts[];
}

/**
 * The product attributes the rules read. The optional ones are not stored yet (the `versions` branch adds them):
 * `productFacts` fills what exists, and a rule whose attribute is absent answers nothing.
 */
export type ProductFacts = Pick<
  ProductRow,
  "id" | "code" | "directions" | "minimumCapacityKw" | "responseTimeSeconds" | "durationMinutes" | "eligibleTechnologies" | "locations"
> & {
  maximumCapacityKw?: number | null;
  /** e.g. "HH_BOUNDARY"; no asset records its metering today, so a stated requirement is UNKNOWN. */
  meteringRequirement?: string | null;
};

/** The product row as the rules see it: the one place a new product attribute is mapped in. */
export const productFacts = (row: ProductRow): ProductFacts => ({
  id: row.id,
  code: row.code,
  directions: row.directions,
  minimumCapacityKw: row.minimumCapacityKw,
  responseTimeSeconds: row.responseTimeSeconds,
  durationMinutes: row.durationMinutes,
  eligibleTechnologies: row.eligibleTechnologies,
  locations: row.locations,
  maximumCapacityKw: row.maximumCapacityKw,
  meteringRequirement: row.metering?.point ?? null,
});

/** The zones the products' locations name, by code (upper case) and by name (lower case). */
export type ZoneIndex = Map<string, ZoneRow>;

export function zoneIndex(zones: readonly ZoneRow[]): ZoneIndex {
  const index: ZoneIndex = new Map();
  for (const zone of zones) {
    index.set(zone.code.toUpperCase(), zone);
    index.set(zone.name.trim().toLowerCase(), zone);
  }
  return index;
}

type Rule = (subject: Subject, product: ProductFacts, zones: ZoneIndex) => Check | null;

const number = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 3 });
const kw = (value: number) => `${number.format(value)} kW`;
const list = (values: readonly string[]) => values.join(", ");

const DIRECTION_WORDS: Record<Direction, string> = {
  DEMAND_TURN_DOWN: "demand turn down",
  DEMAND_TURN_UP: "demand turn up",
  GENERATION_TURN_UP: "generation turn up",
  GENERATION_TURN_DOWN: "generation turn down",
};

/** Demand moves with import capacity, generation with export; a battery has both, so either counts for it. */
const sideOf = (direction: Direction): "import" | "export" => (direction.startsWith("DEMAND") ? "import" : "export");

/** The largest capacity the subject offers in one of the product's directions, and which. */
export function capacityFor(subject: Subject, directions: readonly Direction[]) {
  let best: { capacityKw: number; side: "import" | "export"; direction: Direction | null } = {
    capacityKw: 0,
    side: "export",
    direction: null,
  };
  for (const direction of directions) {
    const side = sideOf(direction);
    const capacityKw = side === "import" ? subject.importCapacityKw : subject.exportCapacityKw;
    if (best.direction === null || capacityKw > best.capacityKw) best = { capacityKw, side, direction };
  }
  return best;
}

const check = (requirement: Requirement, ruleId: string, verdict: Verdict, reason: string, values: Record<string, unknown>): Check => ({
  requirement,
  ruleId,
  verdict,
  reason,
  values,
});

/** R-ELG-1: it moves in a direction the product buys at all. */
export const direction: Rule = (subject, product) => {
  if (product.directions.length === 0) return null;
  const best = capacityFor(subject, product.directions);
  const values = { directions: product.directions, importCapacityKw: subject.importCapacityKw, exportCapacityKw: subject.exportCapacityKw };
  if (best.capacityKw > 0 && best.direction) {
    return check(
      "DIRECTION",
      "R-ELG-1",
      "MET",
      `${best.side} capacity ${kw(best.capacityKw)} serves ${DIRECTION_WORDS[best.direction]}`,
      values,
    );
  }
  const needs = list(
    product.directions.map(
      (d) => `${DIRECTION_WORDS[d]} needs ${sideOf(d)} capacity, which is ${kw(capacityFor(subject, [d]).capacityKw)}`,
    ),
  );
  return check("DIRECTION", "R-ELG-1", "NOT_MET", `it cannot move in a direction the product buys: ${needs}`, values);
};

/** R-ELG-1: capacity in the product's direction at least its minimum. */
export const minimumCapacity: Rule = (subject, product) => {
  if (product.minimumCapacityKw <= 0 || product.directions.length === 0) return null;
  const { capacityKw, side } = capacityFor(subject, product.directions);
  const values = { capacityKw, side: side.toUpperCase(), minimumCapacityKw: product.minimumCapacityKw };
  return capacityKw >= product.minimumCapacityKw
    ? check(
        "MINIMUM_CAPACITY",
        "R-ELG-1",
        "MET",
        `${side} capacity ${kw(capacityKw)} meets the minimum ${kw(product.minimumCapacityKw)}`,
        values,
      )
    : check(
        "MINIMUM_CAPACITY",
        "R-ELG-1",
        "NOT_MET",
        `${side} capacity ${kw(capacityKw)} is under the minimum ${kw(product.minimumCapacityKw)}`,
        values,
      );
};

/** R-ELG-1 (upper bound): a larger asset may still offer part of its capacity, so this informs, it never excludes. */
export const maximumCapacity: Rule = (subject, product) => {
  const maximum = product.maximumCapacityKw;
  if (maximum == null || product.directions.length === 0) return null;
  const { capacityKw, side } = capacityFor(subject, product.directions);
  const values = { capacityKw, side: side.toUpperCase(), maximumCapacityKw: maximum };
  return check(
    "MAXIMUM_CAPACITY",
    "R-ELG-1",
    "MET",
    capacityKw <= maximum
      ? `${side} capacity ${kw(capacityKw)} is within the maximum ${kw(maximum)}`
      : `${side} capacity ${kw(capacityKw)} is over the maximum ${kw(maximum)}: it may offer at most ${kw(maximum)}`,
    values,
  );
};

/** R-ELG-5: every asset's category among the product's eligible technologies (an empty list admits any). */
export const technology: Rule = (subject, product) => {
  if (product.eligibleTechnologies.length === 0) return null;
  const categories = [...new Set(subject.members.map((m) => m.categoryCode ?? "unknown"))].sort();
  const values = { categories, eligibleTechnologies: product.eligibleTechnologies };
  if (categories.length === 0) {
    return check("TECHNOLOGY", "R-ELG-5", "UNKNOWN", "the unit has no current members the caller may see", values);
  }
  const outside = categories.filter((code) => !product.eligibleTechnologies.includes(code));
  const eligible = `the product's eligible technologies (${list(product.eligibleTechnologies)})`;
  const named = (codes: string[]) => {
    const noun = `${subject.kind === "asset" ? "" : "members' "}${codes.length > 1 ? "categories" : "category"}`;
    return `${noun} ${list(codes)} ${codes.length > 1 ? "are" : "is"}`;
  };
  return outside.length === 0
    ? check("TECHNOLOGY", "R-ELG-5", "MET", `${named(categories)} among ${eligible}`, values)
    : check("TECHNOLOGY", "R-ELG-5", "NOT_MET", `${named(outside)} not among ${eligible}`, values);
};

/**
 * R-ELG-4: the product's locations are GB (national), zone codes, zone names or GSP groups. GB covers every
 * location; a GSP group the product names is covered whole; a zone covers its groups only in part (the area behind
 * one network element), and where in the group an asset connects is not recorded (its meter point's network
 * location decides), so that is UNKNOWN.
 */
export const location: Rule = (subject, product, zones) => {
  if (product.locations.length === 0) return null;
  if (product.locations.some((name) => name.trim().toUpperCase() === NATIONAL)) {
    const values = { gspGroups: subject.gspGroups, locations: product.locations };
    return check("LOCATION", "R-ELG-4", "MET", `the product's locations (${list(product.locations)}) cover the whole of GB`, values);
  }
  const groups = new Set<string>();
  const partly = new Map<string, string[]>();
  const unresolved: string[] = [];
  for (const name of product.locations) {
    const zone = zones.get(name.trim().toUpperCase()) ?? zones.get(name.trim().toLowerCase());
    const group = zone ? null : normaliseGspGroup(name);
    if (group) groups.add(group);
    else if (zone) for (const g of zone.gspGroups) partly.set(g, [...(partly.get(g) ?? []), zone.name]);
    else unresolved.push(name);
  }
  const values = { gspGroups: subject.gspGroups, locations: product.locations };
  const where = `the product's locations (${list(product.locations)})`;
  const unknownMember = subject.members.some((m) => m.gspGroup == null);
  if (subject.gspGroups.length === 0) return check("LOCATION", "R-ELG-4", "UNKNOWN", "its location (GSP group) is not recorded", values);
  const outside = subject.gspGroups.filter((g) => !groups.has(g) && !partly.has(g));
  if (outside.length > 0) {
    const verdict = unresolved.length > 0 ? "UNKNOWN" : "NOT_MET";
    const because = unresolved.length > 0 ? `; ${list(unresolved)} is no zone or GSP group the hub knows` : "";
    return check("LOCATION", "R-ELG-4", verdict, `GSP group ${list(outside)} lies outside ${where}${because}`, values);
  }
  const inPart = subject.gspGroups.filter((g) => !groups.has(g));
  if (inPart.length > 0) {
    const zoneNames = [...new Set(inPart.flatMap((g) => partly.get(g) ?? []))];
    return check(
      "LOCATION",
      "R-ELG-4",
      "UNKNOWN",
      `GSP group ${list(inPart)} is covered only in part by ${list(zoneNames)}: the meter point's network location decides, and the hub does not record it`,
      values,
    );
  }
  if (unknownMember) {
    return check("LOCATION", "R-ELG-4", "UNKNOWN", "the location of some members is not recorded", values);
  }
  return check("LOCATION", "R-ELG-4", "MET", `GSP group ${list(subject.gspGroups)} lies within ${where}`, values);
};

/** R-ELG-2: declared time to full delivery (the slowest member's) within the product's. */
export const responseTime: Rule = (subject, product) => {
  const required = product.responseTimeSeconds;
  if (required == null) return null;
  const declared = subject.members.map((m) => m.responseTimeSeconds);
  const values = { responseTimeSeconds: null as number | null, requiredResponseTimeSeconds: required };
  if (declared.length === 0 || declared.some((s) => s == null)) {
    return check(
      "RESPONSE_TIME",
      "R-ELG-2",
      "UNKNOWN",
      `response time not recorded; the product needs full delivery within ${number.format(required)} s`,
      values,
    );
  }
  const slowest = Math.max(...(declared as number[]));
  values.responseTimeSeconds = slowest;
  return slowest <= required
    ? check(
        "RESPONSE_TIME",
        "R-ELG-2",
        "MET",
        `full delivery in ${number.format(slowest)} s is within ${number.format(required)} s`,
        values,
      )
    : check(
        "RESPONSE_TIME",
        "R-ELG-2",
        "NOT_MET",
        `full delivery in ${number.format(slowest)} s is slower than ${number.format(required)} s`,
        values,
      );
};

/** R-ELG-3: an energy-limited subject sustains its capacity in the product's direction for the product's duration. */
export const durationEnergy: Rule = (subject, product) => {
  const minutes = product.durationMinutes;
  if (minutes == null || product.directions.length === 0) return null;
  const energy = subject.energyCapacityKwh;
  const { capacityKw } = capacityFor(subject, product.directions);
  const neededKwh = (capacityKw * minutes) / 60;
  const values = { energyCapacityKwh: energy, capacityKw, durationMinutes: minutes, requiredEnergyKwh: energy == null ? null : neededKwh };
  if (energy == null) {
    return check("DURATION_ENERGY", "R-ELG-3", "MET", "not energy-limited (no energy capacity recorded)", values);
  }
  const sustains = capacityKw > 0 ? `${number.format((energy / capacityKw) * 60)} minutes` : "any time";
  return energy >= neededKwh
    ? check(
        "DURATION_ENERGY",
        "R-ELG-3",
        "MET",
        `${number.format(energy)} kWh sustains ${kw(capacityKw)} for ${sustains}, at least the ${minutes} minutes required`,
        values,
      )
    : check(
        "DURATION_ENERGY",
        "R-ELG-3",
        "NOT_MET",
        `${number.format(energy)} kWh sustains ${kw(capacityKw)} for ${sustains}, under the ${minutes} minutes required ` +
          `(${kw((energy * 60) / minutes)} at most for the full duration)`,
        values,
      );
};

/** R-ELG-6: no asset records its metering yet, so a stated requirement cannot be decided. */
export const metering: Rule = (_subject, product) => {
  const required = product.meteringRequirement;
  if (required == null) return null;
  return check("METERING", "R-ELG-6", "UNKNOWN", `metering not recorded; the product requires ${required}`, {
    meteringRequirement: required,
  });
};

/** The rules, in the order their checks are listed. A new product attribute adds one function here. */
export const RULES: readonly Rule[] = [
  direction,
  minimumCapacity,
  maximumCapacity,
  technology,
  location,
  responseTime,
  durationEnergy,
  metering,
];

/** Any NOT_MET → NOT_ELIGIBLE; else any UNKNOWN → ELIGIBLE_WITH_GAPS; else ELIGIBLE (domain §7.5). */
export function outcomeOf(checks: readonly Check[]): Outcome {
  if (checks.some((c) => c.verdict === "NOT_MET")) return "NOT_ELIGIBLE";
  return checks.some((c) => c.verdict === "UNKNOWN") ? "ELIGIBLE_WITH_GAPS" : "ELIGIBLE";
}

export function evaluate(subject: Subject, product: ProductFacts, zones: ZoneIndex): { outcome: Outcome; checks: Check[] } {
  const checks = RULES.map((rule) => rule(subject, product, zones)).filter((c): c is Check => c !== null);
  return { outcome: outcomeOf(checks), checks };
}
