import { type AuditEntry, appendAudit, type Database, type Identity } from "@sfe/kit";
import { auditEvents } from "../../db/schema.js";

/** A row as JSON can hold it: bigints (pence, Wh) become decimal strings, exactly. */
export const plain = (value: unknown): unknown =>
  value === undefined || value === null
    ? null
    : JSON.parse(JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));

/** Appends to the transactions audit trail with bigint values kept exact (as strings). */
export const audit = (tx: Database, actor: Identity | null, entry: AuditEntry) =>
  appendAudit(tx, auditEvents, actor, { ...entry, before: plain(entry.before), after: plain(entry.after) });

/** guardedUpdate's `record` for rows with bigint columns. */
export const recordAs =
  (actor: Identity | null) =>
  (tx: Database, entry: AuditEntry): Promise<void> =>
    audit(tx, actor, entry);
