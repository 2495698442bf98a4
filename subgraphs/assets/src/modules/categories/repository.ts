import { appendAudit, type Database, type Identity } from "@sfe/kit";
import { and, asc, eq, inArray, ne, sql } from "drizzle-orm";
import { assetCategories, assets, auditEvents } from "../../db/schema.js";
import { needsAttention } from "./attention.js";

export type AssetCategoryRow = typeof assetCategories.$inferSelect;
export type NewAssetCategory = typeof assetCategories.$inferInsert;
/** What an update may change: everything but the code (the version is the repository's). */
export type AssetCategoryChanges = Partial<Omit<AssetCategoryRow, "code" | "version">>;

/** JSON with object keys sorted: jsonb does not keep key order, so compare values this way. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_, v) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );

/** The asset taxonomy: seeded by migration, maintained by hub administrators. */
export function createAssetCategoryRepository(db: Database) {
  /** How many assets of `code`, not DEREGISTERED, fail the category as it is now (one query). */
  const countNeedingAttention = async (tx: Database, code: string): Promise<number> => {
    const [row] = await tx
      .select({ n: sql<number>`count(*)::int`.mapWith(Number) })
      .from(assets)
      .innerJoin(assetCategories, eq(assetCategories.code, assets.categoryCode))
      .where(and(eq(assets.categoryCode, code), ne(assets.status, "DEREGISTERED"), needsAttention()));
    return row?.n ?? 0;
  };

  return {
    /** Every category, by code. */
    async categories(): Promise<AssetCategoryRow[]> {
      return db.select().from(assetCategories).orderBy(asc(assetCategories.code));
    },

    /** Rows for the codes that exist, in any order (the loader orders them). */
    async categoryByCodes(codes: readonly string[]): Promise<AssetCategoryRow[]> {
      if (codes.length === 0) return [];
      return db
        .select()
        .from(assetCategories)
        .where(inArray(assetCategories.code, [...codes]));
    },

    countNeedingAttention: (code: string) => countNeedingAttention(db, code),

    /** Adds a category at version 1, audited; null when the code is taken (nothing written). */
    async create(values: Omit<NewAssetCategory, "version">, actor: Identity | null): Promise<AssetCategoryRow | null> {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .insert(assetCategories)
          .values({ ...values, version: 1 })
          .onConflictDoNothing({ target: assetCategories.code })
          .returning();
        if (!row) return null;
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "AssetCategory", entityId: row.code, after: row });
        return row;
      });
    },

    /**
     * Changes category `code` to what `change` makes of it (the row locked, so versions never race; `change`
     * may throw to refuse, writing nothing). A real change bumps the version and is audited; then the assets
     * that now fail it are counted in the same transaction. Null when the category does not exist.
     */
    async update(
      code: string,
      change: (before: AssetCategoryRow, version: number) => AssetCategoryChanges,
      actor: Identity | null,
    ): Promise<{ category: AssetCategoryRow; assetsNeedingAttention: number } | null> {
      return db.transaction(async (tx) => {
        const [before] = await tx.select().from(assetCategories).where(eq(assetCategories.code, code)).for("update");
        if (!before) return null;
        const changes = change(before, before.version + 1);
        const changed = (Object.keys(changes) as (keyof AssetCategoryChanges)[]).some(
          (key) => canonical(changes[key]) !== canonical(before[key]),
        );
        let category = before;
        if (changed) {
          const [row] = await tx
            .update(assetCategories)
            .set({ ...changes, version: before.version + 1 })
            .where(eq(assetCategories.code, code))
            .returning();
          if (!row) throw new Error("update returned no row");
          await appendAudit(tx, auditEvents, actor, { action: "UPDATE", entityType: "AssetCategory", entityId: code, before, after: row });
          category = row;
        }
        return { category, assetsNeedingAttention: await countNeedingAttention(tx, code) };
      });
    },
  };
}

export type AssetCategoryRepository = ReturnType<typeof createAssetCategoryRepository>;
