/**
 * Bulk ingest through the gateway, over real HTTP (issue 10 items 2 and 7): files streamed to POST /ingest/<entity>,
 * exactly once per (source, source record id), every rejected row coded, access per row, nothing of a broken file.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { countRows } from "@sfe/kit/testing";
import { ingestCli } from "@sfe/stack/ingest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Credential, codes, gql, gqlOk, mpan, PASSWORD, signIn, startTestStack } from "./helpers.js";

let stack: Awaited<ReturnType<typeof startTestStack>>;
type Account = Awaited<ReturnType<typeof stack.signUp>>;
let louis: Account;
let rival: Account;
let ed: Account & { verified: Credential };
let louisAsset = "";
let rivalAsset = "";
let productId = "";

const REGISTER_ASSET = `mutation ($o: ID!, $m: String!) { registerAsset(input: { ownerId: $o, name: "Battery", categoryCode: "BESS",
  importCapacityKw: 500, exportCapacityKw: 500, energyCapacityKwh: 1000, meterPointId: $m }) { asset { id } } }`;
const HEADER = "assetId,intervalStart,importKwh,exportKwh";

const ingestUrl = (path: string, query: Record<string, string>) =>
  `${stack.url.replace(/graphql$/, `ingest/${path}`)}?${new URLSearchParams(query)}`;
const bearer = (credential: Credential): Record<string, string> =>
  credential && "token" in credential ? { authorization: `Bearer ${credential.token}` } : {};

async function post(path: string, query: Record<string, string>, body: string, credential: Credential) {
  const response = await fetch(ingestUrl(path, query), {
    method: "POST",
    headers: { "content-type": "text/csv", ...bearer(credential) },
    body,
  });
  return { status: response.status, body: (await response.json()) as any };
}

const readings = (asset: string, from: number, n: number) =>
  Array.from({ length: n }, (_, i) => `${asset},${new Date(Date.UTC(2025, 5, 1) + (from + i) * 1_800_000).toISOString()},1.5,0`);

beforeAll(async () => {
  stack = await startTestStack();
  louis = await stack.signUp("louis@ingest-flex.test", "FSP", "Ingest Flex Ltd");
  rival = await stack.signUp("rival@ingest-other.test", "FSP", "Ingest Other Ltd");
  const so = await stack.signUp("ed@ingest-ukpn.test", "SYSTEM_OPERATOR", "UK Power Networks (ingest)");
  await gqlOk(stack.url, `mutation ($u: ID!) { verifySystemOperator(userId: $u) { user { status } } }`, { u: so.userId }, stack.admin);
  ed = { ...so, verified: await signIn(stack.url, "ed@ingest-ukpn.test", PASSWORD) };
  louisAsset = (await gqlOk(stack.url, REGISTER_ASSET, { o: louis.organisationId, m: mpan(12, 8101) }, louis.as)).registerAsset.asset.id;
  rivalAsset = (await gqlOk(stack.url, REGISTER_ASSET, { o: rival.organisationId, m: mpan(12, 8102) }, rival.as)).registerAsset.asset.id;
  const input = {
    ownerId: ed.organisationId,
    code: "INGEST_SA",
    name: "Scheduled Availability",
    serviceType: "AVAILABILITY_AND_UTILISATION",
    directions: ["DEMAND_TURN_DOWN"],
    minimumCapacityKw: 10,
  };
  productId = (
    await gqlOk(stack.url, `mutation ($i: CreateProductInput!) { createProduct(input: $i) { product { id } } }`, { i: input }, ed.verified)
  ).createProduct.product.id;
}, 180_000);
afterAll(() => stack?.stop());

describe("meter readings through the gateway", () => {
  it("ingests once, reports repeats on replay, and refuses rows for another FSP's asset with FORBIDDEN", async () => {
    const file = `${[HEADER, ...readings(louisAsset, 0, 20), ...readings(rivalAsset, 0, 1)].join("\n")}\n`;
    const before = stack.requestCounts().assets ?? 0;
    const first = await post("meter-readings", { source: "ingest-e2e" }, file, louis.as);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: "COMPLETED", rows: 21, inserted: 20, rejected: 1 });
    expect(first.body.rejections).toMatchObject([{ row: 21, field: "assetId", code: "FORBIDDEN" }]);
    // the file's assets were looked up in one batched call, not one per row
    expect((stack.requestCounts().assets ?? 0) - before).toBe(1);

    const replay = await post("meter-readings", { source: "ingest-e2e" }, file, louis.as);
    expect(replay.body).toMatchObject({ inserted: 0, updated: 0, repeats: 20 });
    expect(await countRows(stack.database, "transactions.meter_readings")).toBe(20);

    // the rival cannot write Louis's readings, nor see his batches
    const rivalTry = await post(
      "meter-readings",
      { source: "ingest-e2e", mode: "all-or-nothing" },
      `${HEADER}\n${readings(louisAsset, 100, 1)[0]}\n`,
      rival.as,
    );
    expect(rivalTry.status).toBe(422);
    expect(rivalTry.body).toMatchObject({ status: "REJECTED", inserted: 0, rejections: [{ row: 1, code: "FORBIDDEN" }] });
    const batch = `query ($id: ID!) { ingestBatch(id: $id) { id status inserted repeats organisation { id } } }`;
    expect((await gqlOk(stack.url, batch, { id: first.body.batchId }, rival.as)).ingestBatch).toBeNull();
    expect((await gqlOk(stack.url, batch, { id: first.body.batchId }, louis.as)).ingestBatch).toMatchObject({
      status: "COMPLETED",
      inserted: 20,
      organisation: { id: louis.organisationId },
    });
  });

  it("a client that breaks off mid-file leaves none of its rows", async () => {
    const before = await countRows(stack.database, "transactions.meter_readings");
    const url = new URL(ingestUrl("meter-readings", { source: "ingest-e2e-broken" }));
    await new Promise<void>((resolve) => {
      const req = httpRequest(url, { method: "POST", headers: { "content-type": "text/csv", ...bearer(louis.as) } });
      req.on("error", () => resolve());
      req.write(`${HEADER}\n`);
      let sent = 0;
      const pump = () => {
        req.write(`${readings(louisAsset, 1000 + sent, 2_000).join("\n")}\n`);
        sent += 2_000;
        if (sent < 12_000) setTimeout(pump, 20);
        else
          setTimeout(() => {
            req.destroy();
            resolve();
          }, 200);
      };
      pump();
    });
    // the batch ends FAILED once the subgraph hears the body broke off
    const failed = `{ ingestBatches(first: 5) { source status inserted } }`;
    for (let i = 0; i < 100; i++) {
      const { ingestBatches } = await gqlOk(stack.url, failed, {}, louis.as);
      if (ingestBatches.find((b: { source: string; status: string }) => b.source === "ingest-e2e-broken" && b.status !== "RUNNING")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const { ingestBatches } = await gqlOk(stack.url, failed, {}, louis.as);
    expect(ingestBatches.find((b: { source: string }) => b.source === "ingest-e2e-broken")).toMatchObject({
      status: "FAILED",
      inserted: 0,
    });
    expect(await countRows(stack.database, "transactions.meter_readings")).toBe(before);
  });

  it("refuses callers without credentials, the wrong role, bad settings and files too large to take", async () => {
    expect((await post("meter-readings", { source: "x" }, `${HEADER}\n`, null)).status).toBe(401);
    const wrongRole = await post("dispatch-instructions", {}, "x\n", louis.as);
    expect(wrongRole).toMatchObject({ status: 403, body: { errors: [{ extensions: { code: "FORBIDDEN" } }] } });
    expect((await post("meter-readings", {}, `${HEADER}\n`, louis.as)).body.errors[0].message).toMatch(/source is required/);
    expect((await post("meter-readings", { source: "x", mode: "maybe" }, `${HEADER}\n`, louis.as)).status).toBe(400);
    const missing = await post("meter-readings", { source: "x" }, "assetId,intervalStart\n", louis.as);
    expect(missing).toMatchObject({ status: 400 });
    expect(missing.body.errors[0].message).toMatch(/lacks the column\(s\) importKwh, exportKwh/);
    expect((await post("nothing-here", { source: "x" }, "a\n", louis.as)).status).toBe(404);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(new URL(ingestUrl("meter-readings", { source: "x" })), {
        method: "POST",
        headers: { "content-type": "text/csv", "content-length": String(2 * 1024 ** 3), ...bearer(louis.as) },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on("error", reject);
      req.flushHeaders();
    });
    expect(status).toBe(413);
    // investors never list transactions' batches
    const investor = await stack.signUp("emma@ingest-invest.test", "INVESTOR", "Ingest Capital");
    expect(codes(await gql(stack.url, `{ ingestBatches { id } }`, {}, investor.as))).toEqual(["FORBIDDEN"]);
  });
});

describe("UKPN dispatches through the gateway", () => {
  it("the product's SO ingests an export: prices and MWh kept, a replay adds nothing", async () => {
    const ukpn = readFileSync(
      new URL("../stack/data/ukpn-flexibility-dispatches-ev-dsr-subset-2024-05-to-2025-12.csv", import.meta.url),
      "utf8",
    );
    const file = `${ukpn.split(/\r?\n/).slice(0, 301).join("\n")}\n`;
    const first = await post("dispatch-instructions", { productId }, file, ed.verified);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: "COMPLETED", rows: 300, rejected: 0, source: "ukpn-flexibility-dispatches" });
    expect(first.body.inserted + first.body.duplicates).toBe(300);
    const replay = await post("dispatch-instructions", { productId }, file, ed.verified);
    expect(replay.body).toMatchObject({ inserted: 0, updated: 0, repeats: first.body.inserted });
    const { dispatchInstructions } = await gqlOk(stack.url, `{ dispatchInstructions(first: 500) { id } }`, {}, ed.verified);
    expect(dispatchInstructions.length).toBe(first.body.inserted);
  });
});

describe("the ingest command line", () => {
  it("streams a file to the gateway, prints each rejected row and exits 0, 1 or 2 as import-assets does", async () => {
    const folder = mkdtempSync(join(tmpdir(), "sfe-ingest-cli-"));
    const file = join(folder, "cli.csv");
    writeFileSync(file, `${[HEADER, ...readings(louisAsset, 5000, 3), `${louisAsset},2025-06-01T00:00:00Z,-2,0`].join("\n")}\n`);
    const lines: string[] = [];
    const out = { log: (l: string) => lines.push(l), error: (l: string) => lines.push(l) };
    const env = { SFE_URL: stack.url, SFE_TOKEN: (louis.as as { token: string }).token };
    expect(await ingestCli(["meter-readings", file, "--source=ingest-cli"], env, out)).toBe(1);
    expect(lines.join("\n")).toMatch(/cli\.csv: 4 rows read, 3 inserted, 0 updated, 0 already held, 1 rejected/);
    expect(lines.join("\n")).toMatch(/row 4, importKwh \[NEGATIVE_QUANTITY\]/);
    lines.length = 0;
    const good = join(folder, "good.csv");
    writeFileSync(good, `${[HEADER, ...readings(louisAsset, 5000, 3)].join("\n")}\n`);
    expect(await ingestCli(["meter-readings", good, "--source=ingest-cli"], env, out)).toBe(0);
    expect(lines.join("\n")).toMatch(/0 inserted, 0 updated, 3 already held, 0 rejected/);
    expect(await ingestCli(["meter-readings", good], env, out)).toBe(2); // no source
    expect(await ingestCli(["meter-readings", join(folder, "missing.csv"), "--source=x"], env, out)).toBe(2);
    expect(await ingestCli(["meter-readings", good, "--source=x"], { SFE_URL: stack.url }, out)).toBe(2);
    expect(await ingestCli(["meter-readings"], env, out)).toBe(2);
  });
});
