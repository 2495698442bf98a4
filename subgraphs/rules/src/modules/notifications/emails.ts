import { type EntityReferences, type Identity, type Mailer, runInRequestScope, setScopeIdentity } from "@sfe/kit";
import type { NotificationRow, NotificationsRepository } from "./repository.js";

type Member = { id: string; email?: string | null; status?: string | null };

/** Accounts that receive no mail: not yet verified, suspended or gone. */
const SILENT = new Set(["SELF_REGISTERED", "PENDING_EMAIL_VERIFICATION", "SUSPENDED", "DEACTIVATED"]);

/**
 * E-mails new notifications through the kit's mailer (SMTP, or the development outbox), to the person or to each
 * member of the organisation, unless they switched EMAIL off for the type. Addresses are read from the users
 * subgraph in the recipient's own name (a token naming only that person, or membership of that organisation), so the
 * lookup sees no more than the recipient could. Best effort, after the notifications committed: a failed mail is
 * logged, the inbox and webhooks do not depend on it.
 */
export async function mailNotifications(
  rows: readonly NotificationRow[],
  deps: { references: EntityReferences; mailer: Mailer; repo: NotificationsRepository; log?: (message: string) => void },
): Promise<number> {
  const log = deps.log ?? console.error;
  let sent = 0;
  for (const row of rows) {
    try {
      const members = row.recipientUserId
        ? await lookupAs({ userId: row.recipientUserId, organisationId: null }, () =>
            deps.references.lookup<Member>("User", [row.recipientUserId!], "email status"),
          )
        : ((
            await lookupAs({ userId: null, organisationId: row.recipientOrganisationId }, () =>
              deps.references.lookup<{ users?: Member[] | null }>(
                "Organisation",
                [row.recipientOrganisationId!],
                "users { id email status }",
              ),
            )
          )[0]?.users ?? []);
      const recipients = members.filter((m): m is Member & { email: string } => !!m?.email && !SILENT.has(m.status ?? ""));
      const optedOut = await deps.repo.emailOptedOut(
        recipients.map((m) => m.id),
        row.type,
      );
      for (const member of recipients) {
        if (optedOut.has(member.id)) continue;
        await deps.mailer.send({
          to: member.email,
          subject: `SFE Hub: ${row.title}`,
          text: `${row.body}\n\nSee your notifications in SFE Hub (type ${row.type}).\nChange which notifications you are mailed with setNotificationPreference (channel EMAIL).\n`,
        });
        sent++;
      }
    } catch (error) {
      log(`notification ${row.id}: e-mail not sent: ${(error as Error).message}`);
    }
  }
  return sent;
}

/** Runs `lookup` in a request scope of its own, as a caller who is only the recipient (no roles, users:read). */
function lookupAs<T>(who: { userId: string | null; organisationId: string | null }, lookup: () => Promise<T>): Promise<T> {
  const identity: Identity = { kind: "user", ...who, roles: [], orgAdmin: false, scopes: ["users:read"], areas: [] };
  return runInRequestScope(async () => {
    setScopeIdentity(identity);
    return lookup();
  });
}
