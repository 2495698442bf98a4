import { page } from "@sfe/kit";
import type { OrganisationResolvers } from "../__generated__/resolvers-types.js";

/** Owned by the users subgraph; this subgraph adds `assets` to it. */
export const Organisation: OrganisationResolvers = {
  __resolveReference: ({ id }) => ({ id }), // no read: the users subgraph knows whether it exists
  assets: ({ id }, { first, offset }, { loaders }) => loaders.assetsByOwner.load({ ownerId: id, ...page(first, offset, 1000) }),
};
