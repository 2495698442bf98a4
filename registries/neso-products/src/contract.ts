/**
 * The NESO-like SO product API's contract (CONTRACT.md), as types. The products subgraph's adapter
 * (subgraphs/products/src/modules/so-product-apis/adapters/neso.ts) declares the same shape itself (a
 * subgraph never imports a registry); the contract tests check the two agree.
 */

export const SERVICE_FAMILIES = ["DYNAMIC_RESPONSE", "RESERVE"] as const;
export const NEED_TIMINGS = ["PRE_FAULT", "POST_FAULT"] as const;
export const SERVICE_STATUSES = ["LIVE", "SUSPENDED", "RETIRED"] as const;

/** One service NESO procures, in NESO's own naming. */
export interface NesoService {
  /** NESO's short code, e.g. DCL (Dynamic Containment Low), PQR (Positive Quick Reserve). */
  serviceCode: string;
  serviceName: string;
  serviceFamily: (typeof SERVICE_FAMILIES)[number];
  needTiming: (typeof NEED_TIMINGS)[number];
  /** UP: more generation or less demand (low frequency); DOWN: the opposite. */
  direction: "UP" | "DOWN";
  /** Smallest unit (or aggregation), MW. */
  minimumMW: number;
  /** Seconds to start responding; null where the service does not specify it. */
  initiationSeconds: number | null;
  /** Seconds to full delivery. */
  fullDeliverySeconds: number;
  /** Minutes delivery must be sustained; null where the service does not specify it. */
  sustainMinutes: number | null;
  procurement: { mechanism: "EAC"; auction: "DAY_AHEAD"; clearing: "PAY_AS_CLEAR" | "PAY_AS_BID" };
  /** Pricing units: availability always £/MW/h; utilisation £/MWh where energy is paid, else null. */
  payment: { availability: "GBP_PER_MW_PER_H"; utilisation: "GBP_PER_MWH" | null };
  /** Where a unit may aggregate: across GB, or within one GSP group. */
  aggregation: "GB" | "GSP_GROUP";
  /** Asset category codes that may deliver it; empty means any technology. */
  technologies: string[];
  status: (typeof SERVICE_STATUSES)[number];
  /** ISO 8601 UTC. */
  lastUpdated: string;
}

/** What the listing says of each service. */
export type NesoServiceSummary = Pick<NesoService, "serviceCode" | "serviceName" | "status" | "lastUpdated">;

/** At most this many ids in one `services:batchGet`; more answers 400. */
export const MAX_BATCH = 50;
