import { page } from "@sfe/kit";
import type { OrganisationResolvers } from "../__generated__/resolvers-types.js";
import { visibleAssetFilter, visibleUnitFilter } from "../access.js";

/** Owned by the users subgraph; this subgraph adds `assets` and `marketUnits` to it. */
export const Organisation: OrganisationResolvers = {
  __resolveReference: ({ id }) => ({ id }), // no read: the users subgraph knows whether it exists
  assets: ({ id }, { first, offset }, { identity, loaders }) =>
    loaders.assetsByOwner.load({ ownerId: id, visible: visibleAssetFilter(identity), ...page(first, offset, 1000) }),
  marketUnits: ({ id }, { first, offset }, { identity, loaders }) =>
    loaders.marketUnitsByOwner.load({ ownerId: id, visible: visibleUnitFilter(identity), ...page(first, offset, 1000) }),
};
