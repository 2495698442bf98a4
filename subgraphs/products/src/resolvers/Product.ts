import type { ProductResolvers } from "../__generated__/resolvers-types.js";
import { visibleProducts } from "../access.js";
import { EVERYTHING } from "../loaders.js";
import { externalVersions, productWithSoProducts } from "../modules/so-product-apis/index.js";
import { enforce, readProducts } from "../policy.js";

export const Product: ProductResolvers = {
  // Not a field the policy table can wrap: the same rule as `product(id)`, then null where not visible.
  // Async, so a refusal answers each representation with an error rather than failing `_entities`.
  __resolveReference: async ({ id }, context) => {
    enforce(readProducts, context.identity);
    // An SO product API's product too (modules/so-product-apis/integration.ts).
    return productWithSoProducts(context, id, () => context.loaders.product(visibleProducts(context.identity)).load(id));
  },
  owner: ({ ownerId }) => ({ __typename: "Organisation", id: ownerId }),
  // The caller saw the product, so it may see the version in force (a draft only when the product is one).
  // An SO product API's product answers its one synthesised version (modules/so-product-apis/mappers.ts).
  currentVersion: async (product, _, { loaders }) => {
    const external = externalVersions(product);
    if (external) return external[0]!;
    const version = await loaders.productVersion(EVERYTHING).load(product.versionId);
    if (!version) throw new Error(`current version ${product.versionId} vanished`);
    return version;
  },
  versions: (product, _, { identity, loaders }) =>
    externalVersions(product) ?? loaders.versionsOfProduct(visibleProducts(identity)).load(product.id),
  subMarket: ({ subMarketId }, _, { loaders }) => (subMarketId ? loaders.subMarket.load(subMarketId) : null),
};
