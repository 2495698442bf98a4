import type { DispatchInstructionResolvers } from "../__generated__/resolvers-types.js";
import { assetRef, organisationRef, productRef } from "../mappers.js";

export const DispatchInstruction: DispatchInstructionResolvers = {
  // Null for an instruction the caller may not see: its existence is not revealed.
  __resolveReference: ({ id }, { identity, loaders }) => loaders.visibleTo(identity).dispatch.load(id),
  asset: ({ assetId }) => (assetId ? assetRef(assetId) : null),
  product: ({ productId }) => productRef(productId),
  issuedBy: ({ issuedById }) => organisationRef(issuedById),
  provider: ({ providerId }) => (providerId ? organisationRef(providerId) : null),
  buyer: ({ buyerId }) => organisationRef(buyerId),
};
