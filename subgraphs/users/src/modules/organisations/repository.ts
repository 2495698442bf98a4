import { type Database, type Identity, isUuid, type Role } from "@sfe/kit";
import { arrayContains, asc, eq, inArray } from "drizzle-orm";
import { type OrganisationStatus, organisations } from "../../db/schema.js";
import { type AuditAction, recordAudit } from "../audit/repository.js";

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

    /** Applies `changes`; null when the organisation does not exist. */
    async update(id: string, changes: Partial<NewOrganisation>, actor: Identity | null): Promise<OrganisationRow | null> {
      if (!isUuid(id)) return null;
      return db.transaction(async (tx) => {
        const [before] = await tx.select().from(organisations).where(eq(organisations.id, id)).for("update");
        if (!before) return null;
        const [row] = await tx
          .update(organisations)
          .set({ ...changes, updatedAt: new Date() })
          .where(eq(organisations.id, id))
          .returning();
        if (!row) return null;
        await recordAudit(tx, actor, {
          action: "UPDATE",
          entityType: "Organisation",
          entityId: id,
          organisationId: id,
          before,
          after: row,
        });
        return row;
      });
    },

    /**
     * Moves the organisation to `to` when its status is one of `from` (de-registration, reinstatement).
     * "missing" when it does not exist; "wrong-status" (nothing written) otherwise.
     */
    async changeStatus(
      id: string,
      change: { to: OrganisationStatus; from: readonly OrganisationStatus[]; action: AuditAction },
      actor: Identity | null,
    ): Promise<OrganisationRow | "missing" | "wrong-status"> {
      if (!isUuid(id)) return "missing";
      return db.transaction(async (tx) => {
        const [before] = await tx.select().from(organisations).where(eq(organisations.id, id)).for("update");
        if (!before) return "missing";
        if (!change.from.includes(before.status)) return "wrong-status";
        const [row] = await tx
          .update(organisations)
          .set({ status: change.to, updatedAt: new Date() })
          .where(eq(organisations.id, id))
          .returning();
        if (!row) return "missing";
        await recordAudit(tx, actor, {
          action: change.action,
          entityType: "Organisation",
          entityId: id,
          organisationId: id,
          before: { status: before.status },
          after: { status: row.status },
        });
        return row;
      });
    },
  };
}

export type OrganisationRepository = ReturnType<typeof createOrganisationRepository>;
