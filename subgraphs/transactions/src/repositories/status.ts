import { appendAudit, type Database, type Identity, isUuid, type Lifecycle } from "@sfe/kit";
import { eq } from "drizzle-orm";
import { type awards, auditEvents, type bids, type dispatchInstructions } from "../db/schema.js";

type StatusTable = typeof bids | typeof awards | typeof dispatchInstructions;
type Row<T extends StatusTable> = T["$inferSelect"];

/**
 * The one place a market record's status changes. In one transaction: lock the row (select … for update),
 * check the change against the record's lifecycle, update, append the audit event. A racing change of
 * the same record waits on the lock and is then checked against this one's outcome, so two conflicting
 * changes cannot both pass. Null when the record does not exist; the record unchanged (and no audit
 * event) when it already has the status; CONFLICT (thrown, nothing written) when the lifecycle refuses.
 */
export async function changeStatus<T extends StatusTable>(
  db: Database,
  table: T,
  lifecycle: Lifecycle<Row<T>["status"]>,
  id: string,
  status: Row<T>["status"],
  actor: Identity | null,
): Promise<Row<T> | null> {
  if (!isUuid(id)) return null;
  // One table type for drizzle: the three share the columns used here.
  const t = table as typeof bids;
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(t).where(eq(t.id, id)).for("update");
    if (!before) return null;
    if (!lifecycle.check(id, before.status as Row<T>["status"], status)) return before as Row<T>;
    const [after] = await tx
      .update(t)
      .set({ status: status as Row<typeof bids>["status"], updatedAt: new Date() })
      .where(eq(t.id, id))
      .returning();
    if (!after) return null;
    await appendAudit(tx, auditEvents, actor, { action: "STATUS_CHANGE", entityType: lifecycle.entity, entityId: id, before, after });
    return after as Row<T>;
  });
}
