import { appendAudit, type Database, type Identity, isUuid } from "@sfe/kit";
import { and, desc, eq, getTableColumns, inArray, type SQL, sql } from "drizzle-orm";
import { auditEvents, type ConflictKind, type ConflictStatus, conflictAssets, conflictInstructions, conflicts } from "../db/schema.js";

export type ConflictRow = typeof conflicts.$inferSelect;
export type NewConflict = typeof conflicts.$inferInsert;
/** A conflict with the ids of the assets and dispatch instructions it involves (read together, in one query). */
export type ConflictRecord = ConflictRow & { assetIds: string[]; instructionIds: string[] };

/** The conflict's columns plus its link rows aggregated into id arrays (text[]: every driver parses it). */
const recordColumns = {
  ...getTableColumns(conflicts),
  assetIds: sql<
    string[]
  >`coalesce((select array_agg(${conflictAssets.assetId}::text order by ${conflictAssets.assetId}) from ${conflictAssets} where ${conflictAssets.conflictId} = ${conflicts.id}), '{}'::text[])`,
  instructionIds: sql<
    string[]
  >`coalesce((select array_agg(${conflictInstructions.instructionId}::text order by ${conflictInstructions.instructionId}) from ${conflictInstructions} where ${conflictInstructions.conflictId} = ${conflicts.id}), '{}'::text[])`,
};

export function createConflictRepository(db: Database) {
  const select = (where: SQL | undefined) =>
    db.select(recordColumns).from(conflicts).where(where).orderBy(desc(conflicts.detectedAt), desc(conflicts.id));

  /** Ids of the conflicts involving any of `assetIds` (a subquery, not a round trip). */
  const involving = (assetIds: readonly string[]) =>
    inArray(
      conflicts.id,
      db
        .select({ id: conflictAssets.conflictId })
        .from(conflictAssets)
        .where(inArray(conflictAssets.assetId, [...assetIds])),
    );

  return {
    /** Records for the ids that exist, in any order (the loader orders them). */
    async byIds(ids: readonly string[]): Promise<ConflictRecord[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return [];
      return select(inArray(conflicts.id, valid));
    },

    /** Every conflict involving any of `assetIds`, newest first: one read for a whole batch of assets. */
    async byAssetIds(assetIds: readonly string[]): Promise<ConflictRecord[]> {
      const valid = assetIds.filter(isUuid);
      if (valid.length === 0) return [];
      return select(involving(valid));
    },

    async list(filter: {
      assetId?: string | null;
      status?: ConflictStatus | null;
      kind?: ConflictKind | null;
      limit: number;
      offset: number;
    }): Promise<ConflictRecord[]> {
      if (filter.assetId != null && !isUuid(filter.assetId)) return []; // no asset has a malformed id
      return select(
        and(
          filter.assetId != null ? involving([filter.assetId]) : undefined,
          filter.status ? eq(conflicts.status, filter.status) : undefined,
          filter.kind ? eq(conflicts.kind, filter.kind) : undefined,
        ),
      )
        .limit(filter.limit)
        .offset(filter.offset);
    },

    /** Inserts the conflict, its asset and instruction links and the audit entry in one transaction. */
    async record(
      values: NewConflict,
      links: { assetIds: readonly string[]; instructionIds: readonly string[] },
      actor: Identity | null,
    ): Promise<ConflictRecord> {
      return db.transaction(async (tx) => {
        const [row] = await tx.insert(conflicts).values(values).returning();
        if (!row) throw new Error("insert returned no row");
        const assetIds = [...new Set(links.assetIds)].sort();
        const instructionIds = [...new Set(links.instructionIds)].sort();
        if (assetIds.length > 0) {
          await tx.insert(conflictAssets).values(assetIds.map((assetId) => ({ conflictId: row.id, assetId })));
        }
        if (instructionIds.length > 0) {
          await tx.insert(conflictInstructions).values(instructionIds.map((instructionId) => ({ conflictId: row.id, instructionId })));
        }
        const record = { ...row, assetIds, instructionIds };
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "Conflict", entityId: row.id, after: record });
        return record;
      });
    },

    /**
     * Moves a conflict on: `decide` sees the locked current row and returns the changes, or throws (and
     * nothing is written). Null when the conflict does not exist.
     */
    async updateStatus(
      id: string,
      decide: (before: ConflictRow) => Pick<Partial<NewConflict>, "status" | "resolution">,
      actor: Identity | null,
    ): Promise<ConflictRecord | null> {
      if (!isUuid(id)) return null;
      return db.transaction(async (tx) => {
        const [before] = await tx.select().from(conflicts).where(eq(conflicts.id, id)).for("update");
        if (!before) return null;
        const changes = decide(before);
        const [row] = await tx
          .update(conflicts)
          .set({ ...changes, updatedAt: new Date() })
          .where(eq(conflicts.id, id))
          .returning();
        if (!row) return null;
        await appendAudit(tx, auditEvents, actor, { action: "STATUS_CHANGE", entityType: "Conflict", entityId: id, before, after: row });
        const [record] = await tx.select(recordColumns).from(conflicts).where(eq(conflicts.id, id));
        return record ?? null;
      });
    },
  };
}

export type ConflictRepository = ReturnType<typeof createConflictRepository>;
