// Exact rational arithmetic on bigint. Energies, prices and factors are all exact here, so a
// settlement line is rounded once, at the end, and never carries binary-float error. A small helper
// rather than a decimal library: we need + − × ÷, compare and one rounding rule, and rationals keep
// factors like (0.92 − 0.5)/0.45 = 14/15 exact where a fixed-scale decimal would already round.

import { calculationError } from "./errors.js";

/** num/den with den > 0, in lowest terms. */
export interface Ratio {
  readonly num: bigint;
  readonly den: bigint;
}

const abs = (n: bigint) => (n < 0n ? -n : n);

function gcd(a: bigint, b: bigint): bigint {
  let [x, y] = [abs(a), abs(b)];
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

export function ratio(num: bigint, den = 1n): Ratio {
  if (den === 0n) throw new RangeError("ratio with a zero denominator");
  const sign = den < 0n ? -1n : 1n;
  const g = gcd(num, den) || 1n;
  return { num: (sign * num) / g, den: (sign * den) / g };
}

export const ZERO = ratio(0n);
export const ONE = ratio(1n);

const DECIMAL = /^-?(\d+(\.\d+)?|\.\d+)$/;

/** Parses a decimal string ("21.40", "-0.5", ".42") exactly. Numbers are strings so no float ever enters. */
export function decimal(text: string, field = "value"): Ratio {
  if (!DECIMAL.test(text))
    throw calculationError("MALFORMED_NUMBER", `${field} must be a decimal number, got ${JSON.stringify(text)}`, { field });
  const negative = text.startsWith("-");
  const [whole = "0", fraction = ""] = text.replace("-", "").split(".");
  const magnitude = BigInt(whole + fraction);
  return ratio(negative ? -magnitude : magnitude, 10n ** BigInt(fraction.length));
}

export const add = (a: Ratio, b: Ratio) => ratio(a.num * b.den + b.num * a.den, a.den * b.den);
export const sub = (a: Ratio, b: Ratio) => ratio(a.num * b.den - b.num * a.den, a.den * b.den);
export const mul = (a: Ratio, b: Ratio) => ratio(a.num * b.num, a.den * b.den);
export function div(a: Ratio, b: Ratio): Ratio {
  if (b.num === 0n) throw new RangeError("division by zero");
  return ratio(a.num * b.den, a.den * b.num);
}
/** −1, 0 or 1 as a is below, equal to or above b. */
export function compare(a: Ratio, b: Ratio): -1 | 0 | 1 {
  const d = a.num * b.den - b.num * a.den;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}
export const min = (a: Ratio, b: Ratio) => (compare(a, b) <= 0 ? a : b);
export const max = (a: Ratio, b: Ratio) => (compare(a, b) >= 0 ? a : b);

/**
 * The nearest integer, halves away from zero ("half-up" on the magnitude), so −2.5 → −3 as 2.5 → 3:
 * an import and an export of the same size round to the same size, and a penalty rounds like a payment.
 */
export function roundHalfAwayFromZero(r: Ratio): bigint {
  const magnitude = (2n * abs(r.num) + r.den) / (2n * r.den);
  return r.num < 0n ? -magnitude : magnitude;
}

/** r as a decimal string with `places` digits, rounded half away from zero (for display and tests). */
export function toFixed(r: Ratio, places: number): string {
  const scale = 10n ** BigInt(places);
  const scaled = roundHalfAwayFromZero(mul(r, ratio(scale)));
  const digits = abs(scaled)
    .toString()
    .padStart(places + 1, "0");
  const sign = scaled < 0n ? "-" : "";
  return places === 0 ? `${sign}${digits}` : `${sign}${digits.slice(0, -places)}.${digits.slice(-places)}`;
}
