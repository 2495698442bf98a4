import { allow, forbidden, type Identity, type Policy, type Rule, seesEveryOrganisation } from "@sfe/kit";
import type { Context } from "../../loaders.js";

/**
 * Notifications are their recipients': a person sees their own and their organisation's (filtered in SQL,
 * repository.ts Inbox); an API key its organisation's (rules:read). Read state and IN_APP / EMAIL preferences are a
 * person's. Webhook endpoints and their deliveries are their organisation's: its members read them, its admins (and
 * hub administrators) create, change and redeliver; another organisation's are NOT_FOUND (resolvers.ts).
 */
const readNotifications: Rule = allow.scope("rules", "read");

/** A signed-in person (not an API key): read state and personal preferences belong to someone. */
export const aPerson: Rule = (identity) =>
  allow.signedIn()(identity) ??
  (identity?.kind === "user" && identity.userId ? null : forbidden("Only a signed-in person has an inbox to mark or preferences to set"));

/** Managing webhooks: rules:write, and an organisation admin or a hub administrator (checked against the endpoint's organisation in the resolver). */
export const manageWebhooks: Rule = (identity) =>
  allow.scope("rules", "write")(identity) ??
  (identity?.orgAdmin || seesEveryOrganisation(identity) ? null : forbidden("Only an organisation's admins manage its webhooks"));

/** Whether `identity` may see `organisationId`'s webhooks (members) or manage them (admins); hub administrators both. */
export function webhookAccess(identity: Identity | null, organisationId: string): "manage" | "read" | "none" {
  if (seesEveryOrganisation(identity)) return "manage";
  if (!identity || identity.organisationId !== organisationId) return "none";
  return identity.orgAdmin && identity.kind === "user" ? "manage" : "read";
}

export const policy: Policy<Context> = {
  "Query.notifications": readNotifications,
  "Query.unreadNotificationCount": readNotifications,
  "Query.notificationPreferences": readNotifications,
  "Query.webhookEndpoints": readNotifications,
  "Query.webhookDeliveries": readNotifications,
  "Mutation.markNotificationsRead": allow.all(allow.scope("rules", "write"), aPerson),
  // WEBHOOK preferences are the organisation's: the resolver also asks for an organisation admin.
  "Mutation.setNotificationPreference": allow.all(allow.scope("rules", "write"), aPerson),
  "Mutation.createWebhookEndpoint": manageWebhooks,
  "Mutation.updateWebhookEndpoint": manageWebhooks,
  "Mutation.redeliverWebhook": manageWebhooks,
};
