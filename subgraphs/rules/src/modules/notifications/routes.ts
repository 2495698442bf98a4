import {
  type DeliveredEvent,
  EVENT_TYPE,
  EVENTS_PATH,
  gatewayCaller,
  gatewayJsonRequest,
  type HttpRoute,
  type IdentityVerifier,
  isUuid,
  sendError,
  sendJson,
} from "@sfe/kit";
import type { NotificationRow, NotificationsRepository } from "./repository.js";
import type { NotificationStreams } from "./stream.js";

/** The rules subgraph's live stream for one caller, which the gateway's `GET /events/stream` relays. */
export const NOTIFICATION_STREAM_PATH = "/internal/notifications/stream";

const MAX_EVENTS = 500;

/**
 * Gateway-only routes (identity tokens for `rules`, which only the gateway and the hub's subgraphs hold):
 * - `POST /internal/events` `{ "events": [DeliveredEvent, …] }` (≤ 500, kit outbox.ts): each event id is taken once
 *   (a redelivery answers 200 and changes nothing); its notifications and webhook deliveries are written in one
 *   transaction, then pushed to live streams, webhooks and e-mail. `{ "received": n, "created": m }`.
 * - `GET /internal/notifications/stream`: Server-Sent Events of the caller's new notifications (`event:
 *   notification`), heartbeat comments; 401 without a caller.
 */
export function notificationRoutes(deps: {
  repo: NotificationsRepository;
  verifier: IdentityVerifier | undefined;
  streams: NotificationStreams;
  /** Takes events: their notifications written, then pushed to live streams, webhooks and e-mail. */
  deliver: (events: DeliveredEvent[]) => Promise<NotificationRow[]>;
  /**
   * Other modules' work on the same events (the conflict detector's reactive trigger), awaited before answering: a
   * failure answers 503, so the sender's relay sends the batch again (its notifications are not written twice).
   */
  listeners: readonly ((events: DeliveredEvent[]) => Promise<void>)[];
}): HttpRoute[] {
  return [
    {
      method: "POST",
      path: EVENTS_PATH,
      async handle(req, res) {
        const request = await gatewayJsonRequest(deps.verifier, req, res, {
          maxBytes: 4 * 1024 * 1024,
          usage:
            'Send { "events": [{ "id", "type", "subject": { "type", "id" }, "recipients": { "users", "organisations" }, "payload", "occurredAt", "source" }] }',
        });
        if (!request) return;
        const raw = (request.body as { events?: unknown } | null)?.events;
        const events = Array.isArray(raw) && raw.length <= MAX_EVENTS ? raw.map(eventOf) : null;
        if (!events || events.some((event) => event === null)) {
          return sendError(res, 400, "BAD_USER_INPUT", `Send { "events": [...] }: at most ${MAX_EVENTS} well-formed outbox events`);
        }
        // The events' own notifications and the listeners' work (the detector) are independent: run together.
        const delivered = deps.deliver(events as DeliveredEvent[]);
        const listened = Promise.all(deps.listeners.map((listener) => listener(events as DeliveredEvent[])));
        const [notifications] = await Promise.all([delivered, listened.catch(() => {})]);
        try {
          await listened;
        } catch (error) {
          console.error("events: a listener failed, the batch is to be sent again:", error);
          return sendError(res, 503, "UPSTREAM_UNAVAILABLE", "The events were taken but not fully processed: send them again");
        }
        sendJson(res, 200, { received: events.length, created: notifications.length });
      },
    },
    {
      method: "GET",
      path: NOTIFICATION_STREAM_PATH,
      async handle(req, res) {
        const caller = await gatewayCaller(deps.verifier, req, res);
        if (!caller) return;
        if (!caller.identity) return sendError(res, 401, "UNAUTHENTICATED", "Sign in first");
        deps.streams.open(caller.identity, res);
      },
    },
  ];
}

const ids = (value: unknown): string[] | null =>
  Array.isArray(value) && value.length <= 10_000 && value.every((id) => typeof id === "string" && isUuid(id)) ? (value as string[]) : null;

function eventOf(value: unknown): DeliveredEvent | null {
  if (typeof value !== "object" || value === null) return null;
  const { id, type, subject, recipients, payload, occurredAt, source } = value as Record<string, unknown>;
  if (typeof id !== "string" || !isUuid(id) || typeof type !== "string" || !EVENT_TYPE.test(type)) return null;
  const s = subject as { type?: unknown; id?: unknown } | null;
  if (
    typeof s !== "object" ||
    s === null ||
    typeof s.type !== "string" ||
    typeof s.id !== "string" ||
    s.type.length > 100 ||
    s.id.length > 200
  )
    return null;
  const r = recipients as { users?: unknown; organisations?: unknown } | null;
  const users = ids(r?.users ?? []);
  const organisations = ids(r?.organisations ?? []);
  if (!users || !organisations) return null;
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return null;
  const at = typeof occurredAt === "string" ? new Date(occurredAt) : null;
  if (!at || Number.isNaN(at.getTime()) || typeof source !== "string" || source.length > 100) return null;
  return {
    id,
    type,
    subject: { type: s.type, id: s.id },
    recipients: { users, organisations },
    payload: payload as Record<string, unknown>,
    occurredAt: at.toISOString(),
    source,
  };
}
