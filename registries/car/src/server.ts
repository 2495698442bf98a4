import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { close, listen, sendJson } from "@sfe/kit";
import { type CarAsset, MAX_BATCH } from "./contract.js";
import { demoRegister } from "./data.js";

export * from "./contract.js";
export { carId, demoRegister, isValidMpanCore, LICENCE_AREAS, mpanCheckDigit, mpanCore } from "./data.js";

export interface CarRegistryOptions {
  /** The register's contents; the ILLUSTRATIVE demo register (300 records) when omitted. */
  records?: CarAsset[];
  /** Delay before every /v1 answer (slowness injection). */
  latencyMs?: number;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
}

/** A running stand-in register, with the knobs tests use to count requests and inject faults. */
export interface CarRegistry {
  /** Base URL, e.g. http://127.0.0.1:4100 (no trailing slash). */
  url: string;
  /** Requests received so far (every path, including ones answered 503). */
  requestCount(): number;
  /** What was asked, in arrival order. */
  requests: URL[];
  /** Adds or replaces a record (by carId). */
  put(record: CarAsset): void;
  setLatency(ms: number): void;
  /** While down, every request (/healthz included) answers 503. */
  setDown(down: boolean): void;
  /** The next `count` /v1 requests answer `status` (default 503), then it behaves again. */
  failNext(count: number, status?: number): void;
  stop(): Promise<void>;
}

/**
 * Starts the stand-in Central Asset Register on node:http, speaking the contract in CONTRACT.md:
 * GET /v1/assets?ids=… | ?meterPointIds=…, GET /v1/assets/{carId}, GET /healthz.
 */
export async function createCarRegistry(options: CarRegistryOptions = {}): Promise<CarRegistry> {
  const byCarId = new Map<string, CarAsset>();
  const byMeterPoint = new Map<string, CarAsset>();
  const put = (record: CarAsset) => {
    const previous = byCarId.get(record.carId);
    if (previous && byMeterPoint.get(previous.meterPointId) === previous) byMeterPoint.delete(previous.meterPointId);
    byCarId.set(record.carId, record);
    byMeterPoint.set(record.meterPointId, record); // one asset per MPAN core in this register
  };
  for (const record of options.records ?? demoRegister()) put(record);

  let latencyMs = options.latencyMs ?? 0;
  let down = false;
  let failures: { count: number; status: number } = { count: 0, status: 503 };
  const requests: URL[] = [];
  const pending = new Set<ServerResponse>();

  function answer(url: URL, res: ServerResponse) {
    if (url.pathname === "/v1/assets") return batch(url, res);
    const one = /^\/v1\/assets\/([^/]+)$/.exec(url.pathname);
    if (one) {
      const record = byCarId.get(decodeURIComponent(one[1]!));
      return record ? sendJson(res, 200, record) : sendJson(res, 404, { error: `No asset ${decodeURIComponent(one[1]!)} in the register` });
    }
    sendJson(res, 404, { error: "not found" });
  }

  function batch(url: URL, res: ServerResponse) {
    const ids = listParam(url, "ids");
    const meterPointIds = listParam(url, "meterPointIds");
    if ((ids === undefined) === (meterPointIds === undefined))
      return sendJson(res, 400, { error: "Give exactly one of ids or meterPointIds" });
    const keys = (ids ?? meterPointIds)!;
    if (keys.length === 0) return sendJson(res, 400, { error: "Give at least one id" });
    if (keys.length > MAX_BATCH) return sendJson(res, 400, { error: `At most ${MAX_BATCH} ids per request, got ${keys.length}` });
    const index = ids ? byCarId : byMeterPoint;
    const found = new Map<string, CarAsset>();
    for (const key of keys) {
      const record = index.get(key);
      if (record) found.set(record.carId, record);
    }
    sendJson(res, 200, { assets: [...found.values()] });
  }

  function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://localhost");
    requests.push(url);
    if (down) return sendJson(res, 503, { error: "The register is unavailable" });
    if (req.method !== "GET") {
      res.setHeader("allow", "GET");
      return sendJson(res, 405, { error: "Only GET is supported" });
    }
    if (url.pathname === "/healthz") return sendJson(res, 200, { status: "ok" });
    if (!url.pathname.startsWith("/v1/")) return sendJson(res, 404, { error: "not found" });
    if (failures.count > 0) {
      failures.count--;
      return sendJson(res, failures.status, { error: "Injected failure" });
    }
    if (latencyMs <= 0) return answer(url, res);
    pending.add(res);
    const timer = setTimeout(() => {
      pending.delete(res);
      if (!res.destroyed) answer(url, res);
    }, latencyMs);
    res.once("close", () => {
      clearTimeout(timer); // the caller gave up: nothing to answer
      pending.delete(res);
    });
  }

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (error) {
      console.error(error);
      if (!res.headersSent) sendJson(res, 500, { error: "Internal server error" });
    }
  });
  // Longer than any client's idle timeout, so a kept-alive socket is never closed under a request.
  server.keepAliveTimeout = 75_000;
  server.headersTimeout = 76_000;
  const url = await listen(server, options.port ?? 0, options.host ?? "127.0.0.1");

  let stopped: Promise<void> | undefined;
  return {
    url,
    requestCount: () => requests.length,
    requests,
    put,
    setLatency: (ms) => {
      latencyMs = ms;
    },
    setDown: (value) => {
      down = value;
    },
    failNext: (count, status = 503) => {
      failures = { count, status };
    },
    stop: () => {
      for (const res of pending) res.destroy(); // requests held by injected latency
      stopped ??= close(server);
      server.closeAllConnections(); // a stand-in: no need to wait for kept-alive or in-flight sockets
      return stopped;
    },
  };
}

/** `?ids=a,b&ids=c` → [a, b, c]; undefined when the parameter is absent. */
function listParam(url: URL, name: string): string[] | undefined {
  if (!url.searchParams.has(name)) return undefined;
  return url.searchParams
    .getAll(name)
    .flatMap((value) => value.split(","))
    .map((value) => value.trim())
    .filter((value) => value !== "");
}
