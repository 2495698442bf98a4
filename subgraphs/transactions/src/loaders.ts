import { type Identity, loaderByKey, loaderOfLists, type SubgraphContext } from "@sfe/kit";
import type DataLoader from "dataloader";
import { type Visibility, visibilityKey, visibleTransactions } from "./access.js";
import { type PublishedVisibility, publishedKey, visiblePublished } from "./modules/buy-requirements/access.js";
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
    bidsByUnit: perWindow(
      (ids, window) => repos.bids.byMarketUnitIds(ids, visible, window),
      (row) => row.marketUnitId,
    ),
    awardsByUnit: perWindow(
      (ids, window) => repos.awards.byMarketUnitIds(ids, visible, window),
      (row) => row.marketUnitId,
    ),
    dispatchesByUnit: perWindow(
      (ids, window) => repos.dispatches.byMarketUnitIds(ids, visible, window),
      (row) => row.marketUnitId,
    ),
    bidsByRequirement: loaderOfLists(
      (ids: readonly string[]) => repos.bids.byRequirementIds(ids, visible),
      (row) => row.buyRequirementId ?? [],
    ),
  };
}

/** The loaders of published market information (buy requirements, clearing results) one visibility admits. */
function publishedLoaders(repos: Repositories, visible: PublishedVisibility) {
  return {
    buyRequirement: loaderByKey(
      (ids: readonly string[]) => repos.buyRequirements.byIds(ids, visible),
      (row) => row.id,
    ),
    clearingResult: loaderByKey(
      (ids: readonly string[]) => repos.clearingResults.byIds(ids, visible),
      (row) => row.id,
    ),
    clearingResultsByRequirement: loaderOfLists(
      (ids: readonly string[]) => repos.clearingResults.byRequirementIds(ids, visible),
      (row) => row.buyRequirementId ?? [],
    ),
  };
}

export type PublishedLoaders = ReturnType<typeof publishedLoaders>;

export type VisibleLoaders = ReturnType<typeof visibleLoaders>;

/**
 * Built fresh for every request, so batching and caching never cross requests. `visibleTo(identity)`
 * answers the loaders of what that caller may see, made on first use: a request has one caller, so in
 * practice one filter and one batch per field.
 */
export function createLoaders(repos: Repositories) {
  const byFilter = new Map<string, VisibleLoaders>();
  const byPublished = new Map<string, PublishedLoaders>();
  return {
    /** Buy requirements and clearing results: published ones to anyone signed in, the SO's own besides. */
    published(identity: Identity | null): PublishedLoaders {
      const visible = visiblePublished(identity);
      const key = publishedKey(visible);
      let loaders = byPublished.get(key);
      if (!loaders) {
        loaders = publishedLoaders(repos, visible);
        byPublished.set(key, loaders);
      }
      return loaders;
    },
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
