import { allow, type Policy } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import { fspOrAdminWrite, read, seesRecords } from "../../policy.js";

export const policy: Policy<Context> = {
  // As assets: single lookups null when invisible; lists refused to roles that see none.
  "Query.marketUnit": allow.all(allow.signedIn(), read),
  "Query.marketUnits": allow.all(allow.signedIn(), read, seesRecords),
  // List fields on entities: filtered to what the caller may see (empty for investors).
  "Organisation.marketUnits": allow.all(allow.signedIn(), read),
  "Asset.marketUnits": allow.all(allow.signedIn(), read),
  "Mutation.createMarketUnit": fspOrAdminWrite,
  "Mutation.addMarketUnitMembers": fspOrAdminWrite,
  "Mutation.removeMarketUnitMembers": fspOrAdminWrite,
  "Mutation.updateMarketUnit": fspOrAdminWrite,
};
