import type { ConflictResolvers } from "../__generated__/resolvers-types.js";
import { visibleAsset } from "../access.js";

/** Owned by the rules subgraph; this one answers its assets, leaving out those the caller may not see. */
export const Conflict: ConflictResolvers = {
  __resolveReference: (reference) => reference, // the rules subgraph knows whether it exists; assetIds come along (@requires)
  assets: async ({ assetIds }, _, { identity, loaders }) => {
    const found = await loaders.asset.loadMany(assetIds ?? []);
    return found.flatMap((asset) => {
      if (asset instanceof Error) throw asset;
      const visible = visibleAsset(identity, asset);
      return visible ? [visible] : [];
    });
  },
};
