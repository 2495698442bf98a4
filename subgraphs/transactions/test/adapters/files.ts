// The real published files the adapters are tested on (stack/data, committed with attribution), parsed the way the
// demo loader parses them (csv-parse, BOM stripped, one record per row, cells trimmed).
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";

const DATA = new URL("../../../../stack/data/", import.meta.url);
export const UKPN_FILE = "ukpn-flexibility-dispatches-ev-dsr-subset-2024-05-to-2025-12.csv";
export const NESO_DC_FILE = "neso-dynamic-containment-masterdata-2020-10-to-2021-04.csv";

export function readRecords(file: string): Record<string, string>[] {
  return parse(readFileSync(new URL(file, DATA)), { bom: true, columns: true, skip_empty_lines: true, trim: true }) as Record<
    string,
    string
  >[];
}

/** Sum of decimal texts, exactly: scaled to a common number of places as bigints (independent of the adapters). */
export function exactSum(values: readonly string[]): string {
  const places = Math.max(0, ...values.map((v) => (v.split(".")[1] ?? "").length));
  let total = 0n;
  for (const v of values) {
    const negative = v.startsWith("-");
    const [int, frac = ""] = v.replace(/^-/, "").split(".");
    const scaled = BigInt(`${int}${frac.padEnd(places, "0")}`);
    total += negative ? -scaled : scaled;
  }
  const digits = (total < 0n ? -total : total).toString().padStart(places + 1, "0");
  const text = places ? `${digits.slice(0, -places)}.${digits.slice(-places)}`.replace(/\.?0+$/, "") : digits;
  return total < 0n ? `-${text}` : text;
}

export const countBy = <T>(items: readonly T[], key: (item: T) => string) => {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
};
