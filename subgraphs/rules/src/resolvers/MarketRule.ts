import type { MarketRuleResolvers } from "../__generated__/resolvers-types.js";

export const MarketRule: MarketRuleResolvers = {
  /** Public to any signed-in caller; null for anyone else (policy.ts). */
  __resolveReference: ({ id }, { loaders }) => loaders.marketRule.load(id),
  product: ({ productId }) => (productId ? { __typename: "Product", id: productId } : null),
};
