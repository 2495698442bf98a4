import { badInput } from "./errors.js";

/** Trimmed, non-empty text of at most `max` characters, or BAD_USER_INPUT naming the field. */
export function requireText(value: string, field: string, max = 200): string {
  const text = value.trim();
  if (text === "") throw badInput(`${field} must not be empty`, field);
  if (text.length > max) throw badInput(`${field} must be at most ${max} characters`, field);
  return text;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export function requireEmail(value: string, field = "email"): string {
  const email = value.trim().toLowerCase();
  if (!EMAIL.test(email) || email.length > 254) throw badInput(`${field} is not a valid e-mail address`, field);
  return email;
}

/** A number ≥ 0 (capacities, prices, MW); rejects NaN and infinities. */
export function requireNonNegative(value: number, field: string): number {
  if (!Number.isFinite(value) || value < 0) throw badInput(`${field} must be a number ≥ 0`, field);
  return value;
}

/**
 * A finite number from `min` to `max` (its unit says what, e.g. "kW (2 GW)"), or BAD_USER_INPUT naming the
 * field and the bound: every number the hub stores has a physical bound (README, "What the hub promises").
 */
export function requireBounded(value: number, field: string, max: number, unit: string, min = 0): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    const range = min === 0 ? `≥ 0 and ≤ ${grouped(max)}` : `from ${grouped(min)} to ${grouped(max)}`;
    throw badInput(`${field} must be a number ${range}${unit ? ` ${unit}` : ""}`, field);
  }
  return value;
}

/** A number as the bounds in messages write it: 2,000,000. */
export const grouped = (n: number) => n.toLocaleString("en-GB");

/** A non-empty list. */
export function requireNonEmpty<T>(values: readonly T[], field: string): T[] {
  if (values.length === 0) throw badInput(`${field} must list at least one value`, field);
  return [...values];
}

/** `first`/`offset` arguments bounded so one query cannot ask for the whole table. */
export function page(first: number | null | undefined, offset: number | null | undefined, max = 1000) {
  const limit = first ?? 100;
  if (!Number.isInteger(limit) || limit < 0 || limit > max) throw badInput(`first must be between 0 and ${max}`, "first");
  const skip = offset ?? 0;
  if (!Number.isInteger(skip) || skip < 0) throw badInput("offset must be ≥ 0", "offset");
  return { limit, offset: skip };
}

/** start < end, both present. */
export function requireWindow(start: Date, end: Date, field = "end"): void {
  if (!(start.getTime() < end.getTime())) throw badInput(`${field} must be after the start`, field);
}
