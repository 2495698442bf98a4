import { page } from "@sfe/kit";
import type { QueryResolvers } from "../__generated__/resolvers-types.js";
import { visibleProducts } from "../access.js";
import type { Repositories } from "../repositories/index.js";

export const Query = (repos: Repositories): QueryResolvers => ({
  product: (_, { id }, { identity, loaders }) => loaders.product(visibleProducts(identity)).load(id),
  products: (_, { ownerId, subMarketId, status, first, offset }, { identity }) =>
    repos.products.list({ ownerId, subMarketId, status, visible: visibleProducts(identity), ...page(first, offset, 500) }),
  productVersion: (_, { id }, { identity, loaders }) => loaders.productVersion(visibleProducts(identity)).load(id),
});
