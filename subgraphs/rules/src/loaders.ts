import { loaderByKey, loaderOfLists, type SubgraphContext } from "@sfe/kit";
import type { ConflictScope } from "./repositories/conflicts.js";
import type { Repositories } from "./repositories/index.js";

/**
 * One loader per conflict scope, made on first use. A request has one caller and so one scope
 * (access.ts visibleConflictScope): batching stays one read per field per request, filtered in SQL.
 */
function perScope<T>(make: (scope: ConflictScope | null) => T): (scope: ConflictScope | null) => T {
  const made = new Map<string, T>();
  return (scope) => {
    const key = scope === null ? "none" : (scope.partyId ?? "*");
    let loader = made.get(key);
    if (!loader) {
      loader = make(scope);
      made.set(key, loader);
    }
    return loader;
  };
}

/** Built fresh for every request, so batching and caching never cross requests. */
export function createLoaders(repos: Repositories) {
  return {
    marketRule: loaderByKey(repos.marketRules.byIds, (row) => row.id),
    /** Every version of a rule document, newest first, from one read per request. */
    documentVersions: loaderOfLists(repos.documents.versionsOf, (row) => row.documentId),
    /** Every version of a rule, newest first, from one read per request. */
    ruleVersions: loaderOfLists(repos.marketRules.versionsOf, (row) => row.ruleId),
    /** A product's rules; market-wide rules (no product) are never asked for. */
    rulesByProduct: loaderOfLists(repos.marketRules.byProductIds, (row) => row.productId ?? []),
    /** Conflicts by id, within the caller's scope (others answer null). */
    conflict: perScope((scope) =>
      loaderByKey(
        (ids: readonly string[]) => repos.conflicts.byIds(ids, scope),
        (row) => row.id,
      ),
    ),
    /** Every conflict of an asset within the caller's scope, whatever its status (the resolver filters), from one read per request. */
    conflictsByAsset: perScope((scope) =>
      loaderOfLists(
        (assetIds: readonly string[]) => repos.conflicts.byAssetIds(assetIds, scope),
        (row) => row.assetIds,
      ),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/** The resolver context (codegen's `contextType`). */
export type Context = SubgraphContext<Loaders>;
