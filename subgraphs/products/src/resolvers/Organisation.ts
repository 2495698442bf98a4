import type { OrganisationResolvers } from "../__generated__/resolvers-types.js";
import { visibleProducts } from "../access.js";

/** Owned by the users subgraph: a reference needs no read here; its products come batched per request. */
export const Organisation: OrganisationResolvers = {
  __resolveReference: ({ id }) => ({ id }),
  products: ({ id }, _, { identity, loaders }) => loaders.productsByOwner(visibleProducts(identity)).load(id),
};
