import { appendAudit, type Database, type Identity, isUuid, type Role } from "@sfe/kit";
import { and, arrayContains, asc, eq, inArray } from "drizzle-orm";
import { auditEvents, organisations } from "../db/schema.js";

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
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "Organisation", entityId: row.id, after: row });
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
          .where(and(eq(organisations.id, id)))
          .returning();
        if (!row) return null;
        await appendAudit(tx, auditEvents, actor, { action: "UPDATE", entityType: "Organisation", entityId: id, before, after: row });
        return row;
      });
    },
  };
}

export type OrganisationRepository = ReturnType<typeof createOrganisationRepository>;
