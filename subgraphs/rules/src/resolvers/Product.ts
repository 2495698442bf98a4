import type { ProductResolvers } from "../__generated__/resolvers-types.js";

/** Product belongs to the products subgraph; this one adds the rules that apply to it. */
export const Product: ProductResolvers = {
  __resolveReference: ({ id }) => ({ id }),
  rules: ({ id }, _, { loaders }) => loaders.rulesByProduct.load(id),
};
