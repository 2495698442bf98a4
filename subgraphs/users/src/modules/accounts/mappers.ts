import type { InvitationRow } from "./invitations-repository.js";
import type { UserRow } from "./repository.js";

/** Row types this module's resolvers return; codegen maps the GraphQL types onto them. */
export type UserMapper = UserRow;
export type InvitationMapper = InvitationRow;
