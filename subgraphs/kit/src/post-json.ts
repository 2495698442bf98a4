import { type Dispatcher, request } from "undici";
import { SfeError } from "./errors.js";

/** How one JSON call to another service is made, and what its failure says. */
export interface JsonCallOptions {
  /** Who is called, for the error's extensions: `{ subgraph: "users" }` or `{ registry: "CAR" }`. */
  upstream: { subgraph: string } | { registry: string };
  /** The error's message when the call fails; a function also sees the cause (for messages operators read). */
  unavailable: string | ((cause: unknown) => string);
  headers?: Record<string, string> | undefined;
  /** Bounds the whole exchange, body included, so a trickling body cannot outlast it. Default 5_000. */
  timeoutMs?: number | undefined;
  /** Default: undici's global dispatcher. */
  dispatcher?: Dispatcher | undefined;
  /** Ends the call early (a caller's own deadline). */
  signal?: AbortSignal | undefined;
  /** A body that is not JSON: a failure (the default), or `undefined` for the caller to judge by the status. */
  invalidBody?: "fail" | "undefined";
}

/** The answer's status, whatever it is, and its parsed JSON body. */
export interface JsonAnswer<T> {
  status: number;
  body: T;
}

/**
 * POSTs `payload` as JSON and returns the status and the parsed body. A network failure, a timeout or a
 * body that is not JSON throws SfeError UPSTREAM_UNAVAILABLE naming the upstream; any status is returned.
 */
export function postJson<T = unknown>(url: string, payload: unknown, options: JsonCallOptions): Promise<JsonAnswer<T>> {
  return callJson<T>(url, "POST", JSON.stringify(payload), options);
}

/** GETs `url` as `postJson` POSTs: the status and the parsed body, or UPSTREAM_UNAVAILABLE. */
export function getJson<T = unknown>(url: string, options: JsonCallOptions): Promise<JsonAnswer<T>> {
  return callJson<T>(url, "GET", undefined, options);
}

async function callJson<T>(
  url: string,
  method: "GET" | "POST",
  body: string | undefined,
  options: JsonCallOptions,
): Promise<JsonAnswer<T>> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const deadline = AbortSignal.timeout(timeoutMs);
  let status: number;
  let text: string;
  try {
    const response = await request(url, {
      method,
      ...(options.dispatcher && { dispatcher: options.dispatcher }),
      headers: { accept: "application/json", ...(body !== undefined && { "content-type": "application/json" }), ...options.headers },
      ...(body !== undefined && { body }),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: options.signal ? AbortSignal.any([options.signal, deadline]) : deadline,
    });
    status = response.statusCode;
    text = await response.body.text();
  } catch (cause) {
    throw unavailable(options, cause);
  }
  try {
    return { status, body: JSON.parse(text) as T };
  } catch (cause) {
    if (options.invalidBody === "undefined") return { status, body: undefined as T };
    throw unavailable(options, cause);
  }
}

function unavailable(options: JsonCallOptions, cause: unknown): SfeError {
  const message = typeof options.unavailable === "string" ? options.unavailable : options.unavailable(cause);
  return new SfeError("UPSTREAM_UNAVAILABLE", message, { ...options.upstream });
}
