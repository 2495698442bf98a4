import type { MarketRuleResolvers } from "../__generated__/resolvers-types.js";

export const MarketRule: MarketRuleResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.marketRule.load(id),
  product: ({ productId }) => (productId ? { __typename: "Product", id: productId } : null),
};
