import { createRemoteJWKSet, decodeJwt, errors, jwtVerify } from "jose";
import { badIdToken, type IdTokenProblem } from "../errors.js";

/** An OpenID Connect provider whose ID tokens sign people in. */
export interface OidcIssuer {
  /** Must equal the tokens' `iss`. */
  issuer: string;
  jwksUrl: string;
  /** Must be in the tokens' `aud`: this hub's client id at the provider. */
  audience: string;
}

export interface VerifiedIdToken {
  issuer: string;
  subject: string;
  email: string;
}

/** One remote key set per JWKS URL for the process: jose caches the keys and refetches on an unknown `kid`. */
const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
function keySet(url: string) {
  let set = keySets.get(url);
  if (!set) {
    set = createRemoteJWKSet(new URL(url), { timeoutDuration: 5_000, cooldownDuration: 30_000 });
    keySets.set(url, set);
  }
  return set;
}

function problemOf(error: unknown): IdTokenProblem {
  if (error instanceof errors.JWTExpired) return "EXPIRED";
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "aud") return "WRONG_AUDIENCE";
    if (error.claim === "iss") return "UNKNOWN_ISSUER";
    return "INVALID_CLAIMS";
  }
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) return "BAD_SIGNATURE";
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError)) {
    return "ISSUER_UNAVAILABLE";
  }
  return "MALFORMED";
}

/**
 * Verifies an ID token from one of `issuers` (signature against its JWKS, iss, aud, exp) and returns who it
 * names. Throws UNAUTHENTICATED with `extensions.reason` otherwise; a token without a verified e-mail is refused.
 */
export async function verifyIdToken(idToken: string, issuers: readonly OidcIssuer[], now: Date): Promise<VerifiedIdToken> {
  let unverifiedIssuer: unknown;
  try {
    unverifiedIssuer = decodeJwt(idToken).iss;
  } catch {
    throw badIdToken("MALFORMED");
  }
  const config = issuers.find((candidate) => candidate.issuer === unverifiedIssuer);
  if (!config) throw badIdToken("UNKNOWN_ISSUER");
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(idToken, keySet(config.jwksUrl), {
      issuer: config.issuer,
      audience: config.audience,
      currentDate: now,
      clockTolerance: 30,
      requiredClaims: ["sub", "exp"],
    }));
  } catch (error) {
    throw badIdToken(problemOf(error));
  }
  const { sub, email, email_verified: emailVerified } = payload;
  if (typeof sub !== "string" || sub === "") throw badIdToken("INVALID_CLAIMS");
  if (typeof email !== "string" || emailVerified !== true) throw badIdToken("EMAIL_NOT_VERIFIED");
  return { issuer: config.issuer, subject: sub, email: email.trim().toLowerCase() };
}
