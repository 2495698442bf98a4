import { type DatabaseHandle, type Identity, staticReferences } from "@sfe/kit";
import { as, orgs, setUpSubgraph } from "@sfe/kit/testing";
import { sql } from "drizzle-orm";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { ENTITY_SPECS, type IngestReport, runIngest } from "../src/modules/ingest/index.js";
import type { IngestRequest } from "../src/modules/ingest/engine.js";
import { COLUMNS } from "../src/modules/ingest/fast.js";
import { createIngestBatchesRepository } from "../src/modules/ingest/repository.js";
import { transactionsSubgraph } from "./helpers.js";

// The raw-COPY path for plain meter-reading CSVs (fast.ts) against the general path (csv-parse and the adapter per
// row): the same file must give the same report and the same stored rows on both. A quoted header sends a file down
// the general path (the line split does not read quotes), so each file is ingested both ways under two sources.
// Runs on PGlite by default and on Postgres with DATABASE_URL.
const assetA = "a55e0000-0000-4000-8000-00000000000a"; // FSP A's
const assetB = "a55e0000-0000-4000-8000-00000000000b"; // FSP B's
const unitA = "0e170000-0000-4000-8000-00000000000a"; // FSP A's market unit
const references = staticReferences({
  Asset: { [assetA]: { owner: { id: orgs.fspA } }, [assetB]: { owner: { id: orgs.fspB } } },
  MarketUnit: { [unitA]: { owner: { id: orgs.fspA } } },
});

let handle: DatabaseHandle;
beforeAll(async () => {
  ({ handle } = await setUpSubgraph(transactionsSubgraph, references));
});

const PLAIN = COLUMNS.join(",");
const QUOTED = COLUMNS.map((c) => `"${c}"`).join(",");

let sources = 0;
async function ingest(identity: Identity, body: string, options: { mode?: IngestRequest["mode"]; params?: Record<string, string> } = {}) {
  sources += 1;
  const source = `fast-test-${sources}`;
  const report = await runIngest(
    { db: handle.db, batches: createIngestBatchesRepository(handle.db), context: { identity, references } },
    {
      spec: ENTITY_SPECS["meter-readings"]!,
      adapter: "generic",
      source,
      format: "CSV",
      mode: options.mode ?? "PARTIAL",
      fileName: null,
      params: new URLSearchParams(options.params ?? {}),
    },
    [body],
  );
  return { report, source };
}

async function stored(source: string) {
  const result = await handle.db.execute(
    sql`select source_row, external_id, asset_id, market_unit_id, meter_reference, provider_id, interval_start, interval_end,
               granularity, active_import_wh::text as import_wh, active_export_wh::text as export_wh, quality
        from transactions.meter_readings where source = ${source} order by source_row`,
  );
  return ((result as { rows?: unknown[] }).rows ?? result) as Record<string, unknown>[];
}

const comparable = (r: IngestReport) => ({
  status: r.status,
  rows: r.rows,
  inserted: r.inserted,
  updated: r.updated,
  repeats: r.repeats,
  duplicates: r.duplicates,
  rejected: r.rejected,
  rejections: r.rejections,
});

/** The file through both paths: the same report, the same rows (but for the source). */
async function bothWays(identity: Identity, lines: string[], options: Parameters<typeof ingest>[2] = {}) {
  const fast = await ingest(identity, `${[PLAIN, ...lines].join("\n")}\n`, options);
  const general = await ingest(identity, `${[QUOTED, ...lines].join("\n")}\n`, options);
  const normalise = (r: IngestReport) =>
    JSON.parse(JSON.stringify(comparable(r)).replaceAll(fast.source, "SOURCE").replaceAll(general.source, "SOURCE"));
  expect(normalise(fast.report)).toEqual(normalise(general.report));
  expect(await stored(fast.source)).toEqual(await stored(general.source));
  return { report: fast.report, rows: await stored(fast.source) };
}

describe("the raw-COPY path for plain meter readings", () => {
  it("stores what the general path stores: exact Wh, UTC, London time, default and given ids, quality codes", async () => {
    const { report, rows } = await bothWays(as.fspA, [
      `${assetA},,,2025-06-23T14:00:00Z,,1.5,0,,`,
      `${assetA},,,2025-06-23T14:30:00.000Z,,2.25,0.125,ESTIMATED,`,
      `${assetA},,,2025-07-01T10:00:00,,12.345,0,,`, // naive: London (BST), 09:00Z
      `${assetA},,,2025-01-01T10:00:00,,0,0,A,`, // naive in GMT; an alias quality (adapter)
      `${assetA},,,2025-06-23T15:00:00Z,,1.2500,0,,meter-7|x`, // trailing zeros (adapter), a given id
      `${assetA},,,2024-02-29T00:00:00Z,,3,4,SUBSTITUTED,`, // a leap day
      `${assetA},,${""},2025-06-23T16:00:00Z,2025-06-23T16:01:00Z,0.001,0,,`, // an interval end (adapter)
      `,${unitA},,2025-06-23T16:30:00Z,,1,1,,`, // a market unit (adapter)
    ]);
    expect(report).toMatchObject({ status: "COMPLETED", rows: 8, inserted: 8, rejected: 0 });
    expect(rows.map((r) => [r.source_row, r.import_wh, r.export_wh, r.quality, r.granularity])).toEqual([
      [1, "1500", "0", "ACTUAL", "PT30M"],
      [2, "2250", "125", "ESTIMATED", "PT30M"],
      [3, "12345", "0", "ACTUAL", "PT30M"],
      [4, "0", "0", "ACTUAL", "PT30M"],
      [5, "1250", "0", "ACTUAL", "PT30M"],
      [6, "3000", "4000", "SUBSTITUTED", "PT30M"],
      [7, "1", "0", "ACTUAL", "PT1M"],
      [8, "1000", "1000", "ACTUAL", "PT30M"],
    ]);
    expect(rows[0]).toMatchObject({ external_id: `${assetA}|2025-06-23T14:00:00.000Z`, provider_id: orgs.fspA });
    expect(rows[1]).toMatchObject({ external_id: `${assetA}|2025-06-23T14:30:00.000Z`, asset_id: assetA });
    expect(new Date(rows[2]!.interval_start as string).toISOString()).toBe("2025-07-01T09:00:00.000Z");
    expect(rows[2]!.external_id).toBe(`${assetA}|2025-07-01T09:00:00.000Z`);
    expect(new Date(rows[3]!.interval_start as string).toISOString()).toBe("2025-01-01T10:00:00.000Z");
    expect(rows[4]!.external_id).toBe("meter-7|x");
  });

  it("refuses bad rows with the same row, field, code and reason as the general path", async () => {
    const { report } = await bothWays(as.fspA, [
      `${assetA},,,2025-08-01T00:00:00Z,,1,0,,`, // 1 ok
      `${assetA},,,2025-02-30T00:00:00Z,,1,0,,`, // 2 no such day
      `${assetA},,,2025-08-01T00:30:00+25:00,,1,0,,`, // 3 offset out of range
      `${assetA},,,2025-08-01 12:00,,1,0,,`, // 4 ok: a space and no seconds (adapter)
      `${assetA},,,2025-10-26T01:30:00,,1,0,,`, // 5 happens twice in London
      `${assetA},,,2025-03-30T01:30:00,,1,0,,`, // 6 does not exist in London
      `${assetA},,,2025-08-01T01:30:00Z,,-1,0,,`, // 7 a negative register
      `${assetA},,,2025-08-01T02:00:00Z,,1,1e3,,`, // 8 not a decimal
      `${assetA},,,2025-08-01T02:30:00Z,,1.0001,0,,`, // 9 finer than a Wh
      `not-an-id,,,2025-08-01T03:00:00Z,,1,0,,`, // 10
      `${assetB},,,2025-08-01T03:30:00Z,,1,0,,`, // 11 FSP B's asset
      `${assetA},,,2025-08-01T04:00:00Z,,1,0,Q,`, // 12 unknown quality
      `${assetA},,,,,1,0,,`, // 13 no start
    ]);
    expect(report.rejections.map(({ row, field, code, reason }) => [row, field, code, reason])).toEqual([
      [2, "intervalStart", "BAD_USER_INPUT", "MALFORMED_TIMESTAMP"],
      [3, "intervalStart", "BAD_USER_INPUT", "MALFORMED_TIMESTAMP"],
      [5, "intervalStart", "BAD_USER_INPUT", "AMBIGUOUS_LOCAL_TIME"],
      [6, "intervalStart", "BAD_USER_INPUT", "NONEXISTENT_LOCAL_TIME"],
      [7, "importKwh", "BAD_USER_INPUT", "NEGATIVE_QUANTITY"],
      [8, "exportKwh", "BAD_USER_INPUT", "NOT_A_NUMBER"],
      [9, "importKwh", "BAD_USER_INPUT", "TOO_PRECISE"],
      [10, "assetId", "BAD_USER_INPUT", "NOT_AN_ID"],
      [11, "assetId", "FORBIDDEN", "NOT_YOURS"],
      [12, "quality", "BAD_USER_INPUT", "UNKNOWN_ALIAS"],
      [13, "intervalStart", "BAD_USER_INPUT", "MISSING_VALUE"],
    ]);
    expect(report).toMatchObject({ rows: 13, inserted: 2, rejected: 11 });
  });

  it("all-or-nothing writes nothing for one refused row; a replay adds nothing; the last of a repeated key wins", async () => {
    const bad = await ingest(as.fspA, `${PLAIN}\n${assetA},,,2025-09-01T00:00:00Z,,1,0,,\n${assetB},,,2025-09-01T00:30:00Z,,1,0,,\n`, {
      mode: "ALL_OR_NOTHING",
    });
    expect(bad.report).toMatchObject({ status: "REJECTED", inserted: 0, rejected: 1, rejections: [{ row: 2, code: "FORBIDDEN" }] });
    expect(await stored(bad.source)).toEqual([]);

    const file = `${PLAIN}\n${assetA},,,2025-09-01T00:00:00Z,,1,0,,\n${assetA},,,2025-09-01T00:00:00Z,,2,0,,\n`;
    const first = await ingest(as.fspA, file);
    expect(first.report).toMatchObject({ inserted: 1, duplicates: 1 });
    expect((await stored(first.source)).map((r) => r.import_wh)).toEqual(["2000"]);
  });

  it("reads what the line split cannot through the general path: CRLF, an empty line, quotes, extra columns, no newline at the end", async () => {
    const crlf = await ingest(
      as.fspA,
      `${PLAIN}\r\n${assetA},,,2025-09-02T00:00:00Z,,1,0,,\r\n${assetA},,,2025-09-02T00:30:00Z,,2,0,,\r\n`,
    );
    expect(crlf.report).toMatchObject({ rows: 2, inserted: 2, rejected: 0 });
    const empty = await ingest(as.fspA, `${PLAIN}\n${assetA},,,2025-09-02T01:00:00Z,,1,0,,\n\n${assetB},,,2025-09-02T01:30:00Z,,1,0,,\n`);
    expect(empty.report).toMatchObject({ rows: 2, inserted: 1, rejections: [{ row: 2, code: "FORBIDDEN" }] });
    const quoted = await ingest(as.fspA, `${PLAIN}\n${assetA},,,"2025-09-02T02:00:00Z",,"1.5",0,,\n`);
    expect((await stored(quoted.source)).map((r) => r.import_wh)).toEqual(["1500"]);
    const extra = await ingest(as.fspA, `note,assetId,intervalStart,importKwh,exportKwh\nhello,${assetA},2025-09-02T02:30:00Z,1,0`);
    expect(extra.report).toMatchObject({ rows: 1, inserted: 1 });
    const missing = ingest(as.fspA, `assetId,intervalStart,importKwh\n${assetA},2025-09-02T03:00:00Z,1\n`);
    await expect(missing).rejects.toThrow(/lacks the column\(s\) exportKwh/);
  });

  it("counts every refused row and lists the first 1,000 in file order", async () => {
    const lines = Array.from({ length: 1_500 }, (_, i) =>
      i % 2 === 0 ? `${assetA},,,2025-09-03T00:00:00Z,,-${i + 1},0,,x${i}` : `${assetB},,,2025-09-03T00:00:00Z,,1,0,,y${i}`,
    );
    const { report } = await ingest(as.fspA, `${[PLAIN, ...lines].join("\n")}\n`);
    expect(report).toMatchObject({ rows: 1_500, inserted: 0, rejected: 1_500 });
    expect(report.rejections).toHaveLength(1_000);
    expect(report.rejections.map((r) => r.row)).toEqual(Array.from({ length: 1_000 }, (_, i) => i + 1));
  });
});

// Which path a file took, from the phases INGEST_TIMINGS prints (the answer must not depend on it: only the route).
async function tracing<T>(work: () => Promise<T>): Promise<{ value: T; phases: string[]; spoolLeft: string[] }> {
  const phases: string[] = [];
  const spy = vi.spyOn(console, "error").mockImplementation((line: unknown) => {
    phases.push(
      String(line)
        .replace(/^ingest: /, "")
        .replace(/ [\d.]+ s$/, ""),
    );
  });
  const saved = { timings: process.env.INGEST_TIMINGS, tmp: process.env.TMPDIR };
  const tmp = mkdtempSync(join(tmpdir(), "sfe-ingest-test-"));
  process.env.INGEST_TIMINGS = "1";
  process.env.TMPDIR = tmp; // the spool goes here: it must be gone afterwards
  try {
    const value = await work();
    return { value, phases, spoolLeft: readdirSync(tmp) };
  } finally {
    spy.mockRestore();
    for (const [key, value] of [
      ["INGEST_TIMINGS", saved.timings],
      ["TMPDIR", saved.tmp],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    rmSync(tmp, { recursive: true, force: true });
  }
}

describe("Postgres's CSV reader, and the fall back to the per-row path", () => {
  const good = (n: number, day = "2025-10-01") =>
    Array.from({ length: n }, (_, i) => `${assetA},${new Date(Date.parse(`${day}T00:00:00Z`) + i * 1_800_000).toISOString()},${i % 7}.5,0`);
  const HEADER = "assetId,intervalStart,importKwh,exportKwh";

  it("takes a plain file through COPY and SQL, PGlite as Postgres, and leaves no spool", async () => {
    const { value, phases, spoolLeft } = await tracing(() => ingest(as.fspA, `${[HEADER, ...good(10_000)].join("\n")}\n`));
    expect(value.report).toMatchObject({ status: "COMPLETED", rows: 10_000, inserted: 10_000, rejected: 0 });
    expect(phases).toContain("COPY of the lines");
    expect(phases).toContain("normalised in SQL");
    expect(phases).not.toContain("read, resolved and staged row by row");
    expect(spoolLeft).toEqual([]);
    const rows = await stored(value.source);
    expect(rows[9_999]).toMatchObject({ source_row: 10_000, import_wh: "3500", external_id: `${assetA}|2026-04-27T07:30:00.000Z` });
    // Time-ordered ids (migration 0012): version 7, their first 48 bits the milliseconds they were made at.
    const result = await handle.db.execute(
      sql`select count(*)::int as n, count(*) filter (where substr(id::text, 15, 1) = '7')::int as v7,
                 min(('x' || translate(left(id::text, 13), '-', ''))::bit(48)::bigint)::text as first_ms,
                 max(('x' || translate(left(id::text, 13), '-', ''))::bit(48)::bigint)::text as last_ms
          from transactions.meter_readings where source = ${value.source}`,
    );
    const [ids] = ((result as { rows?: unknown[] }).rows ?? result) as { n: number; v7: number; first_ms: string; last_ms: string }[];
    expect(ids).toMatchObject({ n: 10_000, v7: 10_000 });
    expect(Number(ids!.first_ms)).toBeGreaterThan(Date.now() - 600_000);
    expect(Number(ids!.last_ms)).toBeLessThanOrEqual(Date.now());
  });

  // Row 10,001 of 10,006: one column short (COPY: missing data), or an id of the right length that is no UUID (the
  // cast in the normalising INSERT): either is a data error, so the whole file is read again from the spool, row by row.
  for (const [what, bad, refusal] of [
    ["a row one column short", `${assetA},2025-12-31T00:00:00Z,1`, { field: "exportKwh", reason: "MISSING_VALUE" }],
    [
      "a 36-character id that is no UUID",
      `zzzzzzzz-zzzz-4zzz-8zzz-zzzzzzzzzzzz,2025-12-31T00:00:00Z,1,0`,
      { field: "assetId", reason: "NOT_AN_ID" },
    ],
  ] as const) {
    it(`falls back on ${what}: the per-row report; all-or-nothing writes nothing, partial the good rows`, async () => {
      const lines = [...good(10_000), bad, ...good(5, "2027-01-01")];
      const file = `${[HEADER, ...lines].join("\n")}\n`;
      const all = await tracing(() => ingest(as.fspA, file, { mode: "ALL_OR_NOTHING" }));
      expect(all.value.report).toMatchObject({ status: "REJECTED", rows: 10_006, inserted: 0, rejected: 1 });
      expect(all.value.report.rejections).toEqual([expect.objectContaining({ row: 10_001, code: "BAD_USER_INPUT", ...refusal })]);
      expect(await stored(all.value.source)).toEqual([]);
      expect(all.phases).toContain("read, resolved and staged row by row");
      expect(all.phases).not.toContain("normalised in SQL");
      expect(all.spoolLeft).toEqual([]);

      const partial = await tracing(() => ingest(as.fspA, file));
      expect(partial.value.report).toMatchObject({ status: "COMPLETED", rows: 10_006, inserted: 10_005, rejected: 1 });
      expect(partial.value.report.rejections).toEqual([expect.objectContaining({ row: 10_001, ...refusal })]);
      const rows = await stored(partial.value.source);
      expect(rows.map((r) => r.source_row)).toEqual([
        ...Array.from({ length: 10_000 }, (_, i) => i + 1),
        10_002,
        10_003,
        10_004,
        10_005,
        10_006,
      ]);
      expect(partial.spoolLeft).toEqual([]);
    });
  }

  it("falls back on a backslash (COPY's end marker `\\.` would end the data early): every row is read", async () => {
    const file = `${HEADER}\n${good(2).join("\n")}\n\\.\n${good(2, "2026-02-01").join("\n")}\n`;
    const { value, phases } = await tracing(() => ingest(as.fspA, file));
    expect(value.report).toMatchObject({ rows: 5, inserted: 4, rejected: 1, rejections: [{ row: 3, field: "intervalStart" }] });
    expect(phases).toContain("read, resolved and staged row by row");
  });

  it("leaves to the adapter what a cast would read otherwise: 24:00, second 60, a Z on a naive form, another spelling of an id", async () => {
    const { report } = await bothWays(as.fspA, [
      `${assetA},,,2025-11-02T24:00:00Z,,1,0,,`,
      `${assetA},,,2025-11-02T23:59:60Z,,1,0,,`,
      `${assetA},,,2025-11-02T23:00:0Z,,1,0,,`,
      `{${assetA}},,,2025-11-02T21:00:00Z,,1,0,,`,
      `${assetA},,,2025-11-02T20:00:00Z,,1,0,,`,
    ]);
    expect(report).toMatchObject({ rows: 5, inserted: 1, rejected: 4 });
    // An upper-case id is the adapter's: the default id keeps the text as written.
    const upper = await ingest(as.fspA, `${HEADER}\n${assetA.toUpperCase()},2025-11-02T22:00:00Z,1,0\n`);
    expect(upper.report).toMatchObject({ inserted: 1 });
    expect(await stored(upper.source)).toMatchObject([
      { asset_id: assetA, external_id: `${assetA.toUpperCase()}|2025-11-02T22:00:00.000Z` },
    ]);
  });

  it("reads quoted cells, a BOM and CRLF lines in COPY itself, as csv-parse does", async () => {
    const lines = [`"${assetA}","2025-11-01T00:00:00Z","1.5",""`, `${assetA},"2025-11-01T00:30:00.000Z",2,0`];
    const { value, phases } = await tracing(() =>
      ingest(as.fspA, `\uFEFF${["assetId,intervalStart,importKwh,exportKwh,quality", ...lines.map((l) => `${l},`)].join("\r\n")}\r\n`),
    );
    expect(phases).toContain("normalised in SQL");
    expect(value.report).toMatchObject({ rows: 2, inserted: 1, rejected: 1 });
    expect(value.report.rejections).toEqual([expect.objectContaining({ row: 1, field: "exportKwh", reason: "MISSING_VALUE" })]);
  });
});
