import type { AssetResolvers } from "../__generated__/resolvers-types.js";
import { visibleAsset, visibleTransferFilter, visibleUnitFilter } from "../access.js";
import { attributeIssues } from "../modules/categories/validation.js";

export const Asset: AssetResolvers = {
  // Another organisation's asset is null here too: entity references are a way in like any query.
  __resolveReference: async ({ id }, { identity, loaders }) => visibleAsset(identity, await loaders.asset.load(id)),
  owner: ({ ownerId }) => ({ __typename: "Organisation", id: ownerId }), // a reference: the users subgraph resolves it
  category: async ({ categoryCode }, _, { loaders }) => {
    const category = await loaders.category.load(categoryCode);
    if (!category) throw new Error(`asset category ${categoryCode} is missing`); // a foreign key guarantees it
    return category;
  },
  location: ({ postcode, gspGroup, licenceArea, dnoGroup }) => ({ postcode, gspGroup, licenceArea, dnoGroup }),
  attributeIssues: async (asset, _, { loaders }) => {
    const category = await loaders.category.load(asset.categoryCode);
    if (!category) throw new Error(`asset category ${asset.categoryCode} is missing`);
    return attributeIssues(category, asset);
  },
  // Resolved from the CAR on demand; a CAR failure fails only this field (nullable), naming the registry.
  carRecord: ({ carId, meterPointId }, _, { loaders }) =>
    carId ? loaders.carRecord.load(carId) : meterPointId ? loaders.carRecordByMeterPoint.load(meterPointId) : null,
  marketUnits: ({ id }, _, { identity, loaders }) => loaders.marketUnitsByAsset.load({ key: id, visible: visibleUnitFilter(identity) }),
  // Null unless the caller is one of the two organisations (or a hub administrator): filtered in SQL.
  pendingTransfer: ({ id }, _, { identity, loaders }) =>
    loaders.pendingTransfer.load({ key: id, visible: visibleTransferFilter(identity) }),
};
