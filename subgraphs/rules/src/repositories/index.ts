import type { Database } from "@sfe/kit";
import { createRuleEvaluationRepository } from "../modules/evaluation/repository.js";
import { createRuleDocumentRepository } from "../modules/library/repository.js";
import { createConflictRepository } from "./conflicts.js";
import { createMarketRuleRepository } from "./marketRules.js";

export function createRepositories(db: Database) {
  return {
    marketRules: createMarketRuleRepository(db),
    conflicts: createConflictRepository(db),
    evaluations: createRuleEvaluationRepository(db),
    documents: createRuleDocumentRepository(db),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;
