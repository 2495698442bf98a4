/**
 * `npm run bench` (ingest part): bulk ingest through the gateway's POST /ingest/<entity> against `psql \copy` of the
 * same file into a plain table of the same columns, and into a table `like` the target (meter_readings,
 * dispatch_instructions) including all its defaults, checks and indexes, in the hub's own database in the same run
 * (issue 10 item 7). Prints
 * rows/s, the ratio to \copy (goal ≥ 0.5), the peak RSS of the ingesting process (the whole hub runs in this one)
 * and that a replay adds 0 rows; with BENCH_PGLITE=1 also the same ingest on PGlite. Timings are printed, never
 * asserted.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx tests/bench/ingest.ts   (BENCH_READINGS=1000000)
 */
import { spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { mpanCore } from "@sfe/car-registry";
import { createTestDatabase } from "@sfe/kit/testing";
import { startStack } from "@sfe/stack";
import { ensureAdministrator } from "@sfe/stack/accounts";
import { sql } from "drizzle-orm";
import { request } from "undici";

const URL_ = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const READINGS = Number(process.env.BENCH_READINGS ?? 1_000_000);
const ASSETS = 20;
const ADMIN = { email: "bench-ingest@hub.test", password: "Benchmark-Admin-2025", name: "Bench" };
const UKPN_FILE = new URL("../../stack/data/ukpn-flexibility-dispatches-ev-dsr-subset-2024-05-to-2025-12.csv", import.meta.url);
const folder = mkdtempSync(join(tmpdir(), "sfe-bench-ingest-"));

async function gql(url: string, query: string, variables: Record<string, unknown>, token?: string) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown[] };
  if (body.errors || !body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** Peak resident memory of this process (the gateway and every subgraph) while `work` runs, sampled every 20 ms. */
async function withPeakRss<T>(work: () => Promise<T>): Promise<{ value: T; peakMb: number; startMb: number }> {
  const startMb = process.memoryUsage().rss / 2 ** 20;
  let peak = startMb;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss / 2 ** 20);
  }, 20);
  try {
    const value = await work();
    return { value, peakMb: Math.max(peak, process.memoryUsage().rss / 2 ** 20), startMb };
  } finally {
    clearInterval(timer);
  }
}

/** Streams `file` to POST /ingest/<path>: the report and the seconds it took. */
async function ingest(gateway: string, token: string, path: string, query: Record<string, string>, file: string) {
  const start = performance.now();
  const response = await request(`${gateway.replace(/graphql$/, `ingest/${path}`)}?${new URLSearchParams(query)}`, {
    method: "POST",
    headers: { "content-type": "text/csv", authorization: `Bearer ${token}` },
    body: createReadStream(file),
    headersTimeout: 3_600_000,
    bodyTimeout: 3_600_000,
    // A fresh connection each time: after minutes of \copy a kept-alive one may have been closed by the server.
    reset: true,
  });
  const report = (await response.body.json()) as Record<string, number | string>;
  if (response.statusCode !== 200) throw new Error(`ingest answered ${response.statusCode}: ${JSON.stringify(report).slice(0, 500)}`);
  return { report, seconds: (performance.now() - start) / 1000 };
}

/** Runs psql `commands` (each one -c) on `url`: the seconds it took. */
function psql(url: string, ...commands: string[]): number {
  const start = performance.now();
  const result = spawnSync("psql", [url, "-v", "ON_ERROR_STOP=1", "-q", ...commands.flatMap((c) => ["-c", c])], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`psql: ${result.stderr}`);
  return (performance.now() - start) / 1000;
}

/** `psql \copy` of `file` into the table `name` made by `ddl` (untimed), into the file's columns `into` (default: all). */
function psqlCopy(url: string, name: string, ddl: string, file: string, into = ""): number {
  psql(url, `drop table if exists ${name}; ${ddl}`);
  return psql(url, `\\copy ${name} ${into} from '${file}' with (format csv, header)`);
}

async function hub(databaseUrl: string | undefined) {
  const database = await createTestDatabase(databaseUrl);
  const stack = await startStack({ database, port: 0, env: { OUTBOX_DIR: join(folder, "outbox") } });
  await ensureAdministrator(database.db, ADMIN);
  const token = (
    await gql(stack.url, `mutation ($i: SignInInput!) { signIn(input: $i) { accessToken } }`, {
      i: { email: ADMIN.email, password: ADMIN.password },
    })
  ).signIn.accessToken;
  const fsp = (
    await gql(stack.url, `mutation { registerOrganisation(input: { name: "Bench FSP", roles: [FSP] }) { organisation { id } } }`, {}, token)
  ).registerOrganisation.organisation.id as string;
  const assets: string[] = [];
  for (let i = 0; i < ASSETS; i++) {
    const data = await gql(
      stack.url,
      `mutation ($o: ID!, $m: String!) { registerAsset(input: { ownerId: $o, name: "Bench battery", categoryCode: "BESS",
        importCapacityKw: 500, exportCapacityKw: 500, energyCapacityKwh: 1000, meterPointId: $m }) { asset { id } } }`,
      { o: fsp, m: mpanCore(12, 9_000_000 + i) },
      token,
    );
    assets.push(data.registerAsset.asset.id);
  }
  const so = (
    await gql(
      stack.url,
      `mutation { registerOrganisation(input: { name: "Bench DSO", roles: [SYSTEM_OPERATOR], areas: ["_C"] }) { organisation { id } } }`,
      {},
      token,
    )
  ).registerOrganisation.organisation.id as string;
  const product = (
    await gql(
      stack.url,
      `mutation ($i: CreateProductInput!) { createProduct(input: $i) { product { id } } }`,
      {
        i: {
          ownerId: so,
          code: "BENCH_FLEX",
          name: "Bench flexibility",
          serviceType: "AVAILABILITY_AND_UTILISATION",
          directions: ["DEMAND_TURN_DOWN"],
          minimumCapacityKw: 1,
        },
      },
      token,
    )
  ).createProduct.product.id as string;
  return { database, stack, token, assets, product };
}

/** N meter readings (assetId, intervalStart, importKwh, exportKwh), half-hourly per asset, written as it goes. */
async function meterFile(assets: string[], n: number): Promise<string> {
  const path = join(folder, `readings-${n}.csv`);
  const out = createWriteStream(path);
  out.write("assetId,intervalStart,importKwh,exportKwh\n");
  const base = Date.UTC(2024, 0, 1);
  const perAsset = Math.ceil(n / assets.length);
  let lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const asset = assets[Math.floor(i / perAsset)]!;
    const at = new Date(base + (i % perAsset) * 1_800_000).toISOString();
    lines.push(`${asset},${at},${(i % 997) / 8},${(i % 13) / 1000}`);
    if (lines.length === 10_000) {
      if (!out.write(`${lines.join("\n")}\n`)) await once(out, "drain");
      lines = [];
    }
  }
  out.end(lines.length ? `${lines.join("\n")}\n` : "");
  await once(out, "finish");
  return path;
}

const rowsOf = <T>(result: unknown): T[] => ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];
const mb = (n: number) => `${n.toFixed(0)} MB`;
const results: string[] = [];
const say = (line: string) => {
  console.log(line);
  results.push(line);
};

try {
  say(`\nbulk ingest through the gateway vs psql \\copy of the same file, Postgres (${new URL(URL_).host}), one run`);
  const { database, stack, token, assets, product } = await hub(URL_);
  try {
    // ---- 1,000,000 meter readings
    const file = await meterFile(assets, READINGS);
    const size = statSync(file).size / 2 ** 20;
    const first = await withPeakRss(() => ingest(stack.url, token, "meter-readings", { source: "bench-meters" }, file));
    const replay = await withPeakRss(() => ingest(stack.url, token, "meter-readings", { source: "bench-meters" }, file));
    // Baselines in the hub's own database (its transactions schema is what `like` copies), in a scratch schema.
    const [{ name } = { name: "" }] = rowsOf<{ name: string }>(await database.db.execute(sql`select current_database() as name`));
    const here = Object.assign(new URL(URL_), { pathname: `/${name}` }).toString();
    psql(here, "create schema bench");
    const copySeconds = psqlCopy(
      here,
      "bench.plain_readings",
      "create table bench.plain_readings (asset_id uuid, interval_start timestamptz, import_kwh numeric, export_kwh numeric)",
      file,
    );
    // The same file straight into meter_readings itself: `like … including all` (its id default, checks, primary
    // key, unique key and indexes), so a change to the table applies to both sides. What the file lacks gets a
    // default: the provider, an open end, and an external id of the ingest's width (`<uuid>|<24 digits>`) that rises
    // row by row as the ingest's key-ordered ids do. The registers become numeric: the file has kWh, the table Wh.
    const tableSeconds = psqlCopy(
      here,
      "bench.table_readings",
      `create table bench.table_readings (like transactions.meter_readings including all);
       create sequence bench.reading_no;
       alter table bench.table_readings alter provider_id set default '${assets[0]}',
         alter interval_end set default 'infinity', alter source set default 'bench-meters',
         alter external_id set default '${assets[0]}|' || lpad(nextval('bench.reading_no')::text, 24, '0'),
         alter active_import_wh type numeric, alter active_export_wh type numeric`,
      file,
      "(asset_id, interval_start, active_import_wh, active_export_wh)",
    );
    const r = first.value.report;
    say(
      `meter readings   ${READINGS} rows (${mb(size)}): ingest ${first.value.seconds.toFixed(2)} s = ${Math.round(READINGS / first.value.seconds)} rows/s ` +
        `(inserted ${r.inserted}, rejected ${r.rejected}); psql \\copy ${copySeconds.toFixed(2)} s = ${Math.round(READINGS / copySeconds)} rows/s; ` +
        `ratio ${(copySeconds / first.value.seconds).toFixed(2)}`,
    );
    say(
      `  psql \\copy into a table like meter_readings (its id default, checks, keys, indexes) ${tableSeconds.toFixed(2)} s; ` +
        `ratio ${(tableSeconds / first.value.seconds).toFixed(2)}`,
    );
    say(
      `  replay          ${replay.value.seconds.toFixed(2)} s: inserted ${replay.value.report.inserted}, updated ${replay.value.report.updated}, repeats ${replay.value.report.repeats}`,
    );
    say(`  peak RSS        ${mb(first.peakMb)} ingesting (${mb(first.startMb)} before), ${mb(replay.peakMb)} replaying — file ${mb(size)}`);
    rmSync(file);

    // ---- the whole UKPN extract
    const ukpnRows = readFileSync(UKPN_FILE, "utf8").trim().split(/\r?\n/).length - 1;
    const ukpn = await withPeakRss(() => ingest(stack.url, token, "dispatch-instructions", { productId: product }, UKPN_FILE.pathname));
    const ukpnReplay = await ingest(stack.url, token, "dispatch-instructions", { productId: product }, UKPN_FILE.pathname);
    const header = readFileSync(UKPN_FILE, "utf8")
      .replace(/^\uFEFF/, "")
      .split(/\r?\n/)[0]!;
    const columns = header.split(",");
    const ukpnCopy = psqlCopy(
      here,
      "bench.plain_ukpn",
      `create table bench.plain_ukpn (${columns.map((c) => `"${c}" text`).join(", ")})`,
      UKPN_FILE.pathname,
    );
    // The same rows into a table like dispatch_instructions, with psql alone: \copy into a text stage, then ONE
    // INSERT … SELECT of plain casts (UTC columns, utilisation MW/MWh/price, an md5 key of the ingest's key columns,
    // the details object; no checks, no alias folding, no local times), same-key rows skipped by ON CONFLICT.
    psql(
      here,
      `create unlogged table bench.ukpn_stage (${columns.map((c) => `"${c}" text`).join(", ")});
       create table bench.table_dispatches (like transactions.dispatch_instructions including all)`,
    );
    const ukpnTableSeconds = psql(
      here,
      `\\copy bench.ukpn_stage from '${UKPN_FILE.pathname}' with (format csv, header)`,
      `insert into bench.table_dispatches (unit_reference, product_id, issued_by_id, buyer_id, direction, set_point_mw,
         start_at, end_at, energy_mwh, price_gbp_per_mwh, dispatch_method, source, external_id, details, source_row, status)
       select fu_id, '${product}', '${product}', '${product}', upper(dispatch_type), utilisation_mw_req::float8,
         start_time_utc::timestamptz, end_time_utc::timestamptz, utilisation_mwh_req::numeric, utilisation_price::numeric,
         nullif(dispatch_method, ''), 'ukpn-flexibility-dispatches',
         md5(concat_ws('|', fu_id, product, start_time_utc, end_time_utc, availability_mw_req, utilisation_mw_req,
           availability_price, utilisation_price)),
         jsonb_build_object('product', product, 'zoneName', zone, 'providerName', company_name, 'technology', technology,
           'startLocal', start_time_local, 'endLocal', end_time_local, 'availabilityMw', availability_mw_req::numeric,
           'utilisationMw', utilisation_mw_req::numeric, 'availabilityPriceGbpPerMwH', availability_price,
           'utilisationPriceGbpPerMwh', utilisation_price, 'availabilityMwh', availability_mwh_req::numeric,
           'utilisationMwh', utilisation_mwh_req::numeric, 'hoursRequested', hours_requested, 'dispatchMethod', dispatch_method),
         row_number() over (), 'COMPLETED'
       from bench.ukpn_stage on conflict (source, external_id) do nothing`,
    );
    const u = ukpn.value.report;
    say(
      `UKPN extract     ${ukpnRows} rows: ingest ${ukpn.value.seconds.toFixed(2)} s = ${Math.round(ukpnRows / ukpn.value.seconds)} rows/s ` +
        `(inserted ${u.inserted}, same-key rows ${u.duplicates}, rejected ${u.rejected}); psql \\copy ${ukpnCopy.toFixed(2)} s; ratio ${(ukpnCopy / ukpn.value.seconds).toFixed(2)}`,
    );
    say(
      `  psql \\copy into a text stage + one INSERT … SELECT into a table like dispatch_instructions ${ukpnTableSeconds.toFixed(2)} s; ` +
        `ratio ${(ukpnTableSeconds / ukpn.value.seconds).toFixed(2)}`,
    );
    say(
      `  replay          inserted ${ukpnReplay.report.inserted}, updated ${ukpnReplay.report.updated}, repeats ${ukpnReplay.report.repeats}`,
    );
  } finally {
    await stack.stop();
    await database.close();
  }

  if (process.env.BENCH_PGLITE) {
    const n = Number(process.env.BENCH_PGLITE_READINGS ?? 200_000);
    const pglite = await hub(undefined);
    try {
      const file = await meterFile(pglite.assets, n);
      const run = await withPeakRss(() => ingest(pglite.stack.url, pglite.token, "meter-readings", { source: "bench-meters" }, file));
      const again = await ingest(pglite.stack.url, pglite.token, "meter-readings", { source: "bench-meters" }, file);
      say(
        `PGlite           ${n} meter readings: ingest ${run.value.seconds.toFixed(2)} s = ${Math.round(n / run.value.seconds)} rows/s, ` +
          `peak RSS ${mb(run.peakMb)}; replay inserted ${again.report.inserted}, repeats ${again.report.repeats}`,
      );
    } finally {
      await pglite.stack.stop();
      await pglite.database.close();
    }
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}
