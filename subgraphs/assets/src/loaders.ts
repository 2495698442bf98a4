import { loaderByKey, type SubgraphContext } from "@sfe/kit";
import DataLoader from "dataloader";
import type { AssetRow, AssetVisibility, OwnerPage } from "./repositories/assets.js";
import type { Repositories } from "./repositories/index.js";

/** A key of `assetsByOwner`: one owner, the page of its assets a field asked for, and what the caller may see. */
export interface OwnerPageKey extends OwnerPage {
  ownerId: string;
  visible: AssetVisibility;
}

/** One read per distinct page and visibility (within a request the caller, so the visibility, is one). */
const readKey = (key: Omit<OwnerPageKey, "ownerId">) => `${key.limit}:${key.offset}:${JSON.stringify(key.visible)}`;
const ownerPageKey = (key: OwnerPageKey) => `${key.ownerId}:${readKey(key)}`;

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Each owner's page of assets. Like the kit's `loaderOfLists`, but keyed by (owner, page) because
 * `Organisation.assets` takes `first`/`offset`: one `byOwnerIds` read per distinct page in a batch
 * (in practice one, since every representation in a batch asks for the same page), filtered in SQL to
 * the assets the caller may see.
 */
function assetsByOwnerPage(repos: Repositories) {
  return new DataLoader<OwnerPageKey, AssetRow[], string>(
    async (keys) => {
      const pages = new Map<string, OwnerPageKey[]>();
      for (const key of keys) push(pages, readKey(key), key);
      const groups = new Map<string, AssetRow[]>();
      await Promise.all(
        [...pages.values()].map(async (group) => {
          const { limit, offset, visible } = group[0]!;
          const rows = await repos.assets.byOwnerIds(
            group.map((key) => key.ownerId),
            visible,
            { limit, offset },
          );
          for (const row of rows) push(groups, ownerPageKey({ ownerId: row.ownerId, limit, offset, visible }), row);
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
