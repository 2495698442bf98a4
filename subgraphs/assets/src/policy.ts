import { allow } from "@sfe/kit";

/**
 * The pieces of the assets subgraph's policy: each module's policy.ts says who may call each of its operations,
 * from the caller's identity alone (deny by default: every Query and Mutation field needs a rule). Which rows a
 * caller then sees or changes is decided in access.ts. API keys need the assets:read scope to read, assets:write
 * to write.
 */
export const read = allow.scope("assets", "read");
export const write = allow.scope("assets", "write");
/** Roles that see individual assets and units (investors and regulators read aggregates only). */
export const seesRecords = allow.roles("ADMIN", "FSP", "SYSTEM_OPERATOR");
export const fspOrAdminWrite = allow.all(allow.signedIn(), write, allow.roles("FSP", "ADMIN"));
