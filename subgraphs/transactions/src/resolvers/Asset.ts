import type { AssetResolvers } from "../__generated__/resolvers-types.js";
import { assetRef } from "../mappers.js";
import { listWindow } from "../validation.js";

/**
 * The assets subgraph owns Asset; this one adds its market transactions, each list read in one batch
 * and holding only the records the caller may see.
 */
export const Asset: AssetResolvers = {
  __resolveReference: ({ id }) => assetRef(id),
  bids: ({ id }, { from, to }, { identity, loaders }) => loaders.visibleTo(identity).bidsByAsset(listWindow(from, to)).load(id),
  awards: ({ id }, { from, to }, { identity, loaders }) => loaders.visibleTo(identity).awardsByAsset(listWindow(from, to)).load(id),
  dispatches: ({ id }, { from, to }, { identity, loaders }) => loaders.visibleTo(identity).dispatchesByAsset(listWindow(from, to)).load(id),
};
