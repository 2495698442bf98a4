import { page } from "@sfe/kit";
import type { QueryResolvers } from "../__generated__/resolvers-types.js";
import { visibleProducts } from "../access.js";
import type { Repositories } from "../repositories/index.js";

export const Query = (repos: Repositories): QueryResolvers => ({
  product: (_, { id }, { identity, loaders }) => loaders.product(visibleProducts(identity)).load(id),
  products: (_, { ownerId, status, first, offset }, { identity }) =>
    repos.products.list({ ownerId, status, visible: visibleProducts(identity), ...page(first, offset, 500) }),
});
