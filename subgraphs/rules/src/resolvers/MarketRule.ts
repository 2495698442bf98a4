import type { MarketRuleResolvers } from "../__generated__/resolvers-types.js";

export const MarketRule: MarketRuleResolvers = {
  /** Public to any signed-in caller; null for anyone else (policy.ts). */
  __resolveReference: ({ id }, { loaders }) => loaders.marketRule.load(id),
  product: ({ productId }) => (productId ? { __typename: "Product", id: productId } : null),
  title: ({ name }) => name,
  enforcement: ({ mode }) => (mode === "BLOCK" ? "BLOCKING" : "NOTIFY_ONLY"),
  owner: ({ ownerOrgId }) => (ownerOrgId ? { __typename: "Organisation", id: ownerOrgId } : null),
  expression: ({ expression }) => (expression as Record<string, unknown> | null) ?? null,
  scope: ({ scope }) => ({
    subMarketIds: scope.subMarketIds,
    technologies: scope.technologies,
    productPairs: scope.productPairs.map((pair) => ({
      products: pair.productIds.map((id) => ({ __typename: "Product" as const, id })),
      stackingMode: pair.stackingMode,
      direction: pair.direction,
    })),
    exclusive: scope.exclusive === true,
  }),
  versions: ({ id }, _, { loaders }) => loaders.ruleVersions.load(id),
};
