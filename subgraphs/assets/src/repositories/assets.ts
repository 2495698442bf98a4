import { appendAudit, type Database, type Identity, isUuid } from "@sfe/kit";
import { and, asc, eq, getTableColumns, gt, inArray, lte, type SQL, sql } from "drizzle-orm";
import { assets, auditEvents } from "../db/schema.js";

export type AssetRow = typeof assets.$inferSelect;
export type NewAsset = typeof assets.$inferInsert;

export interface AssetFilter {
  ownerId?: string | null;
  categoryCode?: string | null;
  gspGroup?: string | null;
  limit: number;
  offset: number;
}

/** One page of each owner's assets (`limit` rows after skipping `offset`), ordered by name. */
export interface OwnerPage {
  limit: number;
  offset: number;
}

const byName = [asc(assets.name), asc(assets.id)];

export function createAssetRepository(db: Database) {
  return {
    /** Rows for the ids that exist, in any order (the loader orders them). */
    async byIds(ids: readonly string[]): Promise<AssetRow[]> {
      const valid = ids.filter(isUuid);
      if (valid.length === 0) return [];
      return db.select().from(assets).where(inArray(assets.id, valid));
    },

    /** Assets of each owner, ordered by name; with `page`, at most one page per owner (one query either way). */
    async byOwnerIds(ownerIds: readonly string[], page?: OwnerPage): Promise<AssetRow[]> {
      const valid = [...new Set(ownerIds.filter(isUuid))];
      if (valid.length === 0) return [];
      if (!page)
        return db
          .select()
          .from(assets)
          .where(inArray(assets.ownerId, valid))
          .orderBy(...byName);
      const ranked = db
        .select({
          ...getTableColumns(assets),
          rank: sql<number>`row_number() over (partition by ${assets.ownerId} order by ${assets.name}, ${assets.id})`.as("rank"),
        })
        .from(assets)
        .where(inArray(assets.ownerId, valid))
        .as("ranked");
      const rows = await db
        .select()
        .from(ranked)
        .where(and(gt(ranked.rank, page.offset), lte(ranked.rank, page.offset + page.limit)))
        .orderBy(asc(ranked.ownerId), asc(ranked.rank));
      return rows.map(({ rank: _rank, ...row }) => row);
    },

    async list(filter: AssetFilter): Promise<AssetRow[]> {
      if (filter.ownerId != null && !isUuid(filter.ownerId)) return [];
      const conditions: SQL[] = [];
      if (filter.ownerId != null) conditions.push(eq(assets.ownerId, filter.ownerId));
      if (filter.categoryCode != null) conditions.push(eq(assets.categoryCode, filter.categoryCode));
      if (filter.gspGroup != null) conditions.push(eq(assets.gspGroup, filter.gspGroup));
      return db
        .select()
        .from(assets)
        .where(and(...conditions))
        .orderBy(...byName)
        .limit(filter.limit)
        .offset(filter.offset);
    },

    async create(values: NewAsset, actor: Identity | null): Promise<AssetRow> {
      return db.transaction(async (tx) => {
        const [row] = await tx.insert(assets).values(values).returning();
        if (!row) throw new Error("insert returned no row");
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "Asset", entityId: row.id, after: row });
        return row;
      });
    },

    /** Applies `changes`; null when the asset does not exist. */
    async update(id: string, changes: Partial<NewAsset>, actor: Identity | null): Promise<AssetRow | null> {
      if (!isUuid(id)) return null;
      return db.transaction(async (tx) => {
        const [before] = await tx.select().from(assets).where(eq(assets.id, id)).for("update");
        if (!before) return null;
        const [row] = await tx
          .update(assets)
          .set({ ...changes, updatedAt: new Date() })
          .where(eq(assets.id, id))
          .returning();
        if (!row) return null;
        const action = changes.status !== undefined && changes.status !== before.status ? "STATUS_CHANGE" : "UPDATE";
        await appendAudit(tx, auditEvents, actor, { action, entityType: "Asset", entityId: id, before, after: row });
        return row;
      });
    },
  };
}

export type AssetRepository = ReturnType<typeof createAssetRepository>;
