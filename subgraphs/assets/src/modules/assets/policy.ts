import { allow, type Policy } from "@sfe/kit";
import { fspOrAdminWrite, read, seesRecords } from "../../policy.js";

export const policy: Policy = {
  // Single lookups: whoever may not see the asset gets null (investors and regulators always).
  "Query.asset": allow.all(allow.signedIn(), read),
  // Lists of individual assets: refused outright to roles that see none (investors, regulators, …).
  "Query.assets": allow.all(allow.signedIn(), read, seesRecords),
  // Anonymised aggregates: anyone signed in.
  "Query.assetStatistics": allow.all(allow.signedIn(), read),
  // List fields on entities: filtered to what the caller may see (empty for investors).
  "Organisation.assets": allow.all(allow.signedIn(), read),
  "Conflict.assets": allow.all(allow.signedIn(), read),
  "Mutation.registerAsset": fspOrAdminWrite,
  "Mutation.updateAsset": fspOrAdminWrite,
};
