import { randomUUID } from "node:crypto";
import { SfeError } from "@sfe/kit";
import { verifyIdToken } from "../clients/oidc.js";
import { dummyVerify, randomToken, sha256, verifyPassword } from "../crypto.js";
import { badIdToken, badRefreshToken, signInFailed, tooManyRequests } from "../errors.js";
import { canSignIn, userIdentity } from "../identity.js";
import type { OrganisationRow } from "../repositories/organisations.js";
import type { UserRow } from "../repositories/users.js";
import { DAY, later, MINUTE, type ServiceDeps } from "./context.js";

/** Throttling: after this many failed password sign-ins for one e-mail within the window, it is refused. */
export const THROTTLE = { failures: 5, windowMs: 15 * MINUTE } as const;
const REFRESH_TOKEN_MS = 30 * DAY;

/** Sign-in (password or OpenID Connect), refresh-token rotation and sign-out. */
export function createSessionService(deps: ServiceDeps) {
  const { repos } = deps;

  async function organisationOf(user: UserRow): Promise<OrganisationRow> {
    const [organisation] = await repos.organisations.byIds([user.organisationId]);
    if (!organisation) throw new Error(`user's organisation ${user.organisationId} is missing`); // a foreign key guarantees it
    return organisation;
  }

  async function accessFor(user: UserRow, organisation: OrganisationRow, now: Date) {
    const identity = userIdentity(user, organisation);
    const access = await deps.tokens.accessToken({ ...identity, userId: user.id, organisationId: organisation.id }, now);
    return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt };
  }

  /** A new session: a refresh-token family of its own and an access token. */
  async function start(user: UserRow, organisation: OrganisationRow, method: "PASSWORD" | "SSO") {
    const now = deps.now();
    const refreshToken = randomToken();
    const refreshTokenExpiresAt = later(now, REFRESH_TOKEN_MS);
    await repos.sessions.start(
      user,
      { familyId: randomUUID(), tokenHash: sha256(refreshToken), expiresAt: refreshTokenExpiresAt },
      method,
      now,
    );
    return { ...(await accessFor(user, organisation, now)), refreshToken, refreshTokenExpiresAt, user };
  }

  return {
    /**
     * Password sign-in. Every failure (unknown e-mail, wrong password, unverified, suspended) answers the same,
     * after the same scrypt work; five failures for an e-mail in 15 minutes refuse it for the rest of the window.
     */
    async signIn(input: { email: string; password: string }) {
      const email = input.email.trim().toLowerCase();
      const emailHash = sha256(email);
      const now = deps.now();
      const windowStart = new Date(now.getTime() - THROTTLE.windowMs);
      if ((await repos.sessions.recentFailures(emailHash, windowStart)) >= THROTTLE.failures) throw tooManyRequests();
      const found = await repos.users.byEmail(email);
      let passwordOk = false;
      if (found) passwordOk = await verifyPassword(input.password, found.user.passwordHash);
      else await dummyVerify(input.password);
      const allowed = found !== null && passwordOk && canSignIn(found.user, found.organisation);
      await repos.sessions.recordAttempt(emailHash, now, allowed, windowStart);
      if (!found || !allowed) throw signInFailed();
      return start(found.user, found.organisation, "PASSWORD");
    },

    /**
     * Sign-in with an ID token from a configured OpenID Connect issuer. Links the account by (issuer, subject),
     * or on first use by the verified e-mail; never creates one.
     */
    async signInWithIdToken(idToken: string) {
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
      return { ...(await accessFor(user, organisation, now)), refreshToken: next, refreshTokenExpiresAt, user };
    },

    /** Revokes the token's whole family; answers the same for unknown tokens. */
    async signOut(refreshToken: string) {
      await repos.sessions.revokeFamilyOf(sha256(refreshToken), deps.now());
      return { signedOut: true };
    },
  };
}
