/**
 * `npm run bench` (ingest part): bulk ingest through the gateway's POST /ingest/<entity> against `psql \copy` of the
 * same file into a plain table of the same columns (and, for the meter readings, into a table indexed as
 * meter_readings), on the same Postgres in the same run (issue 10 item 7). Prints
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

/**
 * `psql \copy` of `file` into a fresh table `name (columns)` (then `extra` DDL, e.g. its indexes), into the file's
 * columns `into` (default: all): the seconds it took.
 */
function psqlCopy(url: string, name: string, columns: string, file: string, extra = "", into = ""): number {
  const run = (command: string) => {
    const result = spawnSync("psql", [url, "-v", "ON_ERROR_STOP=1", "-q", "-c", command], { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`psql: ${result.stderr}`);
  };
  run(`drop table if exists ${name}; create table ${name} (${columns}); ${extra}`);
  const start = performance.now();
  run(`\\copy ${name} ${into} from '${file}' with (format csv, header)`);
  return (performance.now() - start) / 1000;
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
    const copySeconds = psqlCopy(
      URL_,
      "bench_plain_readings",
      "asset_id uuid, interval_start timestamptz, import_kwh numeric, export_kwh numeric",
      file,
    );
    // The same file straight into a table keyed and indexed as meter_readings is for these rows: a random uuid
    // primary key, the unique key (source, external_id) — here (source, asset_id, interval_start), the reading's own
    // key —, the (asset_id, interval_start) index and the registers' check; (its unit index is partial: empty here).
    const indexedSeconds = psqlCopy(
      URL_,
      "bench_indexed_readings",
      `id uuid primary key default gen_random_uuid(), source text not null default 'bench', asset_id uuid,
       interval_start timestamptz, import_kwh numeric, export_kwh numeric, check (import_kwh >= 0 and export_kwh >= 0)`,
      file,
      `create unique index on bench_indexed_readings (source, asset_id, interval_start);
       create index on bench_indexed_readings (asset_id, interval_start)`,
      "(asset_id, interval_start, import_kwh, export_kwh)",
    );
    const r = first.value.report;
    say(
      `meter readings   ${READINGS} rows (${mb(size)}): ingest ${first.value.seconds.toFixed(2)} s = ${Math.round(READINGS / first.value.seconds)} rows/s ` +
        `(inserted ${r.inserted}, rejected ${r.rejected}); psql \\copy ${copySeconds.toFixed(2)} s = ${Math.round(READINGS / copySeconds)} rows/s; ` +
        `ratio ${(copySeconds / first.value.seconds).toFixed(2)}`,
    );
    say(
      `  psql \\copy into an indexed table (uuid pk, unique key, index, check) ${indexedSeconds.toFixed(2)} s; ` +
        `ratio ${(indexedSeconds / first.value.seconds).toFixed(2)}`,
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
    const ukpnCopy = psqlCopy(
      URL_,
      "bench_plain_ukpn",
      header
        .split(",")
        .map((c) => `"${c}" text`)
        .join(", "),
      UKPN_FILE.pathname,
    );
    const u = ukpn.value.report;
    say(
      `UKPN extract     ${ukpnRows} rows: ingest ${ukpn.value.seconds.toFixed(2)} s = ${Math.round(ukpnRows / ukpn.value.seconds)} rows/s ` +
        `(inserted ${u.inserted}, same-key rows ${u.duplicates}, rejected ${u.rejected}); psql \\copy ${ukpnCopy.toFixed(2)} s; ratio ${(ukpnCopy / ukpn.value.seconds).toFixed(2)}`,
    );
    say(
      `  replay          inserted ${ukpnReplay.report.inserted}, updated ${ukpnReplay.report.updated}, repeats ${ukpnReplay.report.repeats}`,
    );
    spawnSync("psql", [URL_, "-q", "-c", "drop table if exists bench_plain_readings, bench_indexed_readings, bench_plain_ukpn"]);
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
