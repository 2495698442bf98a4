import type { Database } from "@sfe/kit";
import { createAssetRepository } from "./assets.js";
import { createAssetCategoryRepository } from "../modules/categories/repository.js";
import { createLifecycleRepository } from "./lifecycle.js";
import { createMarketUnitRepository } from "./market-units.js";

export function createRepositories(db: Database) {
  return {
    assets: createAssetRepository(db),
    categories: createAssetCategoryRepository(db),
    marketUnits: createMarketUnitRepository(db),
    lifecycle: createLifecycleRepository(db),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;
