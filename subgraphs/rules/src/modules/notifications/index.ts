import { type EntityReferences, type IdentityVerifier, type Mailer, outboxMailer, type SchemaModule, smtpMailer } from "@sfe/kit";
import type { Database } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import { mailNotifications } from "./emails.js";
import { policy } from "./policy.js";
import { notificationsRepository } from "./repository.js";
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
  return {
    name: "notifications",
    resolvers: resolvers({ repo, settings, dispatcher: ensureDispatcher }),
    policy,
    routes: notificationRoutes({
      repo,
      verifier: deps.verifier,
      streams,
      afterReceive: (rows) => {
        if (rows.length === 0) return;
        void ensureDispatcher()
          ?.flush()
          .catch(() => {});
        mailing = mailing.then(() => mailNotifications(rows, { references: deps.references, mailer, repo })).catch(() => {});
      },
    }),
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
