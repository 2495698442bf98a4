import { page } from "@sfe/kit";
import type { QueryResolvers } from "../__generated__/resolvers-types.js";
import {
  ASSET_STATISTICS_RULE,
  statisticsCaller,
  visibleAsset,
  visibleAssetFilter,
  visibleTransferFilter,
  visibleUnitFilter,
} from "../access.js";
import type { Repositories } from "../repositories/index.js";
import { normaliseGspGroup } from "../validation.js";

const categoryFilter = (code: string | null | undefined) => code?.trim().toUpperCase();
const gspGroupFilter = (group: string | null | undefined) => (group == null ? null : (normaliseGspGroup(group) ?? group));

export const Query = (repos: Repositories): QueryResolvers => ({
  asset: async (_, { id }, { identity, loaders }) => visibleAsset(identity, await loaders.asset.load(id)),
  assets: (_, { ownerId, categoryCode, gspGroup, first, offset }, { identity }) =>
    repos.assets.list({
      visible: visibleAssetFilter(identity),
      ownerId,
      categoryCode: categoryFilter(categoryCode),
      gspGroup: gspGroupFilter(gspGroup),
      ...page(first, offset, 1000),
    }),
  assetStatistics: (_, { categoryCode, gspGroup }, { identity }) =>
    repos.assets.statistics({
      categoryCode: categoryFilter(categoryCode),
      gspGroup: gspGroupFilter(gspGroup),
      rule: ASSET_STATISTICS_RULE,
      callerOrganisationId: statisticsCaller(identity),
    }),
  marketUnit: (_, { id }, { identity, loaders }) => loaders.marketUnit.load({ key: id, visible: visibleUnitFilter(identity) }),
  marketUnits: (_, { ownerId, first, offset }, { identity }) =>
    repos.marketUnits.list({ visible: visibleUnitFilter(identity), ownerId, ...page(first, offset, 1000) }),
  assetTransfers: (_, { status, first, offset }, { identity }) =>
    repos.lifecycle.transfers({ visible: visibleTransferFilter(identity), status, ...page(first, offset, 1000) }),
});
