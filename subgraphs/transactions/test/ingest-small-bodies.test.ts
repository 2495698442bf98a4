import { readFileSync } from "node:fs";
import { type DatabaseHandle, type Identity, staticReferences } from "@sfe/kit";
import { as, orgs, setUpSubgraph } from "@sfe/kit/testing";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IngestRequest } from "../src/modules/ingest/engine.js";
import { ENTITY_SPECS, type IngestReport, runIngest } from "../src/modules/ingest/index.js";
import { createIngestBatchesRepository } from "../src/modules/ingest/repository.js";
import { ruleRoutes, transactionsSubgraph } from "./helpers.js";

// A body within SMALL_BODY_BYTES (a dispatch feed's batch) is read whole, its rows held and put into a temporary
// table inside the merge's transaction; a larger one is staged (and a UKPN export read in SQL) as before. The same
// file must give the same report and rows either way; whole or none; one organisation never takes another's record.
// Runs on PGlite by default and on Postgres with DATABASE_URL.
const productA = "9d0c0000-0000-4000-8000-00000000000a"; // SO A's
const productB = "9d0c0000-0000-4000-8000-00000000000b"; // SO B's
const references = staticReferences(
  { Product: { [productA]: { owner: { id: orgs.soA } }, [productB]: { owner: { id: orgs.soB } } } },
  ruleRoutes(), // the real rules engine, no rule in force; every SO covering the whole of GB
);

let handle: DatabaseHandle;
beforeAll(async () => {
  ({ handle } = await setUpSubgraph(transactionsSubgraph, references));
});
afterAll(() => handle.close());

const rows = async <T = Record<string, unknown>>(query: string): Promise<T[]> => {
  const result = (await handle.db.execute(sql.raw(query))) as unknown as { rows?: T[] } & T[];
  return result.rows ?? result;
};

const ukpn = readFileSync(
  new URL("../../../stack/data/ukpn-flexibility-dispatches-ev-dsr-subset-2024-05-to-2025-12.csv", import.meta.url),
  "utf8",
);
const [header, ...data] = ukpn.split(/\r?\n/).filter(Boolean);
const file = (lines: string[]) => `${[header, ...lines].join("\n")}\n`;

async function ingest(
  identity: Identity,
  body: string | AsyncIterable<string>,
  options: { source: string; smallBodyBytes?: number; mode?: IngestRequest["mode"]; productId?: string },
): Promise<IngestReport> {
  const spec = ENTITY_SPECS["dispatch-instructions"]!;
  return runIngest(
    {
      db: handle.db,
      batches: createIngestBatchesRepository(handle.db),
      context: { identity, references },
      ...(options.smallBodyBytes !== undefined && { smallBodyBytes: options.smallBodyBytes }),
    },
    {
      spec,
      adapter: "ukpn-dispatches",
      source: options.source,
      format: "CSV",
      mode: options.mode ?? "PARTIAL",
      fileName: null,
      params: new URLSearchParams({ productId: options.productId ?? productA }),
    },
    typeof body === "string" ? [body] : body,
  );
}

/** Line by line, so the staged path gets the body in many chunks (what is read first, then the rest). */
async function* chunked(text: string) {
  for (const line of text.split(/(?<=\n)/)) yield line;
}

const stored = (source: string) =>
  rows(
    `select source_row, external_id, unit_reference, product_id, issued_by_id, buyer_id, direction, set_point_mw,
            start_at, end_at, energy_mwh::text as mwh, price_gbp_per_mwh::text as price, status, details
     from transactions.dispatch_instructions where source = '${source}' order by source_row`,
  );
const scratchTables = async () =>
  (await rows<{ n: number }>(`select count(*)::int as n from pg_tables where tablename like 'ingest_stage%'`))[0]!.n;
const comparable = ({ batchId: _, source: __, ...report }: IngestReport) => report;

describe("small bodies", () => {
  it("give the report and rows the staged path gives, leave no scratch table, and a replay adds nothing", async () => {
    // Rows of the extract with a bad one (a negative quantity) and a repeated key (row 1 again, last wins).
    const bad = data[3]!.split(",");
    bad[7] = "-0.5"; // utilisation_mw_req
    const lines = [...data.slice(0, 200), bad.join(","), data[0]!];
    const text = file(lines);
    const before = await scratchTables();
    const held = await ingest(as.soA, text, { source: "small-held" });
    const staged = await ingest(as.soA, chunked(text), { source: "small-staged", smallBodyBytes: 1000 });
    expect(held).toMatchObject({ status: "COMPLETED", rows: 202, inserted: 200, duplicates: 1, rejected: 1 });
    expect(held.rejections).toMatchObject([{ row: 201, field: "utilisationMw", reason: "NEGATIVE_QUANTITY" }]);
    expect(comparable(held)).toEqual(comparable(staged));
    const heldRows = await stored("small-held");
    expect(heldRows).toHaveLength(200);
    expect(heldRows).toEqual(await stored("small-staged"));
    expect(heldRows.at(-1)).toMatchObject({ source_row: 202, issued_by_id: orgs.soA, product_id: productA });
    expect(await scratchTables()).toBe(before);

    const replay = await ingest(as.soA, text, { source: "small-held" });
    expect(replay).toMatchObject({ status: "COMPLETED", inserted: 0, updated: 0, repeats: 200, duplicates: 1 });
    expect(await stored("small-held")).toEqual(heldRows);
  });

  it("write nothing when the body breaks off or all-or-nothing refuses a row", async () => {
    const count = async () => (await rows<{ n: number }>(`select count(*)::int as n from transactions.dispatch_instructions`))[0]!.n;
    const before = await count();
    async function* broken() {
      yield `${header}\n`;
      for (const line of data.slice(0, 20)) yield `${line}\n`;
      throw new Error("connection reset");
    }
    await expect(ingest(as.soA, broken(), { source: "small-broken" })).rejects.toThrow("connection reset");
    const [batch] = await rows(`select status from transactions.ingest_batches where source = 'small-broken'`);
    expect(batch).toMatchObject({ status: "FAILED" });

    const bad = data[30]!.split(",");
    bad[3] = "Peak Shaving"; // product
    const refused = await ingest(as.soA, file([...data.slice(20, 30), bad.join(",")]), { source: "small-refused", mode: "ALL_OR_NOTHING" });
    expect(refused).toMatchObject({
      status: "REJECTED",
      inserted: 0,
      rejections: [{ row: 11, field: "product", reason: "UNKNOWN_ALIAS" }],
    });
    expect(await count()).toBe(before);
    expect(await scratchTables()).toBe(0);
  });

  it("run side by side, each in its own transaction's table", async () => {
    const files = [0, 1, 2, 3].map((k) => file(data.slice(300 + k * 25, 325 + k * 25)));
    const reports = await Promise.all(files.map((text, k) => ingest(as.soA, text, { source: `small-side-${k}` })));
    expect(reports.map((r) => r.inserted)).toEqual([25, 25, 25, 25]);
    for (let k = 0; k < 4; k++) {
      const ids = (await stored(`small-side-${k}`)).map((r) => r.unit_reference);
      expect(ids).toEqual(data.slice(300 + k * 25, 325 + k * 25).map((line) => line.split(",")[1]));
    }
  });

  it("refuse another organisation's records under the same keys, leaving them as they were", async () => {
    const text = file(data.slice(400, 405));
    expect(await ingest(as.soA, text, { source: "small-owned" })).toMatchObject({ inserted: 5 });
    const mine = await stored("small-owned");
    // SO B (its organisation) sends the same rows under the same source and keys
    const takeover = await ingest(as.nationalSo, text, { source: "small-owned", productId: productB });
    expect(takeover).toMatchObject({ inserted: 0, updated: 0, rejected: 5 });
    expect(takeover.rejections.map((r) => [r.row, r.code, r.reason])).toEqual(
      [1, 2, 3, 4, 5].map((row) => [row, "FORBIDDEN", "NOT_YOURS"]),
    );
    expect(await stored("small-owned")).toEqual(mine);
  });
});
