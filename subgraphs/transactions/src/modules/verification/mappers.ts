import type { meterReadings, penalties, performanceAssessments } from "../../db/schema.js";
import type { ServiceDeliveryRow } from "./repository.js";
import type { baselines } from "./tables.js";

/** Row types the verification resolvers return. */
export type MeterReadingMapper = typeof meterReadings.$inferSelect;
export type PerformanceAssessmentMapper = typeof performanceAssessments.$inferSelect;
export type PenaltyMapper = typeof penalties.$inferSelect;
export type BaselineMapper = typeof baselines.$inferSelect;
export type ServiceDeliveryStatisticMapper = ServiceDeliveryRow;
/** One element of performance_assessments.periods (Wh as decimal strings). */
export type AssessmentPeriodMapper = {
  period: string;
  start: string;
  end: string;
  baselineWh: string;
  meteredWh: string | null;
  deliveredWh: string | null;
  instructedWh: string;
  creditedWh: string | null;
  deliveryRatio: string | null;
};
