import { SfeError } from "@sfe/kit";
import DataLoader from "dataloader";
import { Agent, type Dispatcher, request } from "undici";

/**
 * Client of the Central Asset Register (CAR), the system of record for asset identity: the assets
 * subgraph resolves CAR-owned fields (capacity of record, connection date, installer, commissioning
 * status…) on demand through it. Contract: registries/car/CONTRACT.md (the stand-in speaks it too).
 *
 * Resilience, per ARCHITECTURE.md "External registries":
 * - every request has a timeout (undici `headersTimeout`/`bodyTimeout`, and an `AbortSignal.timeout`
 *   over the whole exchange, body included, so a trickling body cannot outlast it);
 * - reads are retried on network errors, timeouts, 5xx and unparseable bodies, never on 4xx, with a
 *   small exponential backoff;
 * - a circuit breaker opens after `failureThreshold` consecutive failed calls: while OPEN no request is
 *   made at all; after `resetAfterMs` one trial request is let through (HALF_OPEN, no retries), whose
 *   success closes the breaker and whose failure opens it again;
 * - a TTL cache in front (found records for `cacheTtlMs`, "not in the register" for a shorter
 *   `negativeCacheTtlMs`), so cache hits cost no request and are served even while the breaker is open.
 *
 * Time bound: one call (one batch of at most `batchSize` keys; batches run in parallel) takes at most
 *   timeoutMs × (retries + 1) + backoffMs × (2^retries − 1)
 * = 800 × 3 + 50 × 3 = 2,550 ms with the defaults (the jitter only shortens a backoff), and fails in
 * well under a millisecond when the breaker is OPEN.
 *
 * Every failure (timeout, connection error, 5xx or garbage after the retries, a refused request, an
 * OPEN breaker) throws SfeError UPSTREAM_UNAVAILABLE with `extensions.registry = "CAR"`, so resolvers
 * can null the CAR-owned fields and still answer with the hub's own data.
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

export type BreakerState = "CLOSED" | "OPEN" | "HALF_OPEN";

export interface CarClientOptions {
  /** e.g. http://127.0.0.1:4100 */
  baseUrl: string;
  /** Per request attempt. Default 800. */
  timeoutMs?: number;
  /** Extra attempts of a failed read (not on 4xx). Default 2. */
  retries?: number;
  /** First backoff; doubles per retry, with jitter below it. Default 50. */
  backoffMs?: number;
  /** Keys per request; the register accepts at most 100. Default 100. */
  batchSize?: number;
  /** How long a found record is served from the cache. Default 30_000; 0 disables the cache. */
  cacheTtlMs?: number;
  /** How long "not in the register" is served from the cache. Default min(5_000, cacheTtlMs). */
  negativeCacheTtlMs?: number;
  /** Default 10_000 (least recently used evicted first). */
  cacheMaxEntries?: number;
  breaker?: {
    /** Consecutive failed calls that open the breaker. Default 5. */
    failureThreshold?: number;
    /** How long it stays OPEN before a trial request. Default 10_000. */
    resetAfterMs?: number;
  };
  /** Clock for the cache and the breaker (tests inject one). Default Date.now. */
  now?: () => number;
  /** Tests pass an undici MockAgent; by default the client owns one keep-alive Agent. */
  dispatcher?: Dispatcher;
}

export interface CarClient {
  /** In key order; null where the register has no such asset. Duplicates cost nothing. */
  byIds(carIds: readonly string[]): Promise<(CarAsset | null)[]>;
  /** By import MPAN core, in key order; null where the register has no asset on that meter point. */
  byMeterPoints(meterPointIds: readonly string[]): Promise<(CarAsset | null)[]>;
  /** One per GraphQL request: batches `load(carId)` calls of a tick into `byIds`. */
  createLoader(): DataLoader<string, CarAsset | null>;
  /** For /readyz. */
  state(): { breaker: BreakerState; consecutiveFailures: number; cacheSize: number };
  /** Closes the client's own Agent (not an injected dispatcher). */
  close(): Promise<void>;
}

type Kind = "ids" | "meterPointIds";

const unavailable = () => new SfeError("UPSTREAM_UNAVAILABLE", "The Central Asset Register is unavailable", { registry: "CAR" });

/** A 4xx: the register is up but refused the request. Not retried, and not a breaker failure. */
class Refused extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

export function createCarClient(options: CarClientOptions): CarClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const timeoutMs = positive("timeoutMs", options.timeoutMs ?? 800);
  const retries = atLeastZero("retries", options.retries ?? 2);
  const backoffMs = atLeastZero("backoffMs", options.backoffMs ?? 50);
  const batchSize = positive("batchSize", options.batchSize ?? 100);
  const cacheTtlMs = atLeastZero("cacheTtlMs", options.cacheTtlMs ?? 30_000);
  const negativeTtlMs = atLeastZero("negativeCacheTtlMs", options.negativeCacheTtlMs ?? Math.min(5_000, cacheTtlMs));
  const cacheMaxEntries = atLeastZero("cacheMaxEntries", options.cacheMaxEntries ?? 10_000);
  const failureThreshold = positive("breaker.failureThreshold", options.breaker?.failureThreshold ?? 5);
  const resetAfterMs = atLeastZero("breaker.resetAfterMs", options.breaker?.resetAfterMs ?? 10_000);
  const now = options.now ?? Date.now;
  // Idle sockets are dropped before a typical server's 5 s keep-alive, so none is reused as it closes.
  const ownAgent = options.dispatcher
    ? undefined
    : new Agent({ keepAliveTimeout: 4_000, connections: 32, connect: { timeout: timeoutMs } });
  const dispatcher: Dispatcher = options.dispatcher ?? ownAgent!;

  // --- cache: key → record, or null for "not in the register" ---------------------------------
  const cache = new Map<string, { value: CarAsset | null; expiresAt: number }>();
  const cacheKey = (kind: Kind, key: string) => `${kind === "ids" ? "id" : "mp"}:${key}`;
  function cacheGet(key: string): CarAsset | null | undefined {
    const entry = cache.get(key);
    if (!entry) return undefined;
    cache.delete(key);
    if (entry.expiresAt <= now()) return undefined;
    cache.set(key, entry); // most recently used last
    return entry.value;
  }
  function cacheSet(key: string, value: CarAsset | null): void {
    const ttl = value ? cacheTtlMs : negativeTtlMs;
    if (ttl <= 0 || cacheMaxEntries <= 0) return;
    cache.delete(key);
    cache.set(key, { value, expiresAt: now() + ttl });
    for (const oldest of cache.keys()) {
      if (cache.size <= cacheMaxEntries) break;
      cache.delete(oldest);
    }
  }

  // --- circuit breaker ----------------------------------------------------------------------
  let open = false;
  let openedAt = 0;
  let trialInFlight = false;
  let consecutiveFailures = 0;
  const breakerState = (): BreakerState => (!open ? "CLOSED" : now() - openedAt >= resetAfterMs ? "HALF_OPEN" : "OPEN");
  /** Whether a call may go out, and whether it is the HALF_OPEN trial; throws (fast) when it may not. */
  function admit(): { trial: boolean } {
    const state = breakerState();
    if (state === "CLOSED") return { trial: false };
    if (state === "HALF_OPEN" && !trialInFlight) {
      trialInFlight = true;
      return { trial: true };
    }
    throw unavailable();
  }
  function succeeded(trial: boolean): void {
    if (trial) trialInFlight = false;
    open = false;
    consecutiveFailures = 0;
  }
  function failed(trial: boolean): void {
    if (trial) trialInFlight = false;
    consecutiveFailures++;
    if (trial || consecutiveFailures >= failureThreshold) {
      open = true;
      openedAt = now();
    }
  }

  // --- HTTP -----------------------------------------------------------------------------------
  async function attempt(url: string): Promise<unknown[]> {
    const response = await request(url, {
      method: "GET",
      dispatcher,
      headers: { accept: "application/json" },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs), // the whole exchange, body included
    });
    if (response.statusCode !== 200) {
      await response.body.dump().catch(() => {});
      if (response.statusCode >= 400 && response.statusCode < 500) throw new Refused(response.statusCode);
      throw new Error(`HTTP ${response.statusCode}`);
    }
    return parseAssets(await response.body.text());
  }

  /** One batch: breaker, then up to retries + 1 attempts (1 for a HALF_OPEN trial). */
  async function call(kind: Kind, keys: readonly string[]): Promise<CarAsset[]> {
    const { trial } = admit();
    const url = `${baseUrl}/v1/assets?${kind}=${keys.map(encodeURIComponent).join(",")}`;
    const attempts = trial ? 1 : retries + 1;
    for (let n = 0; n < attempts; n++) {
      if (n > 0) await sleep(backoffMs * 2 ** (n - 1) * (0.5 + Math.random() / 2));
      try {
        const assets = (await attempt(url)) as CarAsset[];
        succeeded(trial);
        return assets;
      } catch (error) {
        if (error instanceof Refused) {
          succeeded(trial); // it answered: the register is up
          throw new SfeError("UPSTREAM_UNAVAILABLE", `The Central Asset Register refused the request (HTTP ${error.status})`, {
            registry: "CAR",
            status: error.status,
          });
        }
      }
    }
    failed(trial);
    throw unavailable();
  }

  async function lookup(kind: Kind, keys: readonly string[]): Promise<(CarAsset | null)[]> {
    const results = new Map<string, CarAsset | null>();
    const missing: string[] = [];
    for (const key of new Set(keys)) {
      const hit = cacheGet(cacheKey(kind, key));
      if (hit === undefined) missing.push(key);
      else results.set(key, hit);
    }
    const batches: string[][] = [];
    for (let i = 0; i < missing.length; i += batchSize) batches.push(missing.slice(i, i + batchSize));
    await Promise.all(
      batches.map(async (batch) => {
        const found = new Map<string, CarAsset>();
        for (const asset of await call(kind, batch)) {
          const key = kind === "ids" ? asset.carId : asset.meterPointId;
          const previous = found.get(key);
          // Should a register hold several assets on one meter point, the latest record wins.
          if (!previous || asset.updatedAt > previous.updatedAt) found.set(key, asset);
        }
        for (const key of batch) {
          const asset = found.get(key) ?? null;
          results.set(key, asset);
          cacheSet(cacheKey(kind, key), asset);
          // A record found one way is also cached the other way.
          if (asset) cacheSet(cacheKey(kind === "ids" ? "meterPointIds" : "ids", kind === "ids" ? asset.meterPointId : asset.carId), asset);
        }
      }),
    );
    return keys.map((key) => results.get(key) ?? null);
  }

  const byIds = (carIds: readonly string[]) => lookup("ids", carIds);
  return {
    byIds,
    byMeterPoints: (meterPointIds) => lookup("meterPointIds", meterPointIds),
    createLoader: () => new DataLoader<string, CarAsset | null>((keys) => byIds(keys), { maxBatchSize: batchSize }),
    state: () => ({ breaker: breakerState(), consecutiveFailures, cacheSize: cache.size }),
    close: async () => {
      await ownAgent?.close();
    },
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const STRING_FIELDS = ["carId", "meterPointId", "technology", "connectionDate", "installer", "dnoCode", "postcode", "updatedAt"] as const;
const NUMBER_FIELDS = ["ratedCapacityKw", "ratedImportKw", "ratedExportKw"] as const;
const STATUSES = new Set(["COMMISSIONING", "COMMISSIONED", "DECOMMISSIONED"]);

/** `{ "assets": [CarAsset…] }`, checked field by field; anything else throws (and is retried). */
function parseAssets(text: string): CarAsset[] {
  const json = JSON.parse(text) as { assets?: unknown } | null;
  if (!json || !Array.isArray(json.assets)) throw new Error("CAR answer has no assets array");
  for (const asset of json.assets as Record<string, unknown>[]) {
    const valid =
      typeof asset === "object" &&
      asset !== null &&
      STRING_FIELDS.every((field) => typeof asset[field] === "string") &&
      NUMBER_FIELDS.every((field) => typeof asset[field] === "number") &&
      (asset.energyCapacityKwh === null || typeof asset.energyCapacityKwh === "number") &&
      STATUSES.has(asset.commissioningStatus as string);
    if (!valid) throw new Error("CAR answer holds a malformed asset");
  }
  return json.assets as CarAsset[];
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`createCarClient: ${name} must be a positive integer, got ${value}`);
  return value;
}

function atLeastZero(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`createCarClient: ${name} must be 0 or more, got ${value}`);
  return value;
}
