import type { Database } from "@sfe/kit";
import { createBuyRequirementRepository } from "../modules/buy-requirements/repository.js";
import { createClearingResultRepository } from "../modules/clearing-results/repository.js";
import { createAwardRepository } from "./awards.js";
import { createBidRepository } from "./bids.js";
import { createDispatchRepository } from "./dispatches.js";

export function createRepositories(db: Database) {
  return {
    bids: createBidRepository(db),
    awards: createAwardRepository(db),
    dispatches: createDispatchRepository(db),
    buyRequirements: createBuyRequirementRepository(db),
    clearingResults: createClearingResultRepository(db),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;
