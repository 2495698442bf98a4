import type { Database } from "@sfe/kit";
import { createAwardRepository } from "./awards.js";
import { createBidRepository } from "./bids.js";
import { createDispatchRepository } from "./dispatches.js";

export function createRepositories(db: Database) {
  return { bids: createBidRepository(db), awards: createAwardRepository(db), dispatches: createDispatchRepository(db) };
}

export type Repositories = ReturnType<typeof createRepositories>;
