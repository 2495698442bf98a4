import { page } from "@sfe/kit";
import type { QueryResolvers } from "../__generated__/resolvers-types.js";
import { visibleProducts } from "../access.js";
import { listWithSoProducts, productWithSoProducts, versionWithSoProducts } from "../modules/so-product-apis/index.js";
import type { Repositories } from "../repositories/index.js";

export const Query = (repos: Repositories): QueryResolvers => ({
  // SO product APIs' products come with the hub's (modules/so-product-apis/integration.ts).
  product: (_, { id }, context) =>
    productWithSoProducts(context, id, () => context.loaders.product(visibleProducts(context.identity)).load(id)),
  // An external product has no sub-market: a listing by sub-market is the hub's only.
  products: (_, args, context, info) => {
    const { ownerId, subMarketId, status, first, offset } = args;
    const visible = visibleProducts(context.identity);
    if (subMarketId != null) return repos.products.list({ ownerId, subMarketId, status, visible, ...page(first, offset, 500) });
    return listWithSoProducts(context, info, args, (limits) => repos.products.list({ ownerId, status, visible, ...limits }));
  },
  productVersion: (_, { id }, context) =>
    versionWithSoProducts(context, id, () => context.loaders.productVersion(visibleProducts(context.identity)).load(id)),
});
