import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { BodyTooLargeError, close, listen, readBody, sendJson } from "./http.js";

/**
 * The HTTP shell every stand-in registry (registries/car, registries/neso-products, registries/dso-products)
 * shares: node:http on loopback, JSON answers, and the knobs tests use to count requests and inject faults
 * (latency, down, the next n requests failing). Each stand-in supplies only its contract (`answer`).
 */

/** One request as the stand-in's contract sees it; `body` is the parsed JSON of a POST (undefined for a GET). */
export interface StandInRequest {
  method: string;
  url: URL;
  body: unknown;
}

export interface StandInOptions {
  /** For messages: "<title> is unavailable". */
  title: string;
  /** Methods the contract accepts; any other answers 405 with `allow`. */
  methods: readonly ("GET" | "POST")[];
  /** Paths under this prefix are the contract's (and subject to latency and injected failures). Default "/v1/". */
  prefix?: string;
  /** Answers a contract request; throwing answers 500. */
  answer(request: StandInRequest, res: ServerResponse): void;
  /** Delay before every contract answer (slowness injection). */
  latencyMs?: number;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Largest POST body read. Default 64 KiB. */
  maxBodyBytes?: number;
}

/** A running stand-in, with the knobs tests use to count requests and inject faults. */
export interface StandIn {
  /** Base URL, e.g. http://127.0.0.1:4100 (no trailing slash). */
  url: string;
  /** Requests received so far (every path, including ones answered 503). */
  requestCount(): number;
  /** What was asked, in arrival order. */
  requests: URL[];
  /** The parsed JSON bodies, in arrival order, one per request (undefined for a GET or unparsable body). */
  bodies: unknown[];
  setLatency(ms: number): void;
  /** While down, every request (/healthz included) answers 503. */
  setDown(down: boolean): void;
  /** The next `count` contract requests answer `status` (default 503), then it behaves again. */
  failNext(count: number, status?: number): void;
  stop(): Promise<void>;
}

export async function startStandIn(options: StandInOptions): Promise<StandIn> {
  const prefix = options.prefix ?? "/v1/";
  const maxBody = options.maxBodyBytes ?? 64 * 1024;
  let latencyMs = options.latencyMs ?? 0;
  let down = false;
  let failures: { count: number; status: number } = { count: 0, status: 503 };
  const requests: URL[] = [];
  const bodies: unknown[] = [];
  const pending = new Set<ServerResponse>();

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://localhost");
    requests.push(url);
    const slot = bodies.push(undefined) - 1;
    if (down) return sendJson(res, 503, { error: `${options.title} is unavailable` });
    const method = req.method ?? "GET";
    if (!(options.methods as readonly string[]).includes(method)) {
      res.setHeader("allow", options.methods.join(", "));
      return sendJson(res, 405, { error: `Only ${options.methods.join(" and ")} ${options.methods.length > 1 ? "are" : "is"} supported` });
    }
    let body: unknown;
    if (method === "POST") {
      const text = await readBody(req, maxBody);
      try {
        body = JSON.parse(text);
      } catch {
        return sendJson(res, 400, { error: "The request body is not JSON" });
      }
      bodies[slot] = body;
    }
    if (url.pathname === "/healthz") return sendJson(res, 200, { status: "ok" });
    if (!url.pathname.startsWith(prefix)) return sendJson(res, 404, { error: "not found" });
    if (failures.count > 0) {
      failures.count--;
      return sendJson(res, failures.status, { error: "Injected failure" });
    }
    const request = { method, url, body };
    if (latencyMs <= 0) return options.answer(request, res);
    pending.add(res);
    const timer = setTimeout(() => {
      pending.delete(res);
      if (!res.destroyed) options.answer(request, res);
    }, latencyMs);
    res.once("close", () => {
      clearTimeout(timer); // the caller gave up: nothing to answer
      pending.delete(res);
    });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof BodyTooLargeError) {
        res.setHeader("connection", "close");
        return sendJson(res, 413, { error: `The request body is larger than ${maxBody} bytes` });
      }
      console.error(error);
      if (!res.headersSent) sendJson(res, 500, { error: "Internal server error" });
    });
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
    bodies,
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
export function listParam(url: URL, name: string): string[] | undefined {
  if (!url.searchParams.has(name)) return undefined;
  return url.searchParams
    .getAll(name)
    .flatMap((value) => value.split(","))
    .map((value) => value.trim())
    .filter((value) => value !== "");
}
