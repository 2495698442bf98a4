import type { ProductResolvers } from "../__generated__/resolvers-types.js";

export const Product: ProductResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.product.load(id),
  owner: ({ ownerId }) => ({ __typename: "Organisation", id: ownerId }),
};
