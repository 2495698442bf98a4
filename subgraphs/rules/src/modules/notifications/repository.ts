import type { Database, DeliveredEvent } from "@sfe/kit";
import { and, asc, desc, eq, inArray, lte, or, type SQL, sql } from "drizzle-orm";
import {
  type NotificationChannel,
  notificationPreferences,
  notificationReads,
  notifications,
  receivedEvents,
  type WebhookDeliveryStatus,
  webhookDeliveries,
  webhookEndpoints,
} from "./tables.js";

export type NotificationRow = typeof notifications.$inferSelect;
export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;

/** Whose inbox: a person's own notifications and their organisation's (an API key: its organisation's only). */
export interface Inbox {
  userId: string | null;
  organisationId: string | null;
}

/** A notification as one reader sees it: with their own read time. */
export type InboxNotification = NotificationRow & { readAt: Date | null };

const N = notifications;
const R = notificationReads;
const P = notificationPreferences;
const E = webhookEndpoints;
const D = webhookDeliveries;

/** What is visible in an inbox; nothing for a caller with neither a user nor an organisation. */
function visibleIn(inbox: Inbox): SQL {
  const parts = [
    inbox.userId ? eq(N.recipientUserId, inbox.userId) : undefined,
    inbox.organisationId ? eq(N.recipientOrganisationId, inbox.organisationId) : undefined,
  ].filter((part): part is SQL => part !== undefined);
  const visible = parts.length ? or(...parts)! : sql`false`;
  // A person who switched IN_APP off for a type does not see that type in their inbox.
  return inbox.userId
    ? and(
        visible,
        sql`not exists (select 1 from ${P} where ${P.ownerId} = ${inbox.userId} and ${P.channel} = 'IN_APP' and ${P.type} = ${N.type} and ${P.enabled} = false)`,
      )!
    : visible;
}

const readAtOf = (inbox: Inbox) =>
  inbox.userId
    ? sql<Date | null>`(select ${R.readAt} from ${R} where ${R.notificationId} = ${N.id} and ${R.userId} = ${inbox.userId})`.mapWith(
        (value) => (value === null ? null : new Date(value)),
      )
    : sql<Date | null>`null`;

/** A notification's title and text from its event: the producer's own (`payload.title`, `payload.body`) or the type's. */
function wording(event: DeliveredEvent): { title: string; body: string } {
  const { title, body } = event.payload as { title?: unknown; body?: unknown };
  const words = event.type.toLowerCase().split("_");
  const fallback = `${words.join(" ").replace(/^./, (c) => c.toUpperCase())}`;
  return {
    title: typeof title === "string" && title.trim() ? title.trim().slice(0, 200) : fallback,
    body: typeof body === "string" ? body.slice(0, 4000) : `${fallback}: ${event.subject.type} ${event.subject.id}`,
  };
}

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

export function notificationsRepository(db: Database) {
  return {
    /**
     * Takes a batch of outbox events: each event id once (a redelivered one is skipped), in one transaction its
     * notifications (one per recipient person and organisation) and a webhook delivery per matching active endpoint
     * of the recipient organisations. Set-based: a handful of statements for the whole batch, not a few per event.
     * Answers what was created, in event order.
     */
    receive: (events: DeliveredEvent[]) =>
      db.transaction(async (tx) => {
        const created: NotificationRow[] = [];
        const deliveries: WebhookDeliveryRow[] = [];
        const byId = new Map<string, DeliveredEvent>();
        for (const event of events) if (!byId.has(event.id)) byId.set(event.id, event);
        if (byId.size === 0) return { notifications: created, deliveries };
        const taken = new Set<string>();
        for (const slice of chunks([...byId.values()], 1000)) {
          const rows = await tx
            .insert(receivedEvents)
            .values(
              slice.map((event) => ({ id: event.id, type: event.type, source: event.source, occurredAt: new Date(event.occurredAt) })),
            )
            .onConflictDoNothing()
            .returning({ id: receivedEvents.id });
          for (const { id } of rows) taken.add(id);
        }
        const fresh = [...byId.values()].filter((event) => taken.has(event.id));
        const rows = fresh.flatMap((event) => {
          const { title, body } = wording(event);
          const common = {
            eventId: event.id,
            type: event.type,
            title,
            body,
            payload: event.payload,
            subjectType: event.subject.type,
            subjectId: event.subject.id,
          };
          return [
            ...event.recipients.users.map((userId) => ({ ...common, recipientUserId: userId })),
            ...event.recipients.organisations.map((organisationId) => ({ ...common, recipientOrganisationId: organisationId })),
          ];
        });
        for (const slice of chunks(rows, 1000)) created.push(...(await tx.insert(N).values(slice).returning()));
        const orgs = [...new Set(fresh.flatMap((event) => event.recipients.organisations))];
        if (orgs.length === 0) return { notifications: created, deliveries };
        // The recipient organisations' active endpoints and WEBHOOK opt-outs, once for the batch; matched per event here.
        const [endpoints, muted] = await Promise.all([
          tx
            .select()
            .from(E)
            .where(and(inArray(E.organisationId, orgs), eq(E.active, true))),
          tx
            .select({ ownerId: P.ownerId, type: P.type })
            .from(P)
            .where(and(inArray(P.ownerId, orgs), eq(P.channel, "WEBHOOK"), eq(P.enabled, false))),
        ]);
        if (endpoints.length === 0) return { notifications: created, deliveries };
        const off = new Set(muted.map((m) => `${m.ownerId} ${m.type}`));
        const wanted = fresh.flatMap((event) => {
          const recipients = new Set(event.recipients.organisations);
          const matching = endpoints.filter(
            (endpoint) =>
              recipients.has(endpoint.organisationId) &&
              (endpoint.eventTypes.length === 0 || endpoint.eventTypes.includes(event.type)) &&
              !off.has(`${endpoint.organisationId} ${event.type}`),
          );
          if (matching.length === 0) return [];
          const body = JSON.stringify({
            id: event.id,
            type: event.type,
            occurredAt: event.occurredAt,
            subject: event.subject,
            payload: event.payload,
          });
          return matching.map((endpoint) => ({ endpointId: endpoint.id, eventId: event.id, eventType: event.type, body }));
        });
        for (const slice of chunks(wanted, 1000)) {
          deliveries.push(...(await tx.insert(D).values(slice).onConflictDoNothing().returning()));
        }
        return { notifications: created, deliveries };
      }),

    inbox: (
      inbox: Inbox,
      filter: { unreadOnly: boolean; type: string | null; limit: number; offset: number },
    ): Promise<InboxNotification[]> =>
      db
        .select({ ...getColumns(), readAt: readAtOf(inbox) })
        .from(N)
        .where(
          and(
            visibleIn(inbox),
            filter.type ? eq(N.type, filter.type) : undefined,
            filter.unreadOnly && inbox.userId
              ? sql`not exists (select 1 from ${R} where ${R.notificationId} = ${N.id} and ${R.userId} = ${inbox.userId})`
              : undefined,
          ),
        )
        .orderBy(desc(N.createdAt), desc(N.id))
        .limit(filter.limit)
        .offset(filter.offset),

    async unreadCount(inbox: Inbox, type: string | null): Promise<number> {
      const [row] = await db
        .select({ count: sql<number>`count(*)::int` })
        .from(N)
        .where(
          and(
            visibleIn(inbox),
            type ? eq(N.type, type) : undefined,
            inbox.userId
              ? sql`not exists (select 1 from ${R} where ${R.notificationId} = ${N.id} and ${R.userId} = ${inbox.userId})`
              : undefined,
          ),
        );
      return Number(row?.count ?? 0);
    },

    /** Marks `ids` (only those in the inbox; others are ignored) or every notification read; answers how many were newly read. */
    markRead: (inbox: Inbox & { userId: string }, ids: readonly string[] | "all") =>
      db.transaction(async (tx) => {
        const targets = await tx
          .select({ id: N.id })
          .from(N)
          .where(
            and(
              visibleIn(inbox),
              ids === "all" ? undefined : inArray(N.id, [...ids]),
              sql`not exists (select 1 from ${R} where ${R.notificationId} = ${N.id} and ${R.userId} = ${inbox.userId})`,
            ),
          );
        if (targets.length === 0) return 0;
        const written = await tx
          .insert(R)
          .values(targets.map(({ id }) => ({ notificationId: id, userId: inbox.userId })))
          .onConflictDoNothing()
          .returning({ id: R.notificationId });
        return written.length;
      }),

    preferences: (ownerIds: readonly string[]) =>
      ownerIds.length
        ? db
            .select()
            .from(P)
            .where(inArray(P.ownerId, [...ownerIds]))
            .orderBy(asc(P.type), asc(P.channel))
        : Promise.resolve([]),

    async setPreference(ownerId: string, type: string, channel: NotificationChannel, enabled: boolean) {
      const [row] = await db
        .insert(P)
        .values({ ownerId, type, channel, enabled })
        .onConflictDoUpdate({ target: [P.ownerId, P.type, P.channel], set: { enabled, updatedAt: new Date() } })
        .returning();
      return row!;
    },

    /** `"<user id> <type>"` of each of `userIds` who switched IN_APP off for one of `types`. */
    async inAppMuted(userIds: readonly string[], types: readonly string[]): Promise<Set<string>> {
      if (userIds.length === 0 || types.length === 0) return new Set();
      const rows = await db
        .select({ ownerId: P.ownerId, type: P.type })
        .from(P)
        .where(and(inArray(P.ownerId, [...userIds]), inArray(P.type, [...new Set(types)]), eq(P.channel, "IN_APP"), eq(P.enabled, false)));
      return new Set(rows.map((row) => `${row.ownerId} ${row.type}`));
    },

    /** `"<user id> <type>"` of each of `userIds` who switched EMAIL off for one of `types` (one query). */
    async emailOptedOut(userIds: readonly string[], types: readonly string[]): Promise<Set<string>> {
      if (userIds.length === 0 || types.length === 0) return new Set();
      const rows = await db
        .select({ ownerId: P.ownerId, type: P.type })
        .from(P)
        .where(and(inArray(P.ownerId, [...userIds]), inArray(P.type, [...new Set(types)]), eq(P.channel, "EMAIL"), eq(P.enabled, false)));
      return new Set(rows.map((row) => `${row.ownerId} ${row.type}`));
    },

    // Webhook endpoints and deliveries -------------------------------------------------------------------------------

    async createEndpoint(values: typeof E.$inferInsert): Promise<WebhookEndpointRow> {
      const [row] = await db.insert(E).values(values).returning();
      return row!;
    },

    endpoints: (organisationIds: readonly string[] | "all"): Promise<WebhookEndpointRow[]> =>
      db
        .select()
        .from(E)
        .where(organisationIds === "all" ? undefined : inArray(E.organisationId, [...organisationIds]))
        .orderBy(asc(E.createdAt)),

    async endpoint(id: string): Promise<WebhookEndpointRow | null> {
      const [row] = await db.select().from(E).where(eq(E.id, id));
      return row ?? null;
    },

    async updateEndpoint(id: string, values: Partial<Pick<WebhookEndpointRow, "active" | "eventTypes" | "description">>) {
      const [row] = await db
        .update(E)
        .set({ ...values, updatedAt: new Date() })
        .where(eq(E.id, id))
        .returning();
      return row ?? null;
    },

    deliveries: (endpointId: string, filter: { status: WebhookDeliveryStatus | null; limit: number; offset: number }) =>
      db
        .select()
        .from(D)
        .where(and(eq(D.endpointId, endpointId), filter.status ? eq(D.status, filter.status) : undefined))
        .orderBy(desc(D.createdAt), desc(D.id))
        .limit(filter.limit)
        .offset(filter.offset),

    async delivery(id: string): Promise<WebhookDeliveryRow | null> {
      const [row] = await db.select().from(D).where(eq(D.id, id));
      return row ?? null;
    },

    /** A DELIVERED or DEAD_LETTER delivery is sent again from its first attempt; null when it is still under way. */
    async redeliver(id: string): Promise<WebhookDeliveryRow | null> {
      const [row] = await db
        .update(D)
        .set({ status: "PENDING", attempts: 0, nextAttemptAt: new Date(), lastError: null, updatedAt: new Date() })
        .where(and(eq(D.id, id), inArray(D.status, ["DELIVERED", "DEAD_LETTER"])))
        .returning();
      return row ?? null;
    },

    /**
     * Claims deliveries that are due (`FOR UPDATE SKIP LOCKED`: several replicas never take the same one), leasing
     * them for `leaseMs` so none is sent twice at once; answers them with their endpoints.
     */
    async claimDue(limit: number, leaseMs: number): Promise<{ delivery: WebhookDeliveryRow; endpoint: WebhookEndpointRow }[]> {
      const due = db
        .select({ id: D.id })
        .from(D)
        .where(and(inArray(D.status, ["PENDING", "RETRYING"]), lte(D.nextAttemptAt, sql`now()`)))
        .orderBy(asc(D.nextAttemptAt))
        .limit(limit)
        .for("update", { skipLocked: true });
      const claimed = await db
        .update(D)
        .set({ nextAttemptAt: sql`now() + ${`${leaseMs} milliseconds`}::interval` })
        .where(inArray(D.id, due))
        .returning();
      if (claimed.length === 0) return [];
      const endpoints = await db
        .select()
        .from(E)
        .where(inArray(E.id, [...new Set(claimed.map((row) => row.endpointId))]));
      const byId = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint]));
      return claimed.flatMap((delivery) => {
        const endpoint = byId.get(delivery.endpointId);
        return endpoint ? [{ delivery, endpoint }] : [];
      });
    },

    async recordAttempt(
      id: string,
      outcome:
        | { delivered: true; statusCode: number }
        | { delivered: false; statusCode: number | null; error: string; retryInMs: number | null },
    ) {
      const [row] = await db
        .update(D)
        .set(
          outcome.delivered
            ? {
                status: "DELIVERED",
                attempts: sql`${D.attempts} + 1`,
                lastStatusCode: outcome.statusCode,
                lastError: null,
                deliveredAt: new Date(),
                updatedAt: new Date(),
              }
            : {
                status: outcome.retryInMs === null ? "DEAD_LETTER" : "RETRYING",
                attempts: sql`${D.attempts} + 1`,
                lastStatusCode: outcome.statusCode,
                lastError: outcome.error.slice(0, 500),
                ...(outcome.retryInMs !== null && { nextAttemptAt: new Date(Date.now() + outcome.retryInMs) }),
                updatedAt: new Date(),
              },
        )
        .where(eq(D.id, id))
        .returning();
      return row ?? null;
    },
  };
}

const getColumns = () => ({
  id: N.id,
  eventId: N.eventId,
  type: N.type,
  title: N.title,
  body: N.body,
  payload: N.payload,
  subjectType: N.subjectType,
  subjectId: N.subjectId,
  recipientUserId: N.recipientUserId,
  recipientOrganisationId: N.recipientOrganisationId,
  createdAt: N.createdAt,
});

export type NotificationsRepository = ReturnType<typeof notificationsRepository>;
