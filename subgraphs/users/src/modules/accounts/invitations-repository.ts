import type { Database, Identity } from "@sfe/kit";
import { eq } from "drizzle-orm";
import { invitations, organisations, users } from "../../db/schema.js";
import { auditedUser, recordAudit } from "../audit/repository.js";
import { isUniqueViolation } from "../../repositories/pg.js";
import { CLOSED_ORGANISATION, type NewUser, selfActor, type UserRow } from "./repository.js";

export type InvitationRow = typeof invitations.$inferSelect;
export type NewInvitation = typeof invitations.$inferInsert;

export function createInvitationRepository(db: Database) {
  return {
    async create(values: NewInvitation, actor: Identity): Promise<InvitationRow> {
      return db.transaction(async (tx) => {
        const [row] = await tx.insert(invitations).values(values).returning();
        if (!row) throw new Error("insert returned no row");
        const { tokenHash: _secret, ...visible } = row;
        await recordAudit(tx, actor, {
          action: "MEMBER_INVITED",
          entityType: "Invitation",
          entityId: row.id,
          organisationId: row.organisationId,
          after: visible,
        });
        return row;
      });
    },

    /**
     * Accepts an invitation: creates the user (e-mail verified by the click) and spends the invitation.
     * Unknown, used or unusable invitations are "INVALID", expired ones "EXPIRED"; neither writes anything.
     */
    async accept(
      tokenHash: string,
      user: (invitation: InvitationRow) => Omit<NewUser, "organisationId" | "email" | "role">,
      now: Date,
    ): Promise<UserRow | "INVALID" | "EXPIRED"> {
      try {
        return await db.transaction(async (tx) => {
          const [invitation] = await tx.select().from(invitations).where(eq(invitations.tokenHash, tokenHash)).for("update");
          if (!invitation || invitation.acceptedAt) return "INVALID";
          if (invitation.expiresAt.getTime() <= now.getTime()) return "EXPIRED";
          const [organisation] = await tx.select().from(organisations).where(eq(organisations.id, invitation.organisationId));
          if (!organisation || CLOSED_ORGANISATION.includes(organisation.status) || !organisation.roles.includes(invitation.role)) {
            return "INVALID";
          }
          const [row] = await tx
            .insert(users)
            .values({ ...user(invitation), organisationId: invitation.organisationId, email: invitation.email, role: invitation.role })
            .returning();
          if (!row) throw new Error("insert returned no row");
          await tx.update(invitations).set({ acceptedAt: now }).where(eq(invitations.id, invitation.id));
          await recordAudit(tx, selfActor(row), {
            action: "MEMBER_JOINED",
            entityType: "User",
            entityId: row.id,
            organisationId: row.organisationId,
            after: { ...auditedUser(row), invitationId: invitation.id },
          });
          return row;
        });
      } catch (error) {
        // The address was registered since the invitation was sent: it cannot be used.
        if (isUniqueViolation(error, "users_email_unique")) return "INVALID";
        throw error;
      }
    },
  };
}

export type InvitationRepository = ReturnType<typeof createInvitationRepository>;
