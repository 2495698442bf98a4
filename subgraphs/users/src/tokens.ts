import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from "jose";
import type { Identity } from "@sfe/kit";
import type { SessionRepository } from "./modules/sessions/repository.js";

/** Access tokens: ES256 JWTs the gateway verifies against the JWKS this subgraph publishes. */
export const ACCESS_TOKEN = { issuer: "sfe-hub", audience: "sfe-hub", algorithm: "ES256", ttlSeconds: 15 * 60 } as const;

/** The claims of an access token, besides iss/aud/iat/exp/jti. */
export interface AccessClaims {
  sub: string;
  org: string;
  roles: string[];
  adm: boolean;
  kind: "user";
  /** GSP groups a verified SO covers (["*"] nationally); [] for everyone else. */
  areas: string[];
  /** The session (refresh-token family) the token was issued for: the gateway asks whether it is still current. */
  sid: string;
}

export function createTokenIssuer(sessions: SessionRepository) {
  let signingKey: Promise<{ kid: string; key: Awaited<ReturnType<typeof importJWK>> }> | undefined;

  async function generate() {
    const { privateKey, publicKey } = await generateKeyPair(ACCESS_TOKEN.algorithm, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    return {
      kid,
      privateJwk: { ...(await exportJWK(privateKey)), kid },
      publicJwk: { ...publicJwk, kid, alg: ACCESS_TOKEN.algorithm, use: "sig" },
    };
  }

  /** The key in the database (made on first use), imported once per process. */
  function currentKey() {
    if (!signingKey) {
      const loading = sessions.currentSigningKey(generate).then(async (row) => ({
        kid: row.kid,
        key: await importJWK(row.privateJwk as JWK, ACCESS_TOKEN.algorithm),
      }));
      loading.catch(() => {
        signingKey = undefined; // try again on the next call
      });
      signingKey = loading;
    }
    return signingKey;
  }

  return {
    async accessToken(identity: Identity & { userId: string; organisationId: string }, sessionId: string, now: Date) {
      const { kid, key } = await currentKey();
      const issuedAt = Math.floor(now.getTime() / 1000);
      const expiresAt = issuedAt + ACCESS_TOKEN.ttlSeconds;
      const claims: Omit<AccessClaims, "sub"> = {
        org: identity.organisationId,
        roles: identity.roles,
        adm: identity.orgAdmin,
        kind: "user",
        areas: identity.areas,
        sid: sessionId,
      };
      const token = await new SignJWT({ ...claims })
        .setProtectedHeader({ alg: ACCESS_TOKEN.algorithm, kid, typ: "JWT" })
        .setSubject(identity.userId)
        .setIssuer(ACCESS_TOKEN.issuer)
        .setAudience(ACCESS_TOKEN.audience)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAt)
        .setJti(crypto.randomUUID())
        .sign(key);
      return { token, expiresAt: new Date(expiresAt * 1000) };
    },

    /** Every public key (so tokens signed by any replica's key verify), making the first one if needed. */
    async jwks(): Promise<{ keys: JWK[] }> {
      await currentKey();
      const rows = await sessions.signingKeys();
      return { keys: rows.map((row) => row.publicJwk as JWK) };
    },
  };
}

export type TokenIssuer = ReturnType<typeof createTokenIssuer>;
