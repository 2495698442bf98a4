import {
  type DeliveredEvent,
  type EntityReferences,
  type IdentityVerifier,
  type Mailer,
  outboxMailer,
  type SchemaModule,
  smtpMailer,
} from "@sfe/kit";
import type { Database } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import { mailNotifications } from "./emails.js";
import { policy } from "./policy.js";
import { type NotificationRow, notificationsRepository } from "./repository.js";
import { resolvers } from "./resolvers.js";
import { notificationRoutes } from "./routes.js";
import { createNotificationStreams } from "./stream.js";
import { type NotificationSettings, notificationSettings, startWebhookDispatcher, type WebhookDispatcher } from "./webhooks.js";

export { NOTIFICATION_STREAM_PATH } from "./routes.js";
export { notificationSettings } from "./webhooks.js";

/**
 * Notifications (issue 11 item 5): the inbox, preferences, e-mail, the live stream and webhooks. Events arrive from
 * the subgraphs' outboxes at `POST /internal/events`; `start` runs the webhook dispatcher (`close` stops it and ends
 * the live streams).
 */
export function createNotificationsModule(deps: {
  db: Database;
  references: EntityReferences;
  verifier?: IdentityVerifier | undefined;
  settings?: NotificationSettings;
  mailer?: Mailer;
  /** Tests pass false to drive the dispatcher by hand (flush). */
  dispatch?: boolean;
}): SchemaModule<Context> & {
  routes: ReturnType<typeof notificationRoutes>;
  /** Notifies as an event received would (the rules subgraph's own events: a conflict detected). */
  notify: (events: DeliveredEvent[]) => Promise<NotificationRow[]>;
  /** Runs `listener` on every batch of events received, before it is answered (a failure: sent again). */
  onEvents: (listener: (events: DeliveredEvent[]) => Promise<void>) => void;
  dispatcher: () => WebhookDispatcher | undefined;
  close: () => Promise<void>;
  /** How many live streams are open (tests: a closed one is gone). */
  openStreams: () => number;
  /** Resolves once the e-mails of every batch received so far are sent (tests). */
  mailed: () => Promise<void>;
} {
  const settings = deps.settings ?? notificationSettings({});
  const repo = notificationsRepository(deps.db);
  const mailer = deps.mailer ?? (settings.smtpUrl ? smtpMailer(settings.smtpUrl) : outboxMailer(settings.outboxDir));
  const streams = createNotificationStreams(settings.heartbeatMs);
  // Started with the first event received (or redelivery asked for): a subgraph that never gets one polls nothing.
  let dispatcher: WebhookDispatcher | undefined;
  let closed = false;
  const ensureDispatcher = () => {
    if (!dispatcher && deps.dispatch !== false && !closed) dispatcher = startWebhookDispatcher(repo, settings);
    return dispatcher;
  };
  let mailing: Promise<unknown> = Promise.resolve();
  const listeners: ((events: DeliveredEvent[]) => Promise<void>)[] = [];
  /** Notifications of `events` (each event id once), then the live streams, webhooks and e-mail. */
  async function deliver(events: DeliveredEvent[]): Promise<NotificationRow[]> {
    const { notifications } = await repo.receive(events);
    if (notifications.length === 0) return notifications;
    const muted = await repo.inAppMuted(
      streams.userIds(),
      notifications.map((row) => row.type),
    );
    streams.publish(notifications, muted);
    void ensureDispatcher()
      ?.flush()
      .catch(() => {});
    mailing = mailing.then(() => mailNotifications(notifications, { references: deps.references, mailer, repo })).catch(() => {});
    return notifications;
  }
  return {
    name: "notifications",
    resolvers: resolvers({ repo, settings, dispatcher: ensureDispatcher }),
    policy,
    routes: notificationRoutes({ repo, verifier: deps.verifier, streams, deliver, listeners }),
    notify: deliver,
    onEvents: (listener) => {
      listeners.push(listener);
    },
    dispatcher: () => dispatcher,
    openStreams: () => streams.count(),
    mailed: () => mailing.then(() => {}),
    async close() {
      closed = true;
      streams.close();
      await dispatcher?.stop();
      await mailing;
    },
  };
}
