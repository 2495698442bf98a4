/**
 * `npm run bench` (second part): 1,000 assets with Central Asset Register fields through the gateway.
 * Reports CAR requests per query (must be ceil(N / 100), not N), latency p50/p99 with the CAR cache off
 * and warm, measured in one run. Timings are printed, never asserted.
 */
import { createCarRegistry, demoRegister, mpanCore } from "@sfe/car-registry";
import { assets } from "@sfe/assets/db";
import { createTestDatabase } from "@sfe/kit/testing";
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

/** Bulk registration through the gateway's POST /assets/import: rows per second for BULK_ROWS rows. */
async function bulk(rows: number) {
  const { stack, database, token } = await hub(30_000);
  try {
    const header = "ownerId,name,categoryCode,importCapacityKw,exportCapacityKw,meterPointId,attr.chargePointCount";
    const fsp = await post(
      stack.url,
      `mutation { registerOrganisation(input: { name: "Bench FSP", roles: [FSP] }) { organisation { id } } }`,
      {},
      token,
    );
    const owner = fsp.registerOrganisation.organisation.id as string;
    const lines = Array.from(
      { length: rows },
      (_, i) => `${owner},EV charger ${i},EV_CHARGER,7,0,${mpanCore(10 + (i % 14), 5_000_000 + i)},1`,
    );
    const start = performance.now();
    const response = await fetch(stack.url.replace(/\/graphql$/, "/assets/import"), {
      method: "POST",
      headers: { "content-type": "text/csv", authorization: `Bearer ${token}` },
      body: `${header}\n${lines.join("\n")}\n`,
    });
    const report = (await response.json()) as { accepted: number; rejected: unknown[] };
    const seconds = (performance.now() - start) / 1000;
    console.log(
      `\nbulk registration through the gateway: ${report.accepted} of ${rows} rows accepted (${report.rejected.length} rejected) ` +
        `in ${seconds.toFixed(2)} s = ${Math.round(report.accepted / seconds)} rows/s`,
    );
  } finally {
    await stack.stop();
    await database.close();
  }
}

try {
  console.log(
    `\n${N} assets with CAR fields through the gateway (${process.env.DATABASE_URL ? "postgres" : "pglite"}, ${RUNS} runs each)\n`,
  );
  console.log("CAR cache              assets  CAR req/query   p50 ms   p99 ms");
  const cold = await measure("off (every query)", 0);
  const warm = await measure("warm (30 s TTL)", 30_000);
  console.log(
    `\nCAR requests per query: ${cold.perQuery} = ceil(${N} / 100) with the cache off, ${warm.perQuery} warm; p50 warm / cold ×${(warm.p50 / cold.p50).toFixed(2)}`,
  );
  await bulk(Number(process.env.BULK_ROWS ?? 10_000));
} finally {
  await car.stop();
}
