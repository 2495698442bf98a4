import type { EntityReferences, Mailer } from "@sfe/kit";
import type { NotificationRow, NotificationsRepository } from "./repository.js";

type Member = { id: string; email?: string | null; status?: string | null };

/** Accounts that receive no mail: not yet verified, suspended or gone. */
const SILENT = new Set(["SELF_REGISTERED", "PENDING_EMAIL_VERIFICATION", "SUSPENDED", "DEACTIVATED"]);

/** The users subgraph's gateway-only route answering a batch's addresses (subgraphs/users/src/routes.ts). */
export const CONTACTS_PATH = "/internal/users/contacts";
/** The route's limit of ids per call: a batch beyond it (1000 distinct recipients) takes one call per 1000. */
const IDS_PER_CALL = 1000;

interface Contacts {
  users?: Member[];
  organisations?: { id: string; members?: Member[] }[];
}

/**
 * E-mails new notifications through the kit's mailer (SMTP, or the development outbox), to the person or to each
 * member of the organisation, unless they switched EMAIL off for the type. Addresses come from the users subgraph's
 * contacts route, one call for the whole batch (one lookup per recipient timed out under load and lost the mail); the
 * route answers per id only what that recipient could see (a person their own address, an organisation its own
 * members'), so the lookup sees no more than the recipient could. The opt-outs in one query. Best effort, after the
 * notifications committed: a failed mail is logged, the inbox and webhooks do not depend on it.
 */
export async function mailNotifications(
  rows: readonly NotificationRow[],
  deps: { references: EntityReferences; mailer: Mailer; repo: NotificationsRepository; log?: (message: string) => void },
): Promise<number> {
  const log = deps.log ?? console.error;
  if (rows.length === 0) return 0;
  const userIds = [...new Set(rows.flatMap((row) => (row.recipientUserId ? [row.recipientUserId] : [])))];
  const organisationIds = [...new Set(rows.flatMap((row) => (row.recipientOrganisationId ? [row.recipientOrganisationId] : [])))];
  const people = new Map<string, Member[]>();
  try {
    if (!deps.references.call) throw new Error("no route to the users subgraph");
    const keys = [...userIds.map((id) => ({ user: id })), ...organisationIds.map((id) => ({ organisation: id }))];
    for (let i = 0; i < keys.length; i += IDS_PER_CALL) {
      const slice = keys.slice(i, i + IDS_PER_CALL);
      const { status, body } = await deps.references.call<Contacts | null>("users", CONTACTS_PATH, {
        userIds: slice.flatMap((k) => ("user" in k ? [k.user] : [])),
        organisationIds: slice.flatMap((k) => ("organisation" in k ? [k.organisation] : [])),
      });
      if (status !== 200 || !body) throw new Error(`the users subgraph answered ${status}`);
      for (const user of body.users ?? []) people.set(`user ${user.id}`, [user]);
      for (const org of body.organisations ?? []) people.set(`organisation ${org.id}`, org.members ?? []);
    }
  } catch (error) {
    log(`${rows.length} notification(s): e-mail not sent: ${(error as Error).message}`);
    return 0;
  }
  let optedOut: Set<string>;
  try {
    optedOut = await deps.repo.emailOptedOut(
      [...new Set([...people.values()].flat().map((m) => m.id))],
      rows.map((row) => row.type),
    );
  } catch (error) {
    log(`${rows.length} notification(s): e-mail not sent: ${(error as Error).message}`);
    return 0;
  }
  let sent = 0;
  for (const row of rows) {
    const recipients = (people.get(keyOf(row)) ?? []).filter(
      (m): m is Member & { email: string } => !!m?.email && !SILENT.has(m.status ?? "") && !optedOut.has(`${m.id} ${row.type}`),
    );
    for (const member of recipients) {
      try {
        await deps.mailer.send({
          to: member.email,
          subject: `SFE Hub: ${row.title}`,
          text: `${row.body}\n\nSee your notifications in SFE Hub (type ${row.type}).\nChange which notifications you are mailed with setNotificationPreference (channel EMAIL).\n`,
        });
        sent++;
      } catch (error) {
        log(`notification ${row.id}: e-mail to ${member.id} not sent: ${(error as Error).message}`);
      }
    }
  }
  return sent;
}

const keyOf = (row: NotificationRow) =>
  row.recipientUserId ? `user ${row.recipientUserId}` : `organisation ${row.recipientOrganisationId}`;
