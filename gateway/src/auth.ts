import type { IncomingMessage } from "node:http";
import { type Identity, postJson, ROLES, type Role, SfeError } from "@sfe/kit";
import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from "jose";

/** Issuer and audience of the hub's own access tokens (minted by the users subgraph). */
export const TOKEN_ISSUER = "sfe-hub";
export const TOKEN_AUDIENCE = "sfe-hub";

export interface AuthOptions {
  /** The users subgraph's JWKS (its /.well-known/jwks.json). */
  jwksUrl: string;
  /** The users subgraph's API-key verification route (its /internal/api-keys/verify). */
  apiKeyVerifyUrl: string;
  /** The users subgraph's session check (its /internal/sessions/verify). */
  sessionVerifyUrl: string;
  /** The gateway's identity token for the users subgraph: the verification route answers nobody else. */
  identityHeaders?: () => Promise<Record<string, string>>;
}

const unauthenticated = (message: string, reason: string) => new SfeError("UNAUTHENTICATED", message, { reason, http: { status: 401 } });

/**
 * Establishes who is calling: `Authorization: Bearer <access token>` (a JWT the users subgraph signed,
 * checked against its JWKS, which jose caches and refetches on an unknown key id) or
 * `Authorization: ApiKey <key>` / `x-api-key: <key>` (checked by the users subgraph on every request, so
 * a revoked key stops at once). No credential is anonymous; a bad one is refused, never ignored.
 */
export function createAuthenticator(options: AuthOptions) {
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: 30_000, timeoutDuration: 5_000 });
  /** The session each authenticated request's access token was issued for. */
  const sessions = new WeakMap<IncomingMessage, SessionClaims>();

  async function fromAccessToken(token: string, req: IncomingMessage): Promise<Identity> {
    try {
      const { payload } = await jwtVerify(token, jwks, { issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, algorithms: ["ES256"] });
      if (typeof payload.sub !== "string") throw unauthenticated("The access token names no user", "INVALID");
      sessions.set(req, {
        userId: payload.sub,
        sessionId: typeof payload.sid === "string" ? payload.sid : null,
        issuedAt: payload.iat ?? 0,
      });
      const roles = (Array.isArray(payload.roles) ? payload.roles : []).filter((r): r is Role => (ROLES as readonly unknown[]).includes(r));
      return {
        kind: "user",
        userId: payload.sub,
        organisationId: typeof payload.org === "string" ? payload.org : null,
        roles,
        orgAdmin: payload.adm === true,
        scopes: ["*"],
        areas: Array.isArray(payload.areas) ? payload.areas.filter((a): a is string => typeof a === "string") : [],
      };
    } catch (error) {
      if (error instanceof SfeError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw unauthenticated("The access token has expired: refresh the session", "EXPIRED");
      if (error instanceof joseErrors.JOSEError) throw unauthenticated("The access token is not valid", "INVALID");
      throw new SfeError("UPSTREAM_UNAVAILABLE", "Cannot check the access token: the users subgraph is unavailable", { subgraph: "users" });
    }
  }

  /** POSTs JSON to one of the users subgraph's gateway-only routes: its status and body. */
  async function askUsers<T>(url: string, payload: unknown, what: string): Promise<{ status: number; body: T }> {
    const { status, body } = await postJson<T | undefined>(url, payload, {
      upstream: { subgraph: "users" },
      unavailable: `Cannot check the ${what}: the users subgraph is unavailable`,
      headers: await options.identityHeaders?.(),
      invalidBody: "undefined", // judged by the status below
    });
    return { status, body: body ?? ({} as T) };
  }

  async function fromApiKey(key: string): Promise<Identity> {
    const { status, body } = await askUsers<{ identity?: Identity }>(options.apiKeyVerifyUrl, { key }, "API key");
    if (status === 200 && body.identity) return body.identity;
    if (status === 401) throw unauthenticated("The API key is not valid or has been revoked", "INVALID");
    throw new SfeError("UPSTREAM_UNAVAILABLE", `Cannot check the API key (users subgraph answered ${status})`, { subgraph: "users" });
  }

  return {
    async authenticate(req: IncomingMessage): Promise<Identity | null> {
      const header = req.headers.authorization?.trim();
      const apiKey = req.headers["x-api-key"];
      if (typeof apiKey === "string" && apiKey !== "") return fromApiKey(apiKey.trim());
      if (!header) return null;
      const [scheme, credential, ...rest] = header.split(/\s+/);
      if (!credential || rest.length > 0)
        throw unauthenticated("The Authorization header must be a scheme and one credential", "MALFORMED");
      if (/^bearer$/i.test(scheme!)) return fromAccessToken(credential, req);
      if (/^apikey$/i.test(scheme!)) return fromApiKey(credential);
      throw unauthenticated(`Unsupported Authorization scheme ${JSON.stringify(scheme)}: use Bearer or ApiKey`, "MALFORMED");
    },

    /**
     * For writes: refuses an access token whose session has ended since it was issued (signed out, password
     * changed, user suspended, organisation de-registered), asking the users subgraph every time. API keys
     * are checked on every request anyway; anonymous requests have no session.
     */
    async requireCurrentSession(req: IncomingMessage): Promise<void> {
      const session = sessions.get(req);
      if (!session) return;
      const { status, body } = await askUsers<{ valid?: boolean; reason?: string }>(options.sessionVerifyUrl, session, "session");
      if (status !== 200 || typeof body.valid !== "boolean") {
        throw new SfeError("UPSTREAM_UNAVAILABLE", `Cannot check the session (users subgraph answered ${status})`, { subgraph: "users" });
      }
      if (!body.valid) {
        throw unauthenticated(`This session has ended (${body.reason ?? "UNKNOWN"}): sign in again`, body.reason ?? "SESSION_ENDED");
      }
    },
  };
}

/** What a write's session check sends: the access token's user, session (refresh family) and issue time. */
interface SessionClaims {
  userId: string;
  sessionId: string | null;
  issuedAt: number;
}

/** Where the users subgraph serves its JWKS and API-key check, from its GraphQL URL. */
export function usersAuthEndpoints(usersGraphqlUrl: string) {
  const base = usersGraphqlUrl.replace(/\/graphql\/?$/, "");
  return {
    jwksUrl: `${base}/.well-known/jwks.json`,
    apiKeyVerifyUrl: `${base}/internal/api-keys/verify`,
    sessionVerifyUrl: `${base}/internal/sessions/verify`,
  };
}
