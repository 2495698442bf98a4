import { createRegistryClient, type FetchBatch, type RegistryClientSettings } from "@sfe/kit";
import type DataLoader from "dataloader";

export type { BreakerState } from "@sfe/kit";

/**
 * Client of the Central Asset Register (CAR), the system of record for asset identity: the assets
 * subgraph resolves CAR-owned fields (capacity of record, connection date, installer, commissioning
 * status…) on demand through it. Contract: registries/car/CONTRACT.md (the stand-in speaks it too;
 * registries/car/test/contract-fixture.ts pins both sides to it).
 *
 * This file is the contract only: the two batch endpoints and the mapping of their answers. Timeouts,
 * retries, the circuit breaker, the cache, batching and UPSTREAM_UNAVAILABLE with
 * `extensions.registry = "CAR"` come from the kit's registry client (subgraphs/kit/src/registry-client.ts),
 * with its defaults: 800 ms per attempt, 2 retries (50 ms backoff, doubling), so one call is bounded by
 * 800 × 3 + 50 × 3 = 2,550 ms; the breaker opens after 5 failed calls for 10 s; records are cached for
 * 30 s, "not in the register" for 5 s; at most 100 keys a request (the register's limit).
 */

/** One asset of record (the registry's contract; declared here because a subgraph never imports a registry). */
export interface CarAsset {
  /** The register's immutable id, e.g. CAR-000123. */
  carId: string;
  /** Import MPAN core (13 digits). */
  meterPointId: string;
  /** Elexon AssetCategory code, e.g. BESS, EV_CHARGER (an open list: the register may add codes). */
  technology: string;
  /** Capacity of record, kW. */
  ratedCapacityKw: number;
  ratedImportKw: number;
  ratedExportKw: number;
  energyCapacityKwh: number | null;
  /** YYYY-MM-DD */
  connectionDate: string;
  installer: string;
  commissioningStatus: "COMMISSIONING" | "COMMISSIONED" | "DECOMMISSIONED";
  /** Elexon DNOCode, e.g. UKPN_LPN. */
  dnoCode: string;
  postcode: string;
  /** ISO 8601 */
  updatedAt: string;
}

/** The kit's registry-client settings; `batchSize` defaults to the register's limit of 100. */
export type CarClientOptions = RegistryClientSettings;

export interface CarClient {
  /** In key order; null where the register has no such asset. Duplicates cost nothing. */
  byIds(carIds: readonly string[]): Promise<(CarAsset | null)[]>;
  /** By import MPAN core, in key order; null where the register has no asset on that meter point. */
  byMeterPoints(meterPointIds: readonly string[]): Promise<(CarAsset | null)[]>;
  /** One per GraphQL request: batches `load(carId)` calls of a tick into `byIds`. */
  createLoader(): DataLoader<string, CarAsset | null>;
  /** For /readyz. */
  state(): { breaker: "CLOSED" | "OPEN" | "HALF_OPEN"; consecutiveFailures: number; cacheSize: number };
  /** Closes the client's own Agent (not an injected dispatcher). */
  close(): Promise<void>;
}

export function createCarClient(options: CarClientOptions): CarClient {
  const car = createRegistryClient<CarAsset, "meterPointIds">({
    ...options,
    registry: "CAR",
    title: "The Central Asset Register",
    fetchBatch: batchRead("ids", (asset) => asset.carId),
    keyOf: (asset) => asset.carId,
    lookups: {
      meterPointIds: { fetchBatch: batchRead("meterPointIds", (asset) => asset.meterPointId), keyOf: (asset) => asset.meterPointId },
    },
  });
  return {
    byIds: (carIds) => car.byKeys(carIds),
    byMeterPoints: (meterPointIds) => car.byKeys(meterPointIds, "meterPointIds"),
    createLoader: () => car.loader(),
    state: car.state,
    close: car.close,
  };
}

/** `GET /v1/assets?<param>=a,b,…`: the assets found, any order, keyed by `keyOf`. */
function batchRead(param: "ids" | "meterPointIds", keyOf: (asset: CarAsset) => string): FetchBatch<CarAsset> {
  return async (keys, http) => {
    const found = new Map<string, CarAsset>();
    for (const asset of parseAssets(await http.getJson(`/v1/assets?${param}=${keys.map(encodeURIComponent).join(",")}`))) {
      const key = keyOf(asset);
      const previous = found.get(key);
      // Should a register hold several assets on one meter point, the latest record wins.
      if (!previous || asset.updatedAt > previous.updatedAt) found.set(key, asset);
    }
    return found;
  };
}

const STRING_FIELDS = ["carId", "meterPointId", "technology", "connectionDate", "installer", "dnoCode", "postcode", "updatedAt"] as const;
const NUMBER_FIELDS = ["ratedCapacityKw", "ratedImportKw", "ratedExportKw"] as const;
const STATUSES = new Set(["COMMISSIONING", "COMMISSIONED", "DECOMMISSIONED"]);

/** `{ "assets": [CarAsset…] }`, checked field by field; anything else throws (and is retried). */
function parseAssets(json: unknown): CarAsset[] {
  const assets = (json as { assets?: unknown } | null)?.assets;
  if (!Array.isArray(assets)) throw new Error("CAR answer has no assets array");
  for (const asset of assets as Record<string, unknown>[]) {
    const valid =
      typeof asset === "object" &&
      asset !== null &&
      STRING_FIELDS.every((field) => typeof asset[field] === "string") &&
      NUMBER_FIELDS.every((field) => typeof asset[field] === "number") &&
      (asset.energyCapacityKwh === null || typeof asset.energyCapacityKwh === "number") &&
      STATUSES.has(asset.commissioningStatus as string);
    if (!valid) throw new Error("CAR answer holds a malformed asset");
  }
  return assets as CarAsset[];
}
