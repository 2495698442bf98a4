import { allow, type Policy } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import { changesAsset, fspOrAdminWrite, read, registersFor, seesAsset, seesRecords } from "../../policy.js";

/** Who may register assets at all: the CSV import asks it of the file, then registerAsset's rule of each row. */
export const registers = fspOrAdminWrite;

export const policy: Policy<Context> = {
  // Single lookups: whoever may not see the asset gets null (investors and regulators always).
  "Query.asset": { call: allow.all(allow.signedIn(), read), row: seesAsset },
  // Lists of individual assets: refused outright to roles that see none (investors, regulators, …); filtered in SQL.
  "Query.assets": allow.all(allow.signedIn(), read, seesRecords),
  // Anonymised aggregates: anyone signed in.
  "Query.assetStatistics": allow.all(allow.signedIn(), read),
  // Entity references are a way in like any query: another organisation's asset is null here too.
  "Asset.__resolveReference": { row: seesAsset },
  // List fields on entities: filtered to what the caller may see (empty for investors); Organisation.assets in SQL.
  "Organisation.assets": allow.all(allow.signedIn(), read),
  "Conflict.assets": { call: allow.all(allow.signedIn(), read), row: seesAsset },
  // FSPs register for their own organisation, hub administrators for anyone.
  "Mutation.registerAsset": registersFor((args) => args.input.ownerId),
  // What the caller may not see does not exist for it; what it sees but does not own, it may not change.
  "Mutation.updateAsset": changesAsset("id", (args) => args.input.id),
};
