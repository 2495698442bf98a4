import type { InboxNotification, WebhookDeliveryRow, WebhookEndpointRow } from "./repository.js";
import type { notificationPreferences } from "./tables.js";

/** Row types the notification resolvers return; codegen maps the GraphQL types onto them. */
export type NotificationMapper = InboxNotification;
export type NotificationPreferenceMapper = typeof notificationPreferences.$inferSelect;
export type WebhookEndpointMapper = WebhookEndpointRow;
export type WebhookDeliveryMapper = WebhookDeliveryRow;
export type UserMapper = { id: string };
