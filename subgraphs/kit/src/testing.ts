import { randomBytes, randomUUID } from "node:crypto";
import type { GraphQLFormattedError } from "graphql";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { type DatabaseHandle, openDatabase } from "./database.js";
import { IDENTITY_HEADER, type Identity } from "./identity.js";
import { createIdentitySigner, createIdentityVerifier, generateIdentityKeyPem, loadIdentityKey } from "./identity-token.js";
import { migrateSubgraph } from "./migrate.js";
import type { Subgraph, SubgraphModule } from "./subgraph.js";

/**
 * A database of its own for one test file: in-memory PGlite by default, or, when DATABASE_URL is set,
 * a fresh database on that server (dropped again by `close`), so files can run in parallel.
 */
export async function createTestDatabase(url = process.env.DATABASE_URL): Promise<DatabaseHandle> {
  if (!url) return openDatabase({ dataDir: "memory://" });
  const name = `sfe_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const target = new URL(url);
  target.pathname = `/${name}`;
  const handle = await openDatabase({ url: target.toString(), maxConnections: 5 });
  return {
    ...handle,
    close: async () => {
      await handle.close();
      const dropper = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/** A fresh database with the given subgraphs' migrations applied. */
export async function createMigratedDatabase(...modules: SubgraphModule[]): Promise<DatabaseHandle> {
  const handle = await createTestDatabase();
  for (const module of modules) await migrateSubgraph(handle, module.name, module.migrationsFolder);
  return handle;
}

export interface OperationResult<TData = Record<string, unknown>> {
  data?: TData | null;
  errors?: readonly GraphQLFormattedError[];
}

/** Runs one operation in-process against a subgraph, as `identity`, with fresh per-request loaders. */
export async function execute<TData = Record<string, any>>(
  subgraph: Subgraph,
  query: string,
  variables: Record<string, unknown> = {},
  identity: Identity | null = null,
  options: { clientAddress?: string | null } = {},
): Promise<OperationResult<TData>> {
  const response = await subgraph.apollo.executeOperation(
    { query, variables },
    { contextValue: { identity, clientAddress: options.clientAddress ?? null, loaders: subgraph.createLoaders() } },
  );
  if (response.body.kind !== "single") throw new Error("expected a single result");
  return response.body.singleResult as OperationResult<TData>;
}

/** The codes of a result's errors, for assertions. */
export const errorCodes = (result: OperationResult<unknown>) => (result.errors ?? []).map((error) => error.extensions?.code);

/** Number of rows in `schema.table` (tests prove that a refused write left nothing behind). */
export async function countRows(handle: DatabaseHandle, table: string): Promise<number> {
  const result = (await handle.db.execute(sql.raw(`select count(*)::int as n from ${table}`))) as unknown;
  // PGlite answers { rows }, postgres-js an array of rows.
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { n: number }[];
  return Number(rows[0]?.n);
}

/** An identity for tests: a signed-in person of `organisationId` with `roles`, unless overridden. */
export function testIdentity(overrides: Partial<Identity> & Pick<Identity, "roles">): Identity {
  return { kind: "user", userId: randomUUID(), organisationId: randomUUID(), orgAdmin: false, scopes: ["*"], areas: [], ...overrides };
}

/** A gateway key for tests: verifiers per audience, and the identity header a gateway would send. */
export const testGateway = (() => {
  const key = loadIdentityKey(generateIdentityKeyPem());
  const signer = createIdentitySigner(key);
  return {
    key,
    signer,
    verifier: (audience: string) => createIdentityVerifier({ audience, jwks: key.jwks }),
    headers: async (audience: string, identity: Identity | null = null, clientAddress: string | null = null) => ({
      [IDENTITY_HEADER]: await signer.sign(audience, identity, clientAddress),
    }),
  };
})();

/** Backends of this test's database waiting for a lock (Postgres only). */
async function waitingForLocks(handle: DatabaseHandle): Promise<number> {
  const result = (await handle.db.execute(
    sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
  )) as unknown;
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { n: number }[];
  return Number(rows[0]?.n);
}

/**
 * Runs `racers` at once so they really meet at a row lock. On Postgres another transaction first locks
 * the row (`lockRow`, e.g. a `select … for update`) and releases it only once every racer waits for it;
 * PGlite has one connection, so its transactions queue (and each racer is still checked against the
 * outcome of the one before). Throws if the racers never all wait: the race would prove nothing.
 */
export async function raceAtRowLock<T>(
  handle: DatabaseHandle,
  lockRow: (tx: DatabaseHandle["db"]) => Promise<unknown>,
  racers: (() => Promise<T>)[],
): Promise<PromiseSettledResult<T>[]> {
  if (handle.kind !== "postgres") return Promise.allSettled(racers.map((racer) => racer()));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const holder = handle.db.transaction(async (tx) => {
    await lockRow(tx as unknown as DatabaseHandle["db"]);
    locked();
    await released;
  });
  await isLocked;
  const running = Promise.allSettled(racers.map((racer) => racer()));
  let waiting = 0;
  for (let attempt = 0; attempt < 1000 && waiting < racers.length; attempt++) {
    waiting = await waitingForLocks(handle);
    if (waiting < racers.length) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  release();
  await holder;
  if (waiting < racers.length) throw new Error(`only ${waiting} of ${racers.length} racers waited for the row lock`);
  return running;
}
