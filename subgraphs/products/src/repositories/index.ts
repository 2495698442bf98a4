import type { Database } from "@sfe/kit";
import { createZoneRepository } from "../modules/zones/repository.js";
import { createProductRepository } from "./products.js";

export function createRepositories(db: Database) {
  return { products: createProductRepository(db), zones: createZoneRepository(db) };
}

export type Repositories = ReturnType<typeof createRepositories>;
