import { loaderByKey, type SubgraphContext } from "@sfe/kit";
import DataLoader from "dataloader";
import type { AssetRow, OwnerPage } from "./repositories/assets.js";
import type { Repositories } from "./repositories/index.js";

/** A key of `assetsByOwner`: one owner and the page of its assets a field asked for. */
export interface OwnerPageKey extends OwnerPage {
  ownerId: string;
}

const ownerPageKey = (key: OwnerPageKey) => `${key.ownerId}:${key.limit}:${key.offset}`;

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Each owner's page of assets. Like the kit's `loaderOfLists`, but keyed by (owner, page) because
 * `Organisation.assets` takes `first`/`offset`: one `byOwnerIds` read per distinct page in a batch
 * (in practice one, since every representation in a batch asks for the same page).
 */
function assetsByOwnerPage(repos: Repositories) {
  return new DataLoader<OwnerPageKey, AssetRow[], string>(
    async (keys) => {
      const pages = new Map<string, OwnerPageKey[]>();
      for (const key of keys) push(pages, `${key.limit}:${key.offset}`, key);
      const groups = new Map<string, AssetRow[]>();
      await Promise.all(
        [...pages.values()].map(async (group) => {
          const { limit, offset } = group[0]!;
          const rows = await repos.assets.byOwnerIds(
            group.map((key) => key.ownerId),
            { limit, offset },
          );
          for (const row of rows) push(groups, ownerPageKey({ ownerId: row.ownerId, limit, offset }), row);
        }),
      );
      return keys.map((key) => groups.get(ownerPageKey(key)) ?? []);
    },
    { cacheKeyFn: ownerPageKey },
  );
}

/** Built fresh for every request, so batching and caching never cross requests. */
export function createLoaders(repos: Repositories) {
  return {
    asset: loaderByKey(repos.assets.byIds, (row) => row.id),
    category: loaderByKey(repos.categories.categoryByCodes, (row) => row.code),
    assetsByOwner: assetsByOwnerPage(repos),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/** The resolver context (codegen's `contextType`). */
export type Context = SubgraphContext<Loaders>;
