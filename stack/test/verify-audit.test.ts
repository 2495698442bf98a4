import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { migrateSubgraph, openDatabase } from "@sfe/kit";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SUBGRAPH_MODULES } from "../src/modules.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "sfe-verify-audit-"));
const run = promisify(execFile);
const withoutDatabaseUrl = ({ DATABASE_URL: _url, ...env }: NodeJS.ProcessEnv) => env;

/** `npm run verify-audit` on an embedded database folder, as an operator runs it. */
const verify = () =>
  run(process.execPath, ["--import", "tsx", "stack/src/verify-audit.ts"], {
    cwd: ROOT,
    env: { ...withoutDatabaseUrl(process.env), PGLITE_DIR: dir },
  }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
  );

beforeAll(async () => {
  const database = await openDatabase({ dataDir: dir });
  for (const module of SUBGRAPH_MODULES) await migrateSubgraph(database, module.name, module.migrationsFolder);
  // Two events, written as every write writes them: the trigger chains them.
  await database.db.execute(
    sql.raw(`insert into users.audit_events (action, entity_type, entity_id) values ('CREATE', 'User', 'u1'), ('UPDATE', 'User', 'u1')`),
  );
  await database.close();
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("says every link holds, then names the first event edited behind the API's back", async () => {
  const intact = await verify();
  expect(intact.code).toBe(0);
  expect(intact.stdout).toMatch(/users\s+2 events, every link holds/);
  const database = await openDatabase({ dataDir: dir });
  await database.db.execute(sql.raw(`alter table users.audit_events disable trigger audit_events_append_only`));
  await database.db.execute(sql.raw(`update users.audit_events set action = 'FORGED' where chain_index = 1`));
  await database.close();
  const broken = await verify();
  expect(broken.code).toBe(1);
  expect(broken.stdout).toMatch(/users\s+BROKEN at event 1 \(.+\): hash does not match the event/);
}, 60_000);
