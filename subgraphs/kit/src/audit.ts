import { bigint, jsonb, type PgSchema, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { Database } from "./database.js";
import type { Identity } from "./identity.js";

/**
 * The append-only audit trail each subgraph keeps in its own schema (who, when, what, before/after).
 * Writes append to it in the same transaction as the change; the database refuses to update or delete
 * it and hash-chains every event (audit-chain.ts, installed by the migrator).
 */
export const auditEventsTable = (schema: PgSchema) => schema.table("audit_events", auditColumns());

/** The audit trail's columns, fresh for each table: a subgraph that needs more extends them. */
export const auditColumns = () => ({
  id: uuid().primaryKey().defaultRandom(),
  occurredAt: timestamp("occurred_at", { withTimezone: true }).notNull().defaultNow(),
  actorUserId: uuid("actor_user_id"),
  actorOrganisationId: uuid("actor_organisation_id"),
  action: text().notNull(),
  entityType: text("entity_type").notNull(),
  entityId: text("entity_id").notNull(),
  before: jsonb(),
  after: jsonb(),
  /** The event's place in the subgraph's hash chain and the chain's hashes: set by the database, never by code. */
  chainIndex: bigint("chain_index", { mode: "number" }),
  prevHash: text("prev_hash"),
  hash: text(),
});

export type AuditEventsTable = ReturnType<typeof auditEventsTable>;

export interface AuditEntry {
  action: "CREATE" | "UPDATE" | "STATUS_CHANGE" | "DELETE";
  entityType: string;
  entityId: string;
  before?: unknown;
  after?: unknown;
}

/**
 * A record as the trail's JSON holds it: bigint columns (Wh, pence) as exact decimal strings, which JSON has no
 * number for; null when there is none.
 */
export const auditJson = (value: unknown): unknown =>
  value == null ? null : JSON.parse(JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));

export async function appendAudit(db: Database, table: AuditEventsTable, actor: Identity | null, entry: AuditEntry): Promise<void> {
  await appendAudits(db, table, actor, [entry]);
}

/** appendAudit for many entries by one actor (a batch's records): one insert per 1,000, not one per entry. */
export async function appendAudits(
  db: Database,
  table: AuditEventsTable,
  actor: Identity | null,
  entries: readonly AuditEntry[],
): Promise<void> {
  for (let i = 0; i < entries.length; i += 1000) {
    await db.insert(table).values(
      entries.slice(i, i + 1000).map((entry) => ({
        actorUserId: actor?.userId ?? null,
        actorOrganisationId: actor?.organisationId ?? null,
        action: entry.action,
        entityType: entry.entityType,
        entityId: entry.entityId,
        before: auditJson(entry.before),
        after: auditJson(entry.after),
      })),
    );
  }
}
