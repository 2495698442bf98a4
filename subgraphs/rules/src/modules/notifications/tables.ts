import { sql } from "drizzle-orm";
import { boolean, check, index, integer, jsonb, pgSchema, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

// The rules schema by name, not imported: db/schema.ts re-exports this file, and an import back would be a cycle.
const rulesSchema = pgSchema("rules");

export type NotificationChannel = "IN_APP" | "EMAIL" | "WEBHOOK";
export type WebhookDeliveryStatus = "PENDING" | "RETRYING" | "DELIVERED" | "DEAD_LETTER";

/** Every outbox event received (`POST /internal/events`), by its id: a second delivery of the same event is a no-op. */
export const receivedEvents = rulesSchema.table("received_events", {
  id: uuid().primaryKey(),
  type: text().notNull(),
  source: text().notNull(),
  occurredAt: timestamp("occurred_at", { withTimezone: true }).notNull(),
  receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
});

/** One notification for one recipient: a person (recipient_user_id) or every member of an organisation. */
export const notifications = rulesSchema.table(
  "notifications",
  {
    id: uuid().primaryKey().defaultRandom(),
    eventId: uuid("event_id").notNull(),
    type: text().notNull(),
    title: text().notNull(),
    body: text().notNull(),
    payload: jsonb().$type<Record<string, unknown>>().notNull(),
    subjectType: text("subject_type").notNull(),
    subjectId: text("subject_id").notNull(),
    recipientUserId: uuid("recipient_user_id"),
    recipientOrganisationId: uuid("recipient_organisation_id"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check("notifications_one_recipient", sql`(${t.recipientUserId} is null) <> (${t.recipientOrganisationId} is null)`),
    index("notifications_user_idx").on(t.recipientUserId, t.createdAt),
    index("notifications_organisation_idx").on(t.recipientOrganisationId, t.createdAt),
  ],
);

/** Who has read which notification (an organisation's notification is read by each member on their own). */
export const notificationReads = rulesSchema.table(
  "notification_reads",
  {
    notificationId: uuid("notification_id")
      .notNull()
      .references(() => notifications.id),
    userId: uuid("user_id").notNull(),
    readAt: timestamp("read_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.notificationId, t.userId] })],
);

/**
 * Per type and channel, on or off (default on): a person's for IN_APP and EMAIL; an organisation's for WEBHOOK
 * (`owner_id` is the user or the organisation).
 */
export const notificationPreferences = rulesSchema.table(
  "notification_preferences",
  {
    ownerId: uuid("owner_id").notNull(),
    type: text().notNull(),
    channel: text().$type<NotificationChannel>().notNull(),
    enabled: boolean().notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.ownerId, t.type, t.channel] })],
);

/**
 * An organisation's webhook endpoint. The secret signs deliveries, so it must be recoverable: it is stored encrypted
 * (AES-256-GCM under WEBHOOK_SECRET_KEY), never returned after creation; `secret_prefix` identifies it to people.
 */
export const webhookEndpoints = rulesSchema.table(
  "webhook_endpoints",
  {
    id: uuid().primaryKey().defaultRandom(),
    organisationId: uuid("organisation_id").notNull(),
    url: text().notNull(),
    description: text(),
    /** Event types delivered; empty: every type. */
    eventTypes: jsonb("event_types").$type<string[]>().notNull().default([]),
    active: boolean().notNull().default(true),
    secretCiphertext: text("secret_ciphertext").notNull(),
    secretPrefix: text("secret_prefix").notNull(),
    createdByUserId: uuid("created_by_user_id"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("webhook_endpoints_organisation_idx").on(t.organisationId)],
);

/** One event for one endpoint: retried with exponential backoff and jitter, then DEAD_LETTER; redelivered on request. */
export const webhookDeliveries = rulesSchema.table(
  "webhook_deliveries",
  {
    id: uuid().primaryKey().defaultRandom(),
    endpointId: uuid("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id),
    eventId: uuid("event_id").notNull(),
    eventType: text("event_type").notNull(),
    /** The exact JSON body sent (signed afresh at each attempt). */
    body: text().notNull(),
    status: text().$type<WebhookDeliveryStatus>().notNull().default("PENDING"),
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_endpoint_event_unique").on(t.endpointId, t.eventId),
    index("webhook_deliveries_due_idx").on(t.status, t.nextAttemptAt),
  ],
);
