// Local calendar dates ("2026-12-01") and half-hour settlement periods named by their local start
// time ("17:00"). Naming a period by its clock time, not its number, is what makes "the same SP"
// line up across days: after a clock change SP 35 is a different time of day, 17:00 is not.

import { calculationError } from "./errors.js";

export type DayType = "WORKING" | "NON_WORKING";

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const PERIOD = /^([01]\d|2[0-3]):(00|30)$/;
export const PERIOD_MINUTES = 30;

/** Checks a local date is real (2026-02-30 is not) and returns it. */
export function requireDate(date: string, field = "date"): string {
  const match = DATE.exec(date);
  const utc = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : undefined;
  if (!utc || utc.toISOString().slice(0, 10) !== date) {
    throw calculationError("MALFORMED_DATE", `${field} must be a date YYYY-MM-DD, got ${JSON.stringify(date)}`, { field });
  }
  return date;
}

/** Monday to Friday and not a bank holiday is WORKING; the rest NON_WORKING. */
export function dayType(date: string, bankHolidays: ReadonlySet<string>): DayType {
  const weekday = new Date(`${requireDate(date)}T00:00:00Z`).getUTCDay();
  return weekday === 0 || weekday === 6 || bankHolidays.has(date) ? "NON_WORKING" : "WORKING";
}

/** "17:30" → 1050 minutes after local midnight. */
export function periodStartMinutes(period: string, field = "period"): number {
  const match = PERIOD.exec(period);
  if (!match)
    throw calculationError("MALFORMED_PERIOD", `${field} must be a half-hour start HH:00 or HH:30, got ${JSON.stringify(period)}`, {
      field,
    });
  return Number(match[1]) * 60 + Number(match[2]);
}

/** 1050 → "17:30". */
export function periodAt(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}
