/**
 * `npm run bench`: the whole hub in one process on a fresh database with the demo data, then one
 * cross-subgraph query (assets with owner, awards and their products, dispatches, conflicts) for
 * growing numbers of assets. Reports subgraph requests per query and latency, and the ratios between
 * the largest and smallest N measured in this one run. Timings are printed, never asserted.
 */
import { createTestDatabase } from "@sfe/kit/testing";
import { startStack } from "@sfe/stack";
import { DEMO_PASSWORD, seedDemoData } from "../../stack/src/demo/seed.js";

const QUERY = /* GraphQL */ `
  query ($first: Int!) {
    assets(first: $first) {
      id name owner { name }
      awards { awardedMw product { name } }
      dispatches { setPointMw }
      conflicts { kind }
    }
  }`;
const SIZES = [10, 50, 100, 264];
const RUNS = Number(process.env.BENCH_RUNS ?? 30);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const database = await createTestDatabase();
const stack = await startStack({ database, port: 0, seed: (db) => seedDemoData(db), env: { OUTBOX_DIR: "/tmp/sfe-bench-outbox" } });
// The demo administrator sees the whole demo market.
const signIn = await fetch(stack.url, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({
    query: "mutation ($i: SignInInput!) { signIn(input: $i) { accessToken } }",
    variables: { i: { email: "admin@sfe-hub.example", password: DEMO_PASSWORD } },
  }),
});
const token = ((await signIn.json()) as { data: { signIn: { accessToken: string } } }).data.signIn.accessToken;
const counts = () => [...stack.subgraphs.values()].reduce((total, s) => total + s.requestCount(), 0);

async function query(first: number) {
  const response = await fetch(stack.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: QUERY, variables: { first } }),
  });
  const body = (await response.json()) as { data?: { assets: unknown[] }; errors?: unknown[] };
  if (body.errors || !body.data) throw new Error(JSON.stringify(body.errors));
  return body.data.assets.length;
}

try {
  const rows: { n: number; assets: number; requests: number; p50: number; p99: number }[] = [];
  for (const n of SIZES) {
    await query(n); // warm-up: query plan cache, connections
    const before = counts();
    const times: number[] = [];
    let assets = 0;
    for (let i = 0; i < RUNS; i++) {
      const start = performance.now();
      assets = await query(n);
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    rows.push({ n, assets, requests: (counts() - before) / RUNS, p50: percentile(times, 50), p99: percentile(times, 99) });
  }
  console.log(`\nassets with owner, awards → product, dispatches, conflicts (${database.kind}, ${RUNS} runs each)\n`);
  console.log("first  assets  subgraph requests/query  p50 ms  p99 ms");
  for (const r of rows) {
    console.log(
      `${String(r.n).padStart(5)}  ${String(r.assets).padStart(6)}  ${r.requests.toFixed(1).padStart(23)}  ${r.p50.toFixed(1).padStart(6)}  ${r.p99.toFixed(1).padStart(6)}`,
    );
  }
  const [small, large] = [rows[0]!, rows.at(-1)!];
  console.log(
    `\nratios, ${large.assets} vs ${small.assets} assets (×${(large.assets / small.assets).toFixed(1)}): ` +
      `subgraph requests ×${(large.requests / small.requests).toFixed(2)}, p50 latency ×${(large.p50 / small.p50).toFixed(2)}`,
  );
} finally {
  await stack.stop();
  await database.close();
}
