import { type Database, guardedUpdate, type Identity, isUuid, type Role } from "@sfe/kit";
import { and, asc, eq, inArray, isNull, ne } from "drizzle-orm";
import {
  emailVerifications,
  type OrganisationStatus,
  organisationLifecycle,
  organisations,
  refreshTokens,
  type UserStatus,
  userLifecycle,
  users,
} from "../../db/schema.js";
import { moveRefused } from "../../errors.js";
import { auditedBy, auditedUser, recordAudit } from "../audit/repository.js";
import type { NewOrganisation, OrganisationRow } from "../organisations/repository.js";
import { isUniqueViolation } from "../../repositories/pg.js";

export type UserRow = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;

export interface NewToken {
  tokenHash: string;
  expiresAt: Date;
}

/** Organisation statuses whose users may not sign in, nor their API keys be used. */
export const CLOSED_ORGANISATION: readonly OrganisationStatus[] = ["SUSPENDED", "INACTIVE"];

/** A user who clicked the link: ACTIVE, or waiting for a hub administrator when the claimed role is SYSTEM_OPERATOR. */
export const statusAfterEmailVerification = (role: Role): UserStatus =>
  role === "SYSTEM_OPERATOR" ? "PENDING_ROLE_VERIFICATION" : "ACTIVE";

/** The user's status when their role changes: SO verification is per SO role, so it is lost or needed anew. */
function statusForRole(status: UserStatus, role: Role): UserStatus {
  if (role === "SYSTEM_OPERATOR" && status === "ACTIVE") return "PENDING_ROLE_VERIFICATION";
  if (role !== "SYSTEM_OPERATOR" && (status === "VERIFIED_SO" || status === "PENDING_ROLE_VERIFICATION")) return "ACTIVE";
  return status;
}

/** The actor recorded for a user acting on their own account before they hold an identity (sign-in, link click). */
export const selfActor = (user: Pick<UserRow, "id" | "organisationId">): Identity => ({
  kind: "user",
  userId: user.id,
  organisationId: user.organisationId,
  roles: [],
  orgAdmin: false,
  scopes: [],
  areas: [],
});

const statusOnly = ({ status }: { status: string }) => ({ status });

/** The e-mail verified (status and timestamp): nothing to change unless the user waits for it. */
const emailVerification = (user: UserRow, now: Date): Partial<NewUser> =>
  user.status === "PENDING_EMAIL_VERIFICATION" ? { status: statusAfterEmailVerification(user.role), emailVerifiedAt: now } : {};

/** Its audit event: the user acting on their own account, by link or single sign-on. */
const emailVerifiedAudit = (via: "LINK" | "SSO") =>
  auditedBy<typeof users>(selfActor, {
    action: "EMAIL_VERIFIED",
    organisationId: (row) => row.organisationId,
    before: statusOnly,
    after: ({ status, emailVerifiedAt }) => ({ status, emailVerifiedAt, via }),
  });

const member = ({ role, orgAdmin, status }: UserRow) => ({ role, orgAdmin, status });

export function createUserRepository(db: Database) {
  return {
    async byIds(ids: readonly string[]): Promise<UserRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return [];
      return db.select().from(users).where(inArray(users.id, valid));
    },

    async byOrganisationIds(organisationIds: readonly string[]): Promise<UserRow[]> {
      const valid = organisationIds.filter(isUuid);
      if (valid.length === 0) return [];
      return db.select().from(users).where(inArray(users.organisationId, valid)).orderBy(asc(users.name));
    },

    /** The user with this (normalised) e-mail, with their organisation. */
    async byEmail(email: string): Promise<{ user: UserRow; organisation: OrganisationRow } | null> {
      const [row] = await db
        .select({ user: users, organisation: organisations })
        .from(users)
        .innerJoin(organisations, eq(organisations.id, users.organisationId))
        .where(eq(users.email, email));
      return row ?? null;
    },

    async bySso(issuer: string, subject: string): Promise<UserRow | null> {
      const [row] = await db
        .select()
        .from(users)
        .where(and(eq(users.ssoIssuer, issuer), eq(users.ssoSubject, subject)));
      return row ?? null;
    },

    async create(values: NewUser, actor: Identity | null): Promise<UserRow> {
      return db.transaction(async (tx) => {
        const [row] = await tx.insert(users).values(values).returning();
        if (!row) throw new Error("insert returned no row");
        await recordAudit(tx, actor, {
          action: "CREATE",
          entityType: "User",
          entityId: row.id,
          organisationId: row.organisationId,
          after: auditedUser(row),
        });
        return row;
      });
    },

    /** Applies `changes` (a status change as the user lifecycle allows); null when the user does not exist. */
    async update(id: string, changes: Partial<NewUser>, actor: Identity | null): Promise<UserRow | null> {
      return guardedUpdate(db, {
        table: users,
        lifecycle: userLifecycle,
        id,
        change: () => changes,
        record: auditedBy(actor, {
          action: "UPDATE",
          organisationId: (row) => row.organisationId,
          before: auditedUser,
          after: auditedUser,
        }),
      });
    },

    /**
     * Sign-up in one transaction: the new organisation (if any), the user, the verification token and the audit
     * trail. "email-taken" (nothing written) when the e-mail is registered already, even by a concurrent sign-up.
     */
    async signUp(input: {
      organisation: NewOrganisation;
      user: Omit<NewUser, "organisationId">;
      verification: NewToken;
      now: Date;
    }): Promise<{ user: UserRow; organisation: OrganisationRow } | "email-taken"> {
      try {
        return await db.transaction(async (tx) => {
          const [organisation] = await tx.insert(organisations).values(input.organisation).returning();
          if (!organisation) throw new Error("insert returned no row");
          const [user] = await tx
            .insert(users)
            .values({ ...input.user, organisationId: organisation.id })
            .returning();
          if (!user) throw new Error("insert returned no row");
          await tx.insert(emailVerifications).values({ userId: user.id, ...input.verification, createdAt: input.now });
          const actor = selfActor(user);
          if (input.organisation) {
            await recordAudit(tx, actor, {
              action: "CREATE",
              entityType: "Organisation",
              entityId: organisation.id,
              organisationId: organisation.id,
              after: organisation,
            });
          }
          await recordAudit(tx, actor, {
            action: "SIGN_UP",
            entityType: "User",
            entityId: user.id,
            organisationId: organisation.id,
            after: auditedUser(user),
          });
          return { user, organisation };
        });
      } catch (error) {
        if (isUniqueViolation(error, "users_email_unique")) return "email-taken";
        throw error;
      }
    },

    /** A fresh verification link for a user still waiting for one. */
    async addVerification(userId: string, token: NewToken, now: Date): Promise<void> {
      await db.insert(emailVerifications).values({ userId, ...token, createdAt: now });
    },

    /**
     * Uses a verification token: the user's e-mail is verified and every other outstanding link of theirs is
     * spent. Unknown or used tokens are "INVALID", expired ones "EXPIRED"; neither writes anything.
     */
    async verifyEmail(tokenHash: string, now: Date): Promise<UserRow | "EXPIRED" | "INVALID"> {
      return db.transaction(async (tx) => {
        const [token] = await tx.select().from(emailVerifications).where(eq(emailVerifications.tokenHash, tokenHash)).for("update");
        if (!token || token.usedAt) return "INVALID";
        if (token.expiresAt.getTime() <= now.getTime()) return "EXPIRED";
        const user = await guardedUpdate(tx, {
          table: users,
          lifecycle: userLifecycle,
          id: token.userId,
          change: (before) => emailVerification(before, now),
          record: emailVerifiedAudit("LINK"),
        });
        if (!user) return "INVALID";
        await tx
          .update(emailVerifications)
          .set({ usedAt: now })
          .where(and(eq(emailVerifications.userId, user.id), isNull(emailVerifications.usedAt)));
        return user;
      });
    },

    /**
     * Links a single sign-on identity to the user (unless linked already) and, the issuer having verified the
     * e-mail, marks it verified. "linked-elsewhere" when the user is linked to another identity.
     */
    async linkSso(userId: string, sso: { issuer: string; subject: string }, now: Date): Promise<UserRow | "linked-elsewhere"> {
      let linkedElsewhere = false;
      const row = await guardedUpdate(db, {
        table: users,
        lifecycle: userLifecycle,
        id: userId,
        change: (user) => {
          linkedElsewhere = user.ssoIssuer !== null && (user.ssoIssuer !== sso.issuer || user.ssoSubject !== sso.subject);
          if (linkedElsewhere) return {};
          return { ...(user.ssoIssuer === null && { ssoIssuer: sso.issuer, ssoSubject: sso.subject }), ...emailVerification(user, now) };
        },
        // Two events, as two steps: the link (when new), then the e-mail verified (when it was not).
        record: async (tx, event) => {
          if (event.before.ssoIssuer === null) {
            await recordAudit(tx, selfActor(event.before), {
              action: "UPDATE",
              entityType: "User",
              entityId: userId,
              organisationId: event.before.organisationId,
              after: { ssoIssuer: sso.issuer, ssoSubject: sso.subject },
            });
          }
          if (event.before.status !== event.after.status) await emailVerifiedAudit("SSO")(tx, event);
        },
      });
      if (linkedElsewhere) return "linked-elsewhere";
      if (!row) throw new Error(`user ${userId} is missing`);
      return row;
    },

    /**
     * A hub administrator confirms a user claiming SYSTEM_OPERATOR: the user becomes VERIFIED_SO and the
     * organisation ACTIVE. A user whose status the lifecycle does not let become VERIFIED_SO (e-mail not
     * verified, suspended, deactivated), one verified already and a closed organisation are CONFLICT. Refusals
     * write nothing.
     */
    async verifySystemOperator(
      userId: string,
      actor: Identity,
    ): Promise<{ user: UserRow; organisation: OrganisationRow } | "missing" | "not-so"> {
      if (!isUuid(userId)) return "missing";
      return db.transaction(async (tx) => {
        const [user] = await tx.select().from(users).where(eq(users.id, userId)).for("update");
        if (!user) return "missing";
        const [organisation] = await tx.select().from(organisations).where(eq(organisations.id, user.organisationId)).for("update");
        if (!organisation) return "missing";
        if (user.role !== "SYSTEM_OPERATOR" || !organisation.roles.includes("SYSTEM_OPERATOR")) return "not-so";
        if (CLOSED_ORGANISATION.includes(organisation.status)) {
          throw moveRefused(
            "Organisation",
            organisation.id,
            organisation.status,
            "ACTIVE",
            "reinstate it before verifying its system operators",
          );
        }
        const verified = await guardedUpdate(tx, {
          table: users,
          lifecycle: userLifecycle,
          id: userId,
          change: (before) => {
            if (before.status === "VERIFIED_SO") throw moveRefused("User", userId, before.status, "VERIFIED_SO", "it is verified already");
            return { status: "VERIFIED_SO" as const };
          },
          record: auditedBy(actor, {
            action: "SO_VERIFIED",
            organisationId: (row) => row.organisationId,
            before: statusOnly,
            after: statusOnly,
          }),
        });
        const active = await guardedUpdate(tx, {
          table: organisations,
          lifecycle: organisationLifecycle,
          id: organisation.id,
          change: () => ({ status: "ACTIVE" as const }),
          record: auditedBy(actor, { organisationId: (row) => row.id, before: statusOnly, after: statusOnly }),
        });
        if (!verified || !active) throw new Error("a locked row is missing");
        return { user: verified, organisation: active };
      });
    },

    /** Sets a new password hash and signs every session of the user out: access tokens issued before now too. */
    async changePassword(userId: string, passwordHash: string, actor: Identity, now: Date): Promise<UserRow | null> {
      return db.transaction(async (tx) => {
        const row = await guardedUpdate(tx, {
          table: users,
          lifecycle: userLifecycle,
          id: userId,
          change: () => ({ passwordHash, sessionsValidAfter: now }),
          // Neither hash is kept: the event says only that the password changed.
          record: auditedBy(actor, {
            action: "PASSWORD_CHANGED",
            organisationId: (row) => row.organisationId,
            before: () => null,
            after: () => null,
          }),
        });
        if (!row) return null;
        await tx
          .update(refreshTokens)
          .set({ revokedAt: now })
          .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
        return row;
      });
    },

    /**
     * Changes a member's role and/or org-admin flag. The organisation row is locked, so two administrators
     * demoting each other cannot leave it without one. Refusals write nothing.
     */
    async changeMember(
      userId: string,
      change: { role?: Role | null; orgAdmin?: boolean | null },
      actor: Identity,
    ): Promise<UserRow | "missing" | "role-not-held" | "last-admin"> {
      if (!isUuid(userId)) return "missing";
      return db.transaction(async (tx) => {
        const [found] = await tx.select({ organisationId: users.organisationId }).from(users).where(eq(users.id, userId));
        if (!found) return "missing";
        const [organisation] = await tx.select().from(organisations).where(eq(organisations.id, found.organisationId)).for("update");
        const [user] = await tx.select().from(users).where(eq(users.id, userId)).for("update");
        if (!organisation || !user) return "missing";
        const role = change.role ?? user.role;
        if (!organisation.roles.includes(role)) return "role-not-held";
        const orgAdmin = change.orgAdmin ?? user.orgAdmin;
        if (user.orgAdmin && !orgAdmin) {
          const others = await tx
            .select({ id: users.id })
            .from(users)
            .where(
              and(
                eq(users.organisationId, organisation.id),
                eq(users.orgAdmin, true),
                ne(users.id, userId),
                ne(users.status, "DEACTIVATED"),
              ),
            );
          if (others.length === 0) return "last-admin";
        }
        const row = await guardedUpdate(tx, {
          table: users,
          lifecycle: userLifecycle,
          id: userId,
          change: (before) => ({ role, orgAdmin, status: statusForRole(before.status, role) }),
          record: auditedBy(actor, { action: "ROLE_CHANGED", organisationId: (row) => row.organisationId, before: member, after: member }),
        });
        return row ?? "missing";
      });
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;
