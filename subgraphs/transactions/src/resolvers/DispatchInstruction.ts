import type { DispatchInstructionResolvers } from "../__generated__/resolvers-types.js";
import { assetRef, organisationRef, productRef } from "../mappers.js";

export const DispatchInstruction: DispatchInstructionResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.dispatch.load(id),
  asset: ({ assetId }) => (assetId ? assetRef(assetId) : null),
  product: ({ productId }) => productRef(productId),
  issuedBy: ({ issuedById }) => organisationRef(issuedById),
};
