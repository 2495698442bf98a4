import type { Database } from "@sfe/kit";
import { createExternalProductRepository } from "../modules/so-product-apis/repository.js";
import { createZoneRepository } from "../modules/zones/repository.js";
import { createProductRepository } from "./products.js";

export function createRepositories(db: Database) {
  return { products: createProductRepository(db), zones: createZoneRepository(db), externalProducts: createExternalProductRepository(db) };
}

export type Repositories = ReturnType<typeof createRepositories>;
