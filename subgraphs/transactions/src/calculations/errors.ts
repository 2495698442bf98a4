import { SfeError } from "@sfe/kit";

/**
 * Why a calculation refused its input. BAD_USER_INPUT is the code a client sees; `reason` says which
 * rule failed, so an ingest report or a PROVISIONAL assessment can name it without parsing prose.
 */
export type CalculationReason =
  | "MALFORMED_NUMBER"
  | "TOO_PRECISE"
  | "NEGATIVE_ENERGY"
  | "NOT_POSITIVE"
  | "OUT_OF_RANGE"
  | "MALFORMED_DATE"
  | "MALFORMED_PERIOD"
  | "DUPLICATE_DAY"
  | "MISSING_PERIOD"
  | "MISSING_INPUT"
  | "TOO_FEW_BASELINE_DAYS"
  | "BAD_SELECTION"
  | "WINDOW_OUTSIDE_DAY";

export const calculationError = (reason: CalculationReason, message: string, details: Record<string, unknown> = {}) =>
  new SfeError("BAD_USER_INPUT", message, { ...details, reason });
