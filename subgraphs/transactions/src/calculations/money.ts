// Money is integer pence (bigint). Prices and factors stay exact rationals until a statement line's
// amount is known; the line is then rounded once, half away from zero, to the penny, and a statement's
// total is the sum of its rounded lines, so a printed statement always adds up.

import { type Ratio, ratio, roundHalfAwayFromZero, mul } from "./exact.js";

export const PENCE_PER_POUND = 100n;

/** An exact amount of pounds, rounded to the penny (half away from zero). */
export const roundToPence = (gbp: Ratio): bigint => roundHalfAwayFromZero(mul(gbp, ratio(PENCE_PER_POUND)));

/** 137080n → "1,370.80"; −2500n → "-25.00". */
export function formatGbp(pence: bigint): string {
  const magnitude = pence < 0n ? -pence : pence;
  const pounds = (magnitude / PENCE_PER_POUND).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const rest = (magnitude % PENCE_PER_POUND).toString().padStart(2, "0");
  return `${pence < 0n ? "-" : ""}${pounds}.${rest}`;
}
