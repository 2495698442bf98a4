import type { Database, Identity } from "@sfe/kit";
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
 * The kit's `appendAudit`, plus the organisation concerned and identity actions (the kit's takes neither yet).
 * Call it with the transaction that makes the change.
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
