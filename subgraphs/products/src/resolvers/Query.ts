import { page } from "@sfe/kit";
import type { QueryResolvers } from "../__generated__/resolvers-types.js";
import type { Repositories } from "../repositories/index.js";

export const Query = (repos: Repositories): QueryResolvers => ({
  product: (_, { id }, { loaders }) => loaders.product.load(id),
  products: (_, { ownerId, status, first, offset }) => repos.products.list({ ownerId, status, ...page(first, offset, 500) }),
});
