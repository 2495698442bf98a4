// V.2 for one dispatch instruction (§7.8): from stored rows to the calculation library's inputs and back. No SQL and
// no GraphQL here; every figure is computed by src/calculations (baseline(), assessDelivery(), availabilityRatio()).

import { conflict, ENGLAND_AND_WALES_BANK_HOLIDAYS, SfeError, toLondonLocal } from "@sfe/kit";
import {
  adjustmentWindow,
  assessDelivery,
  availabilityRatio,
  type BaselineMethodConfig,
  baseline,
  decimal,
  type MeteredDay,
  mul,
  type PeriodDelivery,
  ratio,
  roundHalfAwayFromZero,
  toFixed,
} from "../../calculations/index.js";
import type { Direction, MeterReadingQuality } from "../../db/schema.js";
import type { AssessmentPeriodMapper } from "./mappers.js";
import type { BaselineMethodName, BaselineParameters } from "./tables.js";

const HALF_HOUR_MS = 30 * 60_000;
/** Non-working days for the baseline's day pools (kit: England and Wales, GOV.UK's list). */
/** Days of meter history read before an event: 10 working days with event days skipped, or 10 weekend days, fit. */
export const HISTORY_DAYS = 42;
/** Baselines are stated to the kWh (§7.8 states 0.411 MWh from a mean of 0.41125). */
const RESOLUTION_WH = 1_000n;
/** §4.13's in-day adjustment window, −4 h … −1 h before the event. */
const IN_DAY_ADJUSTMENT = { windowStartOffsetMinutes: -240, windowEndOffsetMinutes: -60 };

export interface ReadingForAssessment {
  intervalStart: Date;
  intervalEnd: Date;
  activeImportWh: bigint;
  activeExportWh: bigint;
  quality: MeterReadingQuality;
  receivedAt: Date;
}

/** The baseline an instruction is assessed with: a registered version, or the product's method with its defaults. */
export interface BaselineChoice {
  method: BaselineMethodName;
  parameters: BaselineParameters;
  profileWh: Record<string, string>;
  derCount: number | null;
  /** The registered version, when one governs. */
  version: number | null;
}

export interface InstructionForAssessment {
  direction: Direction;
  setPointMw: number;
  start: Date;
  end: Date;
}

export interface AssessmentFigures {
  baselineMethod: string;
  baselineWh: bigint;
  meteredWh: bigint;
  deliveredWh: bigint;
  instructedWh: bigint;
  creditedWh: bigint;
  deliveryRatio: string | null;
  availabilityRatio: string | null;
  lateData: string[];
  periods: AssessmentPeriodMapper[];
}

const local = (instant: Date) => {
  const text = toLondonLocal(instant);
  return { date: text.slice(0, 10), period: text.slice(11, 16) };
};

const QUALITY_RANK: Record<MeterReadingQuality, number> = { ACTUAL: 0, ESTIMATED: 1, SUBSTITUTED: 2 };

/**
 * Net export Wh and covered time per half-hour slot (keyed by its UTC start ms). Two readings of the same interval
 * (two sources) count once: the ACTUAL one, else the latest received.
 */
export function halfHourSlots(readings: readonly ReadingForAssessment[]): Map<number, { netWh: bigint; coveredMs: number }> {
  const best = new Map<string, ReadingForAssessment>();
  for (const reading of readings) {
    const key = `${reading.intervalStart.getTime()}/${reading.intervalEnd.getTime()}`;
    const held = best.get(key);
    const better =
      !held ||
      QUALITY_RANK[reading.quality] < QUALITY_RANK[held.quality] ||
      (QUALITY_RANK[reading.quality] === QUALITY_RANK[held.quality] && reading.receivedAt > held.receivedAt);
    if (better) best.set(key, reading);
  }
  const slots = new Map<number, { netWh: bigint; coveredMs: number }>();
  for (const reading of best.values()) {
    const slot = Math.floor(reading.intervalStart.getTime() / HALF_HOUR_MS) * HALF_HOUR_MS;
    const held = slots.get(slot) ?? { netWh: 0n, coveredMs: 0 };
    held.netWh += reading.activeExportWh - reading.activeImportWh;
    held.coveredMs += reading.intervalEnd.getTime() - reading.intervalStart.getTime();
    slots.set(slot, held);
  }
  return slots;
}

export type Slots = ReadonlyMap<number, { netWh: bigint; coveredMs: number }>;

/**
 * A market unit's half-hours from its members' readings (one list per member meter): the members' net export summed,
 * complete only where every member's half-hour is (a member's missing data is the unit's, R-VER-1).
 */
export function combinedSlots(members: readonly (readonly ReadingForAssessment[])[]): Slots {
  const perMember = members.map(halfHourSlots);
  const starts = new Set(perMember.flatMap((slots) => [...slots.keys()]));
  const combined = new Map<number, { netWh: bigint; coveredMs: number }>();
  for (const start of starts) {
    let netWh = 0n;
    let complete = true;
    for (const slots of perMember) {
      const slot = slots.get(start);
      if (!slot || slot.coveredMs !== HALF_HOUR_MS) complete = false;
      netWh += slot?.netWh ?? 0n;
    }
    combined.set(start, { netWh, coveredMs: complete ? HALF_HOUR_MS : 0 });
  }
  return combined;
}

/** The library's method config for a choice; HIGH ranks by import for demand, by export for generation. */
export function methodConfig(choice: BaselineChoice, direction: Direction): BaselineMethodConfig {
  switch (choice.method) {
    case "ZERO":
      return { method: "ZERO" };
    case "NOMINATED":
      return { method: "NOMINATED" };
    case "FIXED_REFERENCE":
      return {
        method: "FIXED_REFERENCE",
        profileWhPerDer: Object.fromEntries(Object.entries(choice.profileWh).map(([p, wh]) => [p, BigInt(wh)])),
      };
    case "HISTORICAL_X_OF_Y":
    case "HISTORICAL_X_OF_Y_WITH_INDAY_ADJ": {
      const { selection = "MID", of = 10, dayPool = "SAME_AS_EVENT_DAY", excludeEventDays = true } = choice.parameters;
      const keep = choice.parameters.keep ?? (selection === "MID" ? 8 : selection === "HIGH" ? 4 : of);
      const by = direction.startsWith("DEMAND") ? "IMPORT" : "EXPORT";
      return {
        method: "HISTORICAL_X_OF_Y",
        selection:
          selection === "ALL" ? { kind: "ALL", of } : selection === "HIGH" ? { kind: "HIGH", keep, of, by } : { kind: "MID", keep, of },
        dayPool,
        excludeEventDays,
        resolutionWh: RESOLUTION_WH,
        ...(choice.method === "HISTORICAL_X_OF_Y_WITH_INDAY_ADJ" && { inDayAdjustment: IN_DAY_ADJUSTMENT }),
      };
    }
  }
}

/** The method as the assessment states it, e.g. "HISTORICAL_X_OF_Y MID 8 of 10 SAME_AS_EVENT_DAY excludeEventDays". */
export function describeMethod(choice: BaselineChoice, config: BaselineMethodConfig): string {
  const version = choice.version === null ? "product default" : `baseline v${choice.version}`;
  if (config.method !== "HISTORICAL_X_OF_Y") return `${choice.method} (${version})`;
  const s = config.selection;
  const selection = s.kind === "ALL" ? `ALL ${s.of}` : `${s.kind} ${s.keep} of ${s.of}${s.kind === "HIGH" ? ` by ${s.by}` : ""}`;
  return `${choice.method} ${selection} ${config.dayPool}${config.excludeEventDays ? " excludeEventDays" : ""} (${version})`;
}

/** The instruction's settlement periods (UTC starts) and the energy instructed in each: set point × overlap. */
function instructedPeriods(instruction: InstructionForAssessment) {
  const setPoint = decimal(String(instruction.setPointMw), "setPointMw");
  const periods: { start: number; overlapMs: number; instructedWh: bigint }[] = [];
  const first = Math.floor(instruction.start.getTime() / HALF_HOUR_MS) * HALF_HOUR_MS;
  for (let start = first; start < instruction.end.getTime(); start += HALF_HOUR_MS) {
    const overlapMs = Math.min(start + HALF_HOUR_MS, instruction.end.getTime()) - Math.max(start, instruction.start.getTime());
    // MW × 1e6 W/MW × h: Wh, rounded half away from zero to the Wh once.
    const instructedWh = roundHalfAwayFromZero(mul(setPoint, ratio(BigInt(overlapMs) * 1_000_000n, 3_600_000n)));
    periods.push({ start, overlapMs, instructedWh });
  }
  return periods;
}

/** A calculation's refusal of stored data is not the caller's bad input: CONFLICT, with the library's reason. */
function asConflict<T>(compute: () => T): T {
  try {
    return compute();
  } catch (error) {
    if (error instanceof SfeError && error.extensions.code === "BAD_USER_INPUT") {
      throw conflict(`Cannot assess: ${error.message}`, { reason: error.extensions.reason });
    }
    throw error;
  }
}

/**
 * Assesses one instruction. `readings` cover HISTORY_DAYS before the event's first local day up to its end;
 * `eventDays` are the local dates of the asset's other instructions (skipped when the method says so, R-VER-4).
 * A period with incomplete data is listed in `lateData` (R-VER-1) and left out of metered, delivered and credited.
 */
export function assessInstruction(
  instruction: InstructionForAssessment,
  choice: BaselineChoice,
  readings: readonly ReadingForAssessment[],
  eventDays: readonly string[],
  /** Where the asset lies decides its bank holidays (kit bankHolidaysFor: Scotland's in _N and _P). */
  bankHolidays: ReadonlySet<string> = ENGLAND_AND_WALES_BANK_HOLIDAYS,
): AssessmentFigures {
  return assessSlots(instruction, choice, halfHourSlots(readings), eventDays, bankHolidays);
}

/** assessInstruction from half-hours already formed: one meter's (halfHourSlots) or a unit's members' (combinedSlots). */
export function assessSlots(
  instruction: InstructionForAssessment,
  choice: BaselineChoice,
  slots: Slots,
  eventDays: readonly string[],
  bankHolidays: ReadonlySet<string> = ENGLAND_AND_WALES_BANK_HOLIDAYS,
): AssessmentFigures {
  const config = methodConfig(choice, instruction.direction);
  const periods = asConflict(() => instructedPeriods(instruction));
  if (periods.every((p) => p.instructedWh <= 0n))
    throw conflict("Cannot assess: the instruction's set point asks for no energy", { reason: "NOTHING_INSTRUCTED" });
  const complete = (start: number) => {
    const slot = slots.get(start);
    return slot && slot.coveredMs === HALF_HOUR_MS ? slot.netWh : null;
  };
  // Complete half-hours by local day and period name: the history the baseline averages.
  const byDay = new Map<string, Record<string, bigint>>();
  for (const [start, slot] of slots) {
    if (slot.coveredMs !== HALF_HOUR_MS) continue;
    const { date, period } = local(new Date(start));
    const day = byDay.get(date) ?? {};
    day[period] = slot.netWh;
    byDay.set(date, day);
  }
  // One baseline per local day the window touches (a window past midnight has two).
  const baselineWh = new Map<number, bigint>();
  const days = [...new Set(periods.map((p) => local(new Date(p.start)).date))];
  for (const eventDate of days) {
    const own = periods.filter((p) => local(new Date(p.start)).date === eventDate);
    const names = own.map((p) => local(new Date(p.start)).period);
    const needed =
      config.method === "HISTORICAL_X_OF_Y" && config.inDayAdjustment
        ? [...names, ...asConflict(() => adjustmentWindow(IN_DAY_ADJUSTMENT, names))]
        : names;
    // A history day counts only when it has every period the baseline reads (a day with a gap is not a normal day).
    const history: MeteredDay[] = [...byDay]
      .filter(([date, values]) => date < eventDate && needed.every((name) => values[name] !== undefined))
      .map(([date, netExportWh]) => ({ date, netExportWh }));
    const result = asConflict(() =>
      baseline(config, {
        eventDate,
        eventPeriods: names,
        history,
        eventDays: [...eventDays],
        eventDayMetered: byDay.get(eventDate) ?? {},
        bankHolidays: [...bankHolidays],
        nominated: Object.fromEntries(Object.entries(choice.profileWh).map(([p, wh]) => [p, BigInt(wh)])),
        ...(choice.derCount !== null && { derCount: choice.derCount }),
      }),
    );
    for (const [i, p] of own.entries()) baselineWh.set(p.start, result.periods[i]?.netExportWh ?? 0n);
  }

  const withData: PeriodDelivery[] = [];
  const lateData: string[] = [];
  for (const p of periods) {
    const metered = complete(p.start);
    if (metered === null) lateData.push(new Date(p.start).toISOString());
    else if (p.instructedWh > 0n)
      withData.push({
        period: String(p.start),
        baselineNetExportWh: baselineWh.get(p.start) ?? 0n,
        meteredNetExportWh: metered,
        instructedWh: p.instructedWh,
      });
  }
  const assessed = withData.length > 0 ? asConflict(() => assessDelivery(instruction.direction, withData)) : null;
  const byStart = new Map((assessed?.periods ?? []).map((p) => [Number(p.period), p]));
  const instructedWh = periods.reduce((sum, p) => sum + p.instructedWh, 0n);
  const windowMs = instruction.end.getTime() - instruction.start.getTime();
  const availableMs = periods.filter((p) => (byStart.get(p.start)?.deliveredWh ?? 0n) > 0n).reduce((sum, p) => sum + p.overlapMs, 0);
  const deliveredWh = assessed?.deliveredWh ?? 0n;
  return {
    baselineMethod: describeMethod(choice, config),
    baselineWh: periods.reduce((sum, p) => sum + (baselineWh.get(p.start) ?? 0n), 0n),
    meteredWh: [...byStart.values()].reduce((sum, p) => sum + p.meteredNetExportWh, 0n),
    deliveredWh,
    instructedWh,
    creditedWh: assessed?.creditedWh ?? 0n,
    deliveryRatio: instructedWh > 0n ? toFixed(ratio(deliveredWh, instructedWh), 6) : null,
    availabilityRatio: toFixed(availabilityRatio(BigInt(availableMs), BigInt(windowMs)), 6),
    lateData,
    periods: periods.map((p) => {
      const a = byStart.get(p.start);
      return {
        period: local(new Date(p.start)).period,
        start: new Date(p.start).toISOString(),
        end: new Date(p.start + HALF_HOUR_MS).toISOString(),
        baselineWh: String(baselineWh.get(p.start) ?? 0n),
        meteredWh: a ? String(a.meteredNetExportWh) : null,
        deliveredWh: a ? String(a.deliveredWh) : null,
        instructedWh: String(p.instructedWh),
        creditedWh: a ? String(a.creditedWh) : null,
        deliveryRatio: a ? toFixed(a.deliveryRatio, 6) : null,
      };
    }),
  };
}
