// S.1 statement lines (domain.md §4.15, §7.9, R-SET-1/2). Quantities, prices and factors are exact;
// each line's amount is rounded once to the penny, half away from zero, and the total is the sum of
// the rounded lines.

import { calculationError } from "./errors.js";
import { compare, decimal, div, mul, ONE, type Ratio, ratio, sub, ZERO } from "./exact.js";
import { creditedWh } from "./delivery.js";
import { roundToPence } from "./money.js";
import { whInMwh } from "./quantity.js";

/**
 * How much of the utilisation price a delivery ratio r earns (R-SET-2, per product).
 * - FLAT: always 1 (e.g. DFS: price × delivered volume).
 * - SLIDING: 0 below `floorRatio`, 1 at or above `fullRatio`, linear between:
 *   (r − floor) / (full − floor).
 */
export type UtilisationScale = { kind: "FLAT" } | { kind: "SLIDING"; floorRatio: Ratio; fullRatio: Ratio };

/** §7.9's illustrative scale: 1 if r ≥ 0.95, (r − 0.5)/0.45 if 0.5 ≤ r < 0.95, 0 below 0.5. */
export const ILLUSTRATIVE_SLIDING_SCALE: UtilisationScale = { kind: "SLIDING", floorRatio: decimal("0.5"), fullRatio: decimal("0.95") };

export function utilisationFactor(scale: UtilisationScale, deliveryRatio: Ratio): Ratio {
  if (scale.kind === "FLAT") return ONE;
  if (compare(scale.floorRatio, scale.fullRatio) >= 0) {
    throw calculationError("OUT_OF_RANGE", "A sliding scale's floor must be below its full ratio", { field: "utilisationScale" });
  }
  if (compare(deliveryRatio, scale.floorRatio) < 0) return ZERO;
  if (compare(deliveryRatio, scale.fullRatio) >= 0) return ONE;
  return div(sub(deliveryRatio, scale.floorRatio), sub(scale.fullRatio, scale.floorRatio));
}

export type StatementLineType = "AVAILABILITY" | "UTILISATION" | "PENALTY" | "ADJUSTMENT";
export type PenaltyType = "NON_DELIVERY" | "TECHNICAL_UNAVAILABILITY" | "COMMERCIAL_UNAVAILABILITY" | "LATE_DATA";

/** §4.15's line: quantity in MW·h (availability) or MWh (utilisation), unit price in £. */
export interface StatementLine {
  type: StatementLineType;
  period: string;
  quantity: Ratio;
  unitPriceGbp: Ratio;
  factor: Ratio;
  amountPence: bigint;
  basis?: string;
}

export interface AvailabilityWindow {
  /** What the line covers ("2026-11 16:00–20:00", an award id …): a label, not parsed. */
  period: string;
  contractedMw: Ratio;
  priceGbpPerMwPerH: Ratio;
  hours: Ratio;
  /** 0 when wholly unavailable (R-SET-1), pro-rata or 1 otherwise: the product's rule, decided upstream. */
  availabilityFactor: Ratio;
}

export interface Utilisation {
  period: string;
  deliveredWh: bigint;
  instructedWh: bigint;
  priceGbpPerMwh: Ratio;
}

export interface PenaltyCharge {
  period: string;
  type: PenaltyType;
  /** The penalty's size, ≥ 0; the line subtracts it. */
  amountGbp: Ratio;
  basis: string;
}

/** contracted MW × £/MW/h × hours × availability factor. */
export function availabilityLine(window: AvailabilityWindow): StatementLine {
  requireAtLeastZero(window.contractedMw, "contractedMw");
  requireAtLeastZero(window.hours, "hours");
  requireFactor(window.availabilityFactor, "availabilityFactor");
  const quantity = mul(window.contractedMw, window.hours);
  return {
    type: "AVAILABILITY",
    period: window.period,
    quantity,
    unitPriceGbp: window.priceGbpPerMwPerH,
    factor: window.availabilityFactor,
    amountPence: roundToPence(mul(mul(quantity, window.priceGbpPerMwPerH), window.availabilityFactor)),
  };
}

/** min(delivered, instructed) MWh × £/MWh × f(delivered / instructed). */
export function utilisationLine(utilisation: Utilisation, scale: UtilisationScale): StatementLine {
  if (utilisation.instructedWh <= 0n) {
    throw calculationError("NOT_POSITIVE", `instructed energy for ${utilisation.period} must be positive`, { field: "instructedWh" });
  }
  const quantity = whInMwh(creditedWh(utilisation.deliveredWh, utilisation.instructedWh));
  const factor = utilisationFactor(scale, ratio(utilisation.deliveredWh, utilisation.instructedWh));
  return {
    type: "UTILISATION",
    period: utilisation.period,
    quantity,
    unitPriceGbp: utilisation.priceGbpPerMwh,
    factor,
    amountPence: roundToPence(mul(mul(quantity, utilisation.priceGbpPerMwh), factor)),
  };
}

export function penaltyLine(penalty: PenaltyCharge): StatementLine {
  requireAtLeastZero(penalty.amountGbp, "amountGbp");
  return {
    type: "PENALTY",
    period: penalty.period,
    quantity: ONE,
    unitPriceGbp: penalty.amountGbp,
    factor: ONE,
    // Round the size, then negate: a penalty rounds exactly as a payment of the same size would.
    amountPence: -roundToPence(penalty.amountGbp),
    basis: `${penalty.type}: ${penalty.basis}`,
  };
}

export interface StatementInputs {
  availability?: readonly AvailabilityWindow[];
  utilisations?: readonly Utilisation[];
  penalties?: readonly PenaltyCharge[];
  utilisationScale: UtilisationScale;
}

export interface Statement {
  lines: StatementLine[];
  /** The sum of the rounded lines, ex VAT. */
  totalPence: bigint;
}

export function settlementStatement(inputs: StatementInputs): Statement {
  const lines = [
    ...(inputs.availability ?? []).map(availabilityLine),
    ...(inputs.utilisations ?? []).map((u) => utilisationLine(u, inputs.utilisationScale)),
    ...(inputs.penalties ?? []).map(penaltyLine),
  ];
  return { lines, totalPence: lines.reduce((sum, line) => sum + line.amountPence, 0n) };
}

function requireAtLeastZero(value: Ratio, field: string) {
  if (compare(value, ZERO) < 0) throw calculationError("OUT_OF_RANGE", `${field} cannot be negative`, { field });
}

function requireFactor(value: Ratio, field: string) {
  if (compare(value, ZERO) < 0 || compare(value, ONE) > 0)
    throw calculationError("OUT_OF_RANGE", `${field} must be between 0 and 1`, { field });
}
