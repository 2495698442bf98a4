// GB market time: Europe/London wall time ↔ UTC instants, settlement periods and EFA blocks (issue 10's
// normalisation). Pure functions: offsets come from Intl with timeZone "Europe/London", never from the
// machine's TZ, so the answers are the same on any server.
import { SfeError, quote } from "./errors.js";

/** Why a time value was refused (`extensions.reason` on a BAD_USER_INPUT error, next to `field`). */
export type GbTimeProblem =
  | "MALFORMED_TIMESTAMP"
  | "MALFORMED_DATE"
  | "NONEXISTENT_LOCAL_TIME"
  | "AMBIGUOUS_LOCAL_TIME"
  | "SETTLEMENT_PERIOD_OUT_OF_RANGE"
  | "EFA_BLOCK_OUT_OF_RANGE";

const timeError = (reason: GbTimeProblem, message: string, field: string) => new SfeError("BAD_USER_INPUT", message, { field, reason });

/** How to read a wall time that occurs twice (01:00–02:00 on the autumn clock-change day). */
export type Ambiguity = "earlier" | "later" | "reject";

export interface TimeOptions {
  /** The field named in an error (a row report's column); default "timestamp". */
  field?: string;
  /** The repeated autumn hour without an offset: the first (BST) or second (GMT) occurrence, or refuse. Default "reject". */
  ambiguous?: Ambiguity;
}

const MINUTE = 60_000;
const HALF_HOUR = 30 * MINUTE;
const DAY = 24 * 60 * MINUTE;

const london = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Europe/London",
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

/** London's offset from Intl, in minutes, at `ms`. */
function intlOffset(ms: number): number {
  const parts: Record<string, number> = {};
  for (const part of london.formatToParts(new Date(ms))) if (part.type !== "literal") parts[part.type] = Number(part.value);
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour! % 24, parts.minute!, parts.second!);
  return Math.round((wall - (ms - (((ms % 1000) + 1000) % 1000))) / MINUTE);
}

// London's clocks change on a whole UTC hour (01:00 UTC), so the offset is one value per UTC hour: cached by hour
// (formatToParts costs microseconds; a million-row file asks for the same few thousand hours).
const HOUR = 60 * MINUTE;
const offsetByHour = new Map<number, number>();

function offsetAt(ms: number): number {
  const hour = Math.floor(ms / HOUR);
  let offset = offsetByHour.get(hour);
  if (offset === undefined) {
    if (offsetByHour.size >= 200_000) offsetByHour.clear();
    offset = intlOffset(hour * HOUR);
    offsetByHour.set(hour, offset);
  }
  return offset;
}

/** The Europe/London wall clock at `ms` (milliseconds since the epoch). */
function wallAt(ms: number): Wall {
  const d = new Date(ms + offsetAt(ms) * MINUTE);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
  };
}

const wallMs = (w: Wall) => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond);

/** Minutes Europe/London is ahead of UTC at `instant`: 0 (GMT) or 60 (BST). */
export function londonOffsetMinutes(instant: Date): number {
  return offsetAt(instant.getTime());
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");
const formatOffset = (minutes: number) =>
  `${minutes < 0 ? "-" : "+"}${pad(Math.floor(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`;
const formatWall = (w: Wall) =>
  `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${w.millisecond ? `.${pad(w.millisecond, 3)}` : ""}`;
const formatDate = (w: Pick<Wall, "year" | "month" | "day">) => `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;

/** The Europe/London wall time of `instant` with its offset: `2025-10-26T01:30:00+01:00`. */
export function toLondonLocal(instant: Date): string {
  const ms = instant.getTime();
  return `${formatWall(wallAt(ms))}${formatOffset(offsetAt(ms))}`;
}

// YYYY-MM-DD, then T or a space, HH:mm, optional :ss and fraction, optional Z or ±hh:mm / ±hhmm / ±hh.
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function validWall(w: Wall): boolean {
  if (w.month < 1 || w.month > 12 || w.day < 1 || w.hour > 23 || w.minute > 59 || w.second > 59) return false;
  return w.day <= new Date(Date.UTC(w.year, w.month, 0)).getUTCDate();
}

function parseWall(value: string, field: string): { wall: Wall; offset: string | undefined } {
  const m = TIMESTAMP.exec(value.trim());
  const wall: Wall | undefined = m
    ? {
        year: Number(m[1]),
        month: Number(m[2]),
        day: Number(m[3]),
        hour: Number(m[4]),
        minute: Number(m[5]),
        second: Number(m[6] ?? 0),
        millisecond: Number((m[7] ?? "").padEnd(3, "0").slice(0, 3)),
      }
    : undefined;
  if (!m || !wall || !validWall(wall)) {
    throw timeError(
      "MALFORMED_TIMESTAMP",
      `${field} must be an ISO 8601 date and time (2025-10-26T01:30, with Z or an offset such as +01:00 if not London time), got ${quote(value)}`,
      field,
    );
  }
  return { wall, offset: m[8] };
}

/** A calendar date `YYYY-MM-DD` as its parts, or a coded MALFORMED_DATE error. */
function parseDate(value: string, field: string): Pick<Wall, "year" | "month" | "day"> {
  const m = DATE.exec(value);
  const date = m ? { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) } : undefined;
  if (!date || !validWall({ ...date, hour: 0, minute: 0, second: 0, millisecond: 0 })) {
    throw timeError("MALFORMED_DATE", `${field} must be a date YYYY-MM-DD, got ${quote(value)}`, field);
  }
  return date;
}

function addDays(date: Pick<Wall, "year" | "month" | "day">, days: number) {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day) + days * DAY);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/**
 * The instants at which London's clock shows `wall`: none in the spring gap, two in the autumn's repeated
 * hour, one otherwise. Candidates are the offsets in force a day either side (London changes at most once a day).
 */
function instantsOf(wall: Wall): number[] {
  const naive = wallMs(wall);
  const found = new Set<number>();
  for (const probe of [naive - DAY, naive + DAY]) {
    const offset = offsetAt(probe);
    const candidate = naive - offset * MINUTE;
    if (offsetAt(candidate) === offset) found.add(candidate);
  }
  return [...found].sort((a, b) => a - b);
}

function wallToInstant(wall: Wall, value: string, options: TimeOptions): Date {
  const field = options.field ?? "timestamp";
  const instants = instantsOf(wall);
  if (instants.length === 0) {
    throw timeError(
      "NONEXISTENT_LOCAL_TIME",
      `${field} ${quote(value)} does not exist in UK time: the clocks go forward from 01:00 to 02:00 that day`,
      field,
    );
  }
  if (instants.length === 2) {
    const ambiguous = options.ambiguous ?? "reject";
    if (ambiguous === "earlier") return new Date(instants[0]!);
    if (ambiguous === "later") return new Date(instants[1]!);
    throw timeError(
      "AMBIGUOUS_LOCAL_TIME",
      `${field} ${quote(value)} happens twice in UK time (the clocks go back from 02:00 to 01:00 that day): give its offset, +01:00 or +00:00`,
      field,
    );
  }
  return new Date(instants[0]!);
}

/**
 * A Europe/London wall time without an offset (`2025-03-30T00:30`, seconds optional, T or a space) as the UTC
 * instant. The spring gap (01:00–02:00 on the last Sunday in March) is NONEXISTENT_LOCAL_TIME; the autumn's
 * repeated 01:00–02:00 follows `options.ambiguous` (default AMBIGUOUS_LOCAL_TIME). A string with an offset is refused
 * here: `parseTimestamp` takes either.
 */
export function localToUtc(local: string, options: TimeOptions = {}): Date {
  const field = options.field ?? "timestamp";
  const { wall, offset } = parseWall(local, field);
  if (offset !== undefined) {
    throw timeError("MALFORMED_TIMESTAMP", `${field} must be a London wall time without an offset, got ${quote(local)}`, field);
  }
  return wallToInstant(wall, local, options);
}

/** A timestamp from a source: the instant, and the local time when the source gave one. */
export interface ParsedTimestamp {
  /** The UTC instant. */
  utc: Date;
  /**
   * The source's local time as it gave it, normalised to `YYYY-MM-DDTHH:mm:ss±hh:mm` (its own offset kept, so a
   * source's `+00:00` in winter stays a local time); a wall time without an offset gets London's offset; null when
   * the source gave UTC (`Z`).
   */
  local: string | null;
}

/**
 * Any ISO 8601 timestamp a source writes: with `Z` (UTC), with an offset (`2025-10-26T01:30+01:00`, `+0100`, `+01`),
 * or a naive Europe/London wall time (read as `localToUtc` does). `T` or a space between date and time.
 */
export function parseTimestamp(value: string, options: TimeOptions = {}): ParsedTimestamp {
  const field = options.field ?? "timestamp";
  const { wall, offset } = parseWall(value, field);
  if (offset === undefined) {
    const utc = wallToInstant(wall, value, options);
    return { utc, local: `${formatWall(wall)}${formatOffset(londonOffsetMinutes(utc))}` };
  }
  if (offset.toUpperCase() === "Z") return { utc: new Date(wallMs(wall)), local: null };
  const sign = offset.startsWith("-") ? -1 : 1;
  const digits = offset.slice(1).replace(":", "");
  const minutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0));
  if (Math.abs(minutes) > 18 * 60 || Number(digits.slice(2) || 0) > 59) {
    throw timeError("MALFORMED_TIMESTAMP", `${field} has an offset out of range, got ${quote(value)}`, field);
  }
  return { utc: new Date(wallMs(wall) - minutes * MINUTE), local: `${formatWall(wall)}${formatOffset(minutes)}` };
}

/** A Date as is (refused if invalid), or a string read by `parseTimestamp`. */
function toInstant(instant: Date | string, options: TimeOptions): Date {
  if (typeof instant === "string") return parseTimestamp(instant, options).utc;
  if (Number.isNaN(instant.getTime())) {
    const field = options.field ?? "timestamp";
    throw timeError("MALFORMED_TIMESTAMP", `${field} is not a valid instant`, field);
  }
  return instant;
}

/** The UTC instant of London midnight starting `date` (midnight always exists once in London: changes are at 01:00 UTC). */
function midnight(date: Pick<Wall, "year" | "month" | "day">): number {
  return instantsOf({ ...date, hour: 0, minute: 0, second: 0, millisecond: 0 })[0]!;
}

// ---- settlement periods -------------------------------------------------------------------------------

/** A half-hour settlement period: its settlement date (London calendar day) and number (1 from local midnight). */
export interface SettlementPeriod {
  settlementDate: string;
  period: number;
}

/** Half-hours in a settlement day: 46 on the spring clock-change day, 50 on the autumn one, otherwise 48. */
export function settlementPeriodsInDay(settlementDate: string, options: { field?: string } = {}): number {
  const date = parseDate(settlementDate, options.field ?? "settlementDate");
  return (midnight(addDays(date, 1)) - midnight(date)) / HALF_HOUR;
}

/**
 * The settlement period containing `instant`. Periods count elapsed half-hours from local midnight, so on the
 * autumn day the repeated hour is periods 3–4 (BST) then 5–6 (GMT) and period 50 ends at midnight; on the spring
 * day 01:00 GMT is followed by 02:00 BST, which is period 3, and period 46 ends at midnight.
 */
export function settlementPeriodOf(instant: Date | string, options: TimeOptions = {}): SettlementPeriod {
  const ms = toInstant(instant, options).getTime();
  const wall = wallAt(ms);
  return { settlementDate: formatDate(wall), period: Math.floor((ms - midnight(wall)) / HALF_HOUR) + 1 };
}

function checkPeriod(settlementDate: string, period: number, field: string): number {
  const date = parseDate(settlementDate, "settlementDate");
  const start = midnight(date);
  const count = (midnight(addDays(date, 1)) - start) / HALF_HOUR;
  if (!Number.isInteger(period) || period < 1 || period > count) {
    throw timeError(
      "SETTLEMENT_PERIOD_OUT_OF_RANGE",
      `${field} must be a whole number from 1 to ${count} on ${settlementDate}, got ${quote(period)}`,
      field,
    );
  }
  return start + (period - 1) * HALF_HOUR;
}

/** The UTC instant a settlement period starts; a period outside 1 … `settlementPeriodsInDay(date)` is a coded error. */
export function settlementPeriodStart(settlementDate: string, period: number, options: { field?: string } = {}): Date {
  return new Date(checkPeriod(settlementDate, period, options.field ?? "settlementPeriod"));
}

/** A window of time: UTC start inclusive, end exclusive. */
export interface TimeWindow {
  start: Date;
  end: Date;
}

/** A settlement period's UTC start and end (always 30 minutes). */
export function settlementPeriodWindow(settlementDate: string, period: number, options: { field?: string } = {}): TimeWindow {
  const start = checkPeriod(settlementDate, period, options.field ?? "settlementPeriod");
  return { start: new Date(start), end: new Date(start + HALF_HOUR) };
}

// ---- EFA blocks ---------------------------------------------------------------------------------------

/** One of the six 4-hour EFA blocks of an EFA day. */
export interface EfaBlock {
  /** The EFA day: it starts at 23:00 London time on the previous calendar day. */
  efaDate: string;
  block: number;
}

/** Local hour each block starts at: block 1 = 23:00 (previous day) – 03:00 … block 6 = 19:00 – 23:00. */
const EFA_BLOCK_START_HOUR = [23, 3, 7, 11, 15, 19] as const;

/**
 * The EFA block containing `instant`, by London wall time (NESO defines EFA on local time): 23:00 onwards belongs to
 * the next day's block 1.
 */
export function efaBlockOf(instant: Date | string, options: TimeOptions = {}): EfaBlock {
  const wall = wallAt(toInstant(instant, options).getTime());
  const efaDate = formatDate(wall.hour >= 23 ? addDays(wall, 1) : wall);
  return { efaDate, block: Math.floor(((wall.hour + 1) % 24) / 4) + 1 };
}

/**
 * An EFA block's UTC start and end. Every boundary (23:00, 03:00, 07:00 …) exists once in London time, so on the
 * clock-change days only block 1 changes length: 3 hours on the spring day (23:00 GMT – 03:00 BST) and 5 on the
 * autumn day (23:00 BST – 03:00 GMT); blocks 2–6 are always 4 hours. The EFA day is 23 or 25 hours, as in NESO's
 * Dynamic Containment masterdata (delivery 2021-03-28: 2021-03-27T23:00Z – 2021-03-28T22:00Z).
 */
export function efaBlockWindow(efaDate: string, block: number, options: { field?: string } = {}): TimeWindow {
  const field = options.field ?? "efaBlock";
  const date = parseDate(efaDate, "efaDate");
  if (!Number.isInteger(block) || block < 1 || block > 6) {
    throw timeError("EFA_BLOCK_OUT_OF_RANGE", `${field} must be a whole number from 1 to 6, got ${quote(block)}`, field);
  }
  const at = (day: Pick<Wall, "year" | "month" | "day">, hour: number) =>
    new Date(instantsOf({ ...day, hour, minute: 0, second: 0, millisecond: 0 })[0]!);
  const start = block === 1 ? at(addDays(date, -1), 23) : at(date, EFA_BLOCK_START_HOUR[block - 1]!);
  const end = block === 6 ? at(date, 23) : at(date, EFA_BLOCK_START_HOUR[block]!);
  return { start, end };
}
