import { badInput, grouped, quote, requireBounded, requireNonEmpty, requireText } from "@sfe/kit";
import type { Direction, ProductStatus, ServiceWindow } from "./db/schema.js";

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
