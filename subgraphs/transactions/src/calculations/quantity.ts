// Energy is an integer number of watt-hours (bigint): exact to 0.000001 MWh, which is finer than any
// GB settlement meter reports, and sums of a million half-hours stay exact.

import { calculationError } from "./errors.js";
import { decimal, mul, ratio, type Ratio, toFixed } from "./exact.js";

export const WH_PER_KWH = 1_000n;
export const WH_PER_MWH = 1_000_000n;

function toWh(text: string, whPerUnit: bigint, field: string): bigint {
  const wh = mul(decimal(text, field), ratio(whPerUnit));
  if (wh.den !== 1n) throw calculationError("TOO_PRECISE", `${field} is finer than 1 Wh: ${JSON.stringify(text)}`, { field });
  return wh.num;
}

/** "0.411" MWh → 411000n Wh. */
export const mwh = (text: string, field = "energy") => toWh(text, WH_PER_MWH, field);
/** "411" kWh → 411000n Wh. */
export const kwh = (text: string, field = "energy") => toWh(text, WH_PER_KWH, field);

/** Wh as an exact number of MWh (for prices in £/MWh). */
export const whInMwh = (wh: bigint): Ratio => ratio(wh, WH_PER_MWH);

/** 411000n → "0.411" (MWh, 3 places unless told). */
export const formatMwh = (wh: bigint, places = 3) => toFixed(whInMwh(wh), places);

/** Throws NEGATIVE_ENERGY for a register value below zero (meter registers only count up). */
export function requireNonNegativeWh(wh: bigint, field: string): bigint {
  if (wh < 0n) throw calculationError("NEGATIVE_ENERGY", `${field} cannot be negative, got ${wh} Wh`, { field });
  return wh;
}

/** Export-positive net energy from a meter's two registers (each ≥ 0): export − import (§4.12). */
export function netExportWh(registers: { importWh: bigint; exportWh: bigint }): bigint {
  return requireNonNegativeWh(registers.exportWh, "exportWh") - requireNonNegativeWh(registers.importWh, "importWh");
}
