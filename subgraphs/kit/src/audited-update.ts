import { inArray, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable, PgUpdateSetSource } from "drizzle-orm/pg-core";
import { type AuditEventsTable, appendAudits } from "./audit.js";
import type { Database } from "./database.js";
import type { Identity } from "./identity.js";

/** A table whose rows have an `id` (the audited entity's id). */
type TableWithId = PgTable & { id: PgColumn };

export interface AuditedUpdate<T extends TableWithId> {
  table: T;
  /** The subgraph's audit trail (auditEventsTable). */
  audit: AuditEventsTable;
  entityType: string;
  actor: Identity | null;
  /** Which rows: those it holds that the change would alter (a row already as asked writes nothing, no event). */
  where: SQL;
  set: PgUpdateSetSource<T>;
}

/**
 * A set-based UPDATE, each changed row audited: the rows are locked and read, updated by id, and one UPDATE event
 * per row appended, with before and after as every other audit event holds them (the records' camelCase fields,
 * auditJson), all in one transaction. Three statements for any number of rows. Answers the rows as written.
 */
export async function auditedUpdate<T extends TableWithId>(db: Database, change: AuditedUpdate<T>): Promise<T["$inferSelect"][]> {
  const { table, audit, actor } = change;
  return db.transaction(async (tx) => {
    // Drizzle's generic select/update on a table type parameter loses the row type; the rows are T's.
    const before = (await tx
      .select()
      .from(table as PgTable)
      .where(change.where)
      .for("update")) as { id: unknown }[];
    if (before.length === 0) return [];
    const after = (await tx
      .update(table)
      .set(change.set)
      .where(
        inArray(
          table.id,
          before.map((row) => row.id),
        ),
      )
      .returning()) as { id: unknown }[];
    const old = new Map(before.map((row) => [row.id, row]));
    await appendAudits(
      tx as unknown as Database,
      audit,
      actor,
      after.map((row) => ({
        action: "UPDATE",
        entityType: change.entityType,
        entityId: String(row.id),
        before: old.get(row.id),
        after: row,
      })),
    );
    return after as T["$inferSelect"][];
  });
}
