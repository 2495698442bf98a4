import { and, eq, getTableColumns, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable, PgUpdateSetSource } from "drizzle-orm/pg-core";
import { type AuditEntry, type AuditEventsTable, appendAudit } from "./audit.js";
import type { Database } from "./database.js";
import { isUuid } from "./errors.js";
import type { Identity } from "./identity.js";
import type { Lifecycle } from "./lifecycle.js";

/** A table the helper can change: rows keyed by a uuid `id` (an `updatedAt` column, if any, is stamped). */
export type GuardedTable = PgTable & { id: PgColumn };

type Row<T extends GuardedTable> = T["$inferSelect"];
/** The values of a change: any columns of the table, none of them required. */
export type GuardedChanges<T extends GuardedTable> = Partial<T["$inferInsert"]>;
/** The table's `status` type, for its lifecycle. */
type StatusOf<T extends GuardedTable> = Row<T> extends { status: infer S extends string } ? S : never;

/** The audit event of a guarded update: the kit's entry, with the locked row before and the row written after. */
export type GuardedAuditEntry<T extends GuardedTable> = AuditEntry & { action: "UPDATE" | "STATUS_CHANGE"; before: Row<T>; after: Row<T> };

/** Where the audit event goes: the kit's trail (`appendAudit` as `actor`), or the subgraph's own writer. */
export type GuardedAudit<T extends GuardedTable> =
  | {
      /** The subgraph's audit trail, appended to in the same transaction. */
      audit: AuditEventsTable;
      actor: Identity | null;
      record?: undefined;
    }
  | {
      /**
       * Writes the event instead of `appendAudit`, with `tx` (the transaction of the change), e.g. to a trail
       * with more columns or under the subgraph's own action names. Called once, only when a row was written.
       */
      record: (tx: Database, entry: GuardedAuditEntry<T>) => Promise<void>;
      audit?: undefined;
      actor?: undefined;
    };

export type GuardedUpdate<T extends GuardedTable> = GuardedAudit<T> & {
  table: T;
  id: string;
  /** The rows this caller may change (e.g. its organisation's); any other row is as absent (null). */
  visible?: SQL | undefined;
  /**
   * From the locked row to the values to set: checks who may do what and computes the change, throwing a
   * coded error to refuse (nothing is written then).
   */
  change: (before: Row<T>) => NoInfer<GuardedChanges<T>>;
  /**
   * The table's status lifecycle: a change of `status` must follow it (CONFLICT naming both statuses
   * otherwise) and is audited as STATUS_CHANGE. Without one `status` is a column like any other.
   */
  lifecycle?: Lifecycle<StatusOf<T>>;
  /** The entity named in the audit trail; defaults to the lifecycle's ("Bid", "Product" …). */
  entityType?: string;
};

/**
 * The one way a record changes: in one transaction, lock the row (`select … for update`, within
 * `visible`), let `change` decide the values, check a status change against the lifecycle, update, and
 * append the audit event (STATUS_CHANGE or UPDATE, with before and after; or `record` writes it). A racing change of the same
 * row waits on the lock and is then decided against this one's outcome, so of two conflicting changes
 * one wins.
 *
 * Answers the updated row; the row as it is, with nothing written, when the change sets nothing new (no
 * values, or only the status it already has); null when there is no such row the caller may see (the
 * caller answers NOT_FOUND).
 */
export async function guardedUpdate<T extends GuardedTable>(db: Database, update: GuardedUpdate<T>): Promise<Row<T> | null> {
  const { table, id, lifecycle } = update;
  const entityType = update.entityType ?? lifecycle?.entity;
  if (!entityType) throw new Error("guardedUpdate: name the entity (entityType) or give its lifecycle");
  if (!isUuid(id)) return null;
  const stamped = "updatedAt" in getTableColumns(table);
  return db.transaction(async (tx) => {
    const [before] = (await tx
      .select()
      .from(table as PgTable)
      .where(and(eq(table.id, id), update.visible))
      .for("update")) as Row<T>[];
    if (!before) return null;
    // drizzle skips undefined values: so does the question whether there is anything to write.
    const changes = Object.fromEntries(Object.entries(update.change(before)).filter(([, value]) => value !== undefined));
    let statusChanged = false;
    if (lifecycle && changes.status !== undefined) {
      statusChanged = lifecycle.check(id, (before as { status: StatusOf<T> }).status, changes.status as StatusOf<T>);
      if (!statusChanged) delete changes.status; // asking for the status it has changes nothing
    }
    if (Object.keys(changes).length === 0) return before;
    const set = (stamped ? { ...changes, updatedAt: new Date() } : changes) as PgUpdateSetSource<T>;
    const [after] = (await tx.update(table).set(set).where(eq(table.id, id)).returning()) as Row<T>[];
    if (!after) return null;
    const entry: GuardedAuditEntry<T> = { action: statusChanged ? "STATUS_CHANGE" : "UPDATE", entityType, entityId: id, before, after };
    if (update.record) await update.record(tx, entry);
    else await appendAudit(tx, update.audit, update.actor, entry);
    return after;
  });
}
