import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { type DatabaseHandle, staticReferences } from "@sfe/kit";
import { setUpSubgraph } from "@sfe/kit/testing";
import { parse } from "csv-parse/sync";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { ENTITY_SPECS } from "../src/modules/ingest/index.js";
import { fastScratchTables } from "../src/modules/ingest/fast.js";
import { ReadInSql, readUkpnFast } from "../src/modules/ingest/ukpn-fast.js";
import { transactionsSubgraph } from "./helpers.js";

// The UKPN fast path (ukpn-fast.ts: COPY, the plain rows read in SQL) against the per-row adapter: every row of a
// file must come out as the adapter reads it — the same record and key for a plain row, the same coded error for a
// bad one (which the fast path hands to the adapter). Runs on PGlite by default and on Postgres with DATABASE_URL.
const EXTRACT = new URL("../../../stack/data/ukpn-flexibility-dispatches-ev-dsr-subset-2024-05-to-2025-12.csv", import.meta.url);
const adapter = ENTITY_SPECS["dispatch-instructions"]!.adapters["ukpn-dispatches"]!;
const context = { identity: {} as never, references: staticReferences({}), params: new URLSearchParams() };

let handle: DatabaseHandle;
beforeAll(async () => {
  ({ handle } = await setUpSubgraph(transactionsSubgraph, staticReferences({})));
});

/** An adapter's answer as the fast path gives a row read in SQL: { ok, value: { row, externalId, value } }. */
const readOf = (r: ReturnType<typeof adapter.read>) => (r.ok ? { ok: true, value: { row: r.row, ...r.value } } : r);

/** Each row through the fast path, next to the adapter's reading of the same row: and how many were read in SQL. */
async function bothWays(text: string) {
  const stage = `transactions.ukpn_fast_test_${randomBytes(4).toString("hex")}`;
  try {
    const fast = await readUkpnFast(handle.db, stage, [text], adapter.requiredColumns);
    expect(fast.copied).toBe(true);
    if (!fast.copied) throw new Error("not copied");
    const records: Record<string, string>[] = parse(text, {
      bom: true,
      columns: (h: string[]) => h.map((c) => c.trim()),
      relax_column_count: true,
    });
    const out: { row: number; fast: unknown; adapter: unknown; inSql: boolean }[] = [];
    let row = 0;
    for await (const line of fast.lines) {
      row += 1;
      const expected = readOf(adapter.read(records[row - 1]!, row, context));
      const got = line instanceof ReadInSql ? { ok: true, value: line.read } : readOf(adapter.read(line, row, context));
      out.push({ row, fast: got, adapter: expected, inSql: line instanceof ReadInSql });
    }
    await fast.dispose();
    expect(row).toBe(records.length);
    return out;
  } finally {
    await handle.db.execute(sql.raw(`drop table if exists ${fastScratchTables(stage).join(", ")}`));
  }
}

const extract = readFileSync(EXTRACT, "utf8");
const header = extract.replace(/^\uFEFF/, "").split(/\r?\n/)[0]!;
const columns = header.split(",");
/** A row of the extract's columns: its first row with `changes`. */
const firstRow = parse(extract, { bom: true, columns: true })[0] as Record<string, string>;
const line = (changes: Record<string, string>) =>
  columns.map((c) => {
    const v = changes[c] ?? firstRow[c] ?? "";
    return /[",]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
  });

describe("UKPN fast path", () => {
  it("reads every row of the real extract in SQL exactly as the adapter reads it", async () => {
    const rows = await bothWays(extract);
    expect(rows).toHaveLength(14_813);
    expect(rows.filter((r) => !r.inSql)).toEqual([]);
    for (const r of rows) expect(r.fast, `row ${r.row}`).toEqual(r.adapter);
  });

  it("folds aliases, reads clock-change days, and hands every bad or unusual row to the adapter with its coded error", async () => {
    const cases: [string, Record<string, string>, "sql" | "adapter"][] = [
      ["alias Day Ahead", { product: "Day Ahead" }, "sql"],
      ["alias day_ahead", { product: "day_ahead" }, "sql"],
      ["alias DA, padded", { product: "  DA " }, "sql"],
      ["alias LTU", { product: "LTU" }, "sql"],
      ["direction DTD", { dispatch_type: "DTD" }, "sql"],
      ["direction spelt out", { dispatch_type: "Demand Turn Down" }, "sql"],
      // 2024-03-31: 00:30 UTC is 00:30 GMT; 01:30 London does not exist
      [
        "spring day before the gap",
        {
          start_time_local: "2024-03-31T00:30:00+00:00",
          end_time_local: "2024-03-31T02:30:00+01:00",
          start_time_utc: "2024-03-31 00:30:00+00:00",
          end_time_utc: "2024-03-31 01:30:00+00:00",
        },
        "sql",
      ],
      [
        "spring gap wall time",
        {
          start_time_local: "2024-03-31T01:30:00+00:00",
          end_time_local: "2024-03-31T03:00:00+01:00",
          start_time_utc: "2024-03-31 01:30:00+00:00",
          end_time_utc: "2024-03-31 02:00:00+00:00",
        },
        "adapter",
      ],
      // 2024-10-27: 01:30 London happens twice, 00:30 UTC (+01:00) and 01:30 UTC (+00:00)
      [
        "autumn first 01:30",
        {
          start_time_local: "2024-10-27T01:30:00+01:00",
          end_time_local: "2024-10-27T01:00:00+00:00",
          start_time_utc: "2024-10-27 00:30:00+00:00",
          end_time_utc: "2024-10-27 01:00:00+00:00",
        },
        "sql",
      ],
      [
        "autumn second 01:30",
        {
          start_time_local: "2024-10-27T01:30:00+00:00",
          end_time_local: "2024-10-27T02:00:00+00:00",
          start_time_utc: "2024-10-27 01:30:00+00:00",
          end_time_utc: "2024-10-27 02:00:00+00:00",
        },
        "sql",
      ],
      [
        "autumn naive local (resolved by the UTC column)",
        {
          start_time_local: "2024-10-27T01:30:00",
          end_time_local: "2024-10-27T02:00:00",
          start_time_utc: "2024-10-27 01:30:00+00:00",
          end_time_utc: "2024-10-27 02:00:00+00:00",
        },
        "adapter",
      ],
      ["local time another instant", { start_time_local: "2025-06-23T16:00:00+01:00" }, "adapter"],
      ["end before start", { end_time_utc: "2025-06-23 13:00:00+00:00", end_time_local: "2025-06-23T14:00:00+01:00" }, "adapter"],
      ["unknown product", { product: "Flexibility Plus" }, "adapter"],
      ["unknown direction", { dispatch_type: "sideways" }, "adapter"],
      ["blank unit", { fu_id: "" }, "adapter"],
      ["n/a company", { company_name: "N/A" }, "adapter"],
      ["MW not a number", { utilisation_mw_req: "1,5" }, "adapter"],
      ["MW with exponent", { availability_mw_req: "1e3" }, "adapter"],
      ["negative price", { utilisation_price: "-3.5" }, "adapter"],
      ["negative zero MW", { utilisation_mw_req: "-0.0" }, "adapter"],
      ["price with leading zeros kept as written", { utilisation_price: "007.50" }, "sql"],
      // a number's key part is String(Number(text)): read in SQL only where that is its canonical decimal
      ["MW with trailing zeros", { availability_mw_req: "1.500", utilisation_mw_req: "00.10" }, "sql"],
      ["MW of 15 significant digits", { utilisation_mw_req: "12345.6789012345" }, "sql"],
      ["MW of 17 significant digits (a double rounds it)", { utilisation_mw_req: "0.12345678901234567" }, "adapter"],
      ["MWh under 1e-6 (String gives an exponent)", { utilisation_mwh_req: "0.0000001" }, "adapter"],
      ["MWh of 1e-6", { utilisation_mwh_req: "0.000001" }, "sql"],
      ["price of 20 digits, exact", { availability_price: "12345678901234567890.5" }, "sql"],
      ["blank hours and method", { hours_requested: "", dispatch_method: "null" }, "sql"],
      ["non-ASCII zone", { zone: "Tunbridge Wells–Pembury" }, "adapter"],
      ["UTC without offset", { start_time_utc: "2025-06-23T14:00:00" }, "sql"],
      ["hour 24", { start_time_utc: "2025-06-23 24:00:00+00:00" }, "adapter"],
    ];
    const text = `${header}\n${cases.map(([, changes]) => line(changes).join(",")).join("\n")}\n`;
    const rows = await bothWays(text);
    for (const [i, [name, , path]] of cases.entries()) {
      const r = rows[i]!;
      expect(r.fast, name).toEqual(r.adapter);
      expect(r.inSql ? "sql" : "adapter", name).toBe(path);
    }
    // the adapter's answers are what they say
    const errorOf = (name: string) =>
      (rows[cases.findIndex(([n]) => n === name)]!.adapter as { error?: { reason: string; field: string; row: number } }).error;
    expect(errorOf("spring gap wall time")).toMatchObject({ field: "startLocal", reason: "NONEXISTENT_LOCAL_TIME", row: 8 });
    expect(errorOf("end before start")).toMatchObject({ field: "end", reason: "END_BEFORE_START" });
    expect(errorOf("unknown product")).toMatchObject({ field: "product", reason: "UNKNOWN_ALIAS" });
    expect(errorOf("MW not a number")).toMatchObject({ field: "utilisationMw", reason: "NOT_A_NUMBER" });
    expect(errorOf("negative price")).toMatchObject({ field: "utilisationPrice", reason: "NEGATIVE_QUANTITY" });
    expect(errorOf("local time another instant")).toMatchObject({ field: "startLocal", reason: "LOCAL_TIME_MISMATCH" });
    const productOf = (name: string) =>
      (rows[cases.findIndex(([n]) => n === name)]!.fast as { value: { value: { productCode: string } } }).value.value.productCode;
    expect(["alias Day Ahead", "alias day_ahead", "alias DA, padded"].map(productOf)).toEqual(["DAY_AHEAD", "DAY_AHEAD", "DAY_AHEAD"]);
  });

  it("a date no pattern refuses but no cast takes (30 February) sends the rest of the file to the adapter", async () => {
    const text = `${header}\n${line({}).join(",")}\n${line({ start_time_utc: "2025-02-30 14:00:00+00:00" }).join(",")}\n`;
    const rows = await bothWays(text);
    expect(rows.map((r) => r.inSql)).toEqual([false, false]);
    for (const r of rows) expect(r.fast).toEqual(r.adapter);
    expect((rows[1]!.adapter as { error: { reason: string } }).error.reason).toBe("MALFORMED_TIMESTAMP");
  });
});
