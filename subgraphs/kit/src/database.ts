import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";

/** The drizzle database every repository receives: PGlite and postgres-js expose the same API. */
export type Database = PgDatabase<PgQueryResultHKT>;

/** An open database plus what it takes to run raw SQL and to close it. */
export interface DatabaseHandle {
  readonly kind: "pglite" | "postgres";
  readonly db: Database;
  /** Runs SQL with no parameters (test set-up, health checks). */
  exec(sql: string): Promise<void>;
  /** Runs `fn` holding a server-wide lock, so concurrent start-ups migrate one at a time. */
  withLock<T>(fn: () => Promise<T>): Promise<T>;
  /** PGlite only: the whole data folder as a tarball, which `loadDataDir` starts a new instance from (test templates). */
  dumpDataDir?(): Promise<Blob>;
  close(): Promise<void>;
}

const MIGRATION_LOCK_KEY = 5_318_008; // any constant shared by every SFE process

export interface DatabaseOptions {
  /** postgres:// URL; when absent the embedded PGlite is used. */
  url?: string | undefined;
  /** PGlite data folder; "memory://" (or absent) keeps everything in memory. */
  dataDir?: string | undefined;
  /** postgres-js pool size. */
  maxConnections?: number;
  /**
   * PGlite only: start from this data-folder tarball (`dumpDataDir`) instead of an empty cluster; it skips
   * initdb, which costs seconds (tests load one migrated template per run this way).
   */
  loadDataDir?: Blob | undefined;
}

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.url) {
    const client = postgres(options.url, {
      max: options.maxConnections ?? 10,
      onnotice: () => {},
    });
    const db = drizzlePostgres({ client }) as unknown as Database;
    await client`select 1`; // fail fast on a wrong URL
    return {
      kind: "postgres",
      db,
      exec: async (sql) => {
        await client.unsafe(sql);
      },
      withLock: async (fn) => {
        // A session-level advisory lock lives on one connection: reserve it for the duration.
        const session = await client.reserve();
        try {
          await session`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
          return await fn();
        } finally {
          await session`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.catch(() => {});
          session.release();
        }
      },
      close: () => client.end({ timeout: 5 }),
    };
  }
  const dataDir = options.dataDir ?? "memory://";
  if (!dataDir.includes("://")) mkdirSync(dataDir, { recursive: true }); // PGlite creates the folder, not its parents
  const client = await PGlite.create({ dataDir, ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}) });
  const db = drizzlePglite({ client }) as unknown as Database;
  return {
    kind: "pglite",
    db,
    exec: async (sql) => {
      await client.exec(sql);
    },
    withLock: (fn) => fn(), // PGlite has a single connection: nothing can race it
    dumpDataDir: () => client.dumpDataDir("none"),
    close: () => client.close(),
  };
}
