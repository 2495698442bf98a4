import { readFileSync } from "node:fs";
import { type DatabaseHandle, type Identity, staticReferences } from "@sfe/kit";
import { as, orgs, setUpSubgraph } from "@sfe/kit/testing";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IngestRequest } from "../src/modules/ingest/engine.js";
import { ENTITY_SPECS, type IngestReport, runIngest } from "../src/modules/ingest/index.js";
import { createIngestBatchesRepository } from "../src/modules/ingest/repository.js";
import { ruleRoutes, transactionsSubgraph } from "./helpers.js";

// Bids and awards from NESO DC masterdata (real rows of stack/data), through the engine, on the test's database.
const assetA = "a55e0000-0000-4000-8000-0000000000a1"; // FSP A's, Response Unit AG-MFLX02
const assetB = "a55e0000-0000-4000-8000-0000000000b1"; // FSP B's, Response Unit ARNKB-1
const assetGone = "a55e0000-0000-4000-8000-0000000000c1"; // de-registered
const productA = "9d0c0000-0000-4000-8000-0000000000a1"; // SO A's DC LF
const productB = "9d0c0000-0000-4000-8000-0000000000b1"; // SO B's
const unitA = "0e170000-0000-4000-8000-0000000000a1"; // FSP A's market unit, in _C and _K
const unknownProduct = "9d0c0000-0000-4000-8000-0000000000ff";

const references = staticReferences(
  {
    Asset: {
      [assetA]: { owner: { id: orgs.fspA }, status: "REGISTERED", externalId: "AG-MFLX02", location: { gspGroup: "_C" } },
      [assetB]: { owner: { id: orgs.fspB }, status: "REGISTERED", externalId: "ARNKB-1" },
      [assetGone]: { owner: { id: orgs.fspB }, status: "DEREGISTERED", externalId: "GONE-1" },
    },
    MarketUnit: { [unitA]: { owner: { id: orgs.fspA }, gspGroups: ["_C", "_K"] } },
    Product: { [productA]: { owner: { id: orgs.soA } }, [productB]: { owner: { id: orgs.soB } } },
  },
  ruleRoutes(), // the real rules engine, no rule in force; every subject qualified
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

async function ingest(
  identity: Identity,
  path: string,
  body: string,
  options: {
    mode?: IngestRequest["mode"];
    params?: Record<string, string>;
    adapter?: string;
    format?: IngestRequest["format"];
  } = {},
): Promise<IngestReport> {
  const spec = ENTITY_SPECS[path]!;
  const adapter = options.adapter ?? "neso-dc-masterdata";
  // The route puts the request's source in the parameters; a fixed-source adapter's is its own.
  const source = spec.adapters[adapter]!.source ?? "acme-market";
  return runIngest(
    { db: handle.db, batches: createIngestBatchesRepository(handle.db), context: { identity, references, db: handle.db } },
    {
      spec,
      adapter,
      source,
      format: options.format ?? "CSV",
      mode: options.mode ?? "PARTIAL",
      fileName: null,
      params: new URLSearchParams({ source, ...(options.params ?? (adapter === "generic" ? {} : { "product.DC_LF": productA })) }),
    },
    [body],
  );
}

const file = readFileSync(
  new URL("../../../stack/data/neso-dynamic-containment-masterdata-2020-10-to-2021-04.csv", import.meta.url),
  "utf8",
);
const [HEADER, ...DATA] = file.split(/\r?\n/).filter(Boolean);
const of = (unit: string, nth = 0) => DATA.filter((l) => l.split(",")[3] === unit)[nth]!;
const csv = (...lines: string[]) => `${[HEADER, ...lines].join("\n")}\n`;
/** A real row with some cells replaced (by column index). */
const edit = (line: string, cells: Record<number, string>) =>
  line
    .split(",")
    .map((c, i) => cells[i] ?? c)
    .join(",");

const withdrawn = DATA.find((l) => l.startsWith("Withdraw") && l.split(",")[3] === "AG-MFLX02")!;
// The file's rejected DC LF rows are other units'; one of AG-MFLX02's, rejected (NESO's rejection code 2).
const rejected = edit(of("AG-MFLX02", 2), { 8: "0", 15: "Rejected", 16: "2" });
const FIRST = csv(of("AG-MFLX02", 0), of("AG-MFLX02", 1), of("ARNKB-1", 0), rejected, withdrawn);

describe("bids from NESO DC masterdata", () => {
  it("maps each Response Unit to its asset, keeps the outcome, provenance and fee; a replay adds nothing", async () => {
    const first = await ingest(as.soA, "bids", FIRST);
    expect(first).toMatchObject({ status: "COMPLETED", rows: 5, inserted: 5, updated: 0, repeats: 0, rejected: 0 });
    const stored = await rows<Record<string, unknown>>(
      `select external_id, asset_id::text, provider_id::text, bidder_id::text, buyer_id::text, status, quantity_mw, source, source_row,
              availability_price_gbp_per_mw_h::text as fee, jsonb_array_length(periods) as blocks, details->>'responseUnit' as unit
       from transactions.bids where ingest_batch_id = '${first.batchId}' order by source_row`,
    );
    expect(stored[0]).toMatchObject({
      external_id: "20201002 AG-MFLX02",
      asset_id: assetA,
      provider_id: orgs.fspA,
      bidder_id: orgs.fspA,
      buyer_id: orgs.soA,
      status: "ACCEPTED",
      quantity_mw: 49,
      source: "neso-dc-masterdata",
      source_row: 1,
      fee: "15.0300",
      blocks: 6,
      unit: "AG-MFLX02",
    });
    expect(stored[2]).toMatchObject({ asset_id: assetB, provider_id: orgs.fspB });
    expect(stored.map((s) => s.status)).toEqual(["ACCEPTED", "ACCEPTED", "ACCEPTED", "REJECTED", "WITHDRAWN"]);

    const replay = await ingest(as.soA, "bids", FIRST);
    expect(replay).toMatchObject({ rows: 5, inserted: 0, updated: 0, repeats: 5 });
    expect(await rows(`select count(*)::int as n from transactions.bids`)).toEqual([{ n: 5 }]);
  });

  it("an overlapping second file adds only its new rows", async () => {
    const report = await ingest(as.soA, "bids", csv(of("AG-MFLX02", 1), of("ARNKB-1", 0), of("ARNKB-1", 1)));
    expect(report).toMatchObject({ inserted: 1, repeats: 2 });
    expect(await rows(`select count(*)::int as n from transactions.bids`)).toEqual([{ n: 6 }]);
  });

  it("a changed fee is an update with its audit event; an outcome changed after the fact is refused (lifecycle)", async () => {
    const feeChanged = edit(of("ARNKB-1", 1), { 12: "99.5" });
    const outcomeChanged = edit(of("AG-MFLX02", 0), { 15: "Rejected" });
    const report = await ingest(as.soA, "bids", csv(feeChanged, outcomeChanged));
    expect(report).toMatchObject({
      inserted: 0,
      updated: 1,
      rejections: [{ row: 2, field: "status", code: "CONFLICT", reason: "LIFECYCLE" }],
    });
    const [event] = await rows<{ before: { availability_price_gbp_per_mw_h: string }; after: { availability_price_gbp_per_mw_h: string } }>(
      `select before, after from transactions.audit_events where entity_type = 'Bid' and action = 'UPDATE'`,
    );
    expect(Number(event!.after.availability_price_gbp_per_mw_h)).toBe(99.5);
    expect(Number(event!.before.availability_price_gbp_per_mw_h)).not.toBe(99.5);
    expect(await rows(`select status from transactions.bids where external_id = '20201002 AG-MFLX02'`)).toEqual([{ status: "ACCEPTED" }]);
  });

  it("codes every bad row; all-or-nothing then writes nothing", async () => {
    const base = of("AG-MFLX02", 5);
    const bad = csv(
      base, // 1 fine
      edit(base, { 3: "NOBODY-1", 2: "20201007 NOBODY-1" }), // 2 unknown unit
      edit(base, { 0: "DC Medium" }), // 3 unknown market alias
      edit(base, { 7: "-4" }), // 4 negative MW
      edit(base, { 9: "2020-10-06T22:30:00Z" }), // 5 not an EFA boundary
      edit(base, { 1: "31-02-20" }), // 6 no such date
      edit(base, { 3: "GONE-1", 2: "20201007 GONE-1" }), // 7 a de-registered asset
      edit(base, { 0: "DC HF" }), // 8 no hub product named for DC HF
    );
    const before = await rows(`select count(*)::int as n from transactions.bids`);
    const all = await ingest(as.soA, "bids", bad, { mode: "ALL_OR_NOTHING" });
    const expected = [
      { row: 2, field: "unit", code: "BAD_USER_INPUT", reason: "UNKNOWN_UNIT" },
      { row: 3, field: "market", code: "BAD_USER_INPUT", reason: "UNKNOWN_ALIAS" },
      { row: 4, field: "volumeOfferedMw", code: "BAD_USER_INPUT", reason: "NEGATIVE_QUANTITY" },
      { row: 5, field: "start", code: "BAD_USER_INPUT", reason: "NOT_ON_EFA_BOUNDARY" },
      { row: 6, field: "deliveryDate", code: "BAD_USER_INPUT", reason: "MALFORMED_DATE" },
      { row: 7, field: "unit", code: "CONFLICT", reason: "UNIT_DEREGISTERED" },
      { row: 8, field: "market", code: "BAD_USER_INPUT", reason: "UNMAPPED_PRODUCT" },
    ];
    expect(all).toMatchObject({ status: "REJECTED", inserted: 0, rejected: 7 });
    expect(all.rejections.map(({ row, field, code, reason }) => ({ row, field, code, reason }))).toEqual(expected);
    expect(await rows(`select count(*)::int as n from transactions.bids`)).toEqual(before);

    const partial = await ingest(as.soA, "bids", bad);
    expect(partial).toMatchObject({ status: "COMPLETED", inserted: 1, rejected: 7 });
  });

  it("another SO may not ingest bids for SO A's product, nor take over SO A's records with its own", async () => {
    const foreign = await ingest(as.nationalSo, "bids", csv(of("ARNKB-1", 3)));
    expect(foreign).toMatchObject({ inserted: 0, rejections: [{ row: 1, field: "market", code: "FORBIDDEN", reason: "NOT_YOURS" }] });
    const takeover = await ingest(as.nationalSo, "bids", csv(of("ARNKB-1", 0)), { params: { "product.DC_LF": productB } });
    expect(takeover).toMatchObject({ inserted: 0, updated: 0, rejections: [{ row: 1, field: "externalId", code: "FORBIDDEN" }] });
    expect(await rows(`select buyer_id::text from transactions.bids where external_id = '${of("ARNKB-1", 0).split(",")[2]}'`)).toEqual([
      { buyer_id: orgs.soA },
    ]);
    // An FSP is not the buyer: the masterdata's bids are the SO's record.
    const fsp = await ingest(as.fspA, "bids", csv(of("AG-MFLX02", 7)));
    expect(fsp.rejections).toMatchObject([{ row: 1, code: "FORBIDDEN" }]);
  });
});

describe("awards from NESO DC masterdata", () => {
  it("Accepted rows become awards linked to their bids; the other rows are skipped, not errors; a replay adds nothing", async () => {
    const report = await ingest(as.soA, "awards", FIRST, { mode: "ALL_OR_NOTHING" });
    expect(report).toMatchObject({ status: "COMPLETED", rows: 5, inserted: 3, skipped: 2, rejected: 0 });
    const [award] = await rows<Record<string, unknown>>(
      `select a.awarded_mw, a.asset_id::text, a.provider_id::text, a.buyer_id::text, a.status, a.bid_id = b.id as linked,
              a.availability_price_gbp_per_mw_h::text as fee, a.source_row
       from transactions.awards a join transactions.bids b on b.source = a.source and b.external_id = a.external_id
       where a.external_id = '20201002 AG-MFLX02'`,
    );
    expect(award).toMatchObject({
      awarded_mw: 49,
      asset_id: assetA,
      provider_id: orgs.fspA,
      buyer_id: orgs.soA,
      status: "AWARDED",
      linked: true,
      fee: "15.0300",
      source_row: 1,
    });
    const replay = await ingest(as.soA, "awards", FIRST);
    expect(replay).toMatchObject({ inserted: 0, repeats: 3, skipped: 2 });
  });

  it("a settled award cannot change; an award above its bid's MW, or for a withdrawn bid, is refused", async () => {
    await handle.db.execute(sql`update transactions.awards set status = 'SETTLED' where external_id = '20201002 AG-MFLX02'`);
    const changed = edit(of("AG-MFLX02", 0), { 8: "40" });
    const aboveBid = edit(of("AG-MFLX02", 1), { 8: "60" });
    const report = await ingest(as.soA, "awards", csv(changed, aboveBid));
    expect(report.rejections.map(({ row, code, reason }) => ({ row, code, reason }))).toEqual([
      { row: 1, code: "CONFLICT", reason: "LIFECYCLE" },
      { row: 2, code: "BAD_USER_INPUT", reason: "EXCEEDS_BID" },
    ]);
    const withdrawnBid = edit(withdrawn, { 0: "DC LF", 15: "Accepted", 8: "10" });
    const onWithdrawn = await ingest(as.soA, "awards", csv(withdrawnBid));
    expect(onWithdrawn.rejections).toMatchObject([{ row: 1, code: "CONFLICT", reason: "LIFECYCLE" }]);
  });
});

const count = async (table: string) => (await rows<{ n: number }>(`select count(*)::int as n from transactions.${table}`))[0]!.n;
const lines = (header: string, ...body: string[]) => `${[header, ...body].join("\n")}\n`;
const codes = (report: IngestReport) => report.rejections.map(({ row, field, code, reason }) => ({ row, field, code, reason }));

describe("clearing results from a generic CSV", () => {
  const H = "auctionRef,productId,serviceType,deliveryStart,deliveryEnd,clearedVolumeMw,clearingPrice,method,publish,externalId";
  const one = `144,${productA},DCL,2025-06-23T22:00:00Z,2025-06-24T02:00:00Z,512.5,3.45,PAY_AS_CLEAR,true,EAC-144-DCL-1`;
  const two = `144,${productA},DCL,2025-06-24T02:00:00Z,2025-06-24T06:00:00Z,498,2.10,pay as clear,,EAC-144-DCL-2`;

  it("records the SO's results exactly, publishes on request, is idempotent, and audits a change", async () => {
    const first = await ingest(as.soA, "clearing-results", lines(H, one, two), { adapter: "generic" });
    expect(first).toMatchObject({ status: "COMPLETED", inserted: 2, rejected: 0 });
    expect(
      await rows(
        `select external_id, buyer_id::text, clearing_price::text as price, method, published_at is not null as published, source, source_row
         from transactions.clearing_results where ingest_batch_id = '${first.batchId}' order by source_row`,
      ),
    ).toEqual([
      {
        external_id: "EAC-144-DCL-1",
        buyer_id: orgs.soA,
        price: "3.4500",
        method: "PAY_AS_CLEAR",
        published: true,
        source: "acme-market",
        source_row: 1,
      },
      {
        external_id: "EAC-144-DCL-2",
        buyer_id: orgs.soA,
        price: "2.1000",
        method: "PAY_AS_CLEAR",
        published: false,
        source: "acme-market",
        source_row: 2,
      },
    ]);
    expect(await ingest(as.soA, "clearing-results", lines(H, one, two), { adapter: "generic" })).toMatchObject({ inserted: 0, repeats: 2 });
    const three = `145,${productA},DCL,2025-06-24T06:00:00Z,2025-06-24T10:00:00Z,450,1.5,PAB,,EAC-145-DCL-3`;
    const changed = await ingest(as.soA, "clearing-results", lines(H, one.replace(",3.45,", ",3.50,"), three), { adapter: "generic" });
    expect(changed).toMatchObject({ inserted: 1, updated: 1, repeats: 0 });
    const [event] = await rows<{ before: { clearing_price: string }; after: { clearing_price: string } }>(
      `select before, after from transactions.audit_events where entity_type = 'ClearingResult' and action = 'UPDATE'`,
    );
    expect([Number(event!.before.clearing_price), Number(event!.after.clearing_price)]).toEqual([3.45, 3.5]);
  });

  it("codes each bad row; another SO's product is refused; all-or-nothing writes nothing", async () => {
    const at = (cells: Record<number, string>) => edit(two.replace("EAC-144-DCL-2", "EAC-X"), cells);
    const file = lines(
      H,
      at({ 7: "sealed bid", 9: "x1" }), // 1
      at({ 5: "-3", 9: "x2" }), // 2
      at({ 3: "2025-03-30T01:30:00", 4: "2025-03-30T03:00:00", 9: "x3" }), // 3 London skips 01:00–02:00
      at({ 4: "2025-06-24T01:00:00Z", 9: "x4" }), // 4 ends before it starts
      at({ 6: "2.12345", 9: "x5" }), // 5 finer than 4 decimals
      at({ 1: productB, 9: "x6" }), // 6 SO B's product
      at({ 1: unknownProduct, 9: "x7" }), // 7
      at({ 9: "x8" }), // 8 fine
    );
    const before = await count("clearing_results");
    const all = await ingest(as.soA, "clearing-results", file, { adapter: "generic", mode: "ALL_OR_NOTHING" });
    expect(all).toMatchObject({ status: "REJECTED", inserted: 0, rejected: 7 });
    expect(codes(all)).toEqual([
      { row: 1, field: "method", code: "BAD_USER_INPUT", reason: "UNKNOWN_ALIAS" },
      { row: 2, field: "clearedVolumeMw", code: "BAD_USER_INPUT", reason: "NEGATIVE_QUANTITY" },
      { row: 3, field: "deliveryStart", code: "BAD_USER_INPUT", reason: "NONEXISTENT_LOCAL_TIME" },
      { row: 4, field: "end", code: "BAD_USER_INPUT", reason: "INVALID_VALUE" },
      { row: 5, field: "clearingPrice", code: "BAD_USER_INPUT", reason: "INVALID_VALUE" },
      { row: 6, field: "productId", code: "FORBIDDEN", reason: "NOT_YOURS" },
      { row: 7, field: "productId", code: "BAD_USER_INPUT", reason: "UNKNOWN_REFERENCE" },
    ]);
    expect(await count("clearing_results")).toBe(before);
    // An FSP is no buyer: every row refused.
    const fsp = await ingest(as.fspA, "clearing-results", lines(H, at({ 9: "x9" })), { adapter: "generic" });
    expect(fsp).toMatchObject({ inserted: 0, rejections: [{ code: "FORBIDDEN" }] });
  });
});

describe("availability declarations from NDJSON", () => {
  const decl = (externalId: string, start: string, end: string, declaredMw: number | string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ assetId: assetA, productId: productA, start, end, declaredMw, externalId, ...extra });
  const ndjson = (...l: string[]) => `${l.join("\n")}\n`;
  const A = decl("d-1", "2025-07-01T00:00:00Z", "2025-07-01T04:00:00Z", 1.5);
  const B = decl("d-2", "2025-07-01T04:00:00Z", "2025-07-01T08:00:00Z", 2);

  it("records the FSP's declarations once, refuses an overlap, audits a change and keeps a withdrawn one as it is", async () => {
    const opts = { adapter: "generic", format: "NDJSON" as const };
    const first = await ingest(as.fspA, "availability-declarations", ndjson(A, B), opts);
    expect(first).toMatchObject({ inserted: 2, rejected: 0 });
    expect(
      await rows(
        `select external_id, provider_id::text, buyer_id::text, declared_mw, status, locked_at = start_at as locked_at_start
         from transactions.availability_declarations where ingest_batch_id = '${first.batchId}' order by source_row`,
      ),
    ).toEqual([
      { external_id: "d-1", provider_id: orgs.fspA, buyer_id: orgs.soA, declared_mw: 1.5, status: "DECLARED", locked_at_start: true },
      { external_id: "d-2", provider_id: orgs.fspA, buyer_id: orgs.soA, declared_mw: 2, status: "DECLARED", locked_at_start: true },
    ]);
    expect(await ingest(as.fspA, "availability-declarations", ndjson(A, B), opts)).toMatchObject({ inserted: 0, repeats: 2 });

    const second = await ingest(
      as.fspA,
      "availability-declarations",
      ndjson(
        decl("d-1", "2025-07-01T00:00:00Z", "2025-07-01T04:00:00Z", 1.25), // 1 changed MW
        decl("d-3", "2025-07-01T03:00:00Z", "2025-07-01T05:00:00Z", 1), // 2 overlaps d-1 and d-2
        decl("d-4", "2025-07-01T08:00:00Z", "2025-07-01T09:00:00Z", 1), // 3 new
        decl("d-5", "2025-07-01T08:30:00Z", "2025-07-01T09:30:00Z", 1), // 4 overlaps row 3 of this file
        decl("d-6", "2025-07-02T00:00:00Z", "2025-07-02T01:00:00Z", -1), // 5
        decl("d-7", "2025-07-02T00:00:00Z", "2025-07-02T01:00:00Z", 1, { assetId: assetB }), // 6 FSP B's asset
        decl("d-8", "2025-07-02T00:00:00Z", "2025-07-02T01:00:00Z", 1, { marketUnitId: unitA }), // 7 both targets
        decl("d-9", "2025-07-02T00:00:00Z", "2025-07-02T01:00:00Z", 1, { awardId: "aaaa0000-0000-4000-8000-000000000001" }), // 8
      ),
      opts,
    );
    expect(codes(second)).toEqual([
      { row: 2, field: "start", code: "CONFLICT", reason: "OVERLAPPING" },
      { row: 4, field: "start", code: "CONFLICT", reason: "OVERLAPPING" },
      { row: 5, field: "declaredMw", code: "BAD_USER_INPUT", reason: "NEGATIVE_QUANTITY" },
      { row: 6, field: "assetId", code: "FORBIDDEN", reason: "NOT_YOURS" },
      { row: 7, field: "marketUnitId", code: "BAD_USER_INPUT", reason: "INVALID_VALUE" },
      { row: 8, field: "awardId", code: "BAD_USER_INPUT", reason: "UNKNOWN_REFERENCE" },
    ]);
    expect(second).toMatchObject({ inserted: 1, updated: 1 });
    expect(
      await rows(
        `select count(*)::int as n from transactions.audit_events where entity_type = 'AvailabilityDeclaration' and action = 'UPDATE'`,
      ),
    ).toEqual([{ n: 1 }]);

    await handle.db.execute(sql`update transactions.availability_declarations set status = 'WITHDRAWN' where external_id = 'd-2'`);
    const late = await ingest(
      as.fspA,
      "availability-declarations",
      ndjson(B, decl("d-2", "2025-07-01T04:00:00Z", "2025-07-01T08:00:00Z", 3)),
      opts,
    );
    // the replay of d-2 as held is a repeat; its change is refused (the last row of a key is the one checked as well)
    expect(codes(late)).toEqual([{ row: 2, field: "declaredMw", code: "CONFLICT", reason: "LIFECYCLE" }]);
    expect(await rows(`select declared_mw from transactions.availability_declarations where external_id = 'd-2'`)).toEqual([
      { declared_mw: 2 },
    ]);
  });
});

describe("unavailability notices from a generic CSV", () => {
  const H = "assetId,marketUnitId,from,to,reducedMw,reason,externalId";
  const n1 = `${assetA},,2025-07-05T10:00:00,2025-07-05T12:00:00,0.5,Inverter fault,n-1`; // London time (BST)
  const n2 = `,${unitA},2025-07-05T10:00:00Z,2025-07-05T11:00:00Z,1,Site works,n-2`;

  it("keeps where the asset or unit lies, is idempotent, and a withdrawn notice cannot change; another FSP's asset is refused", async () => {
    const first = await ingest(as.fspA, "unavailability-notices", lines(H, n1, n2), { adapter: "generic" });
    expect(first).toMatchObject({ inserted: 2, rejected: 0 });
    expect(
      await rows(
        `select external_id, provider_id::text, gsp_groups, from_at = '2025-07-05T09:00:00Z'::timestamptz as bst, status
         from transactions.unavailability_notices order by external_id`,
      ),
    ).toEqual([
      { external_id: "n-1", provider_id: orgs.fspA, gsp_groups: ["_C"], bst: true, status: "ACTIVE" },
      { external_id: "n-2", provider_id: orgs.fspA, gsp_groups: ["_C", "_K"], bst: false, status: "ACTIVE" },
    ]);
    expect(await ingest(as.fspA, "unavailability-notices", lines(H, n1, n2), { adapter: "generic" })).toMatchObject({ repeats: 2 });
    await handle.db.execute(sql`update transactions.unavailability_notices set status = 'WITHDRAWN' where external_id = 'n-1'`);
    const bad = await ingest(
      as.fspA,
      "unavailability-notices",
      lines(
        H,
        n1.replace(",0.5,", ",0.75,"),
        `${assetB},,2025-07-06T10:00:00Z,2025-07-06T11:00:00Z,1,x,n-3`,
        `${assetA},,2025-07-06T10:00:00Z,2025-07-06T11:00:00Z,1,,n-4`,
      ),
      { adapter: "generic", mode: "ALL_OR_NOTHING" },
    );
    expect(codes(bad)).toEqual([
      { row: 1, field: "reducedMw", code: "CONFLICT", reason: "LIFECYCLE" },
      { row: 2, field: "assetId", code: "FORBIDDEN", reason: "NOT_YOURS" },
      { row: 3, field: "reason", code: "BAD_USER_INPUT", reason: "MISSING_VALUE" },
    ]);
    expect(await count("unavailability_notices")).toBe(2);
  });
});
