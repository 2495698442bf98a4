import type { NesoService } from "./contract.js";

/**
 * The stand-in's services: NESO's response and reserve services with the technical parameters NESO
 * publishes for them, as digested in /work/shared/domain.md §5.2 (sources there: NESO's dynamic services
 * pages, the Dynamic Containment specification, the Quick Reserve technical requirements; NESO data is
 * reused under the NESO Open Data Licence, with attribution). The records, their field names and their
 * dates are ILLUSTRATIVE: NESO publishes no such API, this one only looks like what it could be.
 */
const DYNAMIC = {
  serviceFamily: "DYNAMIC_RESPONSE",
  minimumMW: 1,
  procurement: { mechanism: "EAC", auction: "DAY_AHEAD", clearing: "PAY_AS_CLEAR" },
  payment: { availability: "GBP_PER_MW_PER_H", utilisation: null },
  aggregation: "GB",
  technologies: [] as string[],
  status: "LIVE",
} as const;

const RESERVE = {
  serviceFamily: "RESERVE",
  minimumMW: 1,
  procurement: { mechanism: "EAC", auction: "DAY_AHEAD", clearing: "PAY_AS_CLEAR" },
  payment: { availability: "GBP_PER_MW_PER_H", utilisation: "GBP_PER_MWH" },
  technologies: [] as string[],
  status: "LIVE",
} as const;

/** A service bought both ways: [code, name] for UP (low frequency) and for DOWN. */
const pair = (
  up: [string, string],
  down: [string, string],
  fields: Omit<NesoService, "serviceCode" | "serviceName" | "direction">,
): NesoService[] => [
  { serviceCode: up[0], serviceName: up[1], direction: "UP", ...fields },
  { serviceCode: down[0], serviceName: down[1], direction: "DOWN", ...fields },
];

export function demoServices(): NesoService[] {
  return [
    // Dynamic Containment: post-fault, initiation ≤ 0.5 s, full delivery ≤ 1 s, sustained 15 min.
    ...pair(["DCL", "Dynamic Containment Low"], ["DCH", "Dynamic Containment High"], {
      ...DYNAMIC,
      needTiming: "POST_FAULT",
      initiationSeconds: 0.5,
      fullDeliverySeconds: 1,
      sustainMinutes: 15,
      lastUpdated: "2025-04-01T09:00:00.000Z",
    }),
    // Dynamic Moderation: pre-fault (volatile periods), 0.5 s / 1 s, sustained 30 min.
    ...pair(["DML", "Dynamic Moderation Low"], ["DMH", "Dynamic Moderation High"], {
      ...DYNAMIC,
      needTiming: "PRE_FAULT",
      initiationSeconds: 0.5,
      fullDeliverySeconds: 1,
      sustainMinutes: 30,
      lastUpdated: "2025-04-01T09:00:00.000Z",
    }),
    // Dynamic Regulation: pre-fault steady state, initiation 2 s, full delivery 10 s, sustained 60 min.
    ...pair(["DRL", "Dynamic Regulation Low"], ["DRH", "Dynamic Regulation High"], {
      ...DYNAMIC,
      needTiming: "PRE_FAULT",
      initiationSeconds: 2,
      fullDeliverySeconds: 10,
      sustainMinutes: 60,
      lastUpdated: "2025-04-01T09:00:00.000Z",
    }),
    // Quick Reserve: pre-fault, full activation within 1 min, activation ≥ 15 min, aggregated within one GSP group.
    ...pair(["PQR", "Positive Quick Reserve"], ["NQR", "Negative Quick Reserve"], {
      ...RESERVE,
      needTiming: "PRE_FAULT",
      initiationSeconds: null,
      fullDeliverySeconds: 60,
      sustainMinutes: 15,
      aggregation: "GSP_GROUP",
      lastUpdated: "2025-09-01T09:00:00.000Z",
    }),
    // Slow Reserve: post-fault, full delivery within 15 min (no sustain time sourced).
    ...pair(["PSR", "Positive Slow Reserve"], ["NSR", "Negative Slow Reserve"], {
      ...RESERVE,
      needTiming: "POST_FAULT",
      initiationSeconds: null,
      fullDeliverySeconds: 900,
      sustainMinutes: null,
      aggregation: "GB",
      lastUpdated: "2025-09-01T09:00:00.000Z",
    }),
  ];
}
