import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { BodyTooLargeError, type HttpRoute, type Identity, readBodyBytes, refuseTooLarge, sendError } from "@sfe/kit";
import { type Dispatcher, request } from "undici";
import { authenticatedCaller } from "./route-auth.js";

/** The asset files the gateway serves beside GraphQL, on the paths the assets subgraph serves them. */
export const ASSET_IMPORT_PATH = "/assets/import";
export const ASSET_EXPORT_PATH = "/assets/export.csv";
/** The largest CSV upload taken (the assets subgraph takes no more either). */
export const ASSET_FILE_MAX_BYTES = 10 * 1024 * 1024;

export interface AssetFileOptions {
  /** The assets subgraph's GraphQL URL (…/graphql), looked up at call time. */
  assetsUrl: () => string;
  /** Who is calling, exactly as for GraphQL requests (the gateway's authenticator). */
  authenticate: (req: IncomingMessage) => Promise<Identity | null>;
  /** The identity-token header for the assets subgraph, naming the caller. */
  identityHeaders: (identity: Identity) => Promise<Record<string, string>>;
  /** How long the subgraph may take to answer (a 20,000-row import takes seconds). Default 120 s. */
  timeoutMs?: number;
  maxBytes?: number;
  dispatcher?: Dispatcher;
}

/** Response headers passed back from the subgraph (the rest are hop-by-hop or the subgraph's own business). */
const PASSED_HEADERS = ["content-type", "content-disposition", "cache-control"];

/**
 * `POST /assets/import` (CSV upload, ?mode=partial|all-or-nothing) and `GET /assets/export.csv` on the
 * gateway: the caller is authenticated as GraphQL callers are (Bearer access token or API key; a bad
 * credential, or none, is 401 before anything is forwarded), then the request goes to the assets subgraph
 * with an identity token naming the caller, and its answer (status, type, body) streams back.
 * Uploads over 10 MB are refused (413) without being forwarded.
 */
export function assetFileRoutes(options: AssetFileOptions): HttpRoute[] {
  const maxBytes = options.maxBytes ?? ASSET_FILE_MAX_BYTES;
  const timeoutMs = options.timeoutMs ?? 120_000;

  async function forward(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const identity = await authenticatedCaller(options.authenticate, req, res);
    if (!identity) return;

    let body: Buffer | undefined;
    if (req.method === "POST") {
      if (Number(req.headers["content-length"]) > maxBytes) return refuseTooLarge(res, maxBytes);
      try {
        body = await readBodyBytes(req, maxBytes);
      } catch (error) {
        if (error instanceof BodyTooLargeError) return refuseTooLarge(res, maxBytes);
        throw error;
      }
    }

    const base = options.assetsUrl().replace(/\/graphql\/?$/, "");
    let upstream: Dispatcher.ResponseData;
    try {
      upstream = await request(`${base}${url.pathname}${url.search}`, {
        method: req.method === "POST" ? "POST" : "GET",
        headers: {
          ...(body && { "content-type": req.headers["content-type"] ?? "text/csv" }),
          ...(await options.identityHeaders(identity)),
        },
        body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        ...(options.dispatcher && { dispatcher: options.dispatcher }),
      });
    } catch (error) {
      console.error("assets subgraph unavailable:", (error as Error).message);
      return sendError(res, 503, "UPSTREAM_UNAVAILABLE", "The assets subgraph is unavailable", { subgraph: "assets" });
    }
    res.statusCode = upstream.statusCode;
    for (const name of PASSED_HEADERS) {
      const value = upstream.headers[name];
      if (value !== undefined) res.setHeader(name, value);
    }
    try {
      await pipeline(upstream.body, res);
    } catch (error) {
      // The subgraph broke off (or the client left) mid-answer: the client sees a cut response, never a clean partial one.
      if (!res.destroyed) res.destroy(error as Error);
    }
  }

  return [
    { method: "POST", path: ASSET_IMPORT_PATH, handle: forward },
    { method: "GET", path: ASSET_EXPORT_PATH, handle: forward },
  ];
}
