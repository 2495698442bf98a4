import type { IncomingMessage, ServerResponse } from "node:http";
import { type HttpRoute, type Identity, isUuid, sendError } from "@sfe/kit";
import { type Dispatcher, request } from "undici";
import { authenticatedCaller } from "./route-auth.js";

/** `GET /documents/contracts/<contract id>.html`: a contract as a printable page. */
export const CONTRACT_DOCUMENTS_PREFIX = "/documents/contracts/";
/** Where the products subgraph renders one, for the caller the identity token names. */
const PRODUCTS_DOCUMENT_PATH = "/internal/contracts/document";

export interface DocumentOptions {
  /** The products subgraph's GraphQL URL (…/graphql), looked up at call time. */
  productsUrl: () => string;
  /** Who is calling, exactly as for GraphQL requests. */
  authenticate: (req: IncomingMessage) => Promise<Identity | null>;
  /** The identity-token header for the products subgraph, naming the caller. */
  identityHeaders: (identity: Identity) => Promise<Record<string, string>>;
  timeoutMs?: number;
  dispatcher?: Dispatcher;
}

/** What the products subgraph's answer keeps (its security headers too: the page runs nothing). */
const PASSED_HEADERS = ["content-type", "content-disposition", "cache-control", "content-security-policy", "x-content-type-options"];

const notFound = (res: ServerResponse) => sendError(res, 404, "NOT_FOUND", "There is no such contract you may see");

/**
 * Documents the gateway serves beside GraphQL, authenticated like it (Bearer access token or API key: none or a
 * bad one is 401 before anything is forwarded). The products subgraph decides with the caller's rights: a contract
 * the caller is not party to is the same 404 as one that does not exist.
 */
export function documentRoutes(options: DocumentOptions): HttpRoute[] {
  const timeoutMs = options.timeoutMs ?? 10_000;
  async function contractDocument(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const identity = await authenticatedCaller(options.authenticate, req, res);
    if (!identity) return;
    const name = url.pathname.slice(CONTRACT_DOCUMENTS_PREFIX.length);
    const id = name.endsWith(".html") ? name.slice(0, -".html".length) : "";
    if (!isUuid(id)) return notFound(res);
    const base = options.productsUrl().replace(/\/graphql\/?$/, "");
    let upstream: Dispatcher.ResponseData;
    try {
      upstream = await request(`${base}${PRODUCTS_DOCUMENT_PATH}?id=${id}`, {
        headers: await options.identityHeaders(identity),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        ...(options.dispatcher && { dispatcher: options.dispatcher }),
      });
    } catch (error) {
      console.error("products subgraph unavailable:", (error as Error).message);
      return sendError(res, 503, "UPSTREAM_UNAVAILABLE", "The products subgraph is unavailable", { subgraph: "products" });
    }
    const body = await upstream.body.text();
    res.statusCode = upstream.statusCode;
    for (const header of PASSED_HEADERS) {
      const value = upstream.headers[header];
      if (value !== undefined) res.setHeader(header, value);
    }
    res.end(body);
  }
  return [{ method: "GET", path: CONTRACT_DOCUMENTS_PREFIX, handle: contractDocument }];
}
