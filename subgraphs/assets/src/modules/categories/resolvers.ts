import type { AssetCategoryResolvers } from "../__generated__/resolvers-types.js";

export const AssetCategory: AssetCategoryResolvers = {
  __resolveReference: ({ code }, { loaders }) => loaders.category.load(code),
};
