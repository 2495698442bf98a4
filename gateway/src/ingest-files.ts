import type { IncomingMessage, ServerResponse } from "node:http";
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type HttpRoute, type Identity, refuseTooLarge, sendError } from "@sfe/kit";
import { type Dispatcher, request } from "undici";
import { authenticatedCaller } from "./route-auth.js";

/** Bulk ingest files beside GraphQL: POST /ingest/<entity>, served by the transactions subgraph on the same path. */
export const INGEST_PATH_PREFIX = "/ingest/";
/** The largest file taken: generous (a million meter readings is ~100 MB), counted as it streams. */
export const INGEST_MAX_BYTES = 1024 * 1024 * 1024;

export interface IngestFileOptions {
  /** The transactions subgraph's GraphQL URL (…/graphql), looked up at call time. */
  transactionsUrl: () => string;
  /** Who is calling, exactly as for GraphQL requests (the gateway's authenticator). */
  authenticate: (req: IncomingMessage) => Promise<Identity | null>;
  /** The identity-token header for the transactions subgraph, naming the caller. */
  identityHeaders: (identity: Identity) => Promise<Record<string, string>>;
  /** How long the subgraph may take to take the file and answer. Default 30 minutes. */
  timeoutMs?: number;
  maxBytes?: number;
  dispatcher?: Dispatcher;
}

class TooLarge extends Error {}

/** Passes bytes through, counting them; past `maxBytes` it fails (and so does the upstream request). */
class ByteLimit extends Transform {
  bytes = 0;
  constructor(private readonly maxBytes: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) callback(new TooLarge(`more than ${this.maxBytes} bytes`));
    else callback(null, chunk);
  }
}

const PASSED_HEADERS = ["content-type", "cache-control"];

/**
 * `POST /ingest/<entity>?format=csv|ndjson&adapter=…&source=…&mode=partial|all-or-nothing` on the gateway: the caller
 * is authenticated as GraphQL callers are (401 before anything is forwarded), then the body is STREAMED to the
 * transactions subgraph (never buffered here) with an identity token naming the caller, and its JSON report streams
 * back. A declared or counted size past the limit is 413 (the subgraph, whose body then breaks off, writes nothing).
 */
export function ingestFileRoutes(options: IngestFileOptions): HttpRoute[] {
  const maxBytes = options.maxBytes ?? INGEST_MAX_BYTES;
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;

  async function forward(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const identity = await authenticatedCaller(options.authenticate, req, res);
    if (!identity) return;
    if (Number(req.headers["content-length"]) > maxBytes) return refuseTooLarge(res, maxBytes);

    const limit = new ByteLimit(maxBytes);
    req.on("error", (error) => limit.destroy(error));
    req.pipe(limit);
    const base = options.transactionsUrl().replace(/\/graphql\/?$/, "");
    let upstream: Dispatcher.ResponseData;
    try {
      upstream = await request(`${base}${url.pathname}${url.search}`, {
        method: "POST",
        headers: {
          "content-type": req.headers["content-type"] ?? "text/csv",
          ...(await options.identityHeaders(identity)),
        },
        body: limit,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        ...(options.dispatcher && { dispatcher: options.dispatcher }),
      });
    } catch (error) {
      if (limit.bytes > maxBytes || error instanceof TooLarge || (error as { cause?: unknown }).cause instanceof TooLarge) {
        req.resume(); // drain what the client still sends, so it reads the answer
        return refuseTooLarge(res, maxBytes);
      }
      if (req.socket.destroyed || res.destroyed) return; // the client left mid-file: the subgraph wrote nothing of it
      console.error("transactions subgraph unavailable:", (error as Error).message);
      return sendError(res, 503, "UPSTREAM_UNAVAILABLE", "The transactions subgraph is unavailable", { subgraph: "transactions" });
    }
    res.statusCode = upstream.statusCode;
    for (const name of PASSED_HEADERS) {
      const value = upstream.headers[name];
      if (value !== undefined) res.setHeader(name, value);
    }
    try {
      await pipeline(upstream.body, res);
    } catch (error) {
      if (!res.destroyed) res.destroy(error as Error);
    }
  }

  return [{ method: "POST", path: INGEST_PATH_PREFIX, handle: forward }];
}
