import { randomBytes } from "node:crypto";
import { badInput, type Identity, notFound, requireUuid } from "@sfe/kit";
import { randomToken, sha256 } from "../../crypto.js";
import { apiKeyIdentity, apiKeyUsable } from "../../identity.js";
import { CLOSED_ORGANISATION } from "../accounts/repository.js";
import { apiKeyName, apiKeyScopes } from "./validation.js";
import type { ServiceDeps } from "../../services/context.js";

/** `sfe_<8 hex>_<32 random bytes, base64url>` */
const KEY_FORMAT = /^sfe_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/;

/** API keys for third-party platforms: the secret is returned once and only its SHA-256 is kept. */
export function createApiKeyService(deps: ServiceDeps) {
  const { repos } = deps;

  return {
    async createApiKey(actor: Identity, input: { organisationId: string; name: string; scopes: readonly string[] }) {
      const organisationId = requireUuid(input.organisationId, "organisationId");
      const name = apiKeyName(input.name);
      const scopes = apiKeyScopes(input.scopes);
      const [organisation] = await repos.organisations.byIds([organisationId]);
      if (!organisation) throw notFound("Organisation", organisationId);
      if (CLOSED_ORGANISATION.includes(organisation.status)) throw badInput("The organisation is suspended or inactive", "organisationId");
      const prefix = randomBytes(4).toString("hex");
      const secret = `sfe_${prefix}_${randomToken()}`;
      const apiKey = await repos.apiKeys.create(
        { organisationId, name, prefix, secretHash: sha256(secret), scopes, createdByUserId: actor.userId, createdAt: deps.now() },
        actor,
      );
      return { apiKey, secret };
    },

    async revokeApiKey(actor: Identity, id: string) {
      const apiKey = await repos.apiKeys.revoke(requireUuid(id, "id"), actor, deps.now());
      if (!apiKey) throw notFound("ApiKey", id);
      return { apiKey };
    },

    /**
     * The identity a presented key acts as (stamping its last use): no more than its creator may do now. Null for
     * an unknown or revoked key, a closed organisation, or a creator who is suspended, deactivated or gone.
     */
    async verifyApiKey(key: string): Promise<Identity | null> {
      if (!KEY_FORMAT.test(key)) return null;
      const found = await repos.apiKeys.use(sha256(key), deps.now(), (k) => apiKeyUsable(k.key, k.organisation, k.creator));
      if (!found?.creator) return null; // usable: it has a creator
      return apiKeyIdentity(found.key, found.organisation, found.creator);
    },
  };
}
