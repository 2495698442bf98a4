import { appendAudit, type Database, guardedUpdate, type Identity, isUuid } from "@sfe/kit";
import { and, arrayContains, asc, eq, inArray, or, sql } from "drizzle-orm";
import { auditEvents, constraintManagedZones } from "../../db/schema.js";

export type ZoneRow = typeof constraintManagedZones.$inferSelect;
export type NewZone = typeof constraintManagedZones.$inferInsert;
/** What an update may change: the code and the operator stay. */
export type ZoneChanges = Partial<Pick<NewZone, "name" | "licenceArea" | "gspGroups">>;

/** Constraint Managed Zones: market information, read by anyone signed in, written by their operator or an administrator. */
export function createZoneRepository(db: Database) {
  return {
    /** Rows for the ids that exist, in any order (the loader orders them). */
    async byIds(ids: readonly string[]): Promise<ZoneRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return [];
      return db.select().from(constraintManagedZones).where(inArray(constraintManagedZones.id, valid));
    },

    /** Rows for the codes that exist (already normalised), in any order. */
    async byCodes(codes: readonly string[]): Promise<ZoneRow[]> {
      if (codes.length === 0) return [];
      return db
        .select()
        .from(constraintManagedZones)
        .where(inArray(constraintManagedZones.code, [...codes]));
    },

    async byCode(code: string): Promise<ZoneRow | null> {
      const [row] = await db.select().from(constraintManagedZones).where(eq(constraintManagedZones.code, code));
      return row ?? null;
    },

    /** The zones that `names` name, by code (any case) or by name (case-insensitive): the eligibility engine's read. */
    async byCodesOrNames(names: readonly string[]): Promise<ZoneRow[]> {
      const trimmed = [...new Set(names.map((name) => name.trim()))].filter(Boolean);
      if (trimmed.length === 0) return [];
      return db
        .select()
        .from(constraintManagedZones)
        .where(
          or(
            inArray(
              constraintManagedZones.code,
              trimmed.map((name) => name.toUpperCase()),
            ),
            inArray(
              sql`lower(${constraintManagedZones.name})`,
              trimmed.map((name) => name.toLowerCase()),
            ),
          ),
        );
    },

    /** By code; `gspGroup` (already normalised) keeps the zones that lie in it. */
    async list(filter: { operatorId?: string | null; gspGroup?: string | null; limit: number; offset: number }): Promise<ZoneRow[]> {
      if (filter.operatorId != null && !isUuid(filter.operatorId)) return []; // a malformed id operates nothing
      return db
        .select()
        .from(constraintManagedZones)
        .where(
          and(
            filter.operatorId != null ? eq(constraintManagedZones.operatorId, filter.operatorId) : undefined,
            filter.gspGroup != null ? arrayContains(constraintManagedZones.gspGroups, [filter.gspGroup]) : undefined,
          ),
        )
        .orderBy(asc(constraintManagedZones.code))
        .limit(filter.limit)
        .offset(filter.offset);
    },

    /** Adds a zone, audited; null when the code is taken (nothing written). */
    async create(values: NewZone, actor: Identity | null): Promise<ZoneRow | null> {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .insert(constraintManagedZones)
          .values(values)
          .onConflictDoNothing({ target: constraintManagedZones.code })
          .returning();
        if (!row) return null;
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "ConstraintManagedZone", entityId: row.id, after: row });
        return row;
      });
    },

    /**
     * Applies `changes` to zone `id`; null when there is none. `authorize` runs first against the locked row and
     * throws to refuse (nothing is written). A change to
     * nothing new (no fields, or the values the zone has) writes nothing.
     */
    update: (id: string, changes: ZoneChanges, actor: Identity | null, authorize: (before: ZoneRow) => void): Promise<ZoneRow | null> =>
      guardedUpdate(db, {
        table: constraintManagedZones,
        audit: auditEvents,
        entityType: "ConstraintManagedZone",
        id,
        actor,
        change: (before) => {
          authorize(before);
          // Only what differs from the locked row: the same values again write nothing.
          return Object.fromEntries(
            Object.entries(changes).filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(before[key as keyof ZoneChanges])),
          );
        },
      }),
  };
}

export type ZoneRepository = ReturnType<typeof createZoneRepository>;
