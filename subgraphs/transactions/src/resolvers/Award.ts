import type { AwardResolvers } from "../__generated__/resolvers-types.js";
import { assetRef, marketUnitRef, organisationRef, productRef } from "../mappers.js";

export const Award: AwardResolvers = {
  // Null for an award the caller may not see: its existence is not revealed.
  __resolveReference: ({ id }, { identity, loaders }) => loaders.visibleTo(identity).award.load(id),
  bid: ({ bidId }, _, { identity, loaders }) => (bidId ? loaders.visibleTo(identity).bid.load(bidId) : null),
  asset: ({ assetId }) => (assetId ? assetRef(assetId) : null),
  marketUnit: ({ marketUnitId }) => (marketUnitId ? marketUnitRef(marketUnitId) : null),
  product: ({ productId }) => productRef(productId),
  buyRequirement: ({ buyRequirementId }, _, { identity, loaders }) =>
    buyRequirementId ? loaders.published(identity).buyRequirement.load(buyRequirementId) : null,
  clearingResult: ({ clearingResultId }, _, { identity, loaders }) =>
    clearingResultId ? loaders.published(identity).clearingResult.load(clearingResultId) : null,
  provider: ({ providerId }) => organisationRef(providerId),
  buyer: ({ buyerId }) => organisationRef(buyerId),
};
