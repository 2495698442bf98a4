import { allow, type Policy } from "@sfe/kit";

/**
 * Who may call each operation of the assets subgraph, from the caller's identity alone (deny by
 * default: every Query and Mutation field needs a rule). Which rows a caller then sees or changes is
 * decided in access.ts. API keys need the assets:read scope to read, assets:write to write.
 */
export const read = allow.scope("assets", "read");
export const write = allow.scope("assets", "write");
/** Roles that see individual assets and units (investors and regulators read aggregates only). */
export const seesRecords = allow.roles("ADMIN", "FSP", "SYSTEM_OPERATOR");
export const fspOrAdminWrite = allow.all(allow.signedIn(), write, allow.roles("FSP", "ADMIN"));

export const policy: Policy = {
  // Single lookups: whoever may not see the asset gets null (investors and regulators always).
  "Query.asset": allow.all(allow.signedIn(), read),
  // Lists of individual assets: refused outright to roles that see none (investors, regulators, …).
  "Query.assets": allow.all(allow.signedIn(), read, seesRecords),
  // Anonymised aggregates: anyone signed in.
  "Query.assetStatistics": allow.all(allow.signedIn(), read),
  // Market units: as assets (single lookups null when invisible; lists refused to roles that see none).
  "Query.marketUnit": allow.all(allow.signedIn(), read),
  "Query.marketUnits": allow.all(allow.signedIn(), read, seesRecords),
  // List fields on entities: filtered to what the caller may see (empty for investors).
  "Organisation.assets": allow.all(allow.signedIn(), read),
  "Conflict.assets": allow.all(allow.signedIn(), read),
  "Organisation.marketUnits": allow.all(allow.signedIn(), read),
  "Asset.marketUnits": allow.all(allow.signedIn(), read),
  // Transfers are business between two FSPs: their accounts and hub administrators see them (access.ts says which).
  "Query.assetTransfers": allow.all(allow.signedIn(), read, allow.roles("FSP", "ADMIN")),
  "Asset.pendingTransfer": allow.all(allow.signedIn(), read),
  "Mutation.registerAsset": fspOrAdminWrite,
  "Mutation.importAssetFromCar": fspOrAdminWrite,
  "Mutation.updateAsset": fspOrAdminWrite,
  "Mutation.createMarketUnit": fspOrAdminWrite,
  "Mutation.addMarketUnitMembers": fspOrAdminWrite,
  "Mutation.removeMarketUnitMembers": fspOrAdminWrite,
  "Mutation.updateMarketUnit": fspOrAdminWrite,
  // Which party may do which (sender requests and cancels, receiver accepts and declines): access.ts.
  "Mutation.requestAssetTransfer": fspOrAdminWrite,
  "Mutation.acceptAssetTransfer": fspOrAdminWrite,
  "Mutation.declineAssetTransfer": fspOrAdminWrite,
  "Mutation.cancelAssetTransfer": fspOrAdminWrite,
  "Mutation.deregisterAsset": fspOrAdminWrite,
  // Undoing a de-registration: hub administrators only.
  "Mutation.reinstateAsset": allow.all(allow.signedIn(), write, allow.roles("ADMIN")),
};
