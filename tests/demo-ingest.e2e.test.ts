/**
 * The demo data is a user of the ingest adapters (issue 10 item 2): its NESO and UKPN records carry the adapters'
 * source names and source record ids and the values the ingest route writes, so ingesting the shipped files through
 * the gateway after the demo adds nothing and reports every row as a repeat.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { countRows } from "@sfe/kit/testing";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORD, seedDemoData } from "../stack/src/demo/seed.js";
import { NESO_DC_FILE, UKPN_DISPATCH_FILE } from "../stack/src/demo/sources.js";
import { type Credential, signIn, startTestStack } from "./helpers.js";

let stack: Awaited<ReturnType<typeof startTestStack>>;
let admin: Credential;
const productIds = new Map<string, string>();

const dataFile = (name: string) => readFileSync(fileURLToPath(new URL(`../stack/data/${name}`, import.meta.url)));

async function ingest(path: string, query: Record<string, string>, body: Buffer) {
  const url = `${stack.url.replace(/graphql$/, `ingest/${path}`)}?${new URLSearchParams(query)}`;
  const token = admin && "token" in admin ? admin.token : "";
  const response = await fetch(url, { method: "POST", headers: { "content-type": "text/csv", authorization: `Bearer ${token}` }, body });
  return { status: response.status, body: (await response.json()) as any };
}

const rowsOf = <T>(result: unknown): T[] => ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];

beforeAll(async () => {
  stack = await startTestStack({ seed: (database) => seedDemoData(database) });
  admin = await signIn(stack.url, "admin@sfe-hub.example", DEMO_PASSWORD);
  const products = rowsOf<{ id: string; code: string }>(
    await stack.database.db.execute(sql`select id::text, code from products.products where code in ('PR', 'LTU', 'SAOU', 'DA', 'DCL')`),
  );
  for (const p of products) productIds.set(p.code, p.id);
}, 600_000); // the demo load runs the conflict detector over every commitment

afterAll(() => stack?.stop());

describe("the demo's NESO and UKPN records are the ingest adapters'", { timeout: 300_000 }, () => {
  it("ingesting the shipped UKPN extract after the demo inserts nothing: every row a repeat", async () => {
    const before = await countRows(stack.database, "transactions.dispatch_instructions");
    const { status, body } = await ingest(
      "dispatch-instructions",
      {
        "product.PEAK_REDUCTION": productIds.get("PR")!,
        "product.LONG_TERM_UTILISATION": productIds.get("LTU")!,
        "product.SCHEDULED_AVAILABILITY": productIds.get("SAOU")!,
        "product.DAY_AHEAD": productIds.get("DA")!,
      },
      dataFile(UKPN_DISPATCH_FILE),
    );
    expect(status).toBe(200);
    expect(body.rejections.slice(0, 3)).toEqual([]);
    expect(body).toMatchObject({ status: "COMPLETED", source: "ukpn-flexibility-dispatches", inserted: 0, updated: 0, rejected: 0 });
    expect(body.rows).toBeGreaterThan(10_000);
    expect(body.repeats + body.duplicates).toBe(body.rows);
    expect(await countRows(stack.database, "transactions.dispatch_instructions")).toBe(before);
  });

  it("ingesting the NESO DC masterdata after the demo, as bids and as awards, inserts nothing: every row a repeat", async () => {
    const file = dataFile(NESO_DC_FILE);
    const [bidsBefore, awardsBefore] = [
      await countRows(stack.database, "transactions.bids"),
      await countRows(stack.database, "transactions.awards"),
    ];
    const product = { "product.DC_LF": productIds.get("DCL")! };
    const bids = await ingest("bids", product, file);
    expect([bids.status, bids.status === 200 ? null : bids.body]).toEqual([200, null]);
    expect(bids.body.rejections.slice(0, 3)).toEqual([]);
    expect(bids.body).toMatchObject({ status: "COMPLETED", source: "neso-dc-masterdata", inserted: 0, updated: 0, rejected: 0 });
    expect(bids.body.rows).toBeGreaterThan(3000);
    expect(bids.body.repeats).toBe(bids.body.rows);

    const awards = await ingest("awards", product, file);
    expect([awards.status, awards.status === 200 ? null : awards.body]).toEqual([200, null]);
    expect(awards.body.rejections.slice(0, 3)).toEqual([]);
    expect(awards.body).toMatchObject({ status: "COMPLETED", inserted: 0, updated: 0, rejected: 0 });
    expect(awards.body.repeats).toBeGreaterThan(0);
    expect(awards.body.repeats + awards.body.skipped).toBe(awards.body.rows);
    expect([await countRows(stack.database, "transactions.bids"), await countRows(stack.database, "transactions.awards")]).toEqual([
      bidsBefore,
      awardsBefore,
    ]);
  });
});
