import { type Database, guardedUpdate, type Identity, isUuid } from "@sfe/kit";
import { and, desc, eq, inArray, isNull } from "drizzle-orm";
import { apiKeys, organisations, users } from "../../db/schema.js";
import type { OrganisationRow } from "../organisations/repository.js";
import { auditedBy, recordAudit } from "../audit/repository.js";
import type { UserRow } from "../accounts/repository.js";

export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type NewApiKey = typeof apiKeys.$inferInsert;
export interface ApiKeyUse {
  key: ApiKeyRow;
  organisation: OrganisationRow;
  creator: UserRow | null;
}

const LAST_USED_RESOLUTION_MS = 60_000;

/** What the audit trail keeps of a key: never its hash. */
const audited = ({ secretHash: _secret, ...visible }: ApiKeyRow) => visible;

export function createApiKeyRepository(db: Database) {
  return {
    async byIds(ids: readonly string[]): Promise<ApiKeyRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return [];
      return db.select().from(apiKeys).where(inArray(apiKeys.id, valid));
    },

    async byOrganisation(organisationId: string): Promise<ApiKeyRow[]> {
      if (!isUuid(organisationId)) return [];
      return db.select().from(apiKeys).where(eq(apiKeys.organisationId, organisationId)).orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
    },

    async create(values: NewApiKey, actor: Identity): Promise<ApiKeyRow> {
      return db.transaction(async (tx) => {
        const [row] = await tx.insert(apiKeys).values(values).returning();
        if (!row) throw new Error("insert returned no row");
        await recordAudit(tx, actor, {
          action: "API_KEY_CREATED",
          entityType: "ApiKey",
          entityId: row.id,
          organisationId: row.organisationId,
          after: audited(row),
        });
        return row;
      });
    },

    /** Revokes the key now; a key revoked already stays as it was. Null when it does not exist. */
    async revoke(id: string, actor: Identity, now: Date): Promise<ApiKeyRow | null> {
      return guardedUpdate(db, {
        table: apiKeys,
        entityType: "ApiKey",
        id,
        change: (before) => (before.revokedAt ? {} : { revokedAt: now }),
        record: auditedBy(actor, {
          action: "API_KEY_REVOKED",
          organisationId: (row) => row.organisationId,
          before: () => ({ revokedAt: null }),
          after: ({ revokedAt }) => ({ revokedAt }),
        }),
      });
    },

    /**
     * The unrevoked key with this hash, its organisation and its creator (null when gone), when `usable` says
     * so; else null. Stamps `last_used_at` of a usable key when it is more than a minute old, so a busy key
     * does not cost a write per request.
     */
    async use(secretHash: string, now: Date, usable: (found: ApiKeyUse) => boolean): Promise<ApiKeyUse | null> {
      const [found] = await db
        .select({ key: apiKeys, organisation: organisations, creator: users })
        .from(apiKeys)
        .innerJoin(organisations, eq(organisations.id, apiKeys.organisationId))
        .leftJoin(users, eq(users.id, apiKeys.createdByUserId))
        .where(and(eq(apiKeys.secretHash, secretHash), isNull(apiKeys.revokedAt)));
      if (!found || !usable(found)) return null;
      if (!found.key.lastUsedAt || now.getTime() - found.key.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
        await db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, found.key.id));
        found.key.lastUsedAt = now;
      }
      return found;
    },
  };
}

export type ApiKeyRepository = ReturnType<typeof createApiKeyRepository>;
