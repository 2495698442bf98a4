import { appendAudit, type Database, type Identity, isUuid } from "@sfe/kit";
import { asc, eq, inArray } from "drizzle-orm";
import { auditEvents, users } from "../db/schema.js";

export type UserRow = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;

export function createUserRepository(db: Database) {
  return {
    async byIds(ids: readonly string[]): Promise<UserRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return [];
      return db.select().from(users).where(inArray(users.id, valid));
    },

    async byOrganisationIds(organisationIds: readonly string[]): Promise<UserRow[]> {
      const valid = organisationIds.filter(isUuid);
      if (valid.length === 0) return [];
      return db.select().from(users).where(inArray(users.organisationId, valid)).orderBy(asc(users.name));
    },

    async create(values: NewUser, actor: Identity | null): Promise<UserRow> {
      return db.transaction(async (tx) => {
        const [row] = await tx.insert(users).values(values).returning();
        if (!row) throw new Error("insert returned no row");
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "User", entityId: row.id, after: row });
        return row;
      });
    },

    async update(id: string, changes: Partial<NewUser>, actor: Identity | null): Promise<UserRow | null> {
      if (!isUuid(id)) return null;
      return db.transaction(async (tx) => {
        const [before] = await tx.select().from(users).where(eq(users.id, id)).for("update");
        if (!before) return null;
        const [row] = await tx
          .update(users)
          .set({ ...changes, updatedAt: new Date() })
          .where(eq(users.id, id))
          .returning();
        if (!row) return null;
        await appendAudit(tx, auditEvents, actor, { action: "UPDATE", entityType: "User", entityId: id, before, after: row });
        return row;
      });
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;
