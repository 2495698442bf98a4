import { createThrottle, type Database } from "@sfe/kit";
import { throttleCounters } from "../db/schema.js";
import { createApiKeyRepository } from "./api-keys.js";
import { createAuditRepository } from "./audit.js";
import { createInvitationRepository } from "./invitations.js";
import { createOrganisationRepository } from "./organisations.js";
import { createSessionRepository } from "./sessions.js";
import { createUserRepository } from "./users.js";

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
