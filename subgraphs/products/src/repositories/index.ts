import type { Database } from "@sfe/kit";
import { createProductRepository } from "./products.js";

export function createRepositories(db: Database) {
  return { products: createProductRepository(db) };
}

export type Repositories = ReturnType<typeof createRepositories>;
