import { SfeError } from "@sfe/kit";

/**
 * Identity errors. Messages are stable (clients may show them); `extensions.reason` says which case it was
 * where telling it reveals nothing (a token expired, an ID token's audience is wrong). Sign-in never says
 * whether an e-mail is registered.
 */

export const SIGN_IN_FAILED = "E-mail or password is wrong, or the e-mail is not verified yet";
export const signInFailed = () => new SfeError("UNAUTHENTICATED", SIGN_IN_FAILED);

/** A throttled password attempt (sign-in or password change); the same for every e-mail, registered or not. */
export const tooManyRequests = (retryAfterSeconds: number) =>
  new SfeError(
    "TOO_MANY_REQUESTS",
    `Too many failed attempts; try again in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? "" : "s"}`,
    { retryAfterSeconds },
  );

/** A second sign-in or password change in one request (150 aliased signIns would be 150 guesses). */
export const onePerRequest = () =>
  new SfeError("BAD_USER_INPUT", "One sign-in or password change per request: send each in a request of its own", {
    reason: "ONE_PER_REQUEST",
  });

export type TokenProblem = "EXPIRED" | "INVALID";

export const badVerificationLink = (reason: TokenProblem) =>
  new SfeError(
    "BAD_USER_INPUT",
    reason === "EXPIRED"
      ? "This verification link has expired; ask for a new one"
      : "This verification link is not valid (it may have been used already)",
    { reason },
  );

export const badInvitation = (reason: TokenProblem) =>
  new SfeError(
    "BAD_USER_INPUT",
    reason === "EXPIRED"
      ? "This invitation has expired; ask for a new one"
      : "This invitation is not valid (it may have been used already)",
    { reason },
  );

export type SessionProblem = "EXPIRED" | "INVALID" | "REUSED";

export const badRefreshToken = (reason: SessionProblem) =>
  new SfeError(
    "UNAUTHENTICATED",
    reason === "REUSED"
      ? "This refresh token was already used; every session of this sign-in is now signed out"
      : reason === "EXPIRED"
        ? "This session has expired; sign in again"
        : "This session is not valid; sign in again",
    { reason },
  );

export type IdTokenProblem =
  | "MALFORMED"
  | "UNKNOWN_ISSUER"
  | "BAD_SIGNATURE"
  | "EXPIRED"
  | "WRONG_AUDIENCE"
  | "INVALID_CLAIMS"
  | "EMAIL_NOT_VERIFIED"
  | "ISSUER_UNAVAILABLE"
  | "NOT_REGISTERED"
  | "LINKED_ELSEWHERE";

const ID_TOKEN_MESSAGES: Record<IdTokenProblem, string> = {
  MALFORMED: "The ID token is not a JWT",
  UNKNOWN_ISSUER: "The ID token's issuer is not one this hub trusts",
  BAD_SIGNATURE: "The ID token's signature does not verify",
  EXPIRED: "The ID token has expired",
  WRONG_AUDIENCE: "The ID token was issued for another application",
  INVALID_CLAIMS: "The ID token's claims are not valid",
  EMAIL_NOT_VERIFIED: "The ID token carries no verified e-mail address",
  ISSUER_UNAVAILABLE: "The ID token's issuer could not be reached to check it",
  NOT_REGISTERED: "No account for this e-mail: sign up first",
  LINKED_ELSEWHERE: "This account is linked to another single sign-on identity",
};

export const badIdToken = (reason: IdTokenProblem) => new SfeError("UNAUTHENTICATED", ID_TOKEN_MESSAGES[reason], { reason });

/**
 * A status move refused by the move's own rule where the lifecycle alone would allow it or do nothing (a second
 * de-registration, a reinstatement of an organisation never verified): CONFLICT naming both statuses, as the
 * lifecycle's refusals.
 */
export const moveRefused = (entity: string, id: string, current: string, requested: string, why: string) =>
  new SfeError("CONFLICT", `${entity} ${id} is ${current}: ${why}`, { currentStatus: current, requestedStatus: requested });
