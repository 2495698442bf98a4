import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomUUID } from "node:crypto";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWK, jwtVerify, SignJWT } from "jose";
import { SfeError } from "./errors.js";
import { BodyTooLargeError, readBody, sendError, sendJson } from "./http.js";
import { IDENTITY_HEADER, type Identity, parseIdentity } from "./identity.js";

/**
 * Identity tokens: the gateway tells each subgraph who is calling with a short-lived JWT signed for that
 * subgraph alone (`aud` = its name). A hub subgraph accepts only its own audience, so what an SO's own
 * subgraph receives is worth nothing against the hub's subgraphs; the SO verifies it against the
 * gateway's JWKS. The hub's subgraphs hold the same private key to sign their reference lookups.
 */
export const IDENTITY_TOKEN_ISSUER = "sfe-gateway";
const ALGORITHM = "ES256";
/** Seconds a token is valid; a cached one is reused while at least half of this remains. */
export const IDENTITY_TOKEN_SECONDS = 60;

/** What a verified token says: who is calling, and from which address they reached the gateway. */
export interface VerifiedCaller {
  identity: Identity | null;
  clientAddress: string | null;
}

export interface IdentityKey {
  privateKey: KeyObject;
  kid: string;
  /** The public half, as published at the gateway's `/.well-known/jwks.json`. */
  jwks: JSONWebKeySet;
}

/** A fresh P-256 key as PKCS#8 PEM (npm start makes one per run; deployments set IDENTITY_SIGNING_KEY). */
export const generateIdentityKeyPem = (): string =>
  generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();

/** Loads a PKCS#8 PEM private key (`\n` escapes allowed, for one-line environment variables). */
export function loadIdentityKey(pem: string): IdentityKey {
  const privateKey = createPrivateKey(pem.replaceAll("\\n", "\n"));
  const publicJwk = createPublicKey(privateKey).export({ format: "jwk" }) as JWK;
  const kid = `${publicJwk.x?.slice(0, 16)}`;
  return { privateKey, kid, jwks: { keys: [{ ...publicJwk, kid, alg: ALGORITHM, use: "sig" }] } };
}

/** Signs identity tokens, caching one per (audience, caller) so signing costs nothing per request. */
export function createIdentitySigner(key: IdentityKey, options: { now?: () => number; maxCached?: number } = {}) {
  const now = options.now ?? Date.now;
  const maxCached = options.maxCached ?? 10_000;
  const cache = new Map<string, { token: string; expiresAt: number }>();
  return {
    async sign(audience: string, identity: Identity | null, clientAddress: string | null = null): Promise<string> {
      const cacheKey = `${audience}\n${clientAddress ?? ""}\n${identity ? JSON.stringify(identity) : ""}`;
      const cached = cache.get(cacheKey);
      const nowSeconds = Math.floor(now() / 1000);
      if (cached && cached.expiresAt - nowSeconds >= IDENTITY_TOKEN_SECONDS / 2) return cached.token;
      const expiresAt = nowSeconds + IDENTITY_TOKEN_SECONDS;
      const token = await new SignJWT({ idn: identity, src: clientAddress })
        .setProtectedHeader({ alg: ALGORITHM, kid: key.kid, typ: "sfe-identity+jwt" })
        .setIssuer(IDENTITY_TOKEN_ISSUER)
        .setAudience(audience)
        .setIssuedAt(nowSeconds)
        .setExpirationTime(expiresAt)
        .setJti(randomUUID())
        .sign(key.privateKey);
      if (cache.size >= maxCached) cache.clear(); // bounded: a burst of distinct callers just re-signs
      cache.set(cacheKey, { token, expiresAt });
      return token;
    },
  };
}

export type IdentitySigner = ReturnType<typeof createIdentitySigner>;

const untrusted = (message: string) => new SfeError("UNAUTHENTICATED", message, { http: { status: 401 } });

/**
 * Verifies identity tokens for one audience, against a key set (the hub's own key) or a JWKS URL (an SO
 * subgraph's view). Verified tokens are remembered until they expire, so a token reused across
 * requests is checked once.
 */
export function createIdentityVerifier(options: { audience: string; jwks: JSONWebKeySet | URL; now?: () => number }) {
  const keys = options.jwks instanceof URL ? createRemoteJWKSet(options.jwks) : createLocalJWKSet(options.jwks);
  const now = options.now ?? Date.now;
  const verified = new Map<string, VerifiedCaller & { expiresAt: number }>();
  return {
    audience: options.audience,
    /** The caller a request's token names; UNAUTHENTICATED (HTTP 401) when it has none or a bad one. */
    async verify(headers: IncomingHttpHeaders): Promise<VerifiedCaller> {
      const token = headers[IDENTITY_HEADER];
      if (typeof token !== "string" || token === "") throw untrusted("This service answers only the SFE gateway");
      const nowSeconds = now() / 1000;
      const known = verified.get(token);
      if (known && known.expiresAt > nowSeconds) return known;
      try {
        const { payload } = await jwtVerify(token, keys, {
          issuer: IDENTITY_TOKEN_ISSUER,
          audience: options.audience,
          algorithms: [ALGORITHM],
          currentDate: new Date(now()),
          requiredClaims: ["exp", "jti"],
        });
        const caller: VerifiedCaller & { expiresAt: number } = {
          identity: payload.idn ? parseIdentity(payload.idn) : null,
          clientAddress: typeof payload.src === "string" ? payload.src : null,
          expiresAt: payload.exp as number,
        };
        if (verified.size >= 10_000) verified.clear();
        verified.set(token, caller);
        return caller;
      } catch {
        throw untrusted("The identity token is not valid for this service");
      }
    },
  };
}

export type IdentityVerifier = ReturnType<typeof createIdentityVerifier>;

/**
 * For a route only the gateway may call (API-key checks, CSV uploads): the verified caller, or undefined
 * once answered: 404 where no key is configured (nothing could prove a caller is the gateway), 401 for a
 * missing or bad token.
 */
export async function gatewayCaller(
  verifier: IdentityVerifier | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<VerifiedCaller | undefined> {
  if (!verifier) return void sendJson(res, 404, { error: "not found" });
  try {
    return await verifier.verify(req.headers);
  } catch (error) {
    return void sendError(res, 401, "UNAUTHENTICATED", (error as Error).message);
  }
}

/**
 * For an internal route that takes JSON: the verified caller and the parsed body, or undefined once answered
 * (as gatewayCaller; 413 past `maxBytes`; 400 with `usage` for a body that is not JSON). The route checks the shape.
 */
export async function gatewayJsonRequest(
  verifier: IdentityVerifier | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  { maxBytes, usage }: { maxBytes: number; usage: string },
): Promise<{ caller: VerifiedCaller; body: unknown } | undefined> {
  const caller = await gatewayCaller(verifier, req, res);
  if (!caller) return undefined;
  try {
    return { caller, body: JSON.parse(await readBody(req, maxBytes)) };
  } catch (error) {
    if (error instanceof BodyTooLargeError) return void sendError(res, 413, "BAD_REQUEST", error.message);
    return void sendError(res, 400, "BAD_REQUEST", usage);
  }
}
