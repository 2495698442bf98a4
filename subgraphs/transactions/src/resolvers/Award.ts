import type { AwardResolvers } from "../__generated__/resolvers-types.js";
import { assetRef, productRef } from "../mappers.js";

export const Award: AwardResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.award.load(id),
  bid: ({ bidId }, _, { loaders }) => (bidId ? loaders.bid.load(bidId) : null),
  asset: ({ assetId }) => assetRef(assetId),
  product: ({ productId }) => productRef(productId),
};
