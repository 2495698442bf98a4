import { conflict, forbidden, type Identity, notFound, requireUuid } from "@sfe/kit";
import type { Resolvers } from "../../__generated__/resolvers-types.js";
import { webhookAccess } from "./policy.js";
import type { Inbox, NotificationsRepository, WebhookEndpointRow } from "./repository.js";
import { eventTypes, optionalEventType, page, readTargets, requireEventType } from "./validation.js";
import { checkWebhookUrl, encryptSecret, type NotificationSettings, newWebhookSecret, type WebhookDispatcher } from "./webhooks.js";

const inboxOf = (identity: Identity | null): Inbox => ({
  userId: identity?.kind === "user" ? identity.userId : null,
  organisationId: identity?.organisationId ?? null,
});

export function resolvers(deps: {
  repo: NotificationsRepository;
  settings: NotificationSettings;
  dispatcher: () => WebhookDispatcher | undefined;
}): Resolvers {
  const { repo, settings } = deps;

  /** The endpoint if the caller may see it (members; admins for `manage`), else NOT_FOUND / FORBIDDEN. */
  async function endpointFor(identity: Identity | null, id: string, need: "read" | "manage"): Promise<WebhookEndpointRow> {
    const endpoint = await repo.endpoint(requireUuid(id, need === "read" ? "endpointId" : "id"));
    const access = endpoint ? webhookAccess(identity, endpoint.organisationId) : "none";
    if (!endpoint || access === "none") throw notFound("WebhookEndpoint", id);
    if (need === "manage" && access !== "manage") throw forbidden("Only an organisation's admins manage its webhooks");
    return endpoint;
  }

  return {
    Query: {
      notifications: (_, args, { identity }) =>
        repo.inbox(inboxOf(identity), { unreadOnly: args.unreadOnly === true, type: optionalEventType(args.type), ...page(args) }),
      unreadNotificationCount: (_, args, { identity }) => repo.unreadCount(inboxOf(identity), optionalEventType(args.type)),
      notificationPreferences: (_, __, { identity }) => {
        const inbox = inboxOf(identity);
        return repo.preferences([inbox.userId, inbox.organisationId].filter((id): id is string => id !== null));
      },
      webhookEndpoints: async (_, { organisationId }, { identity }) => {
        if (organisationId === null || organisationId === undefined) {
          if (identity?.roles.includes("ADMIN")) return repo.endpoints("all");
          return identity?.organisationId ? repo.endpoints([identity.organisationId]) : [];
        }
        const id = requireUuid(organisationId, "organisationId");
        return webhookAccess(identity, id) === "none" ? [] : repo.endpoints([id]);
      },
      webhookDeliveries: async (_, args, { identity }) => {
        const endpoint = await endpointFor(identity, args.endpointId, "read");
        return repo.deliveries(endpoint.id, { status: args.status ?? null, ...page(args) });
      },
    },

    Mutation: {
      markNotificationsRead: async (_, { input }, { identity }) => {
        const inbox = { ...inboxOf(identity), userId: identity!.userId! };
        const marked = await repo.markRead(inbox, readTargets(input));
        return { marked, unreadCount: await repo.unreadCount(inbox, null) };
      },
      setNotificationPreference: async (_, { input }, { identity }) => {
        const type = requireEventType(input.type, "type");
        if (input.channel === "WEBHOOK") {
          const organisationId = identity?.organisationId;
          if (!organisationId || webhookAccess(identity, organisationId) !== "manage") {
            throw forbidden("WEBHOOK preferences are the organisation's: only its admins set them");
          }
          return { preference: await repo.setPreference(organisationId, type, "WEBHOOK", input.enabled) };
        }
        return { preference: await repo.setPreference(identity!.userId!, type, input.channel, input.enabled) };
      },
      createWebhookEndpoint: async (_, { input }, { identity }) => {
        const organisationId = input.organisationId ? requireUuid(input.organisationId, "organisationId") : identity?.organisationId;
        if (!organisationId) throw forbidden("Name the organisation the endpoint is for (organisationId)");
        if (webhookAccess(identity, organisationId) !== "manage") throw forbidden("Only an organisation's admins manage its webhooks");
        const url = await checkWebhookUrl(input.url, settings.production);
        if (!settings.secretKey) {
          const off = forbidden("Webhooks are not configured on this hub: its operator sets WEBHOOK_SECRET_KEY");
          off.extensions.reason = "NOT_CONFIGURED";
          throw off;
        }
        const { secret, prefix } = newWebhookSecret();
        const endpoint = await repo.createEndpoint({
          organisationId,
          url,
          description: input.description?.trim().slice(0, 500) || null,
          eventTypes: eventTypes(input.eventTypes),
          secretCiphertext: encryptSecret(settings.secretKey, secret),
          secretPrefix: prefix,
          createdByUserId: identity?.userId ?? null,
        });
        return { endpoint, secret };
      },
      updateWebhookEndpoint: async (_, { input }, { identity }) => {
        const endpoint = await endpointFor(identity, input.id, "manage");
        const updated = await repo.updateEndpoint(endpoint.id, {
          ...(typeof input.active === "boolean" && { active: input.active }),
          ...(input.eventTypes && { eventTypes: eventTypes(input.eventTypes) }),
          ...(typeof input.description === "string" && { description: input.description.trim().slice(0, 500) || null }),
        });
        return { endpoint: updated ?? endpoint };
      },
      redeliverWebhook: async (_, { deliveryId }, { identity }) => {
        const delivery = await repo.delivery(requireUuid(deliveryId, "deliveryId"));
        if (!delivery) throw notFound("WebhookDelivery", deliveryId);
        const endpoint = await repo.endpoint(delivery.endpointId);
        const access = endpoint ? webhookAccess(identity, endpoint.organisationId) : "none";
        if (access === "none") throw notFound("WebhookDelivery", deliveryId);
        if (access !== "manage") throw forbidden("Only an organisation's admins manage its webhooks");
        const again = await repo.redeliver(delivery.id);
        if (!again) {
          throw conflict(`WebhookDelivery ${delivery.id} is ${delivery.status}: only a DELIVERED or DEAD_LETTER delivery is sent again`, {
            currentStatus: delivery.status,
          });
        }
        void deps
          .dispatcher()
          ?.flush()
          .catch(() => {});
        return { delivery: again };
      },
    },

    Notification: {
      subject: (row) => ({ type: row.subjectType, id: row.subjectId }),
      recipientUser: (row) => (row.recipientUserId ? { id: row.recipientUserId } : null),
      recipientOrganisation: (row) =>
        row.recipientOrganisationId ? { __typename: "Organisation", id: row.recipientOrganisationId } : null,
    },

    WebhookEndpoint: {
      organisation: (row) => ({ __typename: "Organisation", id: row.organisationId }),
      deliveries: (row, args) => repo.deliveries(row.id, { status: args.status ?? null, ...page(args) }),
    },

    WebhookDelivery: {
      endpoint: (row) => repo.endpoint(row.endpointId),
      nextAttemptAt: (row) => (row.status === "PENDING" || row.status === "RETRYING" ? row.nextAttemptAt : null),
    },
  } as Resolvers;
}
