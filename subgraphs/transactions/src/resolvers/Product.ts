import type { ProductResolvers } from "../__generated__/resolvers-types.js";
import { productRef } from "../mappers.js";
import { listWindow } from "../validation.js";

/** The products subgraph owns Product; this one adds its awards the caller may see, read in one batch. */
export const Product: ProductResolvers = {
  __resolveReference: ({ id }) => productRef(id),
  awards: ({ id }, { from, to }, { identity, loaders }) => loaders.visibleTo(identity).awardsByProduct(listWindow(from, to)).load(id),
};
