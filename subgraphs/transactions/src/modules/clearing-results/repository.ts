import { appendAudit, type Database, forbidden, type Identity, isUuid } from "@sfe/kit";
import { and, asc, eq, gt, inArray, lt } from "drizzle-orm";
import { auditEvents } from "../../db/schema.js";
import { ownsAsBuyer, type PublishedVisibility, publishedRows } from "../buy-requirements/access.js";
import { advanceRequirement } from "../buy-requirements/repository.js";
import { clearingResults } from "./tables.js";

export type ClearingResultRow = typeof clearingResults.$inferSelect;
export type NewClearingResult = typeof clearingResults.$inferInsert;

export interface ClearingResultFilter {
  productId?: string | null | undefined;
  buyRequirementId?: string | null | undefined;
  from?: Date | null | undefined;
  to?: Date | null | undefined;
  limit: number;
  offset: number;
  visible: PublishedVisibility;
}

const visibleResults = (visible: PublishedVisibility) => publishedRows(visible, clearingResults);

export function createClearingResultRepository(db: Database) {
  return {
    async byIds(ids: readonly string[], visible: PublishedVisibility): Promise<ClearingResultRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return [];
      return db
        .select()
        .from(clearingResults)
        .where(and(inArray(clearingResults.id, valid), visibleResults(visible)));
    },

    async byRequirementIds(ids: readonly string[], visible: PublishedVisibility): Promise<ClearingResultRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return [];
      return db
        .select()
        .from(clearingResults)
        .where(and(inArray(clearingResults.buyRequirementId, valid), visibleResults(visible)))
        .orderBy(asc(clearingResults.deliveryStart), asc(clearingResults.id));
    },

    async list(filter: ClearingResultFilter): Promise<ClearingResultRow[]> {
      return db
        .select()
        .from(clearingResults)
        .where(
          and(
            filter.productId ? eq(clearingResults.productId, filter.productId) : undefined,
            filter.buyRequirementId ? eq(clearingResults.buyRequirementId, filter.buyRequirementId) : undefined,
            filter.to ? lt(clearingResults.deliveryStart, filter.to) : undefined,
            filter.from ? gt(clearingResults.deliveryEnd, filter.from) : undefined,
            visibleResults(filter.visible),
          ),
        )
        .orderBy(asc(clearingResults.deliveryStart), asc(clearingResults.id))
        .limit(filter.limit)
        .offset(filter.offset);
    },

    /**
     * Inserts and audits it, moving its requirement (if any) to CLEARED, and RESULTS_PUBLISHED when published at once
     * (CONFLICT, nothing written, when the requirement's lifecycle forbids it); null when one with the same
     * (source, externalId) is already recorded.
     */
    async create(values: NewClearingResult, actor: Identity | null): Promise<ClearingResultRow | null> {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .insert(clearingResults)
          .values(values)
          .onConflictDoNothing({ target: [clearingResults.source, clearingResults.externalId] })
          .returning();
        if (!row) return null;
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "ClearingResult", entityId: row.id, after: row });
        if (row.buyRequirementId) {
          await advanceRequirement(tx, row.buyRequirementId, "CLEARED", actor);
          if (row.publishedAt) await advanceRequirement(tx, row.buyRequirementId, "RESULTS_PUBLISHED", actor);
        }
        return row;
      });
    },

    /**
     * Publishes it (once; again changes nothing) and its requirement (RESULTS_PUBLISHED), by its SO or an
     * administrator (FORBIDDEN for another caller who sees it); null when the caller sees no such result.
     */
    async publish(id: string, actor: Identity | null, visible: PublishedVisibility): Promise<ClearingResultRow | null> {
      if (!isUuid(id)) return null;
      return db.transaction(async (tx) => {
        const [before] = await tx
          .select()
          .from(clearingResults)
          .where(and(eq(clearingResults.id, id), visibleResults(visible)))
          .for("update");
        if (!before) return null;
        if (!ownsAsBuyer(actor, before.buyerId)) {
          throw forbidden("Only the system operator that recorded a clearing result, or a hub administrator, may publish it");
        }
        if (before.publishedAt) return before;
        const [after] = await tx
          .update(clearingResults)
          .set({ publishedAt: new Date(), updatedAt: new Date() })
          .where(eq(clearingResults.id, id))
          .returning();
        if (!after) return null;
        await appendAudit(tx, auditEvents, actor, { action: "UPDATE", entityType: "ClearingResult", entityId: id, before, after });
        if (after.buyRequirementId) await advanceRequirement(tx, after.buyRequirementId, "RESULTS_PUBLISHED", actor);
        return after;
      });
    },
  };
}

export type ClearingResultRepository = ReturnType<typeof createClearingResultRepository>;
