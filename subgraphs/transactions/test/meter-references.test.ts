import { type DatabaseHandle, type Identity, staticReferences } from "@sfe/kit";
import { as, countRows, execute, type OperationResult, orgs, setUpSubgraph } from "@sfe/kit/testing";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IngestRequest } from "../src/modules/ingest/engine.js";
import { ENTITY_SPECS, runIngest } from "../src/modules/ingest/index.js";
import { createIngestBatchesRepository } from "../src/modules/ingest/repository.js";
import type { createTransactionsSubgraph } from "../src/server.js";
import { asCaller, meterPointRoute, ruleRoutes, transactionsSubgraph } from "./helpers.js";
import { ASSESSMENT_FIELDS, EVENT, EXPECTED, exampleReadings } from "./verification-example.js";

// Meter readings that name only their meter (MPAN) are linked to the asset registered with that meter point, on the
// recordMeterReadings mutation and on bulk ingest (the fast CSV path and the general one), one assets call per chunk.
// Runs on PGlite by default and on Postgres with DATABASE_URL.
const a1 = "a1000000-0000-4000-8000-0000000000a1"; // FSP A's, meter point MPAN_A1
const a2 = "a2000000-0000-4000-8000-0000000000a2"; // FSP A's, meter point MPAN_A2 (the ingest tests')
const b1 = "b1000000-0000-4000-8000-0000000000b1"; // FSP B's, meter point MPAN_B1
const MPAN_A1 = "1200000000011";
const MPAN_A2 = "1200000000022";
const MPAN_B1 = "1400000000033";
const MPAN_UNKNOWN = "1900000000099";
const product = "9d100000-0000-4000-8000-000000000001"; // SO A's, HISTORICAL_X_OF_Y

const calls: { meterPointIds: string[] }[] = [];
const references = staticReferences(
  {
    Asset: {
      [a1]: { owner: { id: orgs.fspA }, status: "REGISTERED" },
      [a2]: { owner: { id: orgs.fspA }, status: "REGISTERED" },
      [b1]: { owner: { id: orgs.fspB }, status: "REGISTERED" },
    },
    Product: { [product]: { owner: { id: orgs.soA }, status: "PUBLISHED", currentVersion: { baselineMethods: ["HISTORICAL_X_OF_Y"] } } },
    Organisation: Object.values(orgs),
  },
  {
    ...ruleRoutes(),
    "assets /internal/assets/meter-points": meterPointRoute(
      {
        [MPAN_A1]: { assetId: a1, ownerId: orgs.fspA },
        [MPAN_A2]: { assetId: a2, ownerId: orgs.fspA },
        [MPAN_B1]: { assetId: b1, ownerId: orgs.fspB },
      },
      calls,
    ),
  },
);

let handle: DatabaseHandle;
let subgraph: ReturnType<typeof createTransactionsSubgraph>;
beforeAll(async () => {
  ({ handle, subgraph } = await setUpSubgraph(transactionsSubgraph, references));
});
afterAll(() => handle.close());

const run = async (identity: Identity, query: string, variables: Record<string, unknown> = {}) =>
  asCaller(
    identity,
    async () => JSON.parse(JSON.stringify(await execute(subgraph, query, variables, identity))) as OperationResult<Record<string, any>>,
  );
const rows = async <T = Record<string, unknown>>(query: string): Promise<T[]> => {
  const result = (await handle.db.execute(sql.raw(query))) as unknown as { rows?: T[] } & T[];
  return result.rows ?? result;
};
/** The meter-point calls `work` makes. */
async function counting<T>(work: () => Promise<T>): Promise<{ value: T; asked: string[][] }> {
  const before = calls.length;
  const value = await work();
  return { value, asked: calls.slice(before).map((c) => c.meterPointIds) };
}

const RECORD = `mutation ($r: [MeterReadingInput!]!) { recordMeterReadings(input: { readings: $r }) { created updated repeated } }`;
const ISSUE = `mutation ($i: IssueDispatchInstructionInput!) { issueDispatchInstruction(input: $i) { dispatchInstruction { id } } }`;
const ASSESS = `mutation ($id: ID!) { assessDispatch(input: { dispatchInstructionId: $id }) { performanceAssessment { ${ASSESSMENT_FIELDS} } } }`;
const ON_ASSET = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Asset {
  meterReadings(from: "2026-11-01T00:00:00Z", to: "2026-11-17T00:00:00Z") { meterReference asset { id } provider { id } activeImportKwh } } } }`;

/** The §7.8 example's readings of asset a1, by its meter point only. */
const byMeterPoint = (meterReference: string) =>
  exampleReadings(a1).map(({ assetId: _, ...reading }) => ({ ...reading, meterReference, source: "DCC" }));

describe("recordMeterReadings by meter point", () => {
  it("links readings naming only an MPAN to its asset (one assets call a batch): seen on the asset, used by assessDispatch", async () => {
    const { value: recorded, asked } = await counting(() => run(as.fspA, RECORD, { r: byMeterPoint(MPAN_A1) }));
    expect(recorded.errors).toBeUndefined();
    expect(recorded.data?.recordMeterReadings).toEqual({ created: 22, updated: 0, repeated: [] });
    expect(asked).toEqual([[MPAN_A1]]);

    const seen = await run(as.fspA, ON_ASSET, { reps: [{ __typename: "Asset", id: a1 }] });
    const readings = seen.data?._entities[0].meterReadings as { meterReference: string; asset: { id: string } }[];
    expect(readings).toHaveLength(22);
    expect(readings[0]).toMatchObject({
      meterReference: MPAN_A1,
      asset: { id: a1 },
      provider: { id: orgs.fspA },
      activeImportKwh: "420.000",
    });
    // Another FSP sees none of them.
    expect((await run(as.fspB, ON_ASSET, { reps: [{ __typename: "Asset", id: a1 }] })).data?._entities[0].meterReadings).toEqual([]);

    const issued = await run(as.soA, ISSUE, {
      i: {
        assetId: a1,
        productId: product,
        issuedById: orgs.soA,
        direction: "DEMAND_TURN_DOWN",
        setPointMw: EVENT.setPointMw,
        start: EVENT.start,
        end: EVENT.end,
      },
    });
    expect(issued.errors).toBeUndefined();
    const assessed = await run(as.soA, ASSESS, { id: issued.data?.issueDispatchInstruction.dispatchInstruction.id });
    expect(assessed.errors).toBeUndefined();
    expect(assessed.data?.assessDispatch.performanceAssessment).toMatchObject({ ...EXPECTED, lateDataPeriods: [] });

    // The same batch again: repeats (the default externalId is built from the meter reference, as given).
    expect((await run(as.fspA, RECORD, { r: byMeterPoint(MPAN_A1) })).data?.recordMeterReadings.repeated).toHaveLength(22);
  });

  it.each([
    ["an MPAN no asset has", MPAN_UNKNOWN, "BAD_USER_INPUT", "UNKNOWN_METER"],
    ["another organisation's MPAN", MPAN_B1, "FORBIDDEN", "NOT_YOURS"],
  ])("refuses %s naming the row and field, writing nothing of the batch", async (_, meterReference, code, reason) => {
    const before = await countRows(handle, "transactions.meter_readings");
    const result = await run(as.fspA, RECORD, {
      r: [
        { meterReference: MPAN_A1, intervalStart: "2026-12-01T10:00:00Z", activeImportKwh: "1", activeExportKwh: "0" },
        { meterReference, intervalStart: "2026-12-01T10:00:00Z", activeImportKwh: "1", activeExportKwh: "0" },
      ],
    });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code, field: "readings[1].meterReference", row: 1, reason });
    expect(await countRows(handle, "transactions.meter_readings")).toBe(before);
  });

  it("an administrator records by any asset's MPAN, for its owner", async () => {
    const result = await run(as.admin, RECORD, {
      r: [{ meterReference: MPAN_B1, intervalStart: "2026-12-02T10:00:00Z", activeImportKwh: "2", activeExportKwh: "0", source: "ADMIN" }],
    });
    expect(result.data?.recordMeterReadings.created).toBe(1);
    expect(await rows(`select asset_id, provider_id from transactions.meter_readings where source = 'ADMIN'`)).toEqual([
      { asset_id: b1, provider_id: orgs.fspB },
    ]);
  });
});

let sources = 0;
async function ingest(identity: Identity, body: string, format: IngestRequest["format"], mode: IngestRequest["mode"] = "PARTIAL") {
  sources += 1;
  const source = `mpan-test-${sources}`;
  const report = await asCaller(identity, () =>
    runIngest(
      { db: handle.db, batches: createIngestBatchesRepository(handle.db), context: { identity, references } },
      {
        spec: ENTITY_SPECS["meter-readings"]!,
        adapter: "generic",
        source,
        format,
        mode,
        fileName: null,
        params: new URLSearchParams({ timezone: "UTC" }),
      },
      [body],
    ),
  );
  return { report, source };
}
const stored = (source: string) =>
  rows<{ source_row: number; asset_id: string; provider_id: string; meter_reference: string | null; import_wh: string }>(
    `select source_row, asset_id, provider_id, meter_reference, active_import_wh::text as import_wh
     from transactions.meter_readings where source = '${source}' order by source_row`,
  );

const HEADER = "assetId,marketUnitId,meterReference,intervalStart,intervalEnd,importKwh,exportKwh,quality,externalId";
const half = (i: number) => new Date(Date.UTC(2027, 0, 1) + i * 1_800_000).toISOString();

describe("ingest by meter point", () => {
  it("CSV: plain rows by assetId stay on the fast path, rows by MPAN are linked to the asset, one assets call for the file", async () => {
    const lines = [
      `${a2},,,${half(0)},,1.5,0,,`,
      `,,${MPAN_A2},${half(1)},,2,0,,`,
      `,,${MPAN_A2},${half(2)},,3,0,,`,
      `${a2},,,${half(3)},,4,0,,`,
    ];
    const { value, asked } = await counting(() => ingest(as.fspA, `${[HEADER, ...lines].join("\n")}\n`, "CSV"));
    expect(value.report).toMatchObject({ status: "COMPLETED", rows: 4, inserted: 4, rejected: 0 });
    expect(asked).toEqual([[MPAN_A2]]);
    expect(await stored(value.source)).toEqual([
      { source_row: 1, asset_id: a2, provider_id: orgs.fspA, meter_reference: null, import_wh: "1500" },
      { source_row: 2, asset_id: a2, provider_id: orgs.fspA, meter_reference: MPAN_A2, import_wh: "2000" },
      { source_row: 3, asset_id: a2, provider_id: orgs.fspA, meter_reference: MPAN_A2, import_wh: "3000" },
      { source_row: 4, asset_id: a2, provider_id: orgs.fspA, meter_reference: null, import_wh: "4000" },
    ]);
    // The same file through the general path (a quoted header) stores the same rows.
    const quoted = HEADER.split(",")
      .map((c) => `"${c}"`)
      .join(",");
    const general = await ingest(as.fspA, `${[quoted, ...lines].join("\n")}\n`, "CSV");
    expect(general.report).toMatchObject({ status: "COMPLETED", inserted: 4, rejected: 0 });
    expect(await stored(general.source)).toEqual(await stored(value.source));
  });

  it("refuses an unknown MPAN (UNKNOWN_METER) and another organisation's (FORBIDDEN) per row; all-or-nothing writes nothing", async () => {
    const lines = [`${a2},,,${half(10)},,1,0,,`, `,,${MPAN_UNKNOWN},${half(11)},,1,0,,`, `,,${MPAN_B1},${half(12)},,1,0,,`];
    const expected = [
      { row: 2, field: "meterReference", code: "BAD_USER_INPUT", reason: "UNKNOWN_METER" },
      { row: 3, field: "meterReference", code: "FORBIDDEN", reason: "NOT_YOURS" },
    ];
    for (const header of [HEADER, HEADER.replace("assetId", '"assetId"')]) {
      const file = `${[header, ...lines].join("\n")}\n`;
      const all = await ingest(as.fspA, file, "CSV", "ALL_OR_NOTHING");
      expect(all.report).toMatchObject({ inserted: 0, rejected: 2, rejections: expected });
      expect(await stored(all.source)).toEqual([]);
      const partial = await ingest(as.fspA, file, "CSV");
      expect(partial.report).toMatchObject({ inserted: 1, rejected: 2, rejections: expected });
      expect((await stored(partial.source)).map((r) => r.source_row)).toEqual([1]);
    }
  });

  it("NDJSON: one assets call per chunk of 5,000 rows, each MPAN asked once a chunk", async () => {
    const lines = Array.from({ length: 5_003 }, (_, i) =>
      JSON.stringify({ meterReference: i % 2 ? MPAN_A1 : MPAN_A2, intervalStart: half(100 + i), importKwh: "0.5", exportKwh: "0" }),
    );
    const { value, asked } = await counting(() => ingest(as.fspA, `${lines.join("\n")}\n`, "NDJSON"));
    expect(value.report).toMatchObject({ status: "COMPLETED", rows: 5_003, inserted: 5_003, rejected: 0 });
    expect(asked.map((ids) => [...ids].sort())).toEqual([[MPAN_A2, MPAN_A1].sort(), [MPAN_A2, MPAN_A1].sort()]);
    expect(
      await rows(
        `select asset_id, count(*)::int as n from transactions.meter_readings where source = '${value.source}' group by asset_id order by asset_id`,
      ),
    ).toEqual([
      { asset_id: a1, n: 2_501 },
      { asset_id: a2, n: 2_502 },
    ]);
  });
});
