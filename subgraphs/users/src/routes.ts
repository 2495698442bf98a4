import { BodyTooLargeError, gatewayCaller, type HttpRoute, type IdentityVerifier, readBody, sendJson } from "@sfe/kit";
import type { Services } from "./services/index.js";
import type { TokenIssuer } from "./tokens.js";

export const JWKS_PATH = "/.well-known/jwks.json";
export const VERIFY_API_KEY_PATH = "/internal/api-keys/verify";

/**
 * - `GET /.well-known/jwks.json`: the public keys access tokens are signed with (the gateway verifies with them).
 * - `POST /internal/api-keys/verify` `{ "key": "sfe_…" }` → 200 `{ identity }` or 401 `{ error }`: for the gateway
 *   only. It answers callers presenting an identity token the gateway signed for `users` (401 otherwise), and
 *   404 when no gateway key is configured, so key verification is never open to anyone.
 */
export function createRoutes(options: { tokens: TokenIssuer; services: Services; verifier?: IdentityVerifier | undefined }): HttpRoute[] {
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
        if (!(await gatewayCaller(options.verifier, req, res))) return;
        let text: string;
        try {
          text = await readBody(req, 16 * 1024);
        } catch (error) {
          if (error instanceof BodyTooLargeError) return sendJson(res, 413, { error: error.message });
          throw error;
        }
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
  ];
}
