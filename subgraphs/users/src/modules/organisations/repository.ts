import { type Database, guardedUpdate, type Identity, isUuid, type Role } from "@sfe/kit";
import { arrayContains, asc, eq, inArray } from "drizzle-orm";
import { type OrganisationStatus, organisationLifecycle, organisations } from "../../db/schema.js";
import { moveRefused } from "../../errors.js";
import { type AuditAction, auditedBy, recordAudit } from "../audit/repository.js";

export type OrganisationRow = typeof organisations.$inferSelect;
export type NewOrganisation = typeof organisations.$inferInsert;

export function createOrganisationRepository(db: Database) {
  return {
    /** Rows for the ids that exist, in any order (the loader orders them). */
    async byIds(ids: readonly string[]): Promise<OrganisationRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return [];
      return db.select().from(organisations).where(inArray(organisations.id, valid));
    },

    async byCompanyNumber(companyNumber: string): Promise<OrganisationRow | null> {
      const [row] = await db.select().from(organisations).where(eq(organisations.companyNumber, companyNumber));
      return row ?? null;
    },

    async list(filter: { role?: Role | null; limit: number; offset: number }): Promise<OrganisationRow[]> {
      return db
        .select()
        .from(organisations)
        .where(filter.role ? arrayContains(organisations.roles, [filter.role]) : undefined)
        .orderBy(asc(organisations.name), asc(organisations.id))
        .limit(filter.limit)
        .offset(filter.offset);
    },

    async create(values: NewOrganisation, actor: Identity | null): Promise<OrganisationRow> {
      return db.transaction(async (tx) => {
        const [row] = await tx.insert(organisations).values(values).returning();
        if (!row) throw new Error("insert returned no row");
        await recordAudit(tx, actor, {
          action: "CREATE",
          entityType: "Organisation",
          entityId: row.id,
          organisationId: row.id,
          after: row,
        });
        return row;
      });
    },

    /** Applies `changes` (a status change as its lifecycle allows); null when the organisation does not exist. */
    async update(id: string, changes: Partial<NewOrganisation>, actor: Identity | null): Promise<OrganisationRow | null> {
      return guardedUpdate(db, {
        table: organisations,
        lifecycle: organisationLifecycle,
        id,
        change: () => changes,
        record: auditedBy(actor, { action: "UPDATE", organisationId: (row) => row.id }),
      });
    },

    /**
     * Moves the organisation to `to` (de-registration, reinstatement): CONFLICT, nothing written, unless its
     * status is one of `from`; null when it does not exist.
     */
    async changeStatus(
      id: string,
      move: { to: OrganisationStatus; from: readonly OrganisationStatus[]; action: AuditAction; refusal: string },
      actor: Identity | null,
    ): Promise<OrganisationRow | null> {
      return guardedUpdate(db, {
        table: organisations,
        lifecycle: organisationLifecycle,
        id,
        change: (before) => {
          if (!move.from.includes(before.status)) throw moveRefused("Organisation", id, before.status, move.to, move.refusal);
          return { status: move.to };
        },
        record: auditedBy(actor, {
          action: move.action,
          organisationId: (row) => row.id,
          before: ({ status }) => ({ status }),
          after: ({ status }) => ({ status }),
        }),
      });
    },
  };
}

export type OrganisationRepository = ReturnType<typeof createOrganisationRepository>;
