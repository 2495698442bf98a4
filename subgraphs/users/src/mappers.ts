import type { apiKeys, auditEvents, invitations, organisations, users } from "./db/schema.js";

/** Row types resolvers return; codegen maps the GraphQL types onto them. */
export type OrganisationMapper = typeof organisations.$inferSelect;
export type UserMapper = typeof users.$inferSelect;
export type ApiKeyMapper = typeof apiKeys.$inferSelect;
export type InvitationMapper = typeof invitations.$inferSelect;
export type AuditEventMapper = typeof auditEvents.$inferSelect;
