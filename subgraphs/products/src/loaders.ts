import { loaderByKey, loaderOfLists, type SubgraphContext } from "@sfe/kit";
import type { Repositories } from "./repositories/index.js";

/** Built fresh for every request, so batching and caching never cross requests. */
export function createLoaders(repos: Repositories) {
  return {
    product: loaderByKey(repos.products.byIds, (row) => row.id),
    productsByOwner: loaderOfLists(repos.products.byOwnerIds, (row) => row.ownerId),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/** The resolver context (codegen's `contextType`). */
export type Context = SubgraphContext<Loaders>;
