import type { RuleWarning } from "@sfe/kit";
import type { assets } from "../../db/schema.js";
import type { AssetStatisticRow } from "./repository.js";

export type AssetMapper = typeof assets.$inferSelect;
export type AssetStatisticMapper = AssetStatisticRow;
/** Conflict is owned by the rules subgraph: here its id and (required from rules) its asset ids. */
export type ConflictMapper = { __typename?: "Conflict"; id: string; assetIds?: string[] };
/** A write's asset and, from updateAsset, its market rules' NOTIFY findings (none elsewhere). */
export type AssetPayloadMapper = { asset: AssetMapper; warnings?: RuleWarning[] };
