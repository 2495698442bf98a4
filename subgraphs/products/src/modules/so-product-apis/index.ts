import type { SchemaModule } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import type { SoProductApis } from "./catalogue.js";
import { policy } from "./policy.js";
import { resolvers } from "./resolvers.js";

export { type SoProductApis, createSoProductApis } from "./catalogue.js";
export { soProductApisEnv, soProductApisSettings } from "./config.js";
export {
  externalVersions,
  listWithSoProducts,
  ownerProductsWithSoProducts,
  productWithSoProducts,
  requireHubProduct,
  versionWithSoProducts,
} from "./integration.js";
export { soProductApisReadiness } from "./readiness.js";
export { createExternalProductRepository } from "./repository.js";

/**
 * Products an SO publishes through its own product API (AO.UC4 option 2b), resolved on demand behind an
 * adapter per contract (adapters/), on the kit's registry client; only the id mapping is stored.
 */
export const createSoProductApisModule = (deps: { soProductApis: SoProductApis }): SchemaModule<Context> => ({
  name: "so-product-apis",
  resolvers: resolvers(deps),
  policy,
});
