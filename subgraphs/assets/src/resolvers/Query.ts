import { page } from "@sfe/kit";
import type { QueryResolvers } from "../__generated__/resolvers-types.js";
import type { Repositories } from "../repositories/index.js";
import { normaliseGspGroup } from "../validation.js";

export const Query = (repos: Repositories): QueryResolvers => ({
  asset: (_, { id }, { loaders }) => loaders.asset.load(id),
  assets: (_, { ownerId, categoryCode, gspGroup, first, offset }) =>
    repos.assets.list({
      ownerId,
      categoryCode: categoryCode?.trim().toUpperCase(),
      gspGroup: gspGroup == null ? null : (normaliseGspGroup(gspGroup) ?? gspGroup),
      ...page(first, offset, 1000),
    }),
  assetCategories: () => repos.categories.categories(),
});
