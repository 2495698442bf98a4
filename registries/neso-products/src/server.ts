import type { ServerResponse } from "node:http";
import { sendJson } from "@sfe/kit";
import { type StandIn, startStandIn } from "@sfe/kit/stand-in";
import { MAX_BATCH, type NesoService, type NesoServiceSummary } from "./contract.js";
import { demoServices } from "./data.js";

export * from "./contract.js";
export { demoServices } from "./data.js";

export interface NesoProductsOptions {
  /** The services published; the demo catalogue (data.ts) when omitted. */
  services?: NesoService[];
  /** Delay before every /v1 answer (slowness injection). */
  latencyMs?: number;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
}

/** A running stand-in NESO product API, with the kit's stand-in knobs (request log, latency, down, failNext). */
export interface NesoProductsApi extends StandIn {
  /** Publishes a service, or replaces it (by serviceCode). */
  put(service: NesoService): void;
}

/**
 * Starts the stand-in NESO-like product API on node:http, speaking CONTRACT.md: GET /v1/services,
 * POST /v1/services:batchGet, GET /v1/services/{serviceCode}, GET /healthz.
 */
export async function createNesoProductsApi(options: NesoProductsOptions = {}): Promise<NesoProductsApi> {
  const services = new Map<string, NesoService>();
  const put = (service: NesoService) => void services.set(service.serviceCode, service);
  for (const service of options.services ?? demoServices()) put(service);

  function answer(method: string, url: URL, body: unknown, res: ServerResponse) {
    if (url.pathname === "/v1/services" && method === "GET") {
      const summaries: NesoServiceSummary[] = [...services.values()].map(({ serviceCode, serviceName, status, lastUpdated }) => ({
        serviceCode,
        serviceName,
        status,
        lastUpdated,
      }));
      return sendJson(res, 200, { services: summaries });
    }
    if (url.pathname === "/v1/services:batchGet" && method === "POST") return batchGet(body, res);
    const one = /^\/v1\/services\/([^/:]+)$/.exec(url.pathname);
    if (one && method === "GET") {
      const code = decodeURIComponent(one[1]!);
      const service = services.get(code);
      return service ? sendJson(res, 200, service) : sendJson(res, 404, { error: `No service ${code}` });
    }
    sendJson(res, 404, { error: "not found" });
  }

  function batchGet(body: unknown, res: ServerResponse) {
    const ids = (body as { ids?: unknown } | null)?.ids;
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== "string"))
      return sendJson(res, 400, { error: 'The body must be { "ids": [serviceCode, …] }' });
    if (ids.length === 0) return sendJson(res, 400, { error: "Give at least one id" });
    if (ids.length > MAX_BATCH) return sendJson(res, 400, { error: `At most ${MAX_BATCH} ids per request, got ${ids.length}` });
    const found = new Map<string, NesoService>();
    for (const id of ids as string[]) {
      const service = services.get(id);
      if (service) found.set(id, service);
    }
    sendJson(res, 200, { services: [...found.values()] });
  }

  const standIn = await startStandIn({
    title: "The NESO product API",
    methods: ["GET", "POST"],
    answer: ({ method, url, body }, res) => answer(method, url, body, res),
    latencyMs: options.latencyMs,
    port: options.port,
    host: options.host,
  });
  return { ...standIn, put };
}
