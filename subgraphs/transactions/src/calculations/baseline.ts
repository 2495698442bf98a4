// V.2 baselines (domain.md §4.13, §7.8 step 2). Every value is export-positive net energy in Wh per
// half-hour settlement period (export − import), so an import-only site's baseline is negative and the
// delivery rules in delivery.ts need no special case for it.
//
// A product chooses one method; `baseline(method, inputs)` is the one entry point.

import { dayType, type DayType, PERIOD_MINUTES, periodAt, periodStartMinutes, requireDate } from "./calendar.js";
import { calculationError } from "./errors.js";
import { type Ratio, ratio, roundHalfAwayFromZero } from "./exact.js";

/**
 * Which of the Y eligible days' values for a period are averaged.
 * - MID: drop the (of − keep)/2 highest and lowest ("mid 8 of 10").
 * - HIGH: keep the `keep` highest ("high 4 of 5"). "Highest" needs a flow: `by: "IMPORT"` ranks by
 *   import (a demand site's busiest days, i.e. the lowest net export), `by: "EXPORT"` by net export.
 * - ALL: average all Y (DFS's "10 of 10").
 */
export type DaySelection =
  | { kind: "MID"; keep: number; of: number }
  | { kind: "HIGH"; keep: number; of: number; by: "IMPORT" | "EXPORT" }
  | { kind: "ALL"; of: number };

/**
 * Additive in-day adjustment: the event day's mean (metered − baseline) over a window of periods
 * before the event is added to every event period's baseline. Additive, not a ratio, because a ratio
 * of export-positive values flips sign or explodes near zero (a site hovering around zero net).
 * The window is offsets from the first event period's start, in minutes: §4.13's −4 h … −1 h is
 * `{ windowStartOffsetMinutes: -240, windowEndOffsetMinutes: -60 }` (end exclusive). `capWh` bounds
 * the adjustment's size either way — the gaming ("power rinse") §7.8 says NESO saw is an inflated
 * window, and a cap limits what it can buy.
 */
export interface InDayAdjustment {
  windowStartOffsetMinutes: number;
  windowEndOffsetMinutes: number;
  capWh?: bigint;
}

/** domain.md's BaselineMethod values this library computes, each with its parameters. */
export type BaselineMethodConfig =
  | {
      /** HISTORICAL_X_OF_Y; with `inDayAdjustment` it is HISTORICAL_X_OF_Y_WITH_INDAY_ADJ. */
      method: "HISTORICAL_X_OF_Y";
      selection: DaySelection;
      /** The pool the Y days come from; SAME_AS_EVENT_DAY picks by the event day's type. */
      dayPool: DayType | "SAME_AS_EVENT_DAY";
      /** §4.13 excludeEventDays: skip prior event days (R-VER-4). Abnormal days are always skipped. */
      excludeEventDays: boolean;
      /**
       * Each averaged value (and the adjustment) is rounded half away from zero to this many Wh.
       * A product term, so no default: §7.8's worked example states baselines to the kWh (0.411 MWh
       * from a mean of 0.41125), i.e. 1000n.
       */
      resolutionWh: bigint;
      inDayAdjustment?: InDayAdjustment;
    }
  /** The FSP's submitted profile (inputs.nominated), used as given. */
  | { method: "NOMINATED" }
  /** A per-technology half-hourly profile for one DER (export-positive Wh), × inputs.derCount. */
  | { method: "FIXED_REFERENCE"; profileWhPerDer: Readonly<Record<string, bigint>> }
  | { method: "ZERO" }
  /** One value for every period, e.g. domain.md's ASSET_CAPACITY (capacity × half an hour). */
  | { method: "CONSTANT"; netExportWhPerPeriod: bigint };

/** Net export Wh by period ("17:00") for one local day. */
export type PeriodValues = Readonly<Record<string, bigint>>;

export interface MeteredDay {
  date: string;
  netExportWh: PeriodValues;
}

export interface BaselineInputs {
  /** The event's local date. */
  eventDate: string;
  /** The periods to baseline ("17:00", "17:30"). */
  eventPeriods: readonly string[];
  /** HISTORICAL_X_OF_Y: metered days before the event, any order. */
  history?: readonly MeteredDay[];
  /** Prior event days (skipped when the method says excludeEventDays). */
  eventDays?: readonly string[];
  /** Days flagged abnormal, e.g. site inactive for maintenance (R-VER-4); always skipped. */
  abnormalDays?: readonly string[];
  /** Bank holidays count as NON_WORKING days. */
  bankHolidays?: readonly string[];
  /** The event day's own metered periods, for the in-day adjustment window. */
  eventDayMetered?: PeriodValues;
  /** NOMINATED: the FSP's profile. */
  nominated?: PeriodValues;
  /** FIXED_REFERENCE: how many DERs the unit aggregates. */
  derCount?: number;
}

export interface BaselinePeriod {
  period: string;
  netExportWh: bigint;
}

export interface BaselineResult {
  /** In the order of inputs.eventPeriods. */
  periods: BaselinePeriod[];
  /** HISTORICAL_X_OF_Y: the Y days used, newest first (for the assessment's audit trail). */
  daysUsed: string[];
  /** The in-day adjustment added to each period (0 when none). */
  adjustmentWh: bigint;
}

export function baseline(method: BaselineMethodConfig, inputs: BaselineInputs): BaselineResult {
  requireDate(inputs.eventDate, "eventDate");
  if (inputs.eventPeriods.length === 0)
    throw calculationError("MISSING_INPUT", "eventPeriods is empty: nothing to baseline", { field: "eventPeriods" });
  for (const period of inputs.eventPeriods) periodStartMinutes(period, "eventPeriods");
  const flat = (value: (period: string) => bigint): BaselineResult => ({
    periods: inputs.eventPeriods.map((period) => ({ period, netExportWh: value(period) })),
    daysUsed: [],
    adjustmentWh: 0n,
  });
  switch (method.method) {
    case "ZERO":
      return flat(() => 0n);
    case "CONSTANT":
      return flat(() => method.netExportWhPerPeriod);
    case "NOMINATED": {
      const nominated = required(inputs.nominated, "nominated");
      return flat((period) => valueAt(nominated, period, "nominated profile"));
    }
    case "FIXED_REFERENCE": {
      const derCount = requireDerCount(inputs.derCount);
      return flat((period) => valueAt(method.profileWhPerDer, period, "fixed reference profile") * derCount);
    }
    case "HISTORICAL_X_OF_Y":
      return historical(method, inputs);
  }
}

export type HistoricalMethod = Extract<BaselineMethodConfig, { method: "HISTORICAL_X_OF_Y" }>;

function historical(method: HistoricalMethod, inputs: BaselineInputs): BaselineResult {
  if (method.resolutionWh <= 0n) throw calculationError("NOT_POSITIVE", "resolutionWh must be positive", { field: "resolutionWh" });
  const days = eligibleDays(method, inputs);
  const periodBaseline = (period: string) =>
    roundTo(
      meanOfSelected(
        method.selection,
        days.map((day) => valueAt(day.netExportWh, period, `history on ${day.date}`)),
      ),
      method.resolutionWh,
    );
  const adjustmentWh = method.inDayAdjustment ? inDayAdjustmentWh(method.inDayAdjustment, method.resolutionWh, inputs, periodBaseline) : 0n;
  return {
    periods: inputs.eventPeriods.map((period) => ({ period, netExportWh: periodBaseline(period) + adjustmentWh })),
    daysUsed: days.map((day) => day.date),
    adjustmentWh,
  };
}

/** The Y most recent days before the event in the method's pool, excluded days skipped. */
export function eligibleDays(method: HistoricalMethod, inputs: BaselineInputs): MeteredDay[] {
  const wanted = selectionSize(method.selection);
  const bankHolidays = new Set(inputs.bankHolidays ?? []);
  const pool = method.dayPool === "SAME_AS_EVENT_DAY" ? dayType(inputs.eventDate, bankHolidays) : method.dayPool;
  const skipped = new Set([...(inputs.abnormalDays ?? []), ...(method.excludeEventDays ? (inputs.eventDays ?? []) : [])]);
  const history = required(inputs.history, "history");
  const seen = new Set<string>();
  for (const day of history) {
    if (seen.has(requireDate(day.date, "history date")))
      throw calculationError("DUPLICATE_DAY", `history has ${day.date} twice`, { date: day.date });
    seen.add(day.date);
  }
  const eligible = history
    .filter((day) => day.date < inputs.eventDate && !skipped.has(day.date) && dayType(day.date, bankHolidays) === pool)
    .sort((a, b) => (a.date < b.date ? 1 : -1))
    .slice(0, wanted);
  if (eligible.length < wanted) {
    throw calculationError(
      "TOO_FEW_BASELINE_DAYS",
      `The baseline needs ${wanted} eligible ${pool} days before ${inputs.eventDate}; the history has ${eligible.length}`,
      { needed: wanted, found: eligible.length, pool },
    );
  }
  return eligible;
}

function selectionSize(selection: DaySelection): number {
  const keep = selection.kind === "ALL" ? selection.of : selection.keep;
  const ok =
    Number.isInteger(selection.of) &&
    Number.isInteger(keep) &&
    keep >= 1 &&
    keep <= selection.of &&
    (selection.kind !== "MID" || (selection.of - keep) % 2 === 0);
  if (!ok) throw calculationError("BAD_SELECTION", `Cannot select ${keep} of ${selection.of} days (${selection.kind})`, { selection });
  return selection.of;
}

/** The exact mean of the selected values (a Ratio; rounding is the caller's). */
function meanOfSelected(selection: DaySelection, values: bigint[]) {
  const ascending = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const kept = keptValues(selection, ascending);
  return ratio(
    kept.reduce((sum, v) => sum + v, 0n),
    BigInt(kept.length),
  );
}

function keptValues(selection: DaySelection, ascending: bigint[]): bigint[] {
  switch (selection.kind) {
    case "ALL":
      return ascending;
    case "MID": {
      const drop = (selection.of - selection.keep) / 2;
      return ascending.slice(drop, ascending.length - drop);
    }
    case "HIGH":
      // Net export ascending: the most export is at the end, the most import at the start.
      return selection.by === "EXPORT" ? ascending.slice(-selection.keep) : ascending.slice(0, selection.keep);
  }
}

function inDayAdjustmentWh(
  adjustment: InDayAdjustment,
  resolutionWh: bigint,
  inputs: BaselineInputs,
  periodBaseline: (period: string) => bigint,
): bigint {
  const metered = required(inputs.eventDayMetered, "eventDayMetered");
  const window = adjustmentWindow(adjustment, inputs.eventPeriods);
  const differences = window.map((period) => valueAt(metered, period, `metered on ${inputs.eventDate}`) - periodBaseline(period));
  const mean = ratio(
    differences.reduce((sum, d) => sum + d, 0n),
    BigInt(differences.length),
  );
  const adjustmentWh = roundTo(mean, resolutionWh);
  return adjustment.capWh === undefined ? adjustmentWh : clamp(adjustmentWh, adjustment.capWh);
}

/** The periods from first-event-start + startOffset up to (not including) first-event-start + endOffset. */
export function adjustmentWindow(adjustment: InDayAdjustment, eventPeriods: readonly string[]): string[] {
  const eventStart = Math.min(...eventPeriods.map((period) => periodStartMinutes(period)));
  const from = eventStart + adjustment.windowStartOffsetMinutes;
  const to = eventStart + adjustment.windowEndOffsetMinutes;
  const aligned = from % PERIOD_MINUTES === 0 && to % PERIOD_MINUTES === 0;
  if (!aligned || from >= to || to > eventStart) {
    throw calculationError("OUT_OF_RANGE", "The in-day adjustment window must be whole half-hours, non-empty and before the event", {
      field: "inDayAdjustment",
    });
  }
  // A window reaching into the previous day would need that day's data; not supported yet.
  if (from < 0)
    throw calculationError("WINDOW_OUTSIDE_DAY", "The in-day adjustment window starts before local midnight", { field: "inDayAdjustment" });
  const periods: string[] = [];
  for (let minutes = from; minutes < to; minutes += PERIOD_MINUTES) periods.push(periodAt(minutes));
  return periods;
}

const roundTo = (value: Ratio, resolutionWh: bigint) => roundHalfAwayFromZero(ratio(value.num, value.den * resolutionWh)) * resolutionWh;

function clamp(value: bigint, cap: bigint): bigint {
  if (cap < 0n) throw calculationError("OUT_OF_RANGE", "capWh cannot be negative", { field: "inDayAdjustment.capWh" });
  return value > cap ? cap : value < -cap ? -cap : value;
}

function valueAt(values: PeriodValues, period: string, what: string): bigint {
  const value = values[period];
  if (value === undefined) throw calculationError("MISSING_PERIOD", `The ${what} has no value for ${period}`, { period });
  return value;
}

function required<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw calculationError("MISSING_INPUT", `This baseline method needs ${field}`, { field });
  return value;
}

function requireDerCount(derCount: number | undefined): bigint {
  const count = required(derCount, "derCount");
  if (!Number.isInteger(count) || count < 1)
    throw calculationError("NOT_POSITIVE", `derCount must be a positive integer, got ${count}`, { field: "derCount" });
  return BigInt(count);
}
