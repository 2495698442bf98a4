import { createHash, randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { GraphQLFormattedError } from "graphql";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { type DatabaseHandle, openDatabase } from "./database.js";
import { IDENTITY_HEADER, type Identity } from "./identity.js";
import { createIdentitySigner, createIdentityVerifier, generateIdentityKeyPem, loadIdentityKey } from "./identity-token.js";
import { migrateSubgraph, migrationsKey } from "./migrate.js";
import { type EntityReferences, staticReferences } from "./references.js";
import type { Subgraph, SubgraphModule } from "./subgraph.js";

/**
 * A database of its own for one test file: in-memory PGlite by default, or, when DATABASE_URL is set,
 * a fresh database on that server (dropped again by `close`), so files can run in parallel. It is empty: tests of
 * migrations themselves start here. (On PGlite it is loaded from a dump of a fresh cluster, which skips initdb.)
 */
export async function createTestDatabase(url = process.env.DATABASE_URL): Promise<DatabaseHandle> {
  if (!url) return openDatabase({ dataDir: "memory://", loadDataDir: await pgliteTemplate([]) });
  return createServerDatabase(url);
}

/**
 * A fresh database with the given subgraphs' migrations applied. It is copied from a template migrated once per
 * migrations' content (`migrationsKey`): on Postgres `create database … template`, on PGlite a dumped data folder
 * loaded into a new instance. Tests of migrations themselves use `createTestDatabase` and migrate it.
 */
export async function createMigratedDatabase(...modules: SubgraphModule[]): Promise<DatabaseHandle> {
  const url = process.env.DATABASE_URL;
  if (url) return createServerDatabase(url, await postgresTemplate(url, modules));
  return openDatabase({ dataDir: "memory://", loadDataDir: await pgliteTemplate(modules) });
}

/** Where PGlite templates are kept: SFE_TEST_TEMPLATE_DIR, else the repository's node_modules/.cache. */
export const templateDir = () =>
  process.env.SFE_TEST_TEMPLATE_DIR ?? fileURLToPath(new URL("../../../node_modules/.cache/sfe-test-templates", import.meta.url));

type Migratable = Pick<SubgraphModule, "name" | "migrationsFolder">;

const templateKey = (modules: readonly Migratable[], engine: string) =>
  createHash("sha256")
    .update(`${engine}\0${migrationsKey(modules)}`)
    .digest("hex")
    .slice(0, 24);

/** A dump is PGlite's own data folder: another PGlite version may not read it. */
const PGLITE_VERSION: string = JSON.parse(
  readFileSync(join(dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite")), "..", "package.json"), "utf8"),
).version;

/** The file name (without `.tar`) of the PGlite template of `modules`. */
export const pgliteTemplateKey = (modules: readonly Migratable[]) => templateKey(modules, `pglite ${PGLITE_VERSION}`);

/** Templates this process has read or built: a file may open several databases. */
const pgliteTemplates = new Map<string, Promise<Blob>>();

/**
 * The data-folder dump of a PGlite cluster with `modules` migrated (none: a fresh cluster), built the first time a
 * key is asked for and kept as `<dir>/<key>.tar`. Parallel builders each write their own file and rename it into
 * place, which is atomic: at worst two migrate, a reader never sees half a file.
 */
export function pgliteTemplate(modules: readonly Migratable[]): Promise<Blob> {
  const key = pgliteTemplateKey(modules);
  let template = pgliteTemplates.get(key);
  if (!template) {
    template = (async () => {
      const dir = templateDir();
      const file = join(dir, `${key}.tar`);
      if (existsSync(file)) {
        try {
          return new Blob([readFileSync(file)]);
        } catch {} // pruned meanwhile by another run's set-up: build it again
      }
      // A migrated template starts from the fresh cluster's dump: initdb, the slow part, runs once per PGlite version.
      const base = modules.length > 0 ? await pgliteTemplate([]) : undefined;
      const handle = await openDatabase({ dataDir: "memory://", loadDataDir: base });
      try {
        for (const module of modules) await migrateSubgraph(handle, module.name, module.migrationsFolder);
        const dump = await handle.dumpDataDir!();
        mkdirSync(dir, { recursive: true });
        const partial = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
        writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
        renameSync(partial, file);
        return dump;
      } finally {
        await handle.close();
      }
    })();
    pgliteTemplates.set(key, template);
    template.catch(() => pgliteTemplates.delete(key));
  }
  return template;
}

/**
 * The name of a template database on the server at `url` with `modules` migrated, built once per key: under an
 * advisory lock, into a scratch database that is closed to connections (a template must have none) and only then
 * renamed to the template's name, so a name that exists is a finished template. Templates stay on the server for
 * the next run; a changed migration gives a new name.
 */
export async function postgresTemplate(url: string, modules: readonly Migratable[]): Promise<string> {
  const name = `sfe_template_${templateKey(modules, "postgres")}`;
  // One connection, reserved: the advisory lock is held by the session that takes it.
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const session = await admin.reserve();
    const exists = async () => (await session`select 1 from pg_database where datname = ${name}`).length > 0;
    try {
      if (await exists()) return name;
      await session`select pg_advisory_lock(hashtext(${name}))`;
      if (await exists()) return name;
      const scratch = `${name}_build`;
      await session.unsafe(`drop database if exists "${scratch}" with (force)`); // left by a run that died building
      await session.unsafe(`create database "${scratch}"`);
      const target = new URL(url);
      target.pathname = `/${scratch}`;
      // Two connections: migrating holds one for its lock and works on the other.
      const handle = await openDatabase({ url: target.toString(), maxConnections: 2 });
      try {
        for (const module of modules) await migrateSubgraph(handle, module.name, module.migrationsFolder);
      } finally {
        await handle.close();
      }
      await session.unsafe(`alter database "${scratch}" with is_template true allow_connections false`);
      await session.unsafe(`alter database "${scratch}" rename to "${name}"`);
      return name;
    } finally {
      await session`select pg_advisory_unlock(hashtext(${name}))`.catch(() => {});
      session.release();
    }
  } finally {
    await admin.end();
  }
}

/**
 * Builds the templates of `sets` (each a list of modules) now, one after the other, on the database tests use
 * (DATABASE_URL, else PGlite): the vitest global set-up's warm-up. The keys of the PGlite dumps, fresh cluster included.
 */
export async function prepareTemplates(sets: readonly (readonly Migratable[])[]): Promise<string[]> {
  const url = process.env.DATABASE_URL;
  for (const modules of sets) await (url ? postgresTemplate(url, modules) : pgliteTemplate(modules));
  return url ? [] : [[], ...sets].map(pgliteTemplateKey);
}

/** A new database on the server at `url` (a copy of `template`, else an empty one), dropped again by `close`. */
async function createServerDatabase(url: string, template?: string): Promise<DatabaseHandle> {
  const name = `sfe_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"${template ? ` template "${template}"` : ""}`);
  } finally {
    await admin.end();
  }
  const target = new URL(url);
  target.pathname = `/${name}`;
  // 5 by default (many test files run at once on one server); a benchmark of the whole hub on one pool asks more.
  const handle = await openDatabase({ url: target.toString(), maxConnections: Number(process.env.SFE_TEST_DB_CONNECTIONS ?? 5) });
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
  const [row] = resultRows<{ n: number }>(await handle.db.execute(sql.raw(`select count(*)::int as n from ${table}`)));
  return Number(row?.n);
}

/** The rows of a raw `execute`: PGlite answers { rows }, postgres-js an array of rows. */
export const resultRows = <T = Record<string, unknown>>(result: unknown): T[] =>
  (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];

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
  const [row] = resultRows<{ n: number }>(
    await handle.db.execute(
      sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
    ),
  );
  return Number(row?.n);
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

// ---- Fixtures: the organisations and callers subgraph tests share ------------------------------------

/** An id nothing has: lookups of it find nothing. */
export const MISSING_ID = "00000000-0000-4000-8000-000000000000";

/**
 * Organisations (the users subgraph's), with stable ids so a failing test names the same one every run. An id begins
 * and ends alike (a…a FSP A, 5a…5a SO A), to be told apart at a glance in a message; no test may rely on their order.
 */
export const orgs = {
  /** An FSP that owns assets. */
  fspA: "a0000000-0000-4000-8000-00000000000a",
  /** Another FSP. */
  fspB: "b0000000-0000-4000-8000-00000000000b",
  /** A third FSP, party to nothing unless a test makes it so. */
  fspC: "c0000000-0000-4000-8000-00000000000c",
  /** A verified system operator of GSP group _C. */
  soA: "5a000000-0000-4000-8000-00000000005a",
  /** A verified national system operator (every area). */
  soB: "5b000000-0000-4000-8000-00000000005b",
  /** A system operator that signed up but is not yet verified: its members have no effective role. */
  unverifiedSo: "5c000000-0000-4000-8000-00000000005c",
  investor: "1e000000-0000-4000-8000-00000000001e",
  regulator: "2e000000-0000-4000-8000-00000000002e",
  /** A third-party platform calling with API keys. */
  platform: "3e000000-0000-4000-8000-00000000003e",
  /** The hub operator, whose members are administrators. */
  hub: "d0000000-0000-4000-8000-00000000000d",
};

/** An API key of `organisationId` with the organisation's `roles`, allowed only `scopes`. */
export const apiKeyOf = (organisationId: string, roles: Identity["roles"], scopes: string[]): Identity =>
  testIdentity({ kind: "apiKey", userId: null, organisationId, roles, scopes });

/** Callers: a signed-in member of each fixture organisation (an ordinary member, not its organisation's admin). */
export const as = {
  anonymous: null,
  fspA: testIdentity({ roles: ["FSP"], organisationId: orgs.fspA }),
  fspB: testIdentity({ roles: ["FSP"], organisationId: orgs.fspB }),
  fspC: testIdentity({ roles: ["FSP"], organisationId: orgs.fspC }),
  /** A member of SO A, area _C. */
  soA: testIdentity({ roles: ["SYSTEM_OPERATOR"], organisationId: orgs.soA, areas: ["_C"] }),
  /** A member of SO A before a hub administrator verified it: the gateway leaves SYSTEM_OPERATOR out of its roles. */
  unverifiedSoA: testIdentity({ roles: [], organisationId: orgs.soA, areas: ["_C"] }),
  /** A member of the unverified SO organisation. */
  unverifiedSo: testIdentity({ roles: [], organisationId: orgs.unverifiedSo }),
  /** A member of SO B, the national system operator. */
  nationalSo: testIdentity({ roles: ["SYSTEM_OPERATOR"], organisationId: orgs.soB, areas: ["*"] }),
  investor: testIdentity({ roles: ["INVESTOR"], organisationId: orgs.investor }),
  regulator: testIdentity({ roles: ["REGULATOR"], organisationId: orgs.regulator }),
  /** A hub administrator. */
  admin: testIdentity({ roles: ["ADMIN"], organisationId: orgs.hub }),
} as const satisfies Record<string, Identity | null>;

/**
 * What a subgraph package's server.ts offers its tests: its module (name, migrations), its repositories and its
 * subgraph built on them.
 */
export interface TestableSubgraph<TRepos, TSubgraph extends Subgraph> {
  module: SubgraphModule;
  createRepositories(db: DatabaseHandle["db"]): TRepos;
  createSubgraph(deps: { db: DatabaseHandle["db"]; references: EntityReferences; repos: TRepos }): TSubgraph;
}

/**
 * The set-up of a subgraph's test file: a migrated database of its own, the repositories on it and the subgraph
 * knowing `references` (other subgraphs' entities). The caller closes `handle` after its tests.
 */
export async function setUpSubgraph<TRepos, TSubgraph extends Subgraph>(
  testable: TestableSubgraph<TRepos, TSubgraph>,
  references: EntityReferences = staticReferences({}),
): Promise<{ handle: DatabaseHandle; repos: TRepos; subgraph: TSubgraph }> {
  const handle = await createMigratedDatabase(testable.module);
  const repos = testable.createRepositories(handle.db);
  return { handle, repos, subgraph: testable.createSubgraph({ db: handle.db, references, repos }) };
}

/**
 * `run(caller, query, variables)`: runs `query` as `callers[caller]` on the subgraph `subgraph()` returns (a getter, as
 * test files make their subgraph in `beforeAll`).
 */
export function runAs<TCallers extends Record<string, Identity | null>>(subgraph: () => Subgraph, callers: TCallers) {
  return <TData = Record<string, any>>(caller: keyof TCallers, query: string, variables: Record<string, unknown> = {}) =>
    execute<TData>(subgraph(), query, variables, callers[caller]);
}
