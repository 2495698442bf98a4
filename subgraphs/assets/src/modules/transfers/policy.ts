import { allow, type Policy } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import { fspOrAdminWrite, read, write } from "../../policy.js";

export const policy: Policy<Context> = {
  // Transfers are business between two FSPs: their accounts and hub administrators see them (access.ts says which).
  "Query.assetTransfers": allow.all(allow.signedIn(), read, allow.roles("FSP", "ADMIN")),
  "Asset.pendingTransfer": allow.all(allow.signedIn(), read),
  // Which party may do which (sender requests and cancels, receiver accepts and declines): access.ts.
  "Mutation.requestAssetTransfer": fspOrAdminWrite,
  "Mutation.acceptAssetTransfer": fspOrAdminWrite,
  "Mutation.declineAssetTransfer": fspOrAdminWrite,
  "Mutation.cancelAssetTransfer": fspOrAdminWrite,
  "Mutation.deregisterAsset": fspOrAdminWrite,
  // Undoing a de-registration: hub administrators only.
  "Mutation.reinstateAsset": allow.all(allow.signedIn(), write, allow.roles("ADMIN")),
};
