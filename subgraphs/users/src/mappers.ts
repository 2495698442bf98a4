import type { AuditEventView } from "@sfe/kit";

/** Row types resolvers return; codegen maps the GraphQL types onto them (the modules' mappers.ts hold the rest). */
/** An audit event of this subgraph's trail or another's (the kit's view: the row and its subgraph). */
export type AuditEventMapper = AuditEventView;
