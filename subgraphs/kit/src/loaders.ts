import DataLoader from "dataloader";

/**
 * One row per key, in key order, from one batched read: the shape every `__resolveReference` needs.
 * Duplicate keys in a batch (the gateway does not de-duplicate representations) collapse to one.
 */
export function loaderByKey<K extends string, V>(
  readMany: (keys: readonly K[]) => Promise<readonly V[]>,
  keyOf: (row: V) => K,
): DataLoader<K, V | null> {
  return new DataLoader<K, V | null>(async (keys) => {
    const rows = await readMany(keys);
    const byKey = new Map(rows.map((row) => [keyOf(row), row] as const));
    return keys.map((key) => byKey.get(key) ?? null);
  });
}

/** Every row belonging to each key (a one-to-many hop such as an asset's awards), from one read. */
export function loaderOfLists<K extends string, V>(
  readMany: (keys: readonly K[]) => Promise<readonly V[]>,
  groupOf: (row: V) => K | readonly K[],
): DataLoader<K, V[]> {
  return new DataLoader<K, V[]>(async (keys) => {
    const rows = await readMany(keys);
    const groups = new Map<K, V[]>(keys.map((key) => [key, []]));
    for (const row of rows) {
      const owners = groupOf(row);
      for (const key of typeof owners === "string" ? [owners as K] : (owners as readonly K[])) groups.get(key)?.push(row);
    }
    return keys.map((key) => groups.get(key) ?? []);
  });
}

/**
 * A value made on first use in a request and kept with its context (the kit makes a new context object per
 * request), so a module's loaders and memos need no entry in its subgraph's shared loaders.ts and never cross
 * requests.
 */
export function perRequest<T>(make: () => T): (context: object) => T {
  const made = new WeakMap<object, T>();
  return (context) => {
    if (!made.has(context)) made.set(context, make());
    return made.get(context) as T;
  };
}
