import { loaderByKey, loaderOfLists, type SubgraphContext } from "@sfe/kit";
import type { Repositories } from "./repositories/index.js";

/** Built fresh for every request, so batching and caching never cross requests. */
export function createLoaders(repos: Repositories) {
  return {
    marketRule: loaderByKey(repos.marketRules.byIds, (row) => row.id),
    /** A product's rules; market-wide rules (no product) are never asked for. */
    rulesByProduct: loaderOfLists(repos.marketRules.byProductIds, (row) => row.productId ?? []),
    conflict: loaderByKey(repos.conflicts.byIds, (row) => row.id),
    /** Every conflict of an asset, whatever its status (the resolver filters), from one read per request. */
    conflictsByAsset: loaderOfLists(repos.conflicts.byAssetIds, (row) => row.assetIds),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/** The resolver context (codegen's `contextType`). */
export type Context = SubgraphContext<Loaders>;
