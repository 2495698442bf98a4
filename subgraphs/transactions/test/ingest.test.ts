import { readFileSync } from "node:fs";
import { type DatabaseHandle, type Identity, staticReferences } from "@sfe/kit";
import { as, errorCodes, execute, orgs, setUpSubgraph } from "@sfe/kit/testing";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENTITY_SPECS, type IngestReport, runIngest } from "../src/modules/ingest/index.js";
import type { IngestRequest } from "../src/modules/ingest/engine.js";
import { createIngestBatchesRepository } from "../src/modules/ingest/repository.js";
import type { createTransactionsSubgraph } from "../src/server.js";
import { asCaller, meterPointRoute, ruleRoutes, transactionsSubgraph } from "./helpers.js";

// Runs on PGlite by default and on Postgres with DATABASE_URL. Files are a handful of rows: the bench is where size lives.
const assetA = "a55e0000-0000-4000-8000-00000000000a"; // FSP A's
const assetB = "a55e0000-0000-4000-8000-00000000000b"; // FSP B's
const unitA = "0e170000-0000-4000-8000-00000000000a"; // FSP A's market unit
const productA = "9d0c0000-0000-4000-8000-00000000000a"; // SO A's
const productB = "9d0c0000-0000-4000-8000-00000000000b"; // SO B's
const unknownAsset = "a55e0000-0000-4000-8000-0000000000ff";
const mpanA = "1900012345678"; // assetA's meter point
const mpanB = "1900012345689"; // assetB's

const references = staticReferences(
  {
    Asset: { [assetA]: { owner: { id: orgs.fspA } }, [assetB]: { owner: { id: orgs.fspB } } },
    MarketUnit: { [unitA]: { owner: { id: orgs.fspA } } },
    Product: { [productA]: { owner: { id: orgs.soA } }, [productB]: { owner: { id: orgs.soB } } },
  },
  {
    ...ruleRoutes(), // the real rules engine, no rule in force; every SO covering the whole of GB
    "assets /internal/assets/meter-points": meterPointRoute({
      [mpanA]: { assetId: assetA, ownerId: orgs.fspA },
      [mpanB]: { assetId: assetB, ownerId: orgs.fspB },
    }),
  },
);

let handle: DatabaseHandle;
let subgraph: ReturnType<typeof createTransactionsSubgraph>;
beforeAll(async () => {
  ({ handle, subgraph } = await setUpSubgraph(transactionsSubgraph, references));
});
afterAll(() => handle.close());

const rows = async <T = Record<string, unknown>>(query: string): Promise<T[]> => {
  const result = (await handle.db.execute(sql.raw(query))) as unknown as { rows?: T[] } & T[];
  return result.rows ?? result;
};

async function ingest(
  identity: Identity,
  path: string,
  body: string | AsyncIterable<string>,
  options: Partial<Omit<IngestRequest, "spec" | "params">> & { params?: Record<string, string> } = {},
): Promise<IngestReport> {
  const spec = ENTITY_SPECS[path]!;
  const adapter = options.adapter ?? Object.keys(spec.adapters)[0]!;
  return asCaller(identity, () =>
    runIngest(
      { db: handle.db, batches: createIngestBatchesRepository(handle.db), context: { identity, references } },
      {
        spec,
        adapter,
        source: options.source ?? spec.adapters[adapter]!.source ?? "acme-meters",
        format: options.format ?? "CSV",
        mode: options.mode ?? "PARTIAL",
        fileName: options.fileName ?? null,
        params: new URLSearchParams(options.params ?? {}),
      },
      typeof body === "string" ? [body] : body,
    ),
  );
}

const HEADER = "assetId,marketUnitId,meterReference,intervalStart,intervalEnd,importKwh,exportKwh,quality,externalId";
const reading = (start: string, importKwh = "1.5", exportKwh = "0", asset = assetA) => `${asset},,,${start},,${importKwh},${exportKwh},,`;
const csv = (...lines: string[]) => `${[HEADER, ...lines].join("\n")}\n`;

const FIRST = csv(
  reading("2025-06-23T14:00:00Z"),
  reading("2025-06-23T14:30:00Z", "2.25"),
  reading("2025-06-23T15:00:00Z", "0", "0.125"),
  reading("2025-06-23T15:30:00Z", "12.345"),
);

describe("meter readings", () => {
  it("ingests a file once: exact Wh, provenance per record, a replay adds nothing and reports the repeats", async () => {
    const first = await ingest(as.fspA, "meter-readings", FIRST, { fileName: "june.csv" });
    expect(first).toMatchObject({ status: "COMPLETED", rows: 4, inserted: 4, updated: 0, repeats: 0, rejected: 0, rejections: [] });
    const stored = await rows(
      `select active_import_wh::text as import, active_export_wh::text as export, provider_id, source, external_id, ingest_batch_id, source_row,
              granularity, interval_end - interval_start = interval '30 minutes' as half_hour
       from transactions.meter_readings where ingest_batch_id = '${first.batchId}' order by source_row`,
    );
    expect(stored.map((r) => [r.import, r.export, r.source_row])).toEqual([
      ["1500", "0", 1],
      ["2250", "0", 2],
      ["0", "125", 3],
      ["12345", "0", 4],
    ]);
    expect(stored[0]).toMatchObject({
      provider_id: orgs.fspA,
      source: "acme-meters",
      external_id: `${assetA}|2025-06-23T14:00:00.000Z`,
      granularity: "PT30M",
      half_hour: true,
    });

    const replay = await ingest(as.fspA, "meter-readings", FIRST);
    expect(replay).toMatchObject({ status: "COMPLETED", rows: 4, inserted: 0, updated: 0, repeats: 4 });
    expect(await rows(`select count(*)::int as n from transactions.meter_readings`)).toEqual([{ n: 4 }]);
  });

  it("a second file that overlaps the first adds only its new rows", async () => {
    const overlap = await ingest(
      as.fspA,
      "meter-readings",
      csv(
        reading("2025-06-23T15:00:00Z", "0", "0.125"),
        reading("2025-06-23T15:30:00Z", "12.345"),
        reading("2025-06-23T16:00:00Z"),
        reading("2025-06-23T16:30:00Z"),
      ),
    );
    expect(overlap).toMatchObject({ inserted: 2, updated: 0, repeats: 2 });
    expect(await rows(`select count(*)::int as n from transactions.meter_readings`)).toEqual([{ n: 6 }]);
  });

  it("a changed record under the same key is an update with an audit event, never a duplicate", async () => {
    const changed = await ingest(
      as.fspA,
      "meter-readings",
      csv(reading("2025-06-23T14:00:00Z", "1.75"), reading("2025-06-23T14:30:00Z", "2.25")),
    );
    expect(changed).toMatchObject({ inserted: 0, updated: 1, repeats: 1 });
    const [event] = await rows<{
      action: string;
      entity_id: string;
      before: { active_import_wh: number };
      after: { active_import_wh: number };
      actor_organisation_id: string;
    }>(`select action, entity_id, before, after, actor_organisation_id from transactions.audit_events where entity_type = 'MeterReading'`);
    expect(event).toMatchObject({ action: "UPDATE", actor_organisation_id: orgs.fspA });
    expect([Number(event!.before.active_import_wh), Number(event!.after.active_import_wh)]).toEqual([1500, 1750]);
    const [record] = await rows(
      `select id::text, active_import_wh::text as wh, ingest_batch_id from transactions.meter_readings where id = '${event!.entity_id}'`,
    );
    expect(record).toMatchObject({ wh: "1750", ingest_batch_id: changed.batchId });
    expect(await rows(`select count(*)::int as n from transactions.meter_readings`)).toEqual([{ n: 6 }]);
  });

  it("reports every rejected row with its number, field, code and reason; partial writes the valid ones", async () => {
    const report = await ingest(
      as.fspA,
      "meter-readings",
      csv(
        reading("2025-07-01T00:00:00Z"), // 1 ok
        reading("2025-07-01T00:30:00Z", "-1"), // 2 negative
        reading("2025-03-30T01:30:00"), // 3 London's clocks skip 01:00–02:00 on 30 March 2025
        reading("2025-07-01T01:00:00Z", "1", "0", unknownAsset), // 4 no such asset
        reading("2025-07-01T01:30:00Z", "1", "0", assetB), // 5 FSP B's asset
        reading("2025-07-01T02:00:00Z", "1.0001"), // 6 finer than a Wh
        `${assetA},,,not a time,,1,0,,`, // 7
        `,,,2025-07-01T02:30:00Z,,1,0,,`, // 8 no target
        `${assetA},,,2025-07-01T03:00:00Z,,1,0,Z,`, // 9 unknown quality
      ),
    );
    expect(report.rejections.map(({ row, field, code, reason }) => ({ row, field, code, reason }))).toEqual([
      { row: 2, field: "importKwh", code: "BAD_USER_INPUT", reason: "NEGATIVE_QUANTITY" },
      { row: 3, field: "intervalStart", code: "BAD_USER_INPUT", reason: "NONEXISTENT_LOCAL_TIME" },
      { row: 4, field: "assetId", code: "FORBIDDEN", reason: "NOT_YOURS" }, // to an FSP, unknown and another's look alike
      { row: 5, field: "assetId", code: "FORBIDDEN", reason: "NOT_YOURS" },
      { row: 6, field: "importKwh", code: "BAD_USER_INPUT", reason: "TOO_PRECISE" },
      { row: 7, field: "intervalStart", code: "BAD_USER_INPUT", reason: "MALFORMED_TIMESTAMP" },
      { row: 8, field: "assetId", code: "BAD_USER_INPUT", reason: "MISSING_VALUE" },
      { row: 9, field: "quality", code: "BAD_USER_INPUT", reason: "UNKNOWN_ALIAS" },
    ]);
    expect(report.rejections.every((r) => r.message.length > 0)).toBe(true);
    expect(report).toMatchObject({ status: "COMPLETED", rows: 9, inserted: 1, rejected: 8 });
  });

  it("to an administrator an unknown asset is unknown, and any FSP's asset is writable", async () => {
    const report = await ingest(
      as.admin,
      "meter-readings",
      csv(reading("2025-07-02T00:00:00Z", "1", "0", unknownAsset), reading("2025-07-02T00:00:00Z", "1", "0", assetB)),
    );
    expect(report).toMatchObject({
      inserted: 1,
      rejections: [{ row: 1, field: "assetId", code: "BAD_USER_INPUT", reason: "UNKNOWN_REFERENCE" }],
    });
    expect(await rows(`select provider_id from transactions.meter_readings where ingest_batch_id = '${report.batchId}'`)).toEqual([
      { provider_id: orgs.fspB },
    ]);
  });

  it("all-or-nothing with one bad row writes nothing", async () => {
    const before = await rows(`select count(*)::int as n from transactions.meter_readings`);
    const report = await ingest(as.fspA, "meter-readings", csv(reading("2025-08-01T00:00:00Z"), reading("2025-08-01T00:30:00Z", "x")), {
      mode: "ALL_OR_NOTHING",
    });
    expect(report).toMatchObject({
      status: "REJECTED",
      inserted: 0,
      rejected: 1,
      rejections: [{ row: 2, field: "importKwh", reason: "NOT_A_NUMBER" }],
    });
    expect(await rows(`select count(*)::int as n from transactions.meter_readings`)).toEqual(before);
    expect(await rows(`select status from transactions.ingest_batches where id = '${report.batchId}'`)).toEqual([{ status: "REJECTED" }]);
  });

  it("a file that breaks off mid-stream leaves none of its rows", async () => {
    const before = await rows(`select count(*)::int as n from transactions.meter_readings`);
    async function* broken() {
      yield `${HEADER}\n`;
      for (let i = 0; i < 7_000; i++) yield `${reading(new Date(Date.UTC(2026, 0, 1) + i * 1_800_000).toISOString())}\n`;
      throw new Error("connection reset");
    }
    await expect(ingest(as.fspA, "meter-readings", broken())).rejects.toThrow("connection reset");
    expect(await rows(`select count(*)::int as n from transactions.meter_readings`)).toEqual(before);
    const [batch] = await rows(`select status, failure from transactions.ingest_batches order by started_at desc limit 1`);
    expect(batch).toMatchObject({ status: "FAILED" });
  });

  it("takes NDJSON, a market unit, duplicate keys (the last wins) and refuses another FSP's record under the same key", async () => {
    const lines = [
      { marketUnitId: unitA, intervalStart: "2025-09-01T00:00:00Z", importKwh: 1, exportKwh: 0, externalId: "u-1" },
      { marketUnitId: unitA, intervalStart: "2025-09-01T00:00:00Z", importKwh: 2, exportKwh: 0, externalId: "u-1" },
      "{not json",
      {
        meterReference: mpanA,
        intervalStart: "2025-09-01T00:00:00Z",
        intervalEnd: "2025-09-01T00:01:00Z",
        importKwh: "0.5",
        exportKwh: "0",
        quality: "E",
      },
    ];
    const report = await ingest(
      as.fspA,
      "meter-readings",
      `${lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n")}\n`,
      {
        format: "NDJSON",
        source: "acme-units",
      },
    );
    expect(report).toMatchObject({ rows: 4, inserted: 2, duplicates: 1, rejected: 1, rejections: [{ row: 3, reason: "MALFORMED_JSON" }] });
    expect(
      await rows(
        `select external_id, active_import_wh::int as wh, granularity, quality from transactions.meter_readings where source = 'acme-units' order by external_id`,
      ),
    ).toEqual([
      { external_id: "1900012345678|2025-09-01T00:00:00.000Z", wh: 500, granularity: "PT1M", quality: "ESTIMATED" },
      { external_id: "u-1", wh: 2000, granularity: "PT30M", quality: "ACTUAL" },
    ]);
    // The reading by meter point alone is linked to the asset registered with it
    expect(
      await rows(`select asset_id, provider_id from transactions.meter_readings where external_id = '${mpanA}|2025-09-01T00:00:00.000Z'`),
    ).toEqual([{ asset_id: assetA, provider_id: orgs.fspA }]);
    // FSP B sends a reading under FSP A's key for its own meter: refused, FSP A's record untouched
    const takeover = await ingest(
      as.fspB,
      "meter-readings",
      `${JSON.stringify({ meterReference: mpanB, intervalStart: "2025-09-01T00:00:00Z", importKwh: 9, exportKwh: 0, externalId: "u-1" })}\n`,
      { format: "NDJSON", source: "acme-units" },
    );
    expect(takeover).toMatchObject({
      inserted: 0,
      updated: 0,
      rejected: 1,
      rejections: [{ row: 1, code: "FORBIDDEN", field: "externalId" }],
    });
    expect(await rows(`select active_import_wh::int as wh from transactions.meter_readings where external_id = 'u-1'`)).toEqual([
      { wh: 2000 },
    ]);
  });
});

describe("dispatch instructions from a UKPN export", () => {
  const ukpn = readFileSync(
    new URL("../../../stack/data/ukpn-flexibility-dispatches-ev-dsr-subset-2024-05-to-2025-12.csv", import.meta.url),
    "utf8",
  );
  const [header, ...data] = ukpn.split(/\r?\n/).filter(Boolean);

  it("keeps utilisation prices and MWh, folds product spellings, refuses unknown aliases and other SOs' products", async () => {
    const lines = data.slice(0, 3);
    const respelt = lines[0]!.replace("Scheduled Availability", "scheduled_availability");
    const unknown = lines[1]!.replace("Peak Reduction", "Peak Shaving");
    const negative = lines[2]!.split(",");
    negative[7] = "-0.5"; // utilisation_mw_req
    const file = [header, ...lines, respelt, unknown, negative.join(",")].join("\n");
    const report = await ingest(as.soA, "dispatch-instructions", file, { params: { productId: productA } });
    expect(report.rejections.map(({ row, field, reason }) => ({ row, field, reason }))).toEqual([
      { row: 5, field: "product", reason: "UNKNOWN_ALIAS" },
      { row: 6, field: "utilisationMw", reason: "NEGATIVE_QUANTITY" },
    ]);
    // row 4 is row 1 re-spelt: the same record
    expect(report).toMatchObject({ rows: 6, inserted: 3, duplicates: 1, rejected: 2 });
    const [first] = await rows<{
      unit_reference: string;
      buyer_id: string;
      status: string;
      energy_mwh: string;
      price_gbp_per_mwh: string;
      details: Record<string, unknown>;
    }>(
      `select unit_reference, buyer_id, status, energy_mwh::text, price_gbp_per_mwh::text, details from transactions.dispatch_instructions where source_row = 2 and ingest_batch_id = '${report.batchId}'`,
    );
    // The utilisation MWh and price are the instruction's own columns, exact (not dropped, not floats).
    expect(first).toMatchObject({
      unit_reference: "6930-HEND-PR-2869",
      buyer_id: orgs.soA,
      status: "COMPLETED",
      energy_mwh: "0.040000",
      price_gbp_per_mwh: "134.5800",
    });
    expect(first!.details).toMatchObject({
      product: "PEAK_REDUCTION",
      utilisationPriceGbpPerMwh: "134.58",
      utilisationMwh: 0.04,
      zone: "UKPN_HENDON_WAY",
    });

    const replay = await ingest(as.soA, "dispatch-instructions", file, { params: { productId: productA } });
    expect(replay).toMatchObject({ inserted: 0, updated: 0, repeats: 3 });

    const otherSo = await ingest(as.soA, "dispatch-instructions", [header, data[5]].join("\n"), { params: { productId: productB } });
    expect(otherSo).toMatchObject({ inserted: 0, rejections: [{ row: 1, code: "FORBIDDEN", field: "product" }] });
    const unmapped = await ingest(as.soA, "dispatch-instructions", [header, data[5]].join("\n"));
    expect(unmapped.rejections).toMatchObject([{ row: 1, field: "product", reason: "UNMAPPED_PRODUCT" }]);
  });
});

describe("ingest batches in the graph", () => {
  const QUERY = `query ($id: ID!) { ingestBatch(id: $id) { id entity source status rows inserted repeats rejected rejections { row field code reason } organisation { id } }
    ingestBatches(first: 50) { id } }`;

  it("an organisation sees its own batches, an administrator all, others none; investors may not list them", async () => {
    const [mine] = await rows<{ id: string }>(
      `select id::text from transactions.ingest_batches where organisation_id = '${orgs.fspA}' order by started_at limit 1`,
    );
    const own = await execute(subgraph, QUERY, { id: mine!.id }, as.fspA);
    expect(own.errors).toBeUndefined();
    expect(own.data?.ingestBatch).toMatchObject({
      id: mine!.id,
      entity: "METER_READING",
      status: "COMPLETED",
      inserted: 4,
      organisation: { id: orgs.fspA },
    });
    expect((own.data!.ingestBatches as { id: string }[]).length).toBeGreaterThan(3);

    const other = await execute(subgraph, QUERY, { id: mine!.id }, as.fspB);
    expect(other.data?.ingestBatch).toBeNull();
    expect((other.data!.ingestBatches as { id: string }[]).every((b) => b.id !== mine!.id)).toBe(true);

    const admin = await execute(subgraph, QUERY, { id: mine!.id }, as.admin);
    expect(admin.data?.ingestBatch).toMatchObject({ id: mine!.id });

    const investor = await execute(subgraph, `{ ingestBatches { id } }`, {}, as.investor);
    expect(errorCodes(investor)).toEqual(["FORBIDDEN"]);
  });
});
