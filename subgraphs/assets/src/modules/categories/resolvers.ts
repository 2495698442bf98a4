import { conflict, notFound, page } from "@sfe/kit";
import type { Resolvers } from "../../__generated__/resolvers-types.js";
import { visibleAssetFilter } from "../../access.js";
import type { ModuleDeps } from "../../deps.js";
import type { AssetCategoryChanges } from "./repository.js";
import { categoryAttributes, categoryCode, categoryDefinition, categoryLabel } from "./validation.js";

const categoryFilter = (code: string | null | undefined) => code?.trim().toUpperCase();

export const resolvers = ({ repos }: ModuleDeps): Resolvers => ({
  Query: {
    assetCategories: () => repos.categories.categories(),
    assetsNeedingAttention: (_, { categoryCode, first, offset }, { identity }) =>
      repos.assets.needingAttention({
        visible: visibleAssetFilter(identity),
        categoryCode: categoryFilter(categoryCode),
        ...page(first, offset, 1000),
      }),
  },

  Mutation: {
    async createAssetCategory(_, { input }, { identity }) {
      const code = categoryCode(input.code);
      const category = await repos.categories.create(
        {
          code,
          label: categoryLabel(input.label),
          definition: categoryDefinition(input.definition),
          requiresEnergyCapacity: input.requiresEnergyCapacity ?? false,
          attributes: categoryAttributes(input.attributes ?? [], [], 1),
        },
        identity,
      );
      if (!category) throw conflict(`Asset category ${code} already exists`, { code });
      return { category };
    },

    async updateAssetCategory(_, { input }, { identity }) {
      const code = categoryCode(input.code);
      // Validated against the locked row, so `since` is computed from the version this change replaces.
      const result = await repos.categories.update(
        code,
        (before, version): AssetCategoryChanges => ({
          ...(input.label != null && { label: categoryLabel(input.label) }),
          ...(input.definition !== undefined && { definition: categoryDefinition(input.definition) }),
          ...(input.requiresEnergyCapacity != null && { requiresEnergyCapacity: input.requiresEnergyCapacity }),
          ...(input.attributes != null && { attributes: categoryAttributes(input.attributes, before.attributes, version) }),
        }),
        identity,
      );
      if (!result) throw notFound("AssetCategory", code);
      return result;
    },
  },

  AssetCategory: {
    __resolveReference: ({ code }, { loaders }) => loaders.category.load(code),
  },
});
