// V.2 delivered, credited and ratios (domain.md §7.8 steps 3–4, R-VER-3). All energies are Wh.

import { calculationError } from "./errors.js";
import { type Ratio, ratio } from "./exact.js";

/** domain.md §3.3 Direction. */
export type Direction = "DEMAND_TURN_DOWN" | "DEMAND_TURN_UP" | "GENERATION_TURN_UP" | "GENERATION_TURN_DOWN";

/** UP (DTD, GTU) asks for more net export than the baseline; DOWN (DTU, GTD) for less. */
export const isUp = (direction: Direction) => direction === "DEMAND_TURN_DOWN" || direction === "GENERATION_TURN_UP";

/**
 * UP: metered − baseline; DOWN: baseline − metered (both export-positive). For an import-only site
 * net = −import, so demand turn-down is (−meteredImport) − (−baselineImport) = baselineImport −
 * meteredImport: the §7.8 special case falls out of the sign convention, nothing extra to get wrong.
 * Negative when the unit moved the wrong way.
 */
export function deliveredWh(direction: Direction, baselineNetExportWh: bigint, meteredNetExportWh: bigint): bigint {
  return isUp(direction) ? meteredNetExportWh - baselineNetExportWh : baselineNetExportWh - meteredNetExportWh;
}

/** min(delivered, instructed), never below 0: no pay for over-delivery (R-VER-3) or for moving the wrong way. */
export function creditedWh(delivered: bigint, instructed: bigint): bigint {
  const capped = delivered < instructed ? delivered : instructed;
  return capped < 0n ? 0n : capped;
}

export interface PeriodDelivery {
  period: string;
  baselineNetExportWh: bigint;
  meteredNetExportWh: bigint;
  /** Energy instructed in this period, > 0. */
  instructedWh: bigint;
}

export interface PeriodAssessment extends PeriodDelivery {
  deliveredWh: bigint;
  creditedWh: bigint;
  /** delivered / instructed, exact. */
  deliveryRatio: Ratio;
}

export interface DeliveryAssessment {
  periods: PeriodAssessment[];
  deliveredWh: bigint;
  instructedWh: bigint;
  /** The sum of each period's credited energy (the cap applies per period, as in §7.8). */
  creditedWh: bigint;
  /** Event delivered / event instructed. */
  deliveryRatio: Ratio;
}

export function assessPeriod(direction: Direction, input: PeriodDelivery): PeriodAssessment {
  if (input.instructedWh <= 0n) {
    throw calculationError("NOT_POSITIVE", `instructed energy for ${input.period} must be positive, got ${input.instructedWh} Wh`, {
      field: "instructedWh",
      period: input.period,
    });
  }
  const delivered = deliveredWh(direction, input.baselineNetExportWh, input.meteredNetExportWh);
  return {
    ...input,
    deliveredWh: delivered,
    creditedWh: creditedWh(delivered, input.instructedWh),
    deliveryRatio: ratio(delivered, input.instructedWh),
  };
}

/** Assesses each instructed period and totals the event. */
export function assessDelivery(direction: Direction, periods: readonly PeriodDelivery[]): DeliveryAssessment {
  if (periods.length === 0) throw calculationError("MISSING_INPUT", "No instructed periods to assess", { field: "periods" });
  const assessed = periods.map((period) => assessPeriod(direction, period));
  const total = (pick: (p: PeriodAssessment) => bigint) => assessed.reduce((sum, p) => sum + pick(p), 0n);
  const instructed = total((p) => p.instructedWh);
  const delivered = total((p) => p.deliveredWh);
  return {
    periods: assessed,
    deliveredWh: delivered,
    instructedWh: instructed,
    creditedWh: total((p) => p.creditedWh),
    deliveryRatio: ratio(delivered, instructed),
  };
}

/** Available time / window time (§7.8 step 4), in any one unit (minutes, say), exact. */
export function availabilityRatio(availableTime: bigint, windowTime: bigint): Ratio {
  if (windowTime <= 0n) throw calculationError("NOT_POSITIVE", "The availability window must be longer than zero", { field: "windowTime" });
  if (availableTime < 0n || availableTime > windowTime) {
    throw calculationError("OUT_OF_RANGE", "Available time must be between zero and the window's length", { field: "availableTime" });
  }
  return ratio(availableTime, windowTime);
}
