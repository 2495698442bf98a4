import { loaderByKey, type SubgraphContext } from "@sfe/kit";
import DataLoader from "dataloader";
import type { AssetRow, AssetVisibility, OwnerPage } from "./modules/assets/repository.js";
import type { CarAsset, CarClient } from "./clients/car.js";
import type { Repositories } from "./repositories.js";
import type { TransferRow, TransferVisibility } from "./modules/transfers/repository.js";
import type { MarketUnitRow, MembershipRow, UnitAggregates } from "./modules/market-units/repository.js";

/**
 * Loaders whose answers depend on what the caller may see take the visibility in their key (loaders are
 * built before the caller is known). Within a request the caller, so the visibility, is one: a batch is one
 * read per distinct visibility, in practice one.
 */
export interface VisibleKey<S = AssetVisibility> {
  key: string;
  visible: S;
}

/** A key of a paged list per owner: one owner, the page a field asked for, and what the caller may see. */
export interface OwnerPageKey extends OwnerPage {
  ownerId: string;
  visible: AssetVisibility;
}

const visibleKey = ({ key, visible }: VisibleKey<unknown>) => `${key}:${JSON.stringify(visible)}`;
/** One read per distinct page and visibility. */
const readKey = (key: Omit<OwnerPageKey, "ownerId">) => `${key.limit}:${key.offset}:${JSON.stringify(key.visible)}`;
const ownerPageKey = (key: OwnerPageKey) => `${key.ownerId}:${readKey(key)}`;

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Splits a batch by `groupKey`, reads each group once, and answers every key from `answer`. */
async function readByGroup<K, G>(
  keys: readonly K[],
  groupKey: (key: K) => string,
  read: (group: K[]) => Promise<G>,
): Promise<Map<string, G>> {
  const groups = new Map<string, K[]>();
  for (const key of keys) push(groups, groupKey(key), key);
  const answers = new Map<string, G>();
  await Promise.all([...groups].map(async ([group, members]) => answers.set(group, await read(members))));
  return answers;
}

/** At most one row per key, from rows the caller may see: null for the rest. */
function visibleByKey<V, S = AssetVisibility>(
  read: (keys: readonly string[], visible: S) => Promise<readonly V[]>,
  keyOf: (row: V) => string,
) {
  return new DataLoader<VisibleKey<S>, V | null, string>(
    async (keys) => {
      const answers = await readByGroup(
        keys,
        (k) => JSON.stringify(k.visible),
        async (group) =>
          new Map(
            (
              await read(
                group.map((k) => k.key),
                group[0]!.visible,
              )
            ).map((row) => [keyOf(row), row] as const),
          ),
      );
      return keys.map((k) => answers.get(JSON.stringify(k.visible))?.get(k.key) ?? null);
    },
    { cacheKeyFn: visibleKey },
  );
}

/** Every row belonging to each key, from rows the caller may see. */
function visibleListsByKey<V>(
  read: (keys: readonly string[], visible: AssetVisibility) => Promise<readonly V[]>,
  keyOf: (row: V) => string,
) {
  return new DataLoader<VisibleKey, V[], string>(
    async (keys) => {
      const answers = await readByGroup(
        keys,
        (k) => JSON.stringify(k.visible),
        async (group) => {
          const lists = new Map<string, V[]>();
          for (const row of await read(
            group.map((k) => k.key),
            group[0]!.visible,
          ))
            push(lists, keyOf(row), row);
          return lists;
        },
      );
      return keys.map((k) => answers.get(JSON.stringify(k.visible))?.get(k.key) ?? []);
    },
    { cacheKeyFn: visibleKey },
  );
}

/**
 * Each owner's page of rows, keyed by (owner, page, visibility) because `Organisation.assets` and
 * `Organisation.marketUnits` take `first`/`offset`: one read per distinct page in a batch (in practice one,
 * since every representation in a batch asks for the same page), filtered in SQL to what the caller may see.
 */
function pagesByOwner<V extends { ownerId: string }>(
  read: (ownerIds: string[], visible: AssetVisibility, page: OwnerPage) => Promise<V[]>,
) {
  return new DataLoader<OwnerPageKey, V[], string>(
    async (keys) => {
      const answers = await readByGroup(keys, readKey, async (group) => {
        const { limit, offset, visible } = group[0]!;
        const lists = new Map<string, V[]>();
        for (const row of await read(
          group.map((key) => key.ownerId),
          visible,
          { limit, offset },
        ))
          push(lists, row.ownerId, row);
        return lists;
      });
      return keys.map((key) => answers.get(readKey(key))?.get(key.ownerId) ?? []);
    },
    { cacheKeyFn: ownerPageKey },
  );
}

const NO_MEMBERS = { importCapacityKw: 0, exportCapacityKw: 0, energyCapacityKwh: null, gspGroups: [] };

/** Built fresh for every request, so batching and caching never cross requests. */
export function createLoaders(repos: Repositories, car: CarClient) {
  return {
    /** Central Asset Register records by CAR id and by meter point: one batched CAR call per tick, not one per asset. */
    carRecord: car.createLoader(),
    carRecordByMeterPoint: new DataLoader<string, CarAsset | null>((mpans) => car.byMeterPoints(mpans), { maxBatchSize: 100 }),
    asset: loaderByKey(repos.assets.byIds, (row) => row.id),
    assetByExternalId: loaderByKey(repos.assets.byExternalIds, (row) => row.externalId ?? ""),
    category: loaderByKey(repos.categories.categoryByCodes, (row) => row.code),
    assetsByOwner: pagesByOwner<AssetRow>((ownerIds, visible, page) => repos.assets.byOwnerIds(ownerIds, visible, page)),
    /** Units by id, only those the caller may see (the visibility is a unit visibility). */
    marketUnit: visibleByKey<MarketUnitRow>(
      (ids, visible) => repos.marketUnits.byIds(ids, visible),
      (row) => row.id,
    ),
    marketUnitsByOwner: pagesByOwner<MarketUnitRow>((ownerIds, visible, page) => repos.marketUnits.byOwnerIds(ownerIds, visible, page)),
    /** The units each asset is a current member of, that the caller may see (key: asset id). */
    marketUnitsByAsset: visibleListsByKey(
      (assetIds, visible) => repos.marketUnits.byAssetIds(assetIds, visible),
      (row) => row.assetId,
    ),
    /** Each unit's current members that the caller may see (key: unit id; the visibility is an asset visibility). */
    members: visibleListsByKey(
      (unitIds, visible) => repos.marketUnits.members(unitIds, visible),
      (row) => row.unitId,
    ),
    /** Transfers by id, only those the caller may see (the visibility is a transfer visibility). */
    transfer: visibleByKey<TransferRow, TransferVisibility>(
      (ids, visible) => repos.lifecycle.transfersByIds(ids, visible),
      (row) => row.id,
    ),
    /** The PENDING transfer of each asset, if the caller may see it (key: asset id). */
    pendingTransfer: visibleByKey<TransferRow, TransferVisibility>(
      (assetIds, visible) => repos.lifecycle.pendingTransfers(assetIds, visible),
      (row) => row.assetId,
    ),
    memberships: visibleListsByKey<MembershipRow>(
      (unitIds, visible) => repos.marketUnits.memberships(unitIds, visible),
      (row) => row.unitId,
    ),
    /** Sums over each unit's current members (every member: the unit itself is visible). */
    unitAggregates: new DataLoader<string, UnitAggregates>(async (unitIds) => {
      const rows = new Map((await repos.marketUnits.aggregates(unitIds)).map((row) => [row.unitId, row] as const));
      return unitIds.map((unitId) => rows.get(unitId) ?? { unitId, ...NO_MEMBERS });
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/** The resolver context (codegen's `contextType`). */
export type Context = SubgraphContext<Loaders>;
