import type { FetchBatch, RegistryHttp } from "@sfe/kit";
import type { Direction, ProductStatus, ServiceType, ServiceWindow } from "../../../db/schema.js";

/**
 * One SO product API contract, translated into the hub's Product shape (AO.UC4 option 2b). An adapter is
 * the contract only: the kit's registry client around it adds the timeout, retries, breaker, cache and
 * batching. Each adapter declares the API's shape itself (a subgraph never imports a registry); its tests run
 * it against the stand-in that speaks the same contract.
 */
export interface SoProductAdapter {
  /** For messages: "<title> is unavailable". */
  title: string;
  /** The API's batch limit (ids per request). */
  batchSize: number;
  /** Every external id the API publishes (its listing). Throws on an answer that breaks the contract. */
  list(http: RegistryHttp): Promise<string[]>;
  /** Full records by external id; absent where the API holds none. */
  fetchBatch: FetchBatch<ExternalProduct>;
}

/** An external product in the hub's terms: everything a hub Product has but its hub id, owner and timestamps. */
export interface ExternalProduct {
  externalId: string;
  code: string;
  name: string;
  serviceType: ServiceType;
  directions: Direction[];
  minimumCapacityKw: number;
  responseTimeSeconds: number | null;
  durationMinutes: number | null;
  serviceWindows: ServiceWindow[];
  eligibleTechnologies: string[];
  locations: string[];
  status: ProductStatus;
  updatedAt: Date;
}

export const isString = (value: unknown): value is string => typeof value === "string";
export const isNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);
export const isNullableNumber = (value: unknown): value is number | null => value === null || isNumber(value);

/** An ISO 8601 instant; anything else breaks the contract (the call is retried, then the API counts as unavailable). */
export function instant(value: unknown, what: string): Date {
  const date = isString(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw new Error(`malformed answer: ${what} is not an ISO 8601 time`);
  return date;
}
