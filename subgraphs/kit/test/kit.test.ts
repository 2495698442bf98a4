import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { locatedError } from "graphql";
import { describe, expect, it } from "vitest";
import { ConfigError, formatError, parseConfig, SfeError, subgraphEnv } from "../src/index.js";
import { createTestDatabase } from "../src/testing.js";
import { migrateSubgraph } from "../src/migrate.js";

describe("configuration", () => {
  it("defaults to the embedded database", () => {
    const config = parseConfig(subgraphEnv(4001), {});
    expect(config).toMatchObject({ PORT: 4001, HOST: "127.0.0.1", PGLITE_DIR: ".data/pglite" });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it.each([
    [{ PORT: "eighty" }, /^Invalid configuration: PORT="eighty": /],
    [{ DATABASE_URL: "mysql://x" }, /^Invalid configuration: DATABASE_URL="mysql:\/\/x": must be a postgres:\/\/ URL$/],
    [{ IDENTITY_SIGNING_KEY: "not a key" }, /^Invalid configuration: IDENTITY_SIGNING_KEY=/],
  ])("names the variable in one line: %j", (env, message) => {
    expect(() => parseConfig(subgraphEnv(4001), env)).toThrow(ConfigError);
    expect(() => parseConfig(subgraphEnv(4001), env)).toThrow(message);
  });

  it("stops a subgraph's start-up with one line naming the variable", async () => {
    const index = fileURLToPath(new URL("../../users/src/index.ts", import.meta.url));
    const run = promisify(execFile)(process.execPath, ["--import", "tsx", index], { env: { ...process.env, PORT: "not-a-port" } });
    const failure = (await run.then(
      () => null,
      (e) => e,
    )) as { code: number; stderr: string } | null;
    expect(failure?.code).toBe(1);
    expect(failure?.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^Invalid configuration: PORT="not-a-port"/)]);
  });
});

describe("errors leaving a service", () => {
  /** As graphql-js reports an error thrown by a resolver at path `x`. */
  const format = (error: Error) => {
    const located = locatedError(error, undefined, ["x"]);
    return formatError(located.toJSON(), located, () => {});
  };

  it("keeps coded errors", () => {
    expect(format(new SfeError("NOT_FOUND", "Asset 1 does not exist"))).toMatchObject({
      message: "Asset 1 does not exist",
      extensions: { code: "NOT_FOUND" },
    });
  });

  it("turns a unique violation into CONFLICT and a foreign-key violation into BAD_USER_INPUT", () => {
    const unique = Object.assign(new Error("duplicate key value violates unique constraint"), {
      code: "23505",
      constraint: "assets_meter_point_id_unique",
    });
    expect(format(new Error("Failed query", { cause: unique }))).toMatchObject({ extensions: { code: "CONFLICT" } });
    expect(format(new Error("Failed query", { cause: unique })).message).toBe("A record with the same meter point id already exists");
    expect(format(Object.assign(new Error("fk"), { code: "23503" }))).toMatchObject({ extensions: { code: "BAD_USER_INPUT" } });
  });

  it("masks everything else: no SQL, no stack, no vendor text", () => {
    const masked = format(new Error('relation "assets.assets" does not exist at /app/x.ts:1'));
    expect(masked).toEqual({ message: "Internal server error", path: ["x"], extensions: { code: "INTERNAL_SERVER_ERROR" } });
  });
});

describe("migrations", () => {
  it("keeps one journal per subgraph outside the subgraphs' schemas, and re-running applies nothing", async () => {
    const handle = await createTestDatabase();
    try {
      const folder = (name: string) => fileURLToPath(new URL(`../../${name}/migrations`, import.meta.url));
      await migrateSubgraph(handle, "users", folder("users"));
      await migrateSubgraph(handle, "users", folder("users"));
      // A second subgraph whose journal would be hidden by a shared one still gets its tables.
      await handle.exec(`create schema if not exists other`);
      await migrateSubgraph(handle, "other", folder("users")); // same SQL, different journal: it must run (and fail on existing schema)
    } catch (error) {
      expect(String((error as Error).cause ?? error)).toMatch(/already exists/);
    } finally {
      const journals = (await handle.db.execute(
        `select table_name from information_schema.tables where table_schema = 'drizzle' order by 1` as never,
      )) as unknown;
      const rows = (Array.isArray(journals) ? journals : (journals as { rows: unknown[] }).rows) as { table_name: string }[];
      expect(rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(["migrations_other", "migrations_users"]));
      await handle.close();
    }
  });
});
