import type { IncomingMessage, ServerResponse } from "node:http";
import {
  BodyTooLargeError,
  gatewayCaller,
  gatewayJsonRequest,
  type HttpRoute,
  type IdentityVerifier,
  isUuid,
  readBody,
  sendJson,
} from "@sfe/kit";
import type { Repositories } from "./repositories/index.js";
import type { Services } from "./services/index.js";
import type { TokenIssuer } from "./tokens.js";

export const JWKS_PATH = "/.well-known/jwks.json";
export const VERIFY_API_KEY_PATH = "/internal/api-keys/verify";
export const VERIFY_SESSION_PATH = "/internal/sessions/verify";
export const CONTACTS_PATH = "/internal/users/contacts";
/** At most this many user ids and organisation ids together per contacts call. */
export const CONTACTS_MAX_IDS = 1000;

/**
 * - `GET /.well-known/jwks.json`: the public keys access tokens are signed with (the gateway verifies with them).
 * - `POST /internal/api-keys/verify` `{ "key": "sfe_…" }` → 200 `{ identity }` or 401 `{ error }`: for the gateway
 *   only. It answers callers presenting an identity token the gateway signed for `users` (401 otherwise), and
 *   404 when no gateway key is configured, so key verification is never open to anyone.
 * - `POST /internal/sessions/verify` `{ "userId", "sessionId": … | null, "issuedAt": <the token's iat> }` → 200
 *   `{ "valid": true }` or `{ "valid": false, "reason": "SIGNED_OUT" | "PASSWORD_CHANGED" | "SUSPENDED" |
 *   "ORGANISATION_CLOSED" | "UNKNOWN" }`, 400 for a malformed body: the gateway asks before every mutation
 *   whether an access token's session is still current. Guarded like the API-key route.
 * - `POST /internal/users/contacts` `{ "userIds": [...], "organisationIds": [...] }` (together at most 1000) → 200
 *   `{ "users": [{ id, email, status }], "organisations": [{ id, members: [{ id, email, status }] }] }`, 400 for a
 *   malformed body: the addresses the rules subgraph mails notifications to, for a whole batch in one call. Each id
 *   answers only what that recipient could see of itself (a person their own address, an organisation its own
 *   members'), never a stranger's; unknown ids are left out. Guarded like the API-key route.
 */
export function createRoutes(options: {
  tokens: TokenIssuer;
  services: Services;
  repos: Repositories;
  verifier?: IdentityVerifier | undefined;
}): HttpRoute[] {
  return [
    {
      method: "GET",
      path: JWKS_PATH,
      async handle(_req, res) {
        const jwks = await options.tokens.jwks();
        res.setHeader("cache-control", "public, max-age=300");
        sendJson(res, 200, jwks);
      },
    },
    {
      method: "POST",
      path: VERIFY_API_KEY_PATH,
      async handle(req, res) {
        const text = await gatewayRequestBody(options.verifier, req, res);
        if (text === undefined) return;
        let key: unknown;
        try {
          key = (JSON.parse(text) as { key?: unknown } | null)?.key;
        } catch {
          key = undefined;
        }
        if (typeof key !== "string") return sendJson(res, 400, { error: 'Send JSON { "key": "sfe_…" }' });
        const identity = await options.services.apiKeys.verifyApiKey(key);
        if (!identity) return sendJson(res, 401, { error: "Unknown or revoked API key" });
        sendJson(res, 200, { identity });
      },
    },
    {
      method: "POST",
      path: VERIFY_SESSION_PATH,
      async handle(req, res) {
        const text = await gatewayRequestBody(options.verifier, req, res);
        if (text === undefined) return;
        const request = sessionCheckRequest(text);
        if (!request) {
          return sendJson(res, 400, { error: 'Send JSON { "userId": "<uuid>", "sessionId": "<uuid>" | null, "issuedAt": <seconds> }' });
        }
        sendJson(res, 200, await options.services.sessions.verifySession(request));
      },
    },
    {
      method: "POST",
      path: CONTACTS_PATH,
      async handle(req, res) {
        const usage = `Send JSON { "userIds": ["<uuid>", …], "organisationIds": ["<uuid>", …] }, at most ${CONTACTS_MAX_IDS} ids together`;
        const request = await gatewayJsonRequest(options.verifier, req, res, { maxBytes: 64 * 1024, usage });
        if (!request) return;
        const ids = contactsRequest(request.body);
        if (!ids) return sendJson(res, 400, { error: usage });
        const [people, members] = await Promise.all([
          options.repos.users.byIds(ids.userIds),
          options.repos.users.byOrganisationIds(ids.organisationIds),
        ]);
        const contact = (u: { id: string; email: string; status: string }) => ({ id: u.id, email: u.email, status: u.status });
        sendJson(res, 200, {
          users: people.map(contact),
          organisations: ids.organisationIds.map((id) => ({
            id,
            members: members.filter((m) => m.organisationId === id).map(contact),
          })),
        });
      },
    },
  ];
}

/** De-duplicated well-formed ids of a contacts request, or null when it is not one (or too long). */
function contactsRequest(body: unknown): { userIds: string[]; organisationIds: string[] } | null {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return null;
  const list = (value: unknown) =>
    value === undefined
      ? []
      : Array.isArray(value) && value.every((id) => typeof id === "string" && isUuid(id))
        ? [...new Set(value as string[])]
        : null;
  const userIds = list((body as Record<string, unknown>).userIds);
  const organisationIds = list((body as Record<string, unknown>).organisationIds);
  if (!userIds || !organisationIds || userIds.length + organisationIds.length > CONTACTS_MAX_IDS) return null;
  return { userIds, organisationIds };
}

/** The body of a request only the gateway may make, or undefined once refused (404/401 as kit's gatewayCaller, 413). */
async function gatewayRequestBody(verifier: IdentityVerifier | undefined, req: IncomingMessage, res: ServerResponse) {
  if (!(await gatewayCaller(verifier, req, res))) return undefined;
  try {
    return await readBody(req, 16 * 1024);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return void sendJson(res, 413, { error: error.message });
    throw error;
  }
}

/** `{ userId, sessionId, issuedAt }` from a request body, or null when it is not that. */
function sessionCheckRequest(text: string): { userId: string; sessionId: string | null; issuedAt: number } | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return null;
  const { userId, sessionId, issuedAt } = body as Record<string, unknown>;
  if (typeof userId !== "string" || !isUuid(userId)) return null;
  if (sessionId !== null && (typeof sessionId !== "string" || !isUuid(sessionId))) return null;
  if (typeof issuedAt !== "number" || !Number.isFinite(issuedAt) || issuedAt < 0) return null;
  return { userId, sessionId, issuedAt };
}
