import type { auditEvents } from "./db/schema.js";

/** Row types resolvers return; codegen maps the GraphQL types onto them (the modules' mappers.ts hold the rest). */
export type AuditEventMapper = typeof auditEvents.$inferSelect;
