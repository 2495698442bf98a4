import { aliasTable } from "@sfe/kit";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { type ColumnMapping, mapRow } from "../../src/adapters/index.js";

// Another SO's export, described only by a mapping: kW, import-positive, naive London times, its own spellings.
const OTHER_SO_CSV = `Service,Unit,From (local),To (local),Power kW,Energy kWh,Price GBP/MWh
sustain peak,U-1,2025-10-26 02:00,2025-10-26 03:30,-250,-375,12.50
Secure,U-2,2025-06-01 10:00,2025-06-01 10:30,1200,600,0
dynamic,U-3,2025-03-30 01:30,2025-03-30 02:30,100,50,1
Secure,U-4,2025-06-01 10:00,2025-06-01 10:30,12x,600,0
Restore,U-5,2025-10-26 01:30,2025-10-26 03:00,10,5,0
`;

const SERVICES = aliasTable("ENA product", {
  SECURE: ["Secure"],
  SUSTAIN: ["Sustain", "Sustain Peak"],
  DYNAMIC: ["Dynamic"],
  RESTORE: ["Restore"],
});
const mapping = {
  product: { kind: "alias", column: "Service", table: SERVICES },
  unit: { kind: "text", column: "Unit" },
  start: { kind: "timestamp", column: "From (local)", timezone: "Europe/London" },
  end: { kind: "timestamp", column: "To (local)", timezone: "Europe/London" },
  powerMw: { kind: "power", column: "Power kW", unit: "kW", sign: "IMPORT_POSITIVE" },
  energyMwh: { kind: "energy", column: "Energy kWh", unit: "kWh", sign: "IMPORT_POSITIVE" },
  price: { kind: "decimal", column: "Price GBP/MWh" },
} as const satisfies ColumnMapping;

const records = parse(OTHER_SO_CSV, { columns: true, trim: true }) as Record<string, string>[];

describe("generic column mapping", () => {
  it("describes another SO's CSV: aliases, kW → MW, import-positive → export-positive, London wall times → UTC", () => {
    const [first, second] = records.map((r, i) => mapRow(mapping, r, i + 1));
    expect(first).toMatchObject({ ok: true, row: 1 });
    if (!first?.ok || !second?.ok) throw new Error("expected rows 1 and 2 to map");
    expect(first.value.start.utc).toEqual(new Date("2025-10-26T02:00:00Z"));
    expect(first.value).toMatchObject({ product: "SUSTAIN", unit: "U-1", powerMw: 0.25, energyMwh: 0.375, price: "12.50" });
    expect(second.value).toMatchObject({ product: "SECURE", powerMw: -1.2, energyMwh: -0.6 });
    expect(second.value.start).toEqual({ utc: new Date("2025-06-01T09:00:00Z"), local: "2025-06-01T10:00:00+01:00" });
  });

  it("gives the kit's coded errors as row errors: the repeated autumn hour, the spring gap, a malformed number", () => {
    const results = records.map((r, i) => mapRow(mapping, r, i + 1));
    expect(results[4]).toMatchObject({
      ok: false,
      error: { row: 5, field: "start", code: "BAD_USER_INPUT", reason: "AMBIGUOUS_LOCAL_TIME" },
    });
    expect(results[2]).toMatchObject({ ok: false, error: { row: 3, field: "start", reason: "NONEXISTENT_LOCAL_TIME" } });
    expect(results[3]).toMatchObject({ ok: false, error: { row: 4, field: "powerMw", reason: "NOT_A_NUMBER" } });
  });

  it("reads a naive timestamp as UTC when the mapping says so, and an offset as written either way", () => {
    const utcMapping = { at: { kind: "timestamp", column: "t", timezone: "UTC" } } as const satisfies ColumnMapping;
    const read = (t: string) => mapRow(utcMapping, { t }, 1);
    expect(read("2025-10-26 01:30")).toMatchObject({ ok: true, value: { at: { utc: new Date("2025-10-26T01:30:00Z"), local: null } } });
    expect(read("2025-10-26T01:30+01:00")).toMatchObject({ ok: true, value: { at: { utc: new Date("2025-10-26T00:30:00Z") } } });
  });
});
