import type { assetCategories, StoredAttribute } from "../../db/schema.js";

export type AssetCategoryMapper = typeof assetCategories.$inferSelect;
export type CategoryAttributeMapper = StoredAttribute;
