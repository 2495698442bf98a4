import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import { installAuditGuard, suspendAuditGuard } from "./audit-chain.js";
import type { DatabaseHandle } from "./database.js";

/** Where every subgraph's migration journal lives: outside the schemas the migrations create. */
export const MIGRATIONS_SCHEMA = "drizzle";

/**
 * Applies one subgraph's committed drizzle-kit migrations. Each subgraph keeps its own journal table
 * (`drizzle.migrations_<name>`), so one subgraph's history never hides another's migrations. Then the
 * audit trail's guard (append-only, hash chain) is (re)installed on the subgraph's `audit_events`.
 */
export async function migrateSubgraph(handle: DatabaseHandle, name: string, migrationsFolder: string): Promise<void> {
  const config = {
    migrationsFolder,
    migrationsSchema: MIGRATIONS_SCHEMA,
    migrationsTable: `migrations_${name}`,
  };
  await handle.withLock(async () => {
    await suspendAuditGuard(handle.db, name);
    // drizzle's migrator types want the driver-specific database; both are this PgDatabase at runtime.
    if (handle.kind === "pglite") await migratePglite(handle.db as never, config);
    else await migratePostgres(handle.db as never, config);
    await installAuditGuard(handle.db, name);
  });
}

/** The kit's own files whose SQL every migrated database carries (the audit guard), part of `migrationsKey`. */
const MIGRATION_CODE = ["./migrate.ts", "./audit-chain.ts"].map((file) => fileURLToPath(new URL(file, import.meta.url)));

/**
 * A content hash of what migrating `modules` (in this order) produces: their names, every file of their migration
 * folders, and the kit code that migrates. A database migrated once can stand in for another with the same key (test
 * templates); any changed migration, journal or guard gives a new key, so nothing stale is reused.
 */
export function migrationsKey(modules: readonly { name: string; migrationsFolder: string }[]): string {
  const hash = createHash("sha256");
  const add = (label: string, content: string | Buffer) => hash.update(`${label}\0${content.length}\0`).update(content);
  for (const file of MIGRATION_CODE) add(basename(file), readFileSync(file));
  for (const module of modules) {
    add("module", module.name);
    const files = readdirSync(module.migrationsFolder, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => relative(module.migrationsFolder, join(entry.parentPath, entry.name)))
      .sort();
    for (const file of files) add(file, readFileSync(join(module.migrationsFolder, file)));
  }
  return hash.digest("hex");
}
