import type { ProductResolvers } from "../__generated__/resolvers-types.js";
import { visibleProducts } from "../access.js";
import { EVERYTHING } from "../loaders.js";
import { enforce, readProducts } from "../policy.js";

export const Product: ProductResolvers = {
  // Not a field the policy table can wrap: the same rule as `product(id)`, then null where not visible.
  // Async, so a refusal answers each representation with an error rather than failing `_entities`.
  __resolveReference: async ({ id }, { identity, loaders }) => {
    enforce(readProducts, identity);
    return loaders.product(visibleProducts(identity)).load(id);
  },
  owner: ({ ownerId }) => ({ __typename: "Organisation", id: ownerId }),
  // The caller saw the product, so it may see the version in force (a draft only when the product is one).
  currentVersion: async ({ versionId }, _, { loaders }) => {
    const version = await loaders.productVersion(EVERYTHING).load(versionId);
    if (!version) throw new Error(`current version ${versionId} vanished`);
    return version;
  },
  versions: ({ id }, _, { identity, loaders }) => loaders.versionsOfProduct(visibleProducts(identity)).load(id),
  subMarket: ({ subMarketId }, _, { loaders }) => (subMarketId ? loaders.subMarket.load(subMarketId) : null),
};
