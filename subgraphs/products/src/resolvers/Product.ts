import type { ProductResolvers } from "../__generated__/resolvers-types.js";
import { visibleProducts } from "../access.js";
import { productWithSoProducts } from "../modules/so-product-apis/index.js";
import { enforce, readProducts } from "../policy.js";

export const Product: ProductResolvers = {
  // Not a field the policy table can wrap: the same rule as `product(id)`, then null where not visible.
  // Async, so a refusal answers each representation with an error rather than failing `_entities`.
  __resolveReference: async ({ id }, context) => {
    enforce(readProducts, context.identity);
    // An SO product API's product too (modules/so-product-apis/integration.ts).
    return productWithSoProducts(context, id, () => context.loaders.product(visibleProducts(context.identity)).load(id));
  },
  owner: ({ ownerId }) => ({ __typename: "Organisation", id: ownerId }),
};
