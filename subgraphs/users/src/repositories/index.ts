import { createThrottle, type Database } from "@sfe/kit";
import { throttleCounters } from "../db/schema.js";
import { createApiKeyRepository } from "../modules/api-keys/repository.js";
import { createAuditRepository } from "../modules/audit/repository.js";
import { createInvitationRepository } from "../modules/accounts/invitations-repository.js";
import { createOrganisationRepository } from "../modules/organisations/repository.js";
import { createSessionRepository } from "../modules/sessions/repository.js";
import { createUserRepository } from "../modules/accounts/repository.js";

export function createRepositories(db: Database) {
  return {
    organisations: createOrganisationRepository(db),
    users: createUserRepository(db),
    sessions: createSessionRepository(db),
    invitations: createInvitationRepository(db),
    apiKeys: createApiKeyRepository(db),
    audit: createAuditRepository(db),
    throttle: createThrottle(db, throttleCounters),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;
