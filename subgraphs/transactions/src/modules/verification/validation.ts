import { badInput, quote, requireText, requireUuid, requireWindow, SfeError } from "@sfe/kit";
import type { IssuePenaltyInput, MeterReadingInput, RegisterBaselineInput } from "../../__generated__/resolvers-types.js";
import { kwh, periodStartMinutes } from "../../calculations/index.js";
import type { Granularity, MeterReadingQuality, PenaltyType } from "../../db/schema.js";
import { optionalUuid, provenance } from "../../validation.js";
import type { BaselineParameters } from "./tables.js";

export const MAX_READINGS_PER_CALL = 5_000;
/** The longest window one read of readings may span: a month of half-hours per asset. */
export const MAX_READING_WINDOW_DAYS = 31;
const DAY_MS = 86_400_000;
const STEP_MS: Record<Granularity, number> = { PT30M: 30 * 60_000, PT1M: 60_000, PT1S: 1_000 };

/** A coded error naming the row and field of a batch, e.g. readings[3].intervalStart. */
const rowError = (row: number, field: string, message: string, reason: string) =>
  new SfeError("BAD_USER_INPUT", `readings[${row}].${field}: ${message}`, { field: `readings[${row}].${field}`, row, reason });

export interface ReadingValues {
  assetId: string | null;
  marketUnitId: string | null;
  meterReference: string | null;
  intervalStart: Date;
  intervalEnd: Date;
  granularity: Granularity;
  activeImportWh: bigint;
  activeExportWh: bigint;
  quality: MeterReadingQuality;
  source: string;
  externalId: string;
}

/** A register in kWh: ≥ 0, at most 3 decimal places (exact Wh). */
function register(value: string, row: number, field: string): bigint {
  let wh: bigint;
  try {
    wh = kwh(value.trim(), field);
  } catch {
    throw rowError(
      row,
      field,
      `must be a decimal kWh with at most 3 decimal places (e.g. "270.5"), got ${quote(value)}`,
      "MALFORMED_NUMBER",
    );
  }
  if (wh < 0n) throw rowError(row, field, `a register cannot be negative, got ${quote(value)}`, "NEGATIVE_ENERGY");
  return wh;
}

/** One reading checked (BAD_USER_INPUT naming readings[row].field): HH starts on :00/:30 UTC, the end is start + granularity. */
export function readingValues(input: MeterReadingInput, row: number): ReadingValues {
  const id = (value: string | null | undefined, field: string) => {
    try {
      return optionalUuid(value, field);
    } catch {
      throw rowError(row, field, `must be an id, got ${quote(value)}`, "MALFORMED_ID");
    }
  };
  const assetId = id(input.assetId, "assetId");
  const marketUnitId = id(input.marketUnitId, "marketUnitId");
  const meterReference = input.meterReference == null ? null : requireText(input.meterReference, `readings[${row}].meterReference`, 64);
  if (!assetId && !marketUnitId && !meterReference)
    throw rowError(row, "assetId", "give assetId, marketUnitId or meterReference", "MISSING_TARGET");
  if (assetId && marketUnitId) throw rowError(row, "marketUnitId", "give assetId or marketUnitId, not both", "TWO_TARGETS");
  const granularity = input.granularity ?? "PT30M";
  const start = input.intervalStart;
  if (Number.isNaN(start.getTime())) throw rowError(row, "intervalStart", "is not a date-time", "MALFORMED_TIMESTAMP");
  const step = STEP_MS[granularity];
  if (start.getTime() % step !== 0) {
    const rule =
      granularity === "PT30M" ? "a half-hourly reading starts on :00 or :30 UTC" : `a ${granularity} reading starts on a whole step`;
    throw rowError(row, "intervalStart", `${rule}, got ${start.toISOString()}`, "NOT_ON_PERIOD_BOUNDARY");
  }
  const end = input.intervalEnd ?? new Date(start.getTime() + step);
  if (end.getTime() !== start.getTime() + step) {
    throw rowError(
      row,
      "intervalEnd",
      `must be intervalStart + ${granularity} (${new Date(start.getTime() + step).toISOString()})`,
      "WRONG_INTERVAL",
    );
  }
  const target = (assetId ?? marketUnitId ?? meterReference) as string;
  let origin: { source: string; externalId: string | null };
  try {
    origin = provenance(input);
  } catch (error) {
    const field = (error as SfeError).extensions?.field === "externalId" ? "externalId" : "source";
    throw rowError(row, field, (error as Error).message, "MALFORMED_TEXT");
  }
  return {
    assetId,
    marketUnitId,
    meterReference,
    intervalStart: start,
    intervalEnd: end,
    granularity,
    activeImportWh: register(input.activeImportKwh, row, "activeImportKwh"),
    activeExportWh: register(input.activeExportKwh, row, "activeExportKwh"),
    quality: input.quality ?? "ACTUAL",
    source: origin.source,
    externalId: origin.externalId ?? `${target}/${start.toISOString()}`,
  };
}

export function readingBatch(readings: readonly MeterReadingInput[]): ReadingValues[] {
  if (readings.length === 0) throw badInput("readings is empty: give 1 to 5,000 readings", "readings");
  if (readings.length > MAX_READINGS_PER_CALL) {
    throw badInput(
      `readings holds ${readings.length}: at most ${MAX_READINGS_PER_CALL} per call (the bulk file route takes more)`,
      "readings",
    );
  }
  const values = readings.map(readingValues);
  const seen = new Map<string, number>();
  values.forEach((value, row) => {
    const key = `${value.source}\u0000${value.externalId}`;
    const first = seen.get(key);
    if (first !== undefined)
      throw rowError(row, "externalId", `repeats readings[${first}] (same source and externalId)`, "DUPLICATE_IN_BATCH");
    seen.set(key, row);
  });
  return values;
}

/** A read window: both ends, from before to, at most MAX_READING_WINDOW_DAYS. */
export function readingWindow(from: Date, to: Date) {
  requireWindow(from, to, "to");
  if (to.getTime() - from.getTime() > MAX_READING_WINDOW_DAYS * DAY_MS) {
    throw badInput(`to: the window may span at most ${MAX_READING_WINDOW_DAYS} days`, "to");
  }
  return { from, to };
}

/** A report window: both ends, from before to, at most 366 days. */
export function reportWindow(from: Date, to: Date) {
  requireWindow(from, to, "to");
  if (to.getTime() - from.getTime() > 366 * DAY_MS) throw badInput("to: the report may span at most 366 days", "to");
  return { from, to };
}

const GBP = /^\d{1,8}(\.\d{1,2})?$/;
export const MAX_PENALTY_GBP = 10_000_000n;

/** Exact £ → whole pence: > 0, at most 2 decimal places, at most £10,000,000. */
export function penaltyPence(value: string, field = "amountGbp"): bigint {
  const text = value.trim();
  if (!GBP.test(text)) throw badInput(`${field} must be £ with at most 2 decimal places (e.g. "125.50"), got ${quote(value)}`, field);
  const [pounds = "0", pence = ""] = text.split(".");
  const amount = BigInt(pounds) * 100n + BigInt(pence.padEnd(2, "0"));
  if (amount <= 0n || amount > MAX_PENALTY_GBP * 100n)
    throw badInput(`${field} must be more than 0 and at most £10,000,000, got ${quote(value)}`, field);
  return amount;
}

export const penaltyValues = (input: IssuePenaltyInput) => ({
  assessmentId: requireUuid(input.assessmentId, "assessmentId"),
  type: input.type as PenaltyType,
  amountPence: penaltyPence(input.amountGbp),
  basis: requireText(input.basis, "basis", 1000),
});

/** A profile: 1–48 distinct half-hours "HH:MM", each a kWh of at most 3 places (either sign) → Wh strings. */
function profile(periods: RegisterBaselineInput["profile"]): Record<string, string> {
  if (!periods || periods.length === 0) throw badInput("profile: this method needs a half-hourly profile", "profile");
  if (periods.length > 48) throw badInput("profile: at most 48 half-hours", "profile");
  const out: Record<string, string> = {};
  periods.forEach((p, i) => {
    try {
      periodStartMinutes(p.period, `profile[${i}].period`);
    } catch (error) {
      throw badInput((error as Error).message, `profile[${i}].period`);
    }
    if (out[p.period] !== undefined) throw badInput(`profile[${i}].period: ${p.period} is given twice`, `profile[${i}].period`);
    try {
      out[p.period] = kwh(p.netExportKwh.trim(), `profile[${i}].netExportKwh`).toString();
    } catch {
      throw badInput(
        `profile[${i}].netExportKwh must be kWh with at most 3 decimal places, got ${quote(p.netExportKwh)}`,
        `profile[${i}].netExportKwh`,
      );
    }
  });
  return out;
}

/** A baseline registration checked: parameters within bounds, a profile where the method needs one. */
export function baselineValues(input: RegisterBaselineInput, now = new Date()) {
  const method = input.method;
  const parameters: BaselineParameters = {};
  if (method === "HISTORICAL_X_OF_Y" || method === "HISTORICAL_X_OF_Y_WITH_INDAY_ADJ") {
    const selection = input.selection ?? "MID";
    const of = input.of ?? 10;
    const keep = selection === "ALL" ? of : (input.keep ?? (selection === "MID" ? 8 : 4));
    if (!Number.isInteger(of) || of < 1 || of > 60) throw badInput(`of must be a whole number from 1 to 60, got ${of}`, "of");
    if (!Number.isInteger(keep) || keep < 1 || keep > of)
      throw badInput(`keep must be a whole number from 1 to of (${of}), got ${keep}`, "keep");
    if (selection === "MID" && (of - keep) % 2 !== 0)
      throw badInput("keep: MID drops as many high days as low ones, so of − keep must be even", "keep");
    Object.assign(parameters, {
      selection,
      keep,
      of,
      dayPool: input.dayPool ?? "SAME_AS_EVENT_DAY",
      excludeEventDays: input.excludeEventDays ?? true,
    });
  }
  const profileWh = method === "NOMINATED" || method === "FIXED_REFERENCE" ? profile(input.profile) : {};
  let derCount: number | null = null;
  if (method === "FIXED_REFERENCE") {
    derCount = input.derCount ?? 0;
    if (!Number.isInteger(derCount) || derCount < 1 || derCount > 1_000_000) {
      throw badInput(`derCount must be a whole number from 1 to 1,000,000, got ${input.derCount ?? "nothing"}`, "derCount");
    }
  }
  if (input.lockedAt && input.lockedAt.getTime() <= now.getTime()) throw badInput("lockedAt must be in the future", "lockedAt");
  const assetId = optionalUuid(input.assetId, "assetId");
  const marketUnitId = optionalUuid(input.marketUnitId, "marketUnitId");
  if (!assetId === !marketUnitId) throw badInput("Give assetId or marketUnitId (one of them)", assetId ? "marketUnitId" : "assetId");
  return {
    assetId,
    marketUnitId,
    productId: requireUuid(input.productId, "productId"),
    method,
    parameters,
    profileWh,
    derCount,
    lockedAt: input.lockedAt ?? null,
  };
}
