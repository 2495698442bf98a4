import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type ApolloServer, type BaseContext, HeaderMap } from "@apollo/server";
import type { ErrorCode } from "./errors.js";
import { runInRequestScope } from "./request-scope.js";

/** A plain HTTP endpoint served beside GraphQL (health checks, CSV downloads, uploads). */
export interface HttpRoute {
  method: "GET" | "POST";
  /** The exact path; one ending in "/" also serves every path under it (e.g. "/documents/contracts/" + an id). */
  path: string;
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> | void;
}

export interface HttpServerOptions<TContext extends BaseContext> {
  context: (req: IncomingMessage) => Promise<TContext>;
  routes?: HttpRoute[];
  /** Called for each GraphQL request received (the no-N+1 tests count these). */
  onGraphQLRequest?: () => void;
  /** Longer than any client's idle timeout, so a kept-alive socket is never closed under a request. */
  keepAliveTimeoutMs?: number;
  maxBodyBytes?: number;
}

/** Serves an Apollo Server on POST/GET /graphql with node:http; nothing else in the repo listens. */
export function createHttpServer<TContext extends BaseContext>(
  apollo: ApolloServer<TContext>,
  options: HttpServerOptions<TContext>,
): Server {
  const routes = [
    { method: "GET", path: "/healthz", handle: (_q, res) => sendJson(res, 200, { status: "ok" }) } satisfies HttpRoute,
    ...(options.routes ?? []),
  ];
  const maxBody = options.maxBodyBytes ?? 5 * 1024 * 1024;
  const server = createServer((req, res) => runInRequestScope(() => handle(req, res)));
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? "/", "http://localhost");
      const route = routes.find((r) => r.method === req.method && routeMatches(r.path, url.pathname));
      if (route) return await route.handle(req, res, url);
      if (url.pathname !== "/graphql") return sendJson(res, 404, { error: "not found" });
      options.onGraphQLRequest?.();
      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
      }
      if (Number(req.headers["content-length"]) > maxBody) return refuseBody(res, maxBody);
      const text = req.method === "POST" ? await readBody(req, maxBody) : "";
      let body: unknown = text;
      if (headers.get("content-type")?.startsWith("application/json") && text !== "") {
        // Deep nesting would overflow the stack of whatever walks the value next (coercion, forwarding).
        if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
          return sendError(res, 400, "BAD_REQUEST", `Request JSON is nested deeper than ${MAX_JSON_DEPTH} levels`);
        }
        try {
          body = JSON.parse(text);
        } catch {
          return sendError(res, 400, "BAD_REQUEST", "Request body is not valid JSON");
        }
      }
      const result = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? "GET", headers, search: url.search, body },
        context: () => options.context(req),
      });
      res.statusCode = result.status ?? 200;
      for (const [key, value] of result.headers) res.setHeader(key, value);
      if (result.body.kind === "complete") return void res.end(result.body.string);
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    } catch (error) {
      if (error instanceof BodyTooLargeError) return refuseBody(res, maxBody);
      console.error(error);
      if (!res.headersSent) sendJson(res, 500, { error: "Internal server error" });
      else res.end();
    }
  }
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 75_000;
  server.headersTimeout = server.keepAliveTimeout + 1_000;
  return server;
}

/** A route's path matches itself, and a path ending in "/" every path under it. */
export const routeMatches = (routePath: string, pathname: string) =>
  routePath === pathname || (routePath.endsWith("/") && pathname.startsWith(routePath) && pathname.length > routePath.length);

export class BodyTooLargeError extends Error {}

/** How deep a request's JSON may nest: far beyond any real operation's variables. */
export const MAX_JSON_DEPTH = 64;

/** Whether `text` nests arrays/objects deeper than `max`, by one pass over it (strings skipped). */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > max) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}

/** 413 for a GraphQL body over the limit; the rest is not read, so the connection is closed, not left hanging. */
function refuseBody(res: ServerResponse, maxBytes: number): void {
  res.setHeader("connection", "close");
  sendError(res, 413, "BAD_REQUEST", `The request body is larger than ${maxBytes} bytes`);
}

/** The raw request body, or BodyTooLargeError past `maxBytes` (uploads decode it themselves, strictly). */
export async function readBodyBytes(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new BodyTooLargeError(`Request body is larger than ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export const readBody = async (req: IncomingMessage, maxBytes: number) => (await readBodyBytes(req, maxBytes)).toString("utf8");

/** An error answered outside GraphQL (an upload route), in GraphQL's error shape so clients read one format. */
export function sendError(
  res: ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
): void {
  sendJson(res, status, { errors: [{ message, extensions: { ...extensions, code } }] });
}

/** 413 for an upload over `maxBytes`; the rest of it is not read, so the connection is closed. */
export function refuseTooLarge(res: ServerResponse, maxBytes: number): void {
  res.setHeader("connection", "close");
  sendError(res, 413, "BAD_USER_INPUT", `The file is larger than ${maxBytes / (1024 * 1024)} MB: split it`);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.statusCode = status;
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.end(JSON.stringify(value));
}

/** Listens and resolves with the URL; port 0 picks a free one (tests). */
export async function listen(server: Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
}

/** Stops accepting, lets in-flight requests finish, then drops idle keep-alive sockets. */
export async function close(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 5_000).unref();
  });
}
