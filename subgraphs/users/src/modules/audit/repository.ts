import type { Database, GuardedAuditEntry, GuardedTable, Identity } from "@sfe/kit";
import { and, desc, eq, sql } from "drizzle-orm";
import { auditEvents, type users } from "../../db/schema.js";

export type AuditEventRow = typeof auditEvents.$inferSelect;

/** Identity events, besides the generic CREATE / UPDATE / STATUS_CHANGE. */
export type AuditAction =
  | "CREATE"
  | "UPDATE"
  | "STATUS_CHANGE"
  | "SIGN_UP"
  | "EMAIL_VERIFIED"
  | "SO_VERIFIED"
  | "SIGN_IN"
  | "PASSWORD_CHANGED"
  | "API_KEY_CREATED"
  | "API_KEY_REVOKED"
  | "ROLE_CHANGED"
  | "MEMBER_INVITED"
  | "MEMBER_JOINED"
  | "ORGANISATION_DEREGISTERED"
  | "ORGANISATION_REINSTATED";

export interface AuditRecord {
  action: AuditAction;
  entityType: string;
  entityId: string;
  /** The organisation concerned: whose members may read the event. */
  organisationId: string | null;
  before?: unknown;
  after?: unknown;
}

/**
 * The kit's `appendAudit`, plus the organisation concerned and identity actions (the kit's takes neither).
 * Call it with the transaction that makes the change; guardedUpdate calls it through `auditedBy`.
 */
export async function recordAudit(db: Database, actor: Identity | null, record: AuditRecord): Promise<void> {
  await db.insert(auditEvents).values({
    // The time of this statement, not of the transaction: events written together keep their order.
    occurredAt: sql`clock_timestamp()`,
    actorUserId: actor?.userId ?? null,
    actorOrganisationId: actor?.organisationId ?? null,
    organisationId: record.organisationId,
    action: record.action,
    entityType: record.entityType,
    entityId: record.entityId,
    before: record.before ?? null,
    after: record.after ?? null,
  });
}

/**
 * guardedUpdate's `record` for users' trail: the event it gives (UPDATE or STATUS_CHANGE, entity, locked row
 * before and written row after) as `recordAudit` writes it, with the organisation concerned and, when given,
 * an identity action and what of the rows the event keeps (the whole rows otherwise).
 */
export function auditedBy<T extends GuardedTable>(
  actor: Identity | null | ((before: T["$inferSelect"]) => Identity),
  event: {
    organisationId: (row: T["$inferSelect"]) => string | null;
    action?: AuditAction;
    before?: (row: T["$inferSelect"]) => unknown;
    after?: (row: T["$inferSelect"]) => unknown;
  },
) {
  return (tx: Database, entry: GuardedAuditEntry<T>) =>
    recordAudit(tx, typeof actor === "function" ? actor(entry.before) : actor, {
      action: event.action ?? entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId,
      organisationId: event.organisationId(entry.after),
      before: event.before ? event.before(entry.before) : entry.before,
      after: event.after ? event.after(entry.after) : entry.after,
    });
}

/** A user row as the audit trail keeps it: never the password hash. */
export function auditedUser(row: typeof users.$inferSelect | undefined) {
  if (!row) return null;
  const { passwordHash: _secret, ...rest } = row;
  return rest;
}

export function createAuditRepository(db: Database) {
  return {
    /** One record's events (an Organisation or a User), newest first. */
    async byEntity(entityType: string, entityId: string, page: { limit: number; offset: number }): Promise<AuditEventRow[]> {
      return db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.entityType, entityType), eq(auditEvents.entityId, entityId)))
        .orderBy(desc(auditEvents.seq))
        .limit(page.limit)
        .offset(page.offset);
    },

    async byOrganisation(organisationId: string, page: { limit: number; offset: number }): Promise<AuditEventRow[]> {
      return db
        .select()
        .from(auditEvents)
        .where(eq(auditEvents.organisationId, organisationId))
        .orderBy(desc(auditEvents.seq))
        .limit(page.limit)
        .offset(page.offset);
    },
  };
}
