import type { Database } from "@sfe/kit";
import { createConflictRepository } from "./conflicts.js";
import { createMarketRuleRepository } from "./marketRules.js";

export function createRepositories(db: Database) {
  return { marketRules: createMarketRuleRepository(db), conflicts: createConflictRepository(db) };
}

export type Repositories = ReturnType<typeof createRepositories>;
