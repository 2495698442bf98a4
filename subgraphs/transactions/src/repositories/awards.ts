import { appendAudit, type Database, type Identity, isUuid } from "@sfe/kit";
import { and, asc, eq, inArray } from "drizzle-orm";
import { type AwardStatus, auditEvents, awards } from "../db/schema.js";
import { overlaps, type Window } from "./window.js";

export type AwardRow = typeof awards.$inferSelect;
export type NewAward = typeof awards.$inferInsert;

export interface AwardFilter extends Window {
  assetId?: string | null | undefined;
  productId?: string | null | undefined;
  limit: number;
  offset: number;
}

export function createAwardRepository(db: Database) {
  return {
    async byIds(ids: readonly string[]): Promise<AwardRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return [];
      return db.select().from(awards).where(inArray(awards.id, valid));
    },

    /** Every award of these assets whose window overlaps `window`, by start. */
    async byAssetIds(assetIds: readonly string[], window?: Window): Promise<AwardRow[]> {
      const valid = assetIds.filter(isUuid);
      if (valid.length === 0) return [];
      return db
        .select()
        .from(awards)
        .where(and(inArray(awards.assetId, valid), overlaps(awards, window)))
        .orderBy(asc(awards.start), asc(awards.id));
    },

    /** Every award in these products whose window overlaps `window`, by start. */
    async byProductIds(productIds: readonly string[], window?: Window): Promise<AwardRow[]> {
      const valid = productIds.filter(isUuid);
      if (valid.length === 0) return [];
      return db
        .select()
        .from(awards)
        .where(and(inArray(awards.productId, valid), overlaps(awards, window)))
        .orderBy(asc(awards.start), asc(awards.id));
    },

    async list(filter: AwardFilter): Promise<AwardRow[]> {
      return db
        .select()
        .from(awards)
        .where(
          and(
            filter.assetId ? eq(awards.assetId, filter.assetId) : undefined,
            filter.productId ? eq(awards.productId, filter.productId) : undefined,
            overlaps(awards, filter),
          ),
        )
        .orderBy(asc(awards.start), asc(awards.id))
        .limit(filter.limit)
        .offset(filter.offset);
    },

    /** Inserts and audits the award; null when an award with the same (source, externalId) is already recorded. */
    async create(values: NewAward, actor: Identity | null): Promise<AwardRow | null> {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .insert(awards)
          .values(values)
          .onConflictDoNothing({ target: [awards.source, awards.externalId] })
          .returning();
        if (!row) return null;
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "Award", entityId: row.id, after: row });
        return row;
      });
    },

    /** Sets the status; null when the award does not exist. */
    async updateStatus(id: string, status: AwardStatus, actor: Identity | null): Promise<AwardRow | null> {
      if (!isUuid(id)) return null;
      return db.transaction(async (tx) => {
        const [before] = await tx.select().from(awards).where(eq(awards.id, id)).for("update");
        if (!before) return null;
        const [row] = await tx.update(awards).set({ status, updatedAt: new Date() }).where(eq(awards.id, id)).returning();
        if (!row) return null;
        await appendAudit(tx, auditEvents, actor, { action: "STATUS_CHANGE", entityType: "Award", entityId: id, before, after: row });
        return row;
      });
    },
  };
}

export type AwardRepository = ReturnType<typeof createAwardRepository>;
