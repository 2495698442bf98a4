import type { MarketRuleResolvers } from "../__generated__/resolvers-types.js";
import { canReadMarketRules } from "../access.js";

export const MarketRule: MarketRuleResolvers = {
  /** Public to any signed-in caller; null for anyone else (the policy cannot wrap references). */
  __resolveReference: ({ id }, { identity, loaders }) => (canReadMarketRules(identity) ? loaders.marketRule.load(id) : null),
  product: ({ productId }) => (productId ? { __typename: "Product", id: productId } : null),
};
