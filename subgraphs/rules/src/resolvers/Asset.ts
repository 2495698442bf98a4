import type { AssetResolvers } from "../__generated__/resolvers-types.js";
import { visibleConflictScope } from "../access.js";

/** Asset belongs to the assets subgraph; this one adds the conflicts it is involved in that the caller may see. */
export const Asset: AssetResolvers = {
  __resolveReference: ({ id }) => ({ id }),
  conflicts: async ({ id }, { status }, { identity, loaders }) => {
    const conflicts = await loaders.conflictsByAsset(visibleConflictScope(identity)).load(id);
    return status ? conflicts.filter((conflict) => conflict.status === status) : conflicts;
  },
};
