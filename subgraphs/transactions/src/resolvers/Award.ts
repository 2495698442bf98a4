import type { AwardResolvers } from "../__generated__/resolvers-types.js";
import { assetRef, organisationRef, productRef } from "../mappers.js";

export const Award: AwardResolvers = {
  // Null for an award the caller may not see: its existence is not revealed.
  __resolveReference: ({ id }, { identity, loaders }) => loaders.visibleTo(identity).award.load(id),
  bid: ({ bidId }, _, { identity, loaders }) => (bidId ? loaders.visibleTo(identity).bid.load(bidId) : null),
  asset: ({ assetId }) => assetRef(assetId),
  product: ({ productId }) => productRef(productId),
  provider: ({ providerId }) => organisationRef(providerId),
  buyer: ({ buyerId }) => organisationRef(buyerId),
};
