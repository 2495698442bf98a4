import { createAccountService } from "../modules/accounts/service.js";
import { createMemberService } from "../modules/accounts/members.js";
import { createApiKeyService } from "../modules/api-keys/service.js";
import { createOrganisationService } from "../modules/organisations/service.js";
import { createSessionService } from "../modules/sessions/service.js";
import type { Repositories } from "../repositories/index.js";
import type { ServiceDeps } from "./context.js";

/** The identity logic resolvers and HTTP routes call (each module's service.ts): validation, hashing, tokens, mail, then a repository. */
export function createServices(deps: ServiceDeps) {
  return {
    accounts: createAccountService(deps),
    members: createMemberService(deps),
    sessions: createSessionService(deps),
    organisations: createOrganisationService(deps),
    apiKeys: createApiKeyService(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
export type { ServiceDeps };

/** What a module's resolvers are built with: server.ts makes them once and hands them to every module. */
export interface ModuleDeps {
  repos: Repositories;
  services: Services;
}
