import type { BidResolvers } from "../__generated__/resolvers-types.js";
import { assetRef, organisationRef, productRef } from "../mappers.js";

export const Bid: BidResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.bid.load(id),
  asset: ({ assetId }) => assetRef(assetId),
  product: ({ productId }) => productRef(productId),
  bidder: ({ bidderId }) => organisationRef(bidderId),
};
