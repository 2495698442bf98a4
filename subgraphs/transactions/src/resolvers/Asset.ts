import type { AssetResolvers } from "../__generated__/resolvers-types.js";
import { assetRef } from "../mappers.js";
import { listWindow } from "../validation.js";

/** The assets subgraph owns Asset; this one adds its market transactions, each list read in one batch. */
export const Asset: AssetResolvers = {
  __resolveReference: ({ id }) => assetRef(id),
  bids: ({ id }, { from, to }, { loaders }) => loaders.bidsByAsset(listWindow(from, to)).load(id),
  awards: ({ id }, { from, to }, { loaders }) => loaders.awardsByAsset(listWindow(from, to)).load(id),
  dispatches: ({ id }, { from, to }, { loaders }) => loaders.dispatchesByAsset(listWindow(from, to)).load(id),
};
