import type { AssetResolvers } from "../__generated__/resolvers-types.js";

/** Asset belongs to the assets subgraph; this one adds the conflicts it is involved in. */
export const Asset: AssetResolvers = {
  __resolveReference: ({ id }) => ({ id }),
  conflicts: async ({ id }, { status }, { loaders }) => {
    const conflicts = await loaders.conflictsByAsset.load(id);
    return status ? conflicts.filter((conflict) => conflict.status === status) : conflicts;
  },
};
