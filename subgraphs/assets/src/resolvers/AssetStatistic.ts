import type { AssetStatisticResolvers } from "../__generated__/resolvers-types.js";

export const AssetStatistic: AssetStatisticResolvers = {
  category: async ({ categoryCode }, _, { loaders }) => {
    const category = await loaders.category.load(categoryCode);
    if (!category) throw new Error(`asset category ${categoryCode} is missing`); // a foreign key guarantees it
    return category;
  },
};
