import type { BidResolvers } from "../__generated__/resolvers-types.js";
import { assetRef, organisationRef, productRef } from "../mappers.js";

export const Bid: BidResolvers = {
  // Null for a bid the caller may not see: its existence is not revealed.
  __resolveReference: ({ id }, { identity, loaders }) => loaders.visibleTo(identity).bid.load(id),
  asset: ({ assetId }) => assetRef(assetId),
  product: ({ productId }) => productRef(productId),
  bidder: ({ bidderId }) => organisationRef(bidderId),
  provider: ({ providerId }) => organisationRef(providerId),
  buyer: ({ buyerId }) => organisationRef(buyerId),
};
