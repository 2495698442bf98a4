import type { QueryResolvers } from "../__generated__/resolvers-types.js";
import { visibleProducts } from "../access.js";
import { listWithSoProducts, productWithSoProducts } from "../modules/so-product-apis/index.js";
import type { Repositories } from "../repositories/index.js";

export const Query = (repos: Repositories): QueryResolvers => ({
  // SO product APIs' products come with the hub's (modules/so-product-apis/integration.ts).
  product: (_, { id }, context) =>
    productWithSoProducts(context, id, () => context.loaders.product(visibleProducts(context.identity)).load(id)),
  products: (_, args, context, info) =>
    listWithSoProducts(context, info, args, (limits) =>
      repos.products.list({ ownerId: args.ownerId, status: args.status, visible: visibleProducts(context.identity), ...limits }),
    ),
});
