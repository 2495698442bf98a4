import type { AssetResolvers } from "../__generated__/resolvers-types.js";
import { visibleAsset } from "../access.js";

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
};
