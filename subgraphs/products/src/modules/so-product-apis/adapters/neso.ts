import type { Direction, ProductStatus } from "../../../db/schema.js";
import { type ExternalProduct, instant, isNullableNumber, isNumber, isString, type SoProductAdapter } from "./adapter.js";

/**
 * The NESO-like SO product API (registries/neso-products/CONTRACT.md): `GET /v1/services` lists
 * summaries, `POST /v1/services:batchGet {ids}` reads up to 50 services; MW, UP/DOWN, NESO's names.
 */
interface NesoService {
  serviceCode: string;
  serviceName: string;
  direction: "UP" | "DOWN";
  minimumMW: number;
  fullDeliverySeconds: number;
  sustainMinutes: number | null;
  payment: { availability: string; utilisation: string | null };
  technologies: string[];
  status: "LIVE" | "SUSPENDED" | "RETIRED";
  lastUpdated: string;
}

/** UP is low-frequency response: more generation or less demand; DOWN the opposite. */
const DIRECTIONS: Record<NesoService["direction"], Direction[]> = {
  UP: ["GENERATION_TURN_UP", "DEMAND_TURN_DOWN"],
  DOWN: ["GENERATION_TURN_DOWN", "DEMAND_TURN_UP"],
};
const STATUSES: Record<NesoService["status"], ProductStatus> = { LIVE: "PUBLISHED", SUSPENDED: "SUSPENDED", RETIRED: "RETIRED" };

export const nesoAdapter: SoProductAdapter = {
  title: "The NESO product API",
  batchSize: 50,

  async list(http) {
    const services = (await http.getJson("/v1/services")) as { services?: unknown } | null;
    if (!Array.isArray(services?.services)) throw new Error("NESO listing has no services array");
    return services.services.map((summary: { serviceCode?: unknown } | null) => {
      if (!isString(summary?.serviceCode)) throw new Error("NESO listing holds a malformed service");
      return summary.serviceCode;
    });
  },

  async fetchBatch(ids, http) {
    const answer = (await http.postJson("/v1/services:batchGet", { ids })) as { services?: unknown } | null;
    if (!Array.isArray(answer?.services)) throw new Error("NESO batch answer has no services array");
    return new Map(answer.services.map((service: unknown) => [(service as NesoService).serviceCode, mapNesoService(service)]));
  },
};

/** A NESO service in the hub's terms; anything off-contract throws (and the call is retried, then fails). */
export function mapNesoService(value: unknown): ExternalProduct {
  const s = value as Partial<NesoService> | null;
  const valid =
    s !== null &&
    typeof s === "object" &&
    isString(s.serviceCode) &&
    isString(s.serviceName) &&
    (s.direction === "UP" || s.direction === "DOWN") &&
    isNumber(s.minimumMW) &&
    isNumber(s.fullDeliverySeconds) &&
    isNullableNumber(s.sustainMinutes) &&
    typeof s.payment === "object" &&
    s.payment !== null &&
    Array.isArray(s.technologies) &&
    s.technologies.every(isString) &&
    isString(s.status) &&
    s.status in STATUSES;
  if (!valid) throw new Error("NESO answer holds a malformed service");
  const service = s as NesoService;
  return {
    externalId: service.serviceCode,
    code: service.serviceCode,
    name: service.serviceName,
    serviceType: service.payment.utilisation ? "AVAILABILITY_AND_UTILISATION" : "AVAILABILITY_ONLY",
    directions: DIRECTIONS[service.direction],
    minimumCapacityKw: service.minimumMW * 1000,
    responseTimeSeconds: service.fullDeliverySeconds,
    durationMinutes: service.sustainMinutes,
    // Procured for every EFA block: no window restricts when the service is required.
    serviceWindows: [],
    eligibleTechnologies: service.technologies,
    locations: ["GB"],
    status: STATUSES[service.status],
    updatedAt: instant(service.lastUpdated, "lastUpdated"),
  };
}
