import { type Identity, loaderByKey, loaderOfLists, type SubgraphContext } from "@sfe/kit";
import type DataLoader from "dataloader";
import { type Visibility, visibilityKey, visibleTransactions } from "./access.js";
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

/** The loaders of the records one visibility filter admits: every read is filtered in SQL. */
function visibleLoaders(repos: Repositories, visible: Visibility) {
  return {
    bid: loaderByKey(
      (ids: readonly string[]) => repos.bids.byIds(ids, visible),
      (row) => row.id,
    ),
    award: loaderByKey(
      (ids: readonly string[]) => repos.awards.byIds(ids, visible),
      (row) => row.id,
    ),
    dispatch: loaderByKey(
      (ids: readonly string[]) => repos.dispatches.byIds(ids, visible),
      (row) => row.id,
    ),
    bidsByAsset: perWindow(
      (ids, window) => repos.bids.byAssetIds(ids, visible, window),
      (row) => row.assetId,
    ),
    awardsByAsset: perWindow(
      (ids, window) => repos.awards.byAssetIds(ids, visible, window),
      (row) => row.assetId,
    ),
    awardsByProduct: perWindow(
      (ids, window) => repos.awards.byProductIds(ids, visible, window),
      (row) => row.productId,
    ),
    dispatchesByAsset: perWindow(
      (ids, window) => repos.dispatches.byAssetIds(ids, visible, window),
      (row) => row.assetId,
    ),
  };
}

export type VisibleLoaders = ReturnType<typeof visibleLoaders>;

/**
 * Built fresh for every request, so batching and caching never cross requests. `visibleTo(identity)`
 * answers the loaders of what that caller may see, made on first use: a request has one caller, so in
 * practice one filter and one batch per field.
 */
export function createLoaders(repos: Repositories) {
  const byFilter = new Map<string, VisibleLoaders>();
  return {
    visibleTo(identity: Identity | null): VisibleLoaders {
      const visible = visibleTransactions(identity);
      const key = visibilityKey(visible);
      let loaders = byFilter.get(key);
      if (!loaders) {
        loaders = visibleLoaders(repos, visible);
        byFilter.set(key, loaders);
      }
      return loaders;
    },
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/** The resolver context (codegen's `contextType`). */
export type Context = SubgraphContext<Loaders>;
