import type { ConflictResolvers } from "../__generated__/resolvers-types.js";

export const Conflict: ConflictResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.conflict.load(id),
  assets: ({ assetIds }) => assetIds.map((id) => ({ __typename: "Asset", id })),
  instructions: ({ instructionIds }) => instructionIds.map((id) => ({ __typename: "DispatchInstruction", id })),
  rule: ({ ruleId }, _, { loaders }) => (ruleId ? loaders.marketRule.load(ruleId) : null),
};
