import type { Database } from "@sfe/kit";
import { createAssetRepository } from "./assets.js";
import { createAssetCategoryRepository } from "./categories.js";

export function createRepositories(db: Database) {
  return { assets: createAssetRepository(db), categories: createAssetCategoryRepository(db) };
}

export type Repositories = ReturnType<typeof createRepositories>;
