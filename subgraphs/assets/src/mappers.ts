import type { assetCategories, assets } from "./db/schema.js";
import type { AssetStatisticRow } from "./repositories/assets.js";

/** Row types resolvers return; codegen maps the GraphQL types onto them. */
export type AssetMapper = typeof assets.$inferSelect;
export type AssetCategoryMapper = typeof assetCategories.$inferSelect;
/** Organisation is owned by the users subgraph: here it is only a reference by id. */
export type OrganisationMapper = { __typename?: "Organisation"; id: string };
export type AssetStatisticMapper = AssetStatisticRow;
