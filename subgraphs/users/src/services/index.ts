import { createAccountService } from "./accounts.js";
import { createApiKeyService } from "./api-keys.js";
import type { ServiceDeps } from "./context.js";
import { createMemberService } from "./members.js";
import { createSessionService } from "./sessions.js";

/** The identity logic resolvers and HTTP routes call: validation, hashing, tokens, mail, then a repository. */
export function createServices(deps: ServiceDeps) {
  return {
    accounts: createAccountService(deps),
    sessions: createSessionService(deps),
    members: createMemberService(deps),
    apiKeys: createApiKeyService(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
export type { ServiceDeps };
