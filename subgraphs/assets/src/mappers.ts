import type { CarAsset } from "./clients/car.js";
import type { assets } from "./db/schema.js";
import type { AssetStatisticRow } from "./repositories/assets.js";
import type { TransferRow } from "./repositories/lifecycle.js";
import type { MarketUnitRow, MembershipRow } from "./repositories/market-units.js";

/** Row types resolvers return; codegen maps the GraphQL types onto them. */
export type AssetMapper = typeof assets.$inferSelect;
/** Organisation is owned by the users subgraph: here it is only a reference by id. */
export type OrganisationMapper = { __typename?: "Organisation"; id: string };
export type AssetStatisticMapper = AssetStatisticRow;
export type MarketUnitMapper = MarketUnitRow;
export type MarketUnitMembershipMapper = MembershipRow;
export type AssetTransferMapper = TransferRow;
/** Conflict is owned by the rules subgraph: here its id and (required from rules) its asset ids. */
export type ConflictMapper = { __typename?: "Conflict"; id: string; assetIds?: string[] };
/** User is owned by the users subgraph: here it is only a reference by id. */
export type UserMapper = { __typename?: "User"; id: string };
/** What the Central Asset Register answers for an asset. */
export type CarRecordMapper = CarAsset;
