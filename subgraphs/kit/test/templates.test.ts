import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type DatabaseHandle, migrationsKey } from "../src/index.js";
import { countRows, createMigratedDatabase, createTestDatabase } from "../src/testing.js";
import type { SubgraphModule } from "../src/subgraph.js";

// The migrated templates test files copy (kit/testing): on PGlite by default, on Postgres with DATABASE_URL.
const scratch = mkdtempSync(join(tmpdir(), "sfe-templates-test-"));
const opened: DatabaseHandle[] = [];
const open = async (handle: Promise<DatabaseHandle>) => {
  opened.push(await handle);
  return opened.at(-1)!;
};
afterAll(async () => {
  for (const handle of opened) await handle.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** A subgraph module whose drizzle-kit migrations folder holds `migrations` (tag → SQL), in a folder of its own. */
function moduleWith(folder: string, migrations: Record<string, string>): SubgraphModule {
  const migrationsFolder = join(scratch, folder);
  mkdirSync(join(migrationsFolder, "meta"), { recursive: true });
  const entries = Object.keys(migrations).map((tag, idx) => ({ idx, version: "7", when: 1_795_000_000_000 + idx, tag, breakpoints: true }));
  writeFileSync(join(migrationsFolder, "meta", "_journal.json"), JSON.stringify({ version: "7", dialect: "postgresql", entries }));
  for (const [tag, statements] of Object.entries(migrations)) writeFileSync(join(migrationsFolder, `${tag}.sql`), statements);
  return { name: "probe", migrationsFolder } as SubgraphModule;
}

const INIT = {
  "0000_init": "CREATE SCHEMA probe;\n--> statement-breakpoint\nCREATE TABLE probe.things (id int primary key);",
  "0001_more": "CREATE TABLE probe.more (id int);",
};

describe("migrated templates", () => {
  // Each builds a template (a fresh cluster and migrating) and opens several copies.
  it("a copy carries every migration; each copy is a database of its own", { timeout: 120_000 }, async () => {
    const probe = moduleWith("copies", INIT);
    const [first, second] = await Promise.all([open(createMigratedDatabase(probe)), open(createMigratedDatabase(probe))]);
    expect(await countRows(first, "drizzle.migrations_probe")).toBe(2);
    await first.exec(`insert into probe.things values (1), (2)`);
    expect(await countRows(first, "probe.things")).toBe(2);
    expect(await countRows(second, "probe.things")).toBe(0);
    expect(await countRows(await open(createMigratedDatabase(probe)), "probe.more")).toBe(0);
  });

  it("a changed migration gives another key, and databases with the change", { timeout: 120_000 }, async () => {
    const before = moduleWith("unchanged", INIT);
    const changed = moduleWith("changed", INIT);
    expect(migrationsKey([changed])).toBe(migrationsKey([before]));
    expect(await countRows(await open(createMigratedDatabase(changed)), "probe.things")).toBe(0);
    appendFileSync(join(changed.migrationsFolder, "0001_more.sql"), "\n--> statement-breakpoint\nCREATE TABLE probe.added_later (id int);");
    expect(migrationsKey([changed])).not.toBe(migrationsKey([before]));
    expect(await countRows(await open(createMigratedDatabase(changed)), "probe.added_later")).toBe(0);
    const original = await open(createMigratedDatabase(before));
    await expect(original.exec(`select * from probe.added_later`)).rejects.toThrow(/added_later/);
  });

  it("the key follows the modules' order, which their migrations run in", () => {
    const a = moduleWith("order-a", INIT);
    const b = { ...moduleWith("order-b", { "0000_init": "CREATE SCHEMA other;" }), name: "other" };
    expect(migrationsKey([a, b])).not.toBe(migrationsKey([b, a]));
  });

  it("an empty test database has no subgraph's tables, for tests of migrating itself", async () => {
    const empty = await open(createTestDatabase());
    await expect(empty.exec(`select * from probe.things`)).rejects.toThrow(/probe/);
  });
});
