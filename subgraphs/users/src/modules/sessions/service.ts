import { randomUUID } from "node:crypto";
import { badInput, type Identity, notFound, SfeError } from "@sfe/kit";
import { verifyIdToken } from "../../clients/oidc.js";
import { hashPassword, randomToken, sha256 } from "../../crypto.js";
import { badIdToken, badRefreshToken, signInFailed } from "../../errors.js";
import { canSignIn, statusMaySignIn, userIdentity } from "../../identity.js";
import type { OrganisationRow } from "../organisations/repository.js";
import { CLOSED_ORGANISATION, type UserRow } from "../accounts/repository.js";
import { DAY, later, type ServiceDeps } from "../../services/context.js";
import { password } from "../accounts/validation.js";
import { type AttemptSource, createPasswordAttempts } from "./throttle.js";

const REFRESH_TOKEN_MS = 30 * DAY;

/** Why an access token no longer stands for a current session (POST /internal/sessions/verify). */
export type SessionProblem = "SIGNED_OUT" | "PASSWORD_CHANGED" | "SUSPENDED" | "ORGANISATION_CLOSED" | "UNKNOWN";
export type SessionCheck = { valid: true } | { valid: false; reason: SessionProblem };

/** Sign-in (password or OpenID Connect), refresh-token rotation, sign-out and password changes. */
export function createSessionService(deps: ServiceDeps) {
  const { repos } = deps;
  const attempts = createPasswordAttempts(deps);

  async function organisationOf(user: UserRow): Promise<OrganisationRow> {
    const [organisation] = await repos.organisations.byIds([user.organisationId]);
    if (!organisation) throw new Error(`user's organisation ${user.organisationId} is missing`); // a foreign key guarantees it
    return organisation;
  }

  /** An access token for the session `sessionId` (its refresh-token family). */
  async function accessFor(user: UserRow, organisation: OrganisationRow, sessionId: string, now: Date) {
    const identity = userIdentity(user, organisation);
    const access = await deps.tokens.accessToken({ ...identity, userId: user.id, organisationId: organisation.id }, sessionId, now);
    return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt };
  }

  /** A new session: a refresh-token family of its own and an access token. */
  async function start(user: UserRow, organisation: OrganisationRow, method: "PASSWORD" | "SSO") {
    const now = deps.now();
    const refreshToken = randomToken();
    const refreshTokenExpiresAt = later(now, REFRESH_TOKEN_MS);
    const familyId = randomUUID();
    await repos.sessions.start(user, { familyId, tokenHash: sha256(refreshToken), expiresAt: refreshTokenExpiresAt }, method, now);
    return { ...(await accessFor(user, organisation, familyId, now)), refreshToken, refreshTokenExpiresAt, user };
  }

  return {
    /**
     * Password sign-in. Every failure (unknown e-mail, wrong password, unverified, suspended) answers the same,
     * after the same scrypt work, and counts against the throttle (throttle.ts), which is asked first.
     */
    async signIn(input: { email: string; password: string }, source: AttemptSource) {
      const email = input.email.trim().toLowerCase();
      const found = await attempts.guard(sha256(email), source, async () => {
        const row = await repos.users.byEmail(email);
        const passwordOk = await deps.verifyPassword(input.password, row?.user.passwordHash);
        return row && passwordOk && canSignIn(row.user, row.organisation) ? row : null;
      });
      if (!found) throw signInFailed();
      return start(found.user, found.organisation, "PASSWORD");
    },

    /**
     * Sign-in with an ID token from a configured OpenID Connect issuer. Links the account by (issuer, subject),
     * or on first use by the verified e-mail; never creates one.
     */
    async signInWithIdToken(idToken: string, source: AttemptSource) {
      attempts.once(source);
      const verified = await verifyIdToken(idToken, deps.oidcIssuers, deps.now());
      let user = await repos.users.bySso(verified.issuer, verified.subject);
      if (!user) {
        const found = await repos.users.byEmail(verified.email);
        if (!found) throw badIdToken("NOT_REGISTERED");
        user = found.user;
      }
      const linked = await repos.users.linkSso(user.id, { issuer: verified.issuer, subject: verified.subject }, deps.now());
      if (linked === "linked-elsewhere") throw badIdToken("LINKED_ELSEWHERE");
      const organisation = await organisationOf(linked);
      if (!canSignIn(linked, organisation)) {
        throw new SfeError("UNAUTHENTICATED", "This account is suspended or deactivated, or its organisation is closed", {
          reason: "ACCOUNT_CLOSED",
        });
      }
      return start(linked, organisation, "SSO");
    },

    /** Swaps a refresh token for a new one (same family) and a fresh access token with current roles. */
    async refreshSession(refreshToken: string) {
      const now = deps.now();
      const next = randomToken();
      const refreshTokenExpiresAt = later(now, REFRESH_TOKEN_MS);
      const rotated = await repos.sessions.rotate(sha256(refreshToken), { tokenHash: sha256(next), expiresAt: refreshTokenExpiresAt }, now);
      if (typeof rotated === "string") throw badRefreshToken(rotated);
      const [user] = await repos.users.byIds([rotated.userId]);
      const organisation = user && (await organisationOf(user));
      if (!user || !organisation || !canSignIn(user, organisation)) {
        await repos.sessions.revokeFamily(rotated.familyId, now);
        throw badRefreshToken("INVALID");
      }
      return { ...(await accessFor(user, organisation, rotated.familyId, now)), refreshToken: next, refreshTokenExpiresAt, user };
    },

    /** Revokes the token's whole family; answers the same for unknown tokens. */
    async signOut(refreshToken: string) {
      await repos.sessions.revokeFamilyOf(sha256(refreshToken), deps.now());
      return { signedOut: true };
    },

    /**
     * Checks the current password (throttled like sign-in, in the same budget: a wrong one is a failure), sets
     * the new one and signs every session out. The new password is checked first: a weak one costs no check.
     */
    async changePassword(
      actor: Identity & { userId: string },
      input: { currentPassword: string; newPassword: string },
      source: AttemptSource,
    ) {
      password(input.newPassword, "newPassword");
      if (input.newPassword === input.currentPassword) throw badInput("newPassword must differ from the current one", "newPassword");
      const [found] = await repos.users.byIds([actor.userId]);
      const account = sha256(found ? found.email : `user:${actor.userId}`);
      const user = await attempts.guard(account, source, async () =>
        (await deps.verifyPassword(input.currentPassword, found?.passwordHash)) ? (found ?? null) : null,
      );
      if (!user) throw badInput("currentPassword is wrong", "currentPassword");
      const changed = await repos.users.changePassword(user.id, await hashPassword(input.newPassword), actor, deps.now());
      if (!changed) throw notFound("User", user.id);
      return { user: changed };
    },

    /**
     * Whether an access token (its user, session and issue time, seconds) still stands for a current session:
     * the user may sign in, the organisation is open, the session was not signed out (or revoked on reuse),
     * and the token is not older than the last password change. Tokens without a session id (issued before
     * they carried one) are checked without the session.
     */
    async verifySession(input: { userId: string; sessionId: string | null; issuedAt: number }): Promise<SessionCheck> {
      const state = await repos.sessions.sessionState(input.userId, input.sessionId);
      const invalid = (reason: SessionProblem): SessionCheck => ({ valid: false, reason });
      if (!state) return invalid("UNKNOWN");
      if (CLOSED_ORGANISATION.includes(state.organisationStatus)) return invalid("ORGANISATION_CLOSED");
      if (!statusMaySignIn(state.userStatus)) return invalid("SUSPENDED");
      // iat has whole seconds: a token of the very second of the change still passes here, but its session
      // was revoked by the change, so only a token without a session id could slip through, for that second.
      if (state.sessionsValidAfter && input.issuedAt < Math.floor(state.sessionsValidAfter.getTime() / 1000)) {
        return invalid("PASSWORD_CHANGED");
      }
      if (input.sessionId !== null && state.familyLive !== true) return invalid(state.familyLive === false ? "SIGNED_OUT" : "UNKNOWN");
      return { valid: true };
    },
  };
}
