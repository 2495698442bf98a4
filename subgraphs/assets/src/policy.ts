import { allow, type Policy } from "@sfe/kit";

/**
 * Who may call each operation of the assets subgraph, from the caller's identity alone (deny by
 * default: every Query and Mutation field needs a rule). Which rows a caller then sees or changes is
 * decided in access.ts. API keys need the assets:read scope to read, assets:write to write.
 */
const read = allow.scope("assets", "read");
const write = allow.scope("assets", "write");

export const policy: Policy = {
  "Query.assetCategories": allow.anyone(),
  // Single lookups: whoever may not see the asset gets null (investors and regulators always).
  "Query.asset": allow.all(allow.signedIn(), read),
  // Lists of individual assets: refused outright to roles that see none (investors, regulators, …).
  "Query.assets": allow.all(allow.signedIn(), read, allow.roles("ADMIN", "FSP", "SYSTEM_OPERATOR")),
  // Anonymised aggregates: anyone signed in.
  "Query.assetStatistics": allow.all(allow.signedIn(), read),
  // A list field on another subgraph's entity: filtered to what the caller may see (empty for investors).
  "Organisation.assets": allow.all(allow.signedIn(), read),
  "Mutation.registerAsset": allow.all(allow.signedIn(), write, allow.roles("FSP", "ADMIN")),
  "Mutation.updateAsset": allow.all(allow.signedIn(), write, allow.roles("FSP", "ADMIN")),
};
