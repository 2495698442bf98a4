import type { MarketUnitResolvers } from "../__generated__/resolvers-types.js";
import { visibleAssetFilter, visibleUnitFilter } from "../access.js";

export const MarketUnit: MarketUnitResolvers = {
  // Null for a unit the caller may not see: entity references are a way in like any query.
  __resolveReference: ({ id }, { identity, loaders }) => loaders.marketUnit.load({ key: id, visible: visibleUnitFilter(identity) }),
  owner: ({ ownerId }) => ({ __typename: "Organisation", id: ownerId }), // a reference: the users subgraph resolves it
  members: ({ id }, _, { identity, loaders }) => loaders.members.load({ key: id, visible: visibleAssetFilter(identity) }),
  membershipHistory: ({ id }, _, { identity, loaders }) => loaders.memberships.load({ key: id, visible: visibleAssetFilter(identity) }),
  importCapacityKw: async ({ id }, _, { loaders }) => (await loaders.unitAggregates.load(id)).importCapacityKw,
  exportCapacityKw: async ({ id }, _, { loaders }) => (await loaders.unitAggregates.load(id)).exportCapacityKw,
  energyCapacityKwh: async ({ id }, _, { loaders }) => (await loaders.unitAggregates.load(id)).energyCapacityKwh,
  gspGroups: async ({ id }, _, { loaders }) => (await loaders.unitAggregates.load(id)).gspGroups,
};
