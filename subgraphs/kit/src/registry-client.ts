import {
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  type IBackoff,
  type IHalfOpenAfterBackoffContext,
  halfJitterGenerator,
  handleAll,
  handleWhen,
  retry,
  TimeoutStrategy,
  timeout,
} from "cockatiel";
import DataLoader from "dataloader";
import { LRUCache } from "lru-cache";
import { Agent, type Dispatcher } from "undici";
import { SfeError } from "./errors.js";
import { getJson, type JsonCallOptions, postJson } from "./post-json.js";

/**
 * A client of an external registry (the Central Asset Register, an SO's product API…) that batch-reads
 * records by key. An adapter supplies the contract (`fetchBatch`: how one batch is fetched and mapped);
 * this client supplies the machinery of ARCHITECTURE.md "External registries":
 *
 * - a timeout per attempt (cockatiel, aggressive: abandoned at the deadline, its request aborted);
 * - retries of failed reads (network errors, timeouts, 5xx, answers that break the contract), never of a
 *   4xx, with exponential backoff (half jitter);
 * - a consecutive-failure circuit breaker: after `failureThreshold` failed calls it is OPEN and no request
 *   is made; after `resetAfterMs` one trial call goes (HALF_OPEN, no retries; other calls fail fast), whose
 *   success closes it and whose failure opens it again. A 4xx is an answer: the registry is up;
 * - a cache (lru-cache): found records for `cacheTtlMs`, "not in the register" for `negativeCacheTtlMs`, at
 *   most `cacheMaxEntries`; hits cost no request and are served while the breaker is open;
 * - keys de-duplicated, answered in order, fetched `batchSize` at a time (batches in parallel), and a
 *   per-request DataLoader over the same.
 *
 * Time bound: one call (one batch) takes at most timeoutMs × (retries + 1) + backoffMs × (2^retries − 1)
 * = 800 × 3 + 50 × 3 = 2,550 ms with the defaults (jitter only shortens a backoff), and well under a
 * millisecond when the breaker is OPEN.
 *
 * Every failure (timeout, connection error, 5xx or garbage after the retries, a refused request, an OPEN
 * breaker) throws SfeError UPSTREAM_UNAVAILABLE with `extensions.registry`, so resolvers can null the
 * registry's fields and still answer with the hub's own data.
 */

export type BreakerState = "CLOSED" | "OPEN" | "HALF_OPEN";

/**
 * JSON over HTTP to the registry (`path` after the base URL), inside the client's timeout, retries and
 * breaker: the parsed body of a 2xx answer; a 4xx refuses the call; anything else fails the attempt.
 * Only reads: a POST is for a batch lookup, and is retried like a GET.
 */
export interface RegistryHttp {
  getJson(path: string): Promise<unknown>;
  postJson(path: string, body: unknown): Promise<unknown>;
}

/**
 * Fetches one batch (at most `batchSize` distinct keys): key → record, null or absent where the registry
 * holds none. Throwing on an answer that breaks the contract fails the attempt.
 */
export type FetchBatch<V> = (keys: readonly string[], http: RegistryHttp) => Promise<Map<string, V | null>>;

/** What an adapter's callers may tune (an adapter's options usually are exactly these). */
export interface RegistryClientSettings {
  /** e.g. http://127.0.0.1:4100 */
  baseUrl: string;
  /** Per request attempt. Default 800. */
  timeoutMs?: number;
  /** Extra attempts of a failed read (not on 4xx). Default 2. */
  retries?: number;
  /** First backoff; doubles per retry, with jitter below it. Default 50. */
  backoffMs?: number;
  /** Keys per request (the registry's limit). Default 100. */
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
    /** How long it stays OPEN before a trial call. Default 10_000. */
    resetAfterMs?: number;
  };
  /** Clock for the cache and the breaker (tests inject one). Default Date.now. */
  now?: () => number;
  /** Tests pass an undici MockAgent; by default the client owns one keep-alive Agent. */
  dispatcher?: Dispatcher;
  /** Sent with every request (a registry's API key, say). */
  headers?: Record<string, string>;
}

/** One way of looking records up: how a batch is fetched, and a record's key in it (to cache records found another way). */
export interface RegistryLookup<V> {
  fetchBatch: FetchBatch<V>;
  keyOf?: (record: V) => string;
}

export interface RegistryClientOptions<V, L extends string = never> extends RegistryClientSettings, RegistryLookup<V> {
  /** Short name for `extensions.registry`, e.g. "CAR". */
  registry: string;
  /** For messages, e.g. "The Central Asset Register" (… is unavailable). Default `The ${registry} registry`. */
  title?: string;
  /** Further lookups by other keys (e.g. by meter point), sharing the breaker, the cache and the connections. */
  lookups?: Record<L, RegistryLookup<V>>;
}

export interface RegistryClient<V, L extends string = never> {
  /** In key order; null where the registry has no such record. Duplicates cost nothing. `lookup`: one of `lookups`. */
  byKeys(keys: readonly string[], lookup?: L): Promise<(V | null)[]>;
  /**
   * One read that is not a batch by key (an SO product API's listing, say), inside the same timeout,
   * retries and breaker; its answer is cached for `cacheTtlMs` under `name`, and concurrent reads of one
   * name share one request. Fails like `byKeys` (UPSTREAM_UNAVAILABLE naming the registry).
   */
  read<T>(name: string, fetch: (http: RegistryHttp) => Promise<T>): Promise<T>;
  /** One per GraphQL request: batches a tick's `load(key)` calls into `byKeys`. */
  loader(lookup?: L): DataLoader<string, V | null>;
  /** For /readyz. */
  state(): { breaker: BreakerState; consecutiveFailures: number; cacheSize: number };
  /** Closes the client's own Agent (not an injected dispatcher). */
  close(): Promise<void>;
}

/** A 4xx: the registry is up but refused the request. Not retried, and not a breaker failure. */
class Refused extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

const DEFAULT_LOOKUP = "";

export function createRegistryClient<V, L extends string = never>(options: RegistryClientOptions<V, L>): RegistryClient<V, L> {
  const { registry } = options;
  const title = options.title ?? `The ${registry} registry`;
  const check = (name: string, value: number, min: 0 | 1) => {
    if (!Number.isFinite(value) || value < min || (min === 1 && !Number.isInteger(value)))
      throw new RangeError(`${registry} client: ${name} must be ${min ? "a positive integer" : "0 or more"}, got ${value}`);
    return value;
  };
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const timeoutMs = check("timeoutMs", options.timeoutMs ?? 800, 1);
  const retries = check("retries", options.retries ?? 2, 0);
  const backoffMs = check("backoffMs", options.backoffMs ?? 50, 0);
  const batchSize = check("batchSize", options.batchSize ?? 100, 1);
  const cacheTtlMs = check("cacheTtlMs", options.cacheTtlMs ?? 30_000, 0);
  const negativeTtlMs = check("negativeCacheTtlMs", options.negativeCacheTtlMs ?? Math.min(5_000, cacheTtlMs), 0);
  const cacheMaxEntries = check("cacheMaxEntries", options.cacheMaxEntries ?? 10_000, 0);
  const failureThreshold = check("breaker.failureThreshold", options.breaker?.failureThreshold ?? 5, 1);
  const resetAfterMs = check("breaker.resetAfterMs", options.breaker?.resetAfterMs ?? 10_000, 0);
  const now = options.now ?? Date.now;
  // Idle sockets are dropped before a typical server's 5 s keep-alive, so none is reused as it closes.
  const ownAgent = options.dispatcher
    ? undefined
    : new Agent({ keepAliveTimeout: 4_000, connections: 32, connect: { timeout: timeoutMs } });
  const dispatcher: Dispatcher = options.dispatcher ?? ownAgent!;

  const unavailable = () => new SfeError("UPSTREAM_UNAVAILABLE", `${title} is unavailable`, { registry });
  const lookups = new Map<string, RegistryLookup<V>>([
    [DEFAULT_LOOKUP, options],
    ...Object.entries<RegistryLookup<V>>(options.lookups ?? {}),
  ]);

  // --- cache: lookup + key → record, or null for "not in the register" -----------------------
  const cache =
    cacheTtlMs > 0 && cacheMaxEntries > 0
      ? new LRUCache<string, { record: V | null }>({ max: cacheMaxEntries, ttl: cacheTtlMs, ttlResolution: 0, perf: { now } })
      : undefined;
  const cacheKey = (lookup: string, key: string) => `${lookup}\u0000${key}`;
  function remember(lookup: string, key: string, record: V | null): void {
    if (record === null && negativeTtlMs <= 0) return; // lru-cache reads a ttl of 0 as "forever"
    cache?.set(cacheKey(lookup, key), { record }, { ttl: record === null ? negativeTtlMs : cacheTtlMs });
  }

  // --- resilience (cockatiel): breaker ⟶ retries ⟶ per-attempt timeout -----------------------
  const consecutive = new ConsecutiveBreaker(failureThreshold);
  let openedAt = 0;
  // The OPEN period measured on `now` (cockatiel's own clock is Date.now): a backoff whose duration is 0
  // once `resetAfterMs` has passed since the breaker opened, and unbounded before.
  const halfOpenAfter: IBackoff<IHalfOpenAfterBackoffContext> = {
    get duration() {
      return now() - openedAt >= resetAfterMs ? 0 : Number.POSITIVE_INFINITY;
    },
    next: () => halfOpenAfter,
  };
  const breaker = circuitBreaker(handleAll, { breaker: consecutive, halfOpenAfter });
  breaker.onBreak(() => {
    openedAt = now();
  });
  const retrying = retry(
    handleWhen((error) => !(error instanceof Refused)),
    { maxAttempts: retries, backoff: new ExponentialBackoff({ initialDelay: backoffMs, generator: halfJitterGenerator }) },
  );
  const perAttempt = timeout(timeoutMs, TimeoutStrategy.Aggressive);

  const breakerState = (): BreakerState =>
    breaker.state === CircuitState.Closed
      ? "CLOSED"
      : breaker.state === CircuitState.HalfOpen || (breaker.state === CircuitState.Open && now() - openedAt >= resetAfterMs)
        ? "HALF_OPEN"
        : "OPEN";

  const json = (signal: AbortSignal): RegistryHttp => {
    const call: JsonCallOptions = {
      upstream: { registry },
      unavailable: `${title} is unavailable`,
      headers: options.headers,
      timeoutMs,
      dispatcher,
      signal,
      invalidBody: "undefined",
    };
    const send = async (answer: Promise<{ status: number; body: unknown }>) => {
      const { status, body } = await answer;
      if (status >= 400 && status < 500) throw new Refused(status);
      if (status < 200 || status >= 300 || body === undefined) throw new Error(`${title} answered HTTP ${status}, or not JSON`);
      return body;
    };
    return {
      getJson: (path) => send(getJson(baseUrl + path, call)),
      postJson: (path, body) => send(postJson(baseUrl + path, body, call)),
    };
  };

  /** One guarded read: the breaker admits it (or fails fast), then up to retries + 1 attempts (1 for a HALF_OPEN trial). */
  async function call<T>(fetch: (http: RegistryHttp) => Promise<T>): Promise<T> {
    const admitted = breaker.state;
    // While a trial is out every other call fails fast (cockatiel would queue it behind the trial).
    if (admitted !== CircuitState.Closed && admitted !== CircuitState.Open) throw unavailable();
    const trial = admitted === CircuitState.Open;
    const attempt = ({ signal }: { signal: AbortSignal }) => fetch(json(signal));
    let outcome: { found: T } | { refused: number };
    try {
      outcome = await breaker.execute(async () => {
        try {
          return { found: await (trial ? perAttempt.execute(attempt) : retrying.execute(() => perAttempt.execute(attempt))) };
        } catch (error) {
          if (error instanceof Refused) return { refused: error.status }; // it answered: the registry is up
          throw error;
        }
      });
    } catch {
      throw unavailable();
    }
    if ("refused" in outcome)
      throw new SfeError("UPSTREAM_UNAVAILABLE", `${title} refused the request (HTTP ${outcome.refused})`, {
        registry,
        status: outcome.refused,
      });
    return outcome.found;
  }

  // --- reads that are not batches by key (a listing), cached whole by name -------------------
  const reads =
    cacheTtlMs > 0 ? new LRUCache<string, { value: unknown }>({ max: 1_000, ttl: cacheTtlMs, ttlResolution: 0, perf: { now } }) : undefined;
  const readsInFlight = new Map<string, Promise<unknown>>();
  function read<T>(name: string, fetch: (http: RegistryHttp) => Promise<T>): Promise<T> {
    const hit = reads?.get(name);
    if (hit) return Promise.resolve(hit.value as T);
    const inFlight = readsInFlight.get(name);
    if (inFlight) return inFlight as Promise<T>;
    const pending = call(fetch)
      .then((value) => {
        reads?.set(name, { value });
        return value;
      })
      .finally(() => readsInFlight.delete(name));
    readsInFlight.set(name, pending);
    return pending;
  }

  async function byKeys(keys: readonly string[], lookup: L | typeof DEFAULT_LOOKUP = DEFAULT_LOOKUP): Promise<(V | null)[]> {
    const { fetchBatch } = lookups.get(lookup) ?? {};
    if (!fetchBatch) throw new RangeError(`${registry} client: no lookup ${JSON.stringify(lookup)}`);
    const results = new Map<string, V | null>();
    const missing: string[] = [];
    for (const key of new Set(keys)) {
      const hit = cache?.get(cacheKey(lookup, key));
      if (hit === undefined) missing.push(key);
      else results.set(key, hit.record);
    }
    const batches: string[][] = [];
    for (let i = 0; i < missing.length; i += batchSize) batches.push(missing.slice(i, i + batchSize));
    await Promise.all(
      batches.map(async (batch) => {
        const found = await call((http) => fetchBatch(batch, http));
        for (const key of batch) {
          const record = found.get(key) ?? null;
          results.set(key, record);
          remember(lookup, key, record);
          if (record === null) continue;
          // A record found one way is also cached the other ways.
          for (const [other, { keyOf }] of lookups) if (other !== lookup && keyOf) remember(other, keyOf(record), record);
        }
      }),
    );
    return keys.map((key) => results.get(key) ?? null);
  }

  return {
    byKeys,
    read,
    loader: (lookup) => new DataLoader<string, V | null>((keys) => byKeys(keys, lookup), { maxBatchSize: batchSize }),
    state: () => ({ breaker: breakerState(), consecutiveFailures: consecutive.state, cacheSize: cache?.size ?? 0 }),
    close: async () => {
      await ownAgent?.close();
    },
  };
}
