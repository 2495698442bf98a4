import { loaderByKey, loaderOfLists, type SubgraphContext } from "@sfe/kit";
import type DataLoader from "dataloader";
import type { Repositories } from "./repositories/index.js";
import { type Window, windowKey } from "./repositories/window.js";

/**
 * One list loader per distinct (from, to) window asked for in the request, each batching every key:
 * `Asset.awards(from: X)` on 100 assets is one read, never one per asset.
 */
function perWindow<V>(readMany: (keys: readonly string[], window: Window) => Promise<V[]>, groupOf: (row: V) => string | null) {
  const loaders = new Map<string, DataLoader<string, V[]>>();
  return (window: Window = {}): DataLoader<string, V[]> => {
    const key = windowKey(window);
    let loader = loaders.get(key);
    if (!loader) {
      // groupOf may be null (an instruction to a unit only); such rows are never read by asset id.
      loader = loaderOfLists(
        (keys: readonly string[]) => readMany(keys, window),
        (row) => groupOf(row) ?? [],
      );
      loaders.set(key, loader);
    }
    return loader;
  };
}

/** Built fresh for every request, so batching and caching never cross requests. */
export function createLoaders(repos: Repositories) {
  return {
    bid: loaderByKey(repos.bids.byIds, (row) => row.id),
    award: loaderByKey(repos.awards.byIds, (row) => row.id),
    dispatch: loaderByKey(repos.dispatches.byIds, (row) => row.id),
    bidsByAsset: perWindow(
      (ids, window) => repos.bids.byAssetIds(ids, window),
      (row) => row.assetId,
    ),
    awardsByAsset: perWindow(
      (ids, window) => repos.awards.byAssetIds(ids, window),
      (row) => row.assetId,
    ),
    awardsByProduct: perWindow(
      (ids, window) => repos.awards.byProductIds(ids, window),
      (row) => row.productId,
    ),
    dispatchesByAsset: perWindow(
      (ids, window) => repos.dispatches.byAssetIds(ids, window),
      (row) => row.assetId,
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/** The resolver context (codegen's `contextType`). */
export type Context = SubgraphContext<Loaders>;
