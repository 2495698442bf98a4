import type { OrganisationResolvers } from "../__generated__/resolvers-types.js";
import { visibleProducts } from "../access.js";
import { ownerProductsWithSoProducts } from "../modules/so-product-apis/index.js";

/** Owned by the users subgraph: a reference needs no read here; its products come batched per request. */
export const Organisation: OrganisationResolvers = {
  __resolveReference: ({ id }) => ({ id }),
  // With the products its SO product APIs publish (modules/so-product-apis/integration.ts).
  products: ({ id }, _, context, info) =>
    ownerProductsWithSoProducts(context, info, id, () => context.loaders.productsByOwner(visibleProducts(context.identity)).load(id)),
};
