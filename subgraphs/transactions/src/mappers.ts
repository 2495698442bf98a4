import type { awards, bids, dispatchInstructions, StoredWindow } from "./db/schema.js";
import type { AwardStatisticRow } from "./repositories/awards.js";

/** Row types resolvers return; codegen maps the GraphQL types onto them. */
export type BidMapper = typeof bids.$inferSelect;
export type AwardMapper = typeof awards.$inferSelect;
export type DispatchInstructionMapper = typeof dispatchInstructions.$inferSelect;
export type AwardStatisticMapper = AwardStatisticRow;
/** Windows are kept as ISO strings in jsonb lists (the DateTime scalar serialises them as they are). */
export type TimeWindowMapper = StoredWindow;

/** Entities other subgraphs own: this subgraph knows only their key. */
export type AssetMapper = { __typename?: "Asset"; id: string };
export type ProductMapper = { __typename?: "Product"; id: string };
export type MarketUnitMapper = { __typename?: "MarketUnit"; id: string };
export type OrganisationMapper = { __typename?: "Organisation"; id: string };

/** References to entities other subgraphs own, for the gateway to resolve there. */
export const assetRef = (id: string): AssetMapper => ({ __typename: "Asset", id });
export const productRef = (id: string): ProductMapper => ({ __typename: "Product", id });
export const marketUnitRef = (id: string): MarketUnitMapper => ({ __typename: "MarketUnit", id });
export const organisationRef = (id: string): OrganisationMapper => ({ __typename: "Organisation", id });
