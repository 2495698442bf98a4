import type { ProductVersionResolvers } from "../__generated__/resolvers-types.js";
import { visibleProducts } from "../access.js";
import { EVERYTHING } from "../loaders.js";
import { enforce, readProducts } from "../policy.js";
import { NATIONAL } from "../validation.js";

export const ProductVersion: ProductVersionResolvers = {
  // As Product's: the read rule, then null where the caller may not see the version (another's draft).
  __resolveReference: async ({ id }, { identity, loaders }) => {
    enforce(readProducts, identity);
    return loaders.productVersion(visibleProducts(identity)).load(id);
  },
  // A version the caller sees makes its product visible too (it is not a draft, or the caller owns it).
  product: async ({ productId }, _, { loaders }) => {
    const product = await loaders.product(EVERYTHING).load(productId);
    if (!product) throw new Error(`product ${productId} vanished`);
    return product;
  },
  supersedes: ({ supersedesId }, _, { identity, loaders }) =>
    supersedesId ? loaders.productVersion(visibleProducts(identity)).load(supersedesId) : null,
  superseded: ({ supersededAt }) => supersededAt != null,
  pricingUnits: ({ availabilityUnit, utilisationUnit }) => ({ availability: availabilityUnit, utilisation: utilisationUnit }),
  // Locations that are neither GB nor a GSP group (_A … _P) are zone codes.
  zones: async ({ locations }, _, { loaders }) => {
    const codes = locations.filter((location) => location !== NATIONAL && !location.startsWith("_"));
    const zones = await loaders.zoneByCode.loadMany(codes);
    return zones.flatMap((zone) => (zone == null || zone instanceof Error ? [] : [zone]));
  },
};
