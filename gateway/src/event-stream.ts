import type { IncomingMessage, ServerResponse } from "node:http";
import { type HttpRoute, type Identity, sendError } from "@sfe/kit";
import { type Dispatcher, request } from "undici";
import { authenticatedCaller } from "./route-auth.js";

/** `GET /events/stream`: the caller's new notifications as Server-Sent Events. */
export const EVENT_STREAM_PATH = "/events/stream";
/** The rules subgraph's stream for the caller its identity token names. */
const RULES_STREAM_PATH = "/internal/notifications/stream";

export interface EventStreamOptions {
  /** The rules subgraph's GraphQL URL (…/graphql), looked up at call time. */
  rulesUrl: () => string;
  /** Who is calling, exactly as for GraphQL requests (Bearer access token or API key). */
  authenticate: (req: IncomingMessage) => Promise<Identity | null>;
  /** The identity-token header for the rules subgraph, naming the caller. */
  identityHeaders: (identity: Identity) => Promise<Record<string, string>>;
  dispatcher?: Dispatcher;
}

/**
 * The live stream front ends open for pop-ups, authenticated like GraphQL (none or a bad credential: 401 before
 * anything is asked of a subgraph). The gateway relays the rules subgraph's gateway-only stream opened with the
 * caller's identity token: the rules subgraph, which writes notifications, knows at once whom each is for, and the
 * gateway stays stateless (no copy of who is subscribed). Heartbeat comments come through; closing either side
 * closes the other.
 */
export function eventStreamRoutes(options: EventStreamOptions): HttpRoute[] {
  async function stream(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const identity = await authenticatedCaller(options.authenticate, req, res);
    if (!identity) return;
    const aborted = new AbortController();
    const abort = () => aborted.abort();
    req.on("close", abort);
    res.on("close", abort);
    let upstream: Dispatcher.ResponseData;
    try {
      upstream = await request(options.rulesUrl().replace(/\/graphql\/?$/, RULES_STREAM_PATH), {
        headers: { ...(await options.identityHeaders(identity)), accept: "text/event-stream" },
        signal: aborted.signal,
        headersTimeout: 10_000,
        bodyTimeout: 0, // a stream is quiet between heartbeats for as long as it likes
        ...(options.dispatcher && { dispatcher: options.dispatcher }),
      });
    } catch (error) {
      if (aborted.signal.aborted) return;
      console.error("rules subgraph unavailable:", (error as Error).message);
      return sendError(res, 503, "UPSTREAM_UNAVAILABLE", "The rules subgraph is unavailable", { subgraph: "rules" });
    }
    if (upstream.statusCode !== 200) {
      const body = await upstream.body.text().catch(() => "");
      res.statusCode = upstream.statusCode;
      res.setHeader("content-type", "application/json; charset=utf-8");
      return void res.end(body);
    }
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.flushHeaders();
    try {
      for await (const chunk of upstream.body) res.write(chunk);
    } catch {
      // the client left (abort) or the rules subgraph went away: either way the stream is over
    }
    res.end();
  }
  return [{ method: "GET", path: EVENT_STREAM_PATH, handle: stream }];
}
