/**
 * `npm run bench` (second part): 1,000 assets with Central Asset Register fields through the gateway.
 * Reports CAR requests per query (must be ceil(N / 100), not N), latency p50/p99 with the CAR cache off
 * and warm, measured in one run. Then the asset import and export against psql (bulk, below; BULK_ROWS, default
 * 100,000; Postgres only). Timings are printed, never asserted.
 */
import { execFileSync } from "node:child_process";
import { createReadStream, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { createCarRegistry, demoRegister, mpanCore } from "@sfe/car-registry";
import { assetsModule, createAssetsSubgraph } from "@sfe/assets";
import { assets } from "@sfe/assets/db";
import { startSubgraph, staticReferences } from "@sfe/kit";
import { as, createMigratedDatabase, createTestDatabase, orgs, testGateway } from "@sfe/kit/testing";
import { sql } from "drizzle-orm";
import { createBulkRoutes } from "../../subgraphs/assets/src/bulk.js";
import { exportSelect } from "../../subgraphs/assets/src/bulk/export.js";
import type { CarClient } from "../../subgraphs/assets/src/clients/car.js";
import { startStack } from "@sfe/stack";
import { ensureAdministrator } from "@sfe/stack/accounts";
import { randomUUID } from "node:crypto";

const N = Number(process.env.BENCH_ASSETS ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const ADMIN = { email: "bench@hub.test", password: "Benchmark-Admin-2025", name: "Bench" };
const QUERY = `query ($first: Int!) { assets(first: $first) { id name carRecord { ratedCapacityKw commissioningStatus } } }`;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const register = demoRegister(N);
const car = await createCarRegistry({ records: register });

/** One hub with the CAR cache at `ttlMs` over a fresh database holding N assets linked to CAR records. */
async function hub(ttlMs: number) {
  const database = await createTestDatabase();
  const stack = await startStack({
    database,
    port: 0,
    env: { CAR_URL: car.url, CAR_CACHE_TTL_MS: String(ttlMs), OUTBOX_DIR: "/tmp/sfe-bench-outbox" },
  });
  await ensureAdministrator(database.db, ADMIN);
  const owner = randomUUID();
  // Set-up, not measured: the assets are written directly (registration is measured by the bulk import).
  for (let i = 0; i < register.length; i += 500) {
    await database.db.insert(assets).values(
      register.slice(i, i + 500).map((r) => ({
        ownerId: owner,
        name: r.carId,
        categoryCode: "OTHER",
        importCapacityKw: r.ratedImportKw,
        exportCapacityKw: r.ratedExportKw,
        carId: r.carId,
      })),
    );
  }
  const signIn = await post(stack.url, `mutation ($i: SignInInput!) { signIn(input: $i) { accessToken } }`, {
    i: { email: ADMIN.email, password: ADMIN.password },
  });
  const token = signIn.signIn.accessToken as string;
  return { stack, database, token };
}

async function post(url: string, query: string, variables: Record<string, unknown>, token?: string) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown[] };
  if (body.errors || !body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function measure(label: string, ttlMs: number) {
  const { stack, database, token } = await hub(ttlMs);
  try {
    await post(stack.url, QUERY, { first: N }, token); // warm-up (plans, connections; fills the cache when on)
    const times: number[] = [];
    const before = car.requestCount();
    let missing = 0;
    for (let i = 0; i < RUNS; i++) {
      const start = performance.now();
      const data = await post(stack.url, QUERY, { first: N }, token);
      times.push(performance.now() - start);
      missing += data.assets.filter((a: { carRecord: unknown }) => a.carRecord === null).length;
    }
    times.sort((a, b) => a - b);
    const perQuery = (car.requestCount() - before) / RUNS;
    console.log(
      `${label.padEnd(22)} ${String(N).padStart(6)} ${perQuery.toFixed(1).padStart(14)} ${percentile(times, 50).toFixed(1).padStart(8)} ${percentile(times, 99).toFixed(1).padStart(8)}${missing ? `  (${missing} CAR records missing!)` : ""}`,
    );
    return { perQuery, p50: percentile(times, 50) };
  } finally {
    await stack.stop();
    await database.close();
  }
}

/**
 * Bulk import and export of BULK_ROWS assets on Postgres, each as a ratio to psql doing the same with the same file /
 * rows on the same server in this run: the import (POST /assets/import, streamed from disk over loopback HTTP to the
 * assets subgraph in this process) against psql loading the file into assets.assets itself, rolled back (alone, and with
 * each asset's CREATE audit event; also a plain table, as before), a replay of the file (rows added), the export
 * (GET /assets/export.csv as the owner, median of 5) against `psql \\copy` of the export's own select and of `select *`, and
 * the process's peak RSS while importing a tenth of the file and the whole of it (sampled every 20 ms).
 */
async function bulk(rows: number) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.log("\nasset import and export: skipped (compared with psql, so it needs DATABASE_URL)");
    return;
  }
  const handle = await createMigratedDatabase(assetsModule);
  const [current] = (await handle.db.execute(sql`select current_database() as name`)) as unknown as { name: string }[];
  const database = current!.name;
  const target = new URL(url);
  target.pathname = `/${database}`;
  const psql = (command: string) => {
    const start = performance.now();
    execFileSync("psql", [target.toString(), "-v", "ON_ERROR_STOP=1", "-q", "-c", command], { stdio: ["ignore", "ignore", "inherit"] });
    return (performance.now() - start) / 1000;
  };
  const owner = orgs.fspA;
  /** A psql script run as one `psql -f` (its \\copy lines among SQL), timed as `psql` is. */
  const psqlScript = (script: string) => {
    const path = join(dir, "script.sql");
    writeFileSync(path, script);
    const start = performance.now();
    execFileSync("psql", [target.toString(), "-v", "ON_ERROR_STOP=1", "-q", "-f", path], { stdio: ["ignore", "ignore", "inherit"] });
    return (performance.now() - start) / 1000;
  };
  const verifier = testGateway.verifier("assets");
  const neverAsked = { byIds: async () => [], close: async () => {} } as unknown as CarClient;
  const built = createAssetsSubgraph({ db: handle.db, references: staticReferences({ Organisation: [owner] }), car: neverAsked });
  const routes = createBulkRoutes({
    db: handle.db,
    references: staticReferences({ Organisation: [owner] }),
    car: neverAsked,
    verifier,
    maxImportRows: 10_000_000,
    maxImportBytes: 2 ** 30,
  });
  const server = await startSubgraph({ ...built, routes: [...routes, ...built.routes] }, { port: 0, host: "127.0.0.1", verifier });
  const base = server.url.replace(/\/graphql$/, "");
  // A fresh identity token for every request: one lives a minute, an import of the whole file can take longer.
  const headers = () => testGateway.headers("assets", as.fspA);
  const dir = mkdtempSync(join(tmpdir(), "sfe-bench-assets-"));
  const count = async () =>
    Number(((await handle.db.execute(sql`select count(*)::int as n from assets.assets`)) as unknown as { n: number }[])[0]!.n);

  /** A file of n EV chargers (distinct meter points and external ids from `from` on). */
  const fileOf = (n: number, from: number) => {
    const path = join(dir, `assets-${n}-${from}.csv`);
    const header = "name,categoryCode,importCapacityKw,exportCapacityKw,meterPointId,externalId,attr.chargePointCount\n";
    const lines: string[] = [header];
    for (let i = from; i < from + n; i++)
      lines.push(`EV charger ${i},EV_CHARGER,7.4,0,${mpanCore(10 + (i % 14), 5_000_000 + i)},BULK-${i},${1 + (i % 8)}\n`);
    writeFileSync(path, lines.join(""));
    return path;
  };

  /** Peak RSS (MiB) while `work` runs, sampled every 20 ms. */
  async function peakRss<T>(work: () => Promise<T>): Promise<{ value: T; peak: number; seconds: number }> {
    let peak = process.memoryUsage().rss;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const start = performance.now();
    try {
      const value = await work();
      return { value, peak: peak / 2 ** 20, seconds: (performance.now() - start) / 1000 };
    } finally {
      clearInterval(timer);
    }
  }

  const upload = async (path: string) => {
    const response = await fetch(`${base}/assets/import`, {
      method: "POST",
      headers: { ...(await headers()), "content-type": "text/csv" },
      body: Readable.toWeb(createReadStream(path)) as ReadableStream,
      duplex: "half",
    } as RequestInit);
    const report = (await response.json()) as { accepted: number; rejected: unknown[] };
    if (!report.rejected) throw new Error(`import answered ${response.status}: ${JSON.stringify(report)}`);
    return {
      status: response.status,
      accepted: report.accepted,
      rejected: report.rejected.length,
      timing: response.headers.get("server-timing"),
    };
  };

  /**
   * The fair baseline for the import: psql loads the same file into assets.assets itself (all its indexes and
   * constraints) in one transaction it rolls back — `\\copy` into a temporary text stage, then one INSERT … SELECT
   * giving what the file lacks (the owner, the attributes as jsonb); `audit`: the same statement also writes each
   * asset's CREATE audit event (hash-chained by the trail's trigger), as the hub must.
   */
  const sameTable = (file: string, ownerId: string, audit: boolean) => {
    const insert = `insert into assets.assets (owner_id, name, category_code, import_capacity_kw, export_capacity_kw, meter_point_id, external_id, attributes)
      select '${ownerId}', name, category_code, import_capacity_kw::float8, export_capacity_kw::float8, meter_point_id, external_id,
             jsonb_build_object('chargePointCount', charge_point_count::int) from stage`;
    const statement = audit
      ? `with a as (${insert} returning *)
         insert into assets.audit_events (action, entity_type, entity_id, after) select 'CREATE', 'Asset', a.id::text, to_jsonb(a) from a`
      : insert;
    return `begin;
create temp table stage (name text, category_code text, import_capacity_kw text, export_capacity_kw text, meter_point_id text, external_id text, charge_point_count text);
\\copy stage from '${file}' with (format csv, header)
${statement};
rollback;
`;
  };

  try {
    const small = fileOf(Math.round(rows / 10), 10_000_000);
    const full = fileOf(rows, 0);
    const mib = (statSync(full).size / 2 ** 20).toFixed(1);
    await handle.db.execute(sql`create table public.bench_plain (name text, category_code text, import_capacity_kw double precision,
      export_capacity_kw double precision, meter_point_id text, external_id text, charge_point_count integer)`);

    const tenth = await peakRss(() => upload(small));
    const copySeconds = psql(`\\copy public.bench_plain from '${full}' with (format csv, header)`);
    // Each rolled back, then vacuumed: the dead entries it leaves in the unique indexes would slow whatever inserts the same keys next.
    const vacuum = () => handle.db.execute(sql`vacuum analyze assets.assets`);
    const sameTableSeconds = psqlScript(sameTable(full, owner, false));
    await vacuum();
    const sameTableAuditSeconds = psqlScript(sameTable(full, owner, true));
    await vacuum();
    const before = await count();
    const imported = await peakRss(() => upload(full));
    const added = (await count()) - before;
    const replay = await peakRss(() => upload(full));
    const replayAdded = (await count()) - before - added;

    const exportCsv = async () => {
      const response = await fetch(`${base}/assets/export.csv`, { headers: await headers() });
      let bytes = 0;
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
      return bytes;
    };
    // Five runs of each side, alternating, and the medians: one run of either moved by a second with the machine's load.
    const EXPORT_RUNS = Number(process.env.BENCH_EXPORT_RUNS ?? 5);
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const exportRuns: Awaited<ReturnType<typeof peakRss<number>>>[] = [];
    const copyOutRuns: number[] = [];
    const copySameRuns: number[] = [];
    // The export's own SELECT (the same columns, quoting and order: the same file), as the owner sees it.
    const same = await exportSelect(handle.db, { visible: { all: false, ownerIds: [owner], gspGroups: [] } });
    for (let i = 0; i < EXPORT_RUNS; i++) {
      exportRuns.push(await peakRss(exportCsv));
      copyOutRuns.push(
        psql(`\\copy (select * from assets.assets where owner_id = '${owner}' order by name, id) to '/dev/null' with (format csv, header)`),
      );
      copySameRuns.push(psql(`\\copy (${same}) to '/dev/null' with (format csv, header)`));
    }
    const exported = {
      value: exportRuns[0]!.value,
      peak: Math.max(...exportRuns.map((r) => r.peak)),
      seconds: median(exportRuns.map((r) => r.seconds)),
    };
    const copyOutSeconds = median(copyOutRuns);
    const copySameSeconds = median(copySameRuns);

    console.log(`\nasset import and export, ${rows} rows (${mib} MiB of CSV), postgres, one run`);
    console.log(`psql \\copy of the file into a plain table     ${copySeconds.toFixed(2)} s`);
    console.log(`psql \\copy into a stage + INSERT … SELECT into assets.assets, rolled back   ${sameTableSeconds.toFixed(2)} s`);
    console.log(`  the same with each asset's CREATE audit event in that statement, rolled back ${sameTableAuditSeconds.toFixed(2)} s`);
    console.log(
      `POST /assets/import (partial)                 ${imported.seconds.toFixed(2)} s  status ${imported.value.status}, ${imported.value.accepted} accepted, ${added} rows added` +
        `  → ratio ${(sameTableSeconds / imported.seconds).toFixed(3)} to assets.assets (goal ≥ 0.5), ${(sameTableAuditSeconds / imported.seconds).toFixed(3)} to it with the audit, ${(copySeconds / imported.seconds).toFixed(3)} to the plain table`,
    );
    console.log(`  phases (server-timing, ms): ${imported.value.timing}`);
    console.log(
      `replay of the same file                       ${replay.seconds.toFixed(2)} s  ${replay.value.accepted} accepted, ${replay.value.rejected} rejected, ${replayAdded} rows added (goal 0)`,
    );
    console.log(`  phases (server-timing, ms): ${replay.value.timing}`);
    console.log(
      `psql \\copy (select … ) to of the same rows    ${copyOutSeconds.toFixed(2)} s (median of ${EXPORT_RUNS}: ${copyOutRuns.map((t) => t.toFixed(2)).join(", ")})`,
    );
    console.log(
      `psql \\copy (the export's own select) to       ${copySameSeconds.toFixed(2)} s (median of ${EXPORT_RUNS}: ${copySameRuns.map((t) => t.toFixed(2)).join(", ")})`,
    );
    console.log(
      `GET /assets/export.csv                        ${exported.seconds.toFixed(2)} s  ${(exported.value / 2 ** 20).toFixed(1)} MiB (median of ${EXPORT_RUNS}: ${exportRuns.map((r) => r.seconds.toFixed(2)).join(", ")})` +
        `  → ratio ${(copySameSeconds / exported.seconds).toFixed(3)} to the same select (goal ≥ 0.5), ${(copyOutSeconds / exported.seconds).toFixed(3)} to select *`,
    );
    console.log(
      `peak RSS of this process (server and client): import of ${Math.round(rows / 10)} rows ${tenth.peak.toFixed(0)} MiB, ` +
        `of ${rows} rows ${imported.peak.toFixed(0)} MiB, replay ${replay.peak.toFixed(0)} MiB, export ${exported.peak.toFixed(0)} MiB`,
    );
  } finally {
    await server.stop();
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

try {
  // BENCH_ONLY=bulk: the import and export part alone.
  if (process.env.BENCH_ONLY !== "bulk") {
    console.log(
      `\n${N} assets with CAR fields through the gateway (${process.env.DATABASE_URL ? "postgres" : "pglite"}, ${RUNS} runs each)\n`,
    );
    console.log("CAR cache              assets  CAR req/query   p50 ms   p99 ms");
    const cold = await measure("off (every query)", 0);
    const warm = await measure("warm (30 s TTL)", 30_000);
    console.log(
      `\nCAR requests per query: ${cold.perQuery} = ceil(${N} / 100) with the cache off, ${warm.perQuery} warm; p50 warm / cold ×${(warm.p50 / cold.p50).toFixed(2)}`,
    );
  }
  await bulk(Number(process.env.BULK_ROWS ?? 100_000));
} finally {
  await car.stop();
}
