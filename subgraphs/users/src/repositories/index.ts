import type { Database } from "@sfe/kit";
import { createOrganisationRepository } from "./organisations.js";
import { createUserRepository } from "./users.js";

export function createRepositories(db: Database) {
  return { organisations: createOrganisationRepository(db), users: createUserRepository(db) };
}

export type Repositories = ReturnType<typeof createRepositories>;
