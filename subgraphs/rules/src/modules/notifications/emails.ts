import { type EntityReferences, type Identity, type Mailer, runInRequestScope, setScopeIdentity } from "@sfe/kit";
import type { NotificationRow, NotificationsRepository } from "./repository.js";

type Member = { id: string; email?: string | null; status?: string | null };

/** Accounts that receive no mail: not yet verified, suspended or gone. */
const SILENT = new Set(["SELF_REGISTERED", "PENDING_EMAIL_VERIFICATION", "SUSPENDED", "DEACTIVATED"]);

/** Recipients whose addresses are read at once. */
const LOOKUPS_AT_ONCE = 8;

/**
 * E-mails new notifications through the kit's mailer (SMTP, or the development outbox), to the person or to each
 * member of the organisation, unless they switched EMAIL off for the type. Addresses are read from the users
 * subgraph in the recipient's own name (a token naming only that person, or membership of that organisation), so the
 * lookup sees no more than the recipient could: one lookup per distinct recipient of the batch, not per notification
 * (a conflict batch told to one SO is one lookup; one per notification timed out under load and lost the mail), and
 * the opt-outs in one query. Best effort, after the notifications committed: a failed mail is logged, the inbox and
 * webhooks do not depend on it.
 */
export async function mailNotifications(
  rows: readonly NotificationRow[],
  deps: { references: EntityReferences; mailer: Mailer; repo: NotificationsRepository; log?: (message: string) => void },
): Promise<number> {
  const log = deps.log ?? console.error;
  if (rows.length === 0) return 0;
  const userIds = [...new Set(rows.flatMap((row) => (row.recipientUserId ? [row.recipientUserId] : [])))];
  const organisationIds = [...new Set(rows.flatMap((row) => (row.recipientOrganisationId ? [row.recipientOrganisationId] : [])))];
  const recipients = [
    ...userIds.map((id) => ({ key: `user ${id}`, who: { userId: id, organisationId: null } })),
    ...organisationIds.map((id) => ({ key: `organisation ${id}`, who: { userId: null, organisationId: id } })),
  ];
  const people = new Map<string, Member[]>();
  for (let i = 0; i < recipients.length; i += LOOKUPS_AT_ONCE) {
    await Promise.all(
      recipients.slice(i, i + LOOKUPS_AT_ONCE).map(async ({ key, who }) => {
        try {
          const members = who.userId
            ? await lookupAs(who, () => deps.references.lookup<Member>("User", [who.userId!], "email status"))
            : ((
                await lookupAs(who, () =>
                  deps.references.lookup<{ users?: Member[] | null }>("Organisation", [who.organisationId!], "users { id email status }"),
                )
              )[0]?.users ?? []);
          people.set(
            key,
            members.filter((m): m is Member => !!m),
          );
        } catch (error) {
          const count = rows.filter((row) => key === keyOf(row)).length;
          log(`${count} notification(s) for ${key}: e-mail not sent: ${(error as Error).message}`);
        }
      }),
    );
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

/** Runs `lookup` in a request scope of its own, as a caller who is only the recipient (no roles, users:read). */
function lookupAs<T>(who: { userId: string | null; organisationId: string | null }, lookup: () => Promise<T>): Promise<T> {
  const identity: Identity = { kind: "user", ...who, roles: [], orgAdmin: false, scopes: ["users:read"], areas: [] };
  return runInRequestScope(async () => {
    setScopeIdentity(identity);
    return lookup();
  });
}
