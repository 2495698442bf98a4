import type { Database } from "@sfe/kit";
import { createAssetRepository } from "./modules/assets/repository.js";
import { createAssetCategoryRepository } from "./modules/categories/repository.js";
import { createLifecycleRepository } from "./modules/transfers/repository.js";
import { createMarketUnitRepository } from "./modules/market-units/repository.js";

/** Every module's repository, over one database. */
export function createRepositories(db: Database) {
  return {
    assets: createAssetRepository(db),
    categories: createAssetCategoryRepository(db),
    marketUnits: createMarketUnitRepository(db),
    lifecycle: createLifecycleRepository(db),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;
