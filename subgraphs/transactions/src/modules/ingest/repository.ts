import type { Database } from "@sfe/kit";
import { desc, eq } from "drizzle-orm";
import type { IngestReport } from "./engine.js";
import { ingestBatches } from "./tables.js";

export type IngestBatchRow = typeof ingestBatches.$inferSelect;
type NewBatch = Pick<
  typeof ingestBatches.$inferInsert,
  "entity" | "source" | "adapter" | "fileName" | "format" | "mode" | "ingestedByUserId" | "organisationId"
>;

/** The ingest batches: written by the engine (engine.ts), read by the graph (`ingestBatch`, `ingestBatches`). */
export function createIngestBatchesRepository(db: Database) {
  return {
    async create(values: NewBatch): Promise<IngestBatchRow> {
      const [row] = await db.insert(ingestBatches).values(values).returning();
      return row!;
    },

    /** The batch's outcome, in the transaction that merged it (COMPLETED) or after (REJECTED). */
    async finish(tx: Database, report: IngestReport): Promise<void> {
      await tx
        .update(ingestBatches)
        .set({
          status: report.status,
          finishedAt: new Date(),
          rows: report.rows,
          inserted: report.inserted,
          updated: report.updated,
          repeats: report.repeats,
          duplicates: report.duplicates,
          skipped: report.skipped,
          rejected: report.rejected,
          rejections: report.rejections,
          warnings: report.warnings,
        })
        .where(eq(ingestBatches.id, report.batchId));
    },

    async fail(tx: Database, id: string, counts: { rows: number; rejected: number }, failure: string): Promise<void> {
      await tx
        .update(ingestBatches)
        .set({ status: "FAILED", finishedAt: new Date(), rows: counts.rows, rejected: counts.rejected, failure })
        .where(eq(ingestBatches.id, id));
    },

    async byId(id: string): Promise<IngestBatchRow | null> {
      const [row] = await db.select().from(ingestBatches).where(eq(ingestBatches.id, id));
      return row ?? null;
    },

    /** Newest first: one organisation's (null: every batch, for an administrator). */
    list(organisationId: string | null, limit: number, offset: number): Promise<IngestBatchRow[]> {
      const query = db.select().from(ingestBatches);
      const filtered = organisationId === null ? query : query.where(eq(ingestBatches.organisationId, organisationId));
      return filtered.orderBy(desc(ingestBatches.startedAt), desc(ingestBatches.id)).limit(limit).offset(offset);
    },
  };
}

export type IngestBatchesRepository = ReturnType<typeof createIngestBatchesRepository>;
