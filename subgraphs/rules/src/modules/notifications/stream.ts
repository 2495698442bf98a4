import type { ServerResponse } from "node:http";
import type { Identity } from "@sfe/kit";
import type { NotificationRow } from "./repository.js";

/** One open live stream: who it is for, and where to write. */
interface Subscriber {
  userId: string | null;
  organisationId: string | null;
  res: ServerResponse;
}

/**
 * The live streams open on this rules process. New notifications are written to every stream of their recipient
 * (the person, or any member of the organisation) the moment the batch that created them commits. (One process holds
 * its streams: several rules replicas would fan out through Postgres LISTEN/NOTIFY instead.)
 */
export function createNotificationStreams(heartbeatMs: number) {
  const subscribers = new Set<Subscriber>();
  const heartbeat = setInterval(() => {
    for (const subscriber of subscribers) subscriber.res.write(`: heartbeat ${new Date().toISOString()}\n\n`);
  }, heartbeatMs);
  heartbeat.unref();
  return {
    /** Opens an SSE response for `identity`; it ends when the client (the gateway) disconnects, or on close. */
    open(identity: Identity, res: ServerResponse): void {
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      res.flushHeaders();
      const subscriber: Subscriber = { userId: identity.userId, organisationId: identity.organisationId, res };
      subscribers.add(subscriber);
      res.write(`retry: 3000\n: connected\n\n`);
      const drop = () => subscribers.delete(subscriber);
      res.on("close", drop);
      res.on("error", drop);
    },
    /** The people with a stream open (their IN_APP preferences decide what they are sent). */
    userIds: (): string[] => [...new Set([...subscribers].flatMap((s) => (s.userId ? [s.userId] : [])))],
    /** Writes each row to its recipients' streams, except to a person who switched IN_APP off for its type (`muted`). */
    publish(rows: readonly NotificationRow[], muted: ReadonlySet<string> = new Set()): void {
      for (const row of rows) {
        const data = JSON.stringify({
          id: row.id,
          type: row.type,
          title: row.title,
          body: row.body,
          payload: row.payload,
          subject: { type: row.subjectType, id: row.subjectId },
          recipientUserId: row.recipientUserId,
          recipientOrganisationId: row.recipientOrganisationId,
          createdAt: row.createdAt.toISOString(),
        });
        for (const subscriber of subscribers) {
          const forThem =
            (row.recipientUserId !== null && row.recipientUserId === subscriber.userId) ||
            (row.recipientOrganisationId !== null && row.recipientOrganisationId === subscriber.organisationId);
          if (forThem && !(subscriber.userId && muted.has(`${subscriber.userId} ${row.type}`)))
            subscriber.res.write(`id: ${row.id}\nevent: notification\ndata: ${data}\n\n`);
        }
      }
    },
    count: () => subscribers.size,
    close(): void {
      clearInterval(heartbeat);
      for (const subscriber of subscribers) subscriber.res.end();
      subscribers.clear();
    },
  };
}

export type NotificationStreams = ReturnType<typeof createNotificationStreams>;
