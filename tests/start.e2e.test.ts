/**
 * `npm start` as a user runs it, in a child process: what it connects to, and what production mode turns off.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { gql, gqlOk, signIn } from "./helpers.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const RECORDER = fileURLToPath(new URL("./support/record-connections.mjs", import.meta.url));

interface StartedHub {
  url: string;
  /** Every port the hub printed as its own (gateway, subgraphs, CAR stand-in). */
  ports: Set<number>;
  /** What it printed until it was up. */
  output: string;
  connections(): { kind: string; host?: string; port?: number; path?: string }[];
  stop(): Promise<void>;
}

const started: StartedHub[] = [];
afterAll(async () => {
  for (const hub of started) await hub.stop();
});

/** Runs stack/src/start.ts on free ports and a fresh embedded database, recording outbound connections. */
async function startHub(env: Record<string, string>): Promise<StartedHub> {
  const dir = mkdtempSync(join(tmpdir(), "sfe-start-"));
  const record = join(dir, "connections.jsonl");
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    PORT: "0",
    PGLITE_DIR: join(dir, "pglite"),
    OUTBOX_DIR: join(dir, "outbox"),
    RECORD_CONNECTIONS_FILE: record,
    ...env,
  };
  // As a user's shell has it: neither Apollo's switch nor a test database.
  delete childEnv.APOLLO_TELEMETRY_DISABLED;
  delete childEnv.DATABASE_URL;
  delete childEnv.VITEST;
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "--import", RECORDER, "stack/src/start.ts"], {
    cwd: ROOT,
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not come up:\n${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(/SFE Hub is running: (\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`npm start exited (${code}):\n${output}`)));
  });
  const ports = new Set([...output.matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1])));
  const hub: StartedHub = {
    url,
    ports,
    output,
    connections: () =>
      readFileSync(record, "utf8")
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line)),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  started.push(hub);
  return hub;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

// Each test starts the hub (migrations, the demo data): well past the default 30 s on a busy machine.
describe("npm start", { timeout: 120_000 }, () => {
  it("opens no connection but to its own subgraphs and registries, with Apollo's telemetry unset", async () => {
    const hub = await startHub({ DEMO_DATA: "true" });
    const admin = await signIn(hub.url, "admin@sfe-hub.example", "Demo-Flexibility-2025");
    const data = await gqlOk(
      hub.url,
      `{ assets(first: 3) { name owner { name } carRecord { installer } awards { product { name } } } }`,
      {},
      admin,
    );
    expect(data.assets).toHaveLength(3);
    // Give anything started in the background (cloud metadata detectors, metric exporters) time to try.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const outbound = hub.connections().filter((c) => c.kind !== "connect" || !c.path);
    expect(outbound.length).toBeGreaterThan(0); // the recorder works: subgraph and CAR calls are seen
    const foreign = outbound.filter((c) => !LOOPBACK.has(String(c.host)) || (c.kind === "connect" && !hub.ports.has(c.port!)));
    expect(foreign).toEqual([]);
  });

  it("turns off introspection, field suggestions and the landing page with NODE_ENV=production", async () => {
    const hub = await startHub({ DEMO_DATA: "false", NODE_ENV: "production" });
    const introspection = await gql(hub.url, `{ __schema { queryType { name } } }`);
    expect(introspection.errors?.[0]?.message).toMatch(/introspection/i);
    const typo = await gql(hub.url, `{ asets { id } }`);
    expect(typo.errors?.[0]?.message).not.toMatch(/Did you mean/);
    const landing = await fetch(hub.url, { headers: { accept: "text/html" } });
    expect(await landing.text()).not.toMatch(/<html/i);
  });

  it("serves the example SO subgraph's fields with SO_SUBGRAPH_EXAMPLE=true: to a signed-in demo account, never to an anonymous caller", async () => {
    const hub = await startHub({ DEMO_DATA: "true", SO_SUBGRAPH_EXAMPLE: "true" });
    const soUrl = hub.output.match(/so_example\s+(http:\/\/127\.0\.0\.1:\d+\/graphql) \(extra subgraph\)/)?.[1];
    expect(soUrl).toBeDefined();
    const query = `{ products(first: 2) { code soRequirements { notes minimumAvailabilityPct maxResponseSeconds } } }`;
    const louis = await signIn(hub.url, "louis@newflex.example", "Demo-Flexibility-2025");
    const data = await gqlOk(hub.url, query, {}, louis);
    expect(data.products).toHaveLength(2);
    for (const product of data.products) {
      expect(product.soRequirements).toEqual({
        notes: expect.any(String),
        minimumAvailabilityPct: expect.any(Number),
        maxResponseSeconds: expect.any(Number),
      });
    }
    // Anonymous through the gateway: refused, nothing of the SO's answered; straight to the SO subgraph: 401.
    const anonymous = await gql(hub.url, query);
    expect(anonymous.errors?.map((error) => error.extensions?.code)).toContain("UNAUTHENTICATED");
    expect(JSON.stringify(anonymous.data ?? null)).not.toMatch(/soRequirements|notes/);
    const direct = await fetch(soUrl!, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: `{ _entities(representations: [{ __typename: "Product", id: "x" }]) { ... on Product { soRequirements { notes } } } }`,
      }),
    });
    expect(direct.status).toBe(401);
  });
});
