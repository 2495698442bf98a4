import type { Database } from "@sfe/kit";
import { asc, inArray } from "drizzle-orm";
import { assetCategories } from "../db/schema.js";

export type AssetCategoryRow = typeof assetCategories.$inferSelect;

/** Asset categories are reference data, seeded by migration; nothing here writes them. */
export function createAssetCategoryRepository(db: Database) {
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
  };
}

export type AssetCategoryRepository = ReturnType<typeof createAssetCategoryRepository>;
