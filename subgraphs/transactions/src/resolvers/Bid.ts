import type { BidResolvers } from "../__generated__/resolvers-types.js";
import { assetRef, marketUnitRef, organisationRef, productRef } from "../mappers.js";

export const Bid: BidResolvers = {
  // Null for a bid the caller may not see: its existence is not revealed.
  __resolveReference: ({ id }, { identity, loaders }) => loaders.visibleTo(identity).bid.load(id),
  asset: ({ assetId }) => (assetId ? assetRef(assetId) : null),
  marketUnit: ({ marketUnitId }) => (marketUnitId ? marketUnitRef(marketUnitId) : null),
  product: ({ productId }) => productRef(productId),
  buyRequirement: ({ buyRequirementId }, _, { identity, loaders }) =>
    buyRequirementId ? loaders.published(identity).buyRequirement.load(buyRequirementId) : null,
  parentBid: ({ parentBidId }, _, { identity, loaders }) => (parentBidId ? loaders.visibleTo(identity).bid.load(parentBidId) : null),
  loopedWithBid: ({ loopedWithBidId }, _, { identity, loaders }) =>
    loopedWithBidId ? loaders.visibleTo(identity).bid.load(loopedWithBidId) : null,
  bidder: ({ bidderId }) => organisationRef(bidderId),
  provider: ({ providerId }) => organisationRef(providerId),
  buyer: ({ buyerId }) => organisationRef(buyerId),
};
