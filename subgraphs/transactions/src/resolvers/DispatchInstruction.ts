import type { DispatchInstructionResolvers } from "../__generated__/resolvers-types.js";
import { assetRef, marketUnitRef, organisationRef, productRef } from "../mappers.js";

/** The stored decimal without trailing zeros: "2.250000" → "2.25". */
const mwhText = (mwh: string) => (mwh.includes(".") ? mwh.replace(/\.?0+$/, "") : mwh);

export const DispatchInstruction: DispatchInstructionResolvers = {
  // Null for an instruction the caller may not see: its existence is not revealed.
  __resolveReference: ({ id }, { identity, loaders }) => loaders.visibleTo(identity).dispatch.load(id),
  asset: ({ assetId }) => (assetId ? assetRef(assetId) : null),
  marketUnit: ({ marketUnitId }) => (marketUnitId ? marketUnitRef(marketUnitId) : null),
  award: ({ awardId }, _, { identity, loaders }) => (awardId ? loaders.visibleTo(identity).award.load(awardId) : null),
  product: ({ productId }) => productRef(productId),
  issuedBy: ({ issuedById }) => organisationRef(issuedById),
  provider: ({ providerId }) => (providerId ? organisationRef(providerId) : null),
  buyer: ({ buyerId }) => organisationRef(buyerId),
  energyMwh: ({ energyMwh }) => (energyMwh === null ? null : mwhText(energyMwh)),
};
