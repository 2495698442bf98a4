import type { Database } from "@sfe/kit";
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import { type OrganisationStatus, organisations, refreshTokens, signingKeys, type UserStatus, users } from "../../db/schema.js";
import { recordAudit } from "../audit/repository.js";
import { selfActor, type UserRow } from "../accounts/repository.js";

export type RefreshTokenRow = typeof refreshTokens.$inferSelect;
export type SigningKeyRow = typeof signingKeys.$inferSelect;

export interface SessionState {
  userStatus: UserStatus;
  sessionsValidAfter: Date | null;
  organisationStatus: OrganisationStatus;
  /** true: the family holds an unrevoked token; false: all revoked; null: no such family of this user (or none asked). */
  familyLive: boolean | null;
}

/** Any constant: serialises the first key generation across replicas. */
const SIGNING_KEY_LOCK = 5_318_009;

export function createSessionRepository(db: Database) {
  async function revokeFamily(familyId: string, now: Date): Promise<void> {
    await db
      .update(refreshTokens)
      .set({ revokedAt: now })
      .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
  }

  return {
    /**
     * What decides whether an access token of `userId` (for session `familyId`, or none) is still current,
     * in one indexed query: the user's status and password-change cut-off, the organisation's status, and
     * whether the family still holds an unrevoked token (null: no such family of this user). Null when the
     * user does not exist.
     */
    async sessionState(userId: string, familyId: string | null): Promise<SessionState | null> {
      const live = familyId
        ? sql<boolean | null>`(select bool_or(${refreshTokens.revokedAt} is null) from ${refreshTokens}
            where ${refreshTokens.familyId} = ${familyId} and ${refreshTokens.userId} = ${users.id})`
        : sql<null>`null`;
      const [row] = await db
        .select({
          userStatus: users.status,
          sessionsValidAfter: users.sessionsValidAfter,
          organisationStatus: organisations.status,
          familyLive: live,
        })
        .from(users)
        .innerJoin(organisations, eq(organisations.id, users.organisationId))
        .where(eq(users.id, userId));
      return row ?? null;
    },

    /** Starts a session (a new refresh-token family) and audits the sign-in. */
    async start(user: UserRow, token: { familyId: string; tokenHash: string; expiresAt: Date }, method: string, now: Date) {
      return db.transaction(async (tx) => {
        await tx.insert(refreshTokens).values({ userId: user.id, ...token, createdAt: now });
        await tx.update(users).set({ lastSignInAt: now }).where(eq(users.id, user.id));
        await recordAudit(tx, selfActor(user), {
          action: "SIGN_IN",
          entityType: "User",
          entityId: user.id,
          organisationId: user.organisationId,
          after: { method, sessionFamilyId: token.familyId },
        });
      });
    },

    /**
     * Swaps a refresh token for a new one in the same family. A token already swapped is a stolen copy (or a
     * replay): the whole family is revoked (committed) and "REUSED" returned.
     */
    async rotate(
      tokenHash: string,
      next: { tokenHash: string; expiresAt: Date },
      now: Date,
    ): Promise<{ userId: string; familyId: string } | "INVALID" | "EXPIRED" | "REUSED"> {
      return db.transaction(async (tx) => {
        const [row] = await tx.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash)).for("update");
        if (!row) return "INVALID";
        if (row.revokedAt) {
          if (row.replacedBy === null) return "INVALID";
          await tx
            .update(refreshTokens)
            .set({ revokedAt: now })
            .where(and(eq(refreshTokens.familyId, row.familyId), isNull(refreshTokens.revokedAt)));
          return "REUSED";
        }
        if (row.expiresAt.getTime() <= now.getTime()) return "EXPIRED";
        const [fresh] = await tx
          .insert(refreshTokens)
          .values({ userId: row.userId, familyId: row.familyId, ...next, createdAt: now })
          .returning({ id: refreshTokens.id });
        if (!fresh) throw new Error("insert returned no row");
        await tx.update(refreshTokens).set({ revokedAt: now, replacedBy: fresh.id }).where(eq(refreshTokens.id, row.id));
        return { userId: row.userId, familyId: row.familyId };
      });
    },

    revokeFamily,

    /** Revokes the family of the token with this hash; false when there is none. */
    async revokeFamilyOf(tokenHash: string, now: Date): Promise<boolean> {
      const [row] = await db.select({ familyId: refreshTokens.familyId }).from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash));
      if (!row) return false;
      await revokeFamily(row.familyId, now);
      return true;
    },

    async signingKeys(): Promise<SigningKeyRow[]> {
      return db.select().from(signingKeys).orderBy(asc(signingKeys.createdAt), asc(signingKeys.kid));
    },

    /**
     * The newest signing key, made by `generate` when there is none. A transaction-scoped advisory lock makes
     * replicas starting together agree on one key.
     */
    async currentSigningKey(generate: () => Promise<Omit<SigningKeyRow, "createdAt">>): Promise<SigningKeyRow> {
      return db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${SIGNING_KEY_LOCK})`);
        const [existing] = await tx.select().from(signingKeys).orderBy(sql`${signingKeys.createdAt} desc`, asc(signingKeys.kid)).limit(1);
        if (existing) return existing;
        const [row] = await tx
          .insert(signingKeys)
          .values(await generate())
          .returning();
        if (!row) throw new Error("insert returned no row");
        return row;
      });
    },
  };
}

export type SessionRepository = ReturnType<typeof createSessionRepository>;
