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
