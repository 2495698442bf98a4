import type { OrganisationResolvers } from "../__generated__/resolvers-types.js";

/** Owned by the users subgraph: a reference needs no read here; its products come batched per request. */
export const Organisation: OrganisationResolvers = {
  __resolveReference: ({ id }) => ({ id }),
  products: ({ id }, _, { loaders }) => loaders.productsByOwner.load(id),
};
