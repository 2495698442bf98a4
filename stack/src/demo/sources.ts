import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "csv-parse/sync";
import { stableHash } from "./ids.js";

/** stack/data: the public source files the demo loads (see ATTRIBUTION.md there). */
export const DATA_DIR = fileURLToPath(new URL("../../data/", import.meta.url));

export const NESO_DC_FILE = "neso-dynamic-containment-masterdata-2020-10-to-2021-04.csv";
export const UKPN_DISPATCH_FILE = "ukpn-flexibility-dispatches-ev-dsr-subset-2024-05-to-2025-12.csv";
export const ELEXON_CODE_FILE = "elexon-fmar-code-catalogue.csv";

export const NESO_DC_SOURCE = "NESO_DC_MASTERDATA";
export const UKPN_DISPATCH_SOURCE = "UKPN_FLEX_DISPATCHES";

type CsvRow = Record<string, string>;

function readCsv(file: string, dataDir = DATA_DIR): CsvRow[] {
  return parse(readFileSync(`${dataDir}${file}`), {
    bom: true,
    columns: true,
    skip_empty_lines: true,
    trim: true,
  }) as CsvRow[];
}

const text = (value: string | undefined): string => (value ?? "").trim();
const optional = (value: string | undefined): string | null => {
  const v = text(value);
  return v === "" || v === "N/A" || v === "NA" ? null : v;
};
const num = (value: string | undefined): number => {
  const v = text(value);
  if (v === "") return 0;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`not a number: ${value}`);
  return n;
};
/** A decimal as written in the file (no float round trip), or null when blank. */
const decimal = (value: string | undefined): string | null => {
  const v = text(value);
  if (v === "") return null;
  if (!/^-?\d+(\.\d+)?$/.test(v)) throw new Error(`not a decimal: ${value}`);
  return v;
};
const instant = (value: string | undefined): Date => {
  // NESO: 2020-10-01T22:00:00Z; UKPN: 2025-06-23 14:00:00+00:00
  const date = new Date(text(value).replace(" ", "T"));
  if (Number.isNaN(date.getTime())) throw new Error(`not a timestamp: ${value}`);
  return date;
};

// ---------------------------------------------------------------- NESO Dynamic Containment masterdata

export interface NesoDcBid {
  /** "DC LF", or "Withdraw" for a withdrawn bid. */
  marketName: string;
  withdrawn: boolean;
  deliveryDate: string;
  bidNumber: string;
  unit: string;
  unitType: string;
  agent: string;
  relatedEntity: string | null;
  volumeOfferedMw: number;
  volumeAcceptedMw: number;
  start: Date;
  end: Date;
  serviceDurationHours: number;
  /** £/MW/h as written, null on withdrawn rows. */
  availabilityFee: string | null;
  totalCost: string | null;
  rtm: string;
  accepted: boolean;
  rejectionCode: string | null;
  technology: string;
}

export function readNesoDcBids(dataDir = DATA_DIR): NesoDcBid[] {
  return readCsv(NESO_DC_FILE, dataDir).map((row) => {
    const marketName = text(row["Market Name"]);
    return {
      marketName,
      withdrawn: marketName.toLowerCase() === "withdraw",
      deliveryDate: text(row["Delivery Date"]),
      bidNumber: text(row["Unique bid number"]),
      unit: text(row["Response Unit"]),
      unitType: text(row["Unit type"]),
      agent: text(row["Agent/Applicant"]),
      relatedEntity: optional(row["Related Entity"]),
      volumeOfferedMw: num(row["Volume offered"]),
      volumeAcceptedMw: num(row["Volume Accepted"]),
      start: instant(row["Delivery Start UTC"]),
      end: instant(row["Delivery End UTC"]),
      serviceDurationHours: num(row["Service Duration"]),
      availabilityFee: decimal(row["Availability Fee"]),
      totalCost: decimal(row["Total Cost"]),
      rtm: text(row["RTM/no RTM"]),
      accepted: text(row["Accepted/Rejected"]).toLowerCase() === "accepted",
      rejectionCode: optional(row["Rejection code"]),
      technology: text(row["Technology Type"]),
    };
  });
}

// ---------------------------------------------------------------- UKPN flexibility dispatches

export const UKPN_PRODUCTS = ["Peak Reduction", "Long-Term Utilisation", "Scheduled Availability", "Day-Ahead"] as const;
export type UkpnProduct = (typeof UKPN_PRODUCTS)[number];

/** Other extracts of the same dataset spell products differently: map every spelling onto one name. */
export function normaliseUkpnProduct(raw: string): UkpnProduct {
  const key = raw
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, " ");
  const found = UKPN_PRODUCTS.find((p) => p.toLowerCase().replace(/[\s_-]+/g, " ") === key);
  if (!found) throw new Error(`unknown UKPN product: ${raw}`);
  return found;
}

export interface UkpnDispatch {
  /** sha1 of fu_id|product|start_utc|end_utc: the row's identity (rows repeat in and across extracts). */
  externalId: string;
  company: string;
  fuId: string;
  zone: string;
  product: UkpnProduct;
  start: Date;
  end: Date;
  startLocal: string;
  endLocal: string;
  availabilityMw: number;
  utilisationMw: number;
  /** £/MW/h and £/MWh as written. */
  availabilityPrice: string;
  utilisationPrice: string;
  availabilityMwh: number;
  utilisationMwh: number;
  technology: string;
  dispatchType: string;
  hoursRequested: number;
  dispatchMethod: string;
}

export interface UkpnDispatchFile {
  /** One per distinct (fu_id, product, start, end), first occurrence in file order wins. */
  dispatches: UkpnDispatch[];
  rawRows: number;
  /** Rows whose key had been seen already (skipped, never double-counted). */
  repeatedRows: number;
}

export const ukpnDispatchKey = (fuId: string, product: string, start: Date, end: Date) =>
  stableHash(`${fuId}|${product}|${start.toISOString()}|${end.toISOString()}`);

export function readUkpnDispatches(dataDir = DATA_DIR): UkpnDispatchFile {
  const rows = readCsv(UKPN_DISPATCH_FILE, dataDir);
  const seen = new Map<string, UkpnDispatch>();
  for (const row of rows) {
    const fuId = text(row.fu_id);
    const product = normaliseUkpnProduct(text(row.product));
    const start = instant(row.start_time_utc);
    const end = instant(row.end_time_utc);
    const externalId = ukpnDispatchKey(fuId, product, start, end);
    if (seen.has(externalId)) continue;
    seen.set(externalId, {
      externalId,
      company: text(row.company_name),
      fuId,
      zone: text(row.zone),
      product,
      start,
      end,
      startLocal: text(row.start_time_local),
      endLocal: text(row.end_time_local),
      availabilityMw: num(row.availability_mw_req),
      utilisationMw: num(row.utilisation_mw_req),
      availabilityPrice: decimal(row.availability_price) ?? "0",
      utilisationPrice: decimal(row.utilisation_price) ?? "0",
      availabilityMwh: num(row.availability_mwh_req),
      utilisationMwh: num(row.utilisation_mwh_req),
      technology: text(row.technology),
      dispatchType: text(row.dispatch_type),
      hoursRequested: num(row.hours_requested),
      dispatchMethod: text(row.dispatch_method),
    });
  }
  return { dispatches: [...seen.values()], rawRows: rows.length, repeatedRows: rows.length - seen.size };
}

export interface DispatchOverlap {
  a: UkpnDispatch;
  b: UkpnDispatch;
  start: Date;
  end: Date;
}

/**
 * Pairs of dispatch windows on the same flexible unit that overlap in time under different products
 * (a unit committed twice at once). Pairs are ordered (a before b by external id) so ids derived from them
 * are stable.
 */
export function crossProductOverlaps(dispatches: readonly UkpnDispatch[]): DispatchOverlap[] {
  const byUnit = new Map<string, UkpnDispatch[]>();
  for (const d of dispatches) {
    const list = byUnit.get(d.fuId);
    if (list) list.push(d);
    else byUnit.set(d.fuId, [d]);
  }
  const overlaps: DispatchOverlap[] = [];
  for (const list of byUnit.values()) {
    list.sort((x, y) => x.start.getTime() - y.start.getTime() || x.end.getTime() - y.end.getTime());
    for (let i = 0; i < list.length; i++) {
      const first = list[i] as UkpnDispatch;
      for (let j = i + 1; j < list.length; j++) {
        const second = list[j] as UkpnDispatch;
        if (second.start >= first.end) break; // sorted by start: nothing later can overlap `first`
        if (second.product === first.product) continue;
        const [a, b] = first.externalId < second.externalId ? [first, second] : [second, first];
        overlaps.push({
          a,
          b,
          start: new Date(Math.max(a.start.getTime(), b.start.getTime())),
          end: new Date(Math.min(a.end.getTime(), b.end.getTime())),
        });
      }
    }
  }
  return overlaps.sort((x, y) => (x.a.externalId + x.b.externalId).localeCompare(y.a.externalId + y.b.externalId));
}

// ---------------------------------------------------------------- Elexon FMAR code catalogue (draft)

export interface ElexonCode {
  domain: string;
  catalogue: string;
  code: string;
  label: string;
  definition: string;
  appliesTo: string;
  active: boolean;
  notes: string | null;
}

export function readElexonCodes(dataDir = DATA_DIR): ElexonCode[] {
  return readCsv(ELEXON_CODE_FILE, dataDir).map((row) => ({
    domain: text(row.Domain),
    catalogue: text(row.Catalogue),
    code: text(row.Code),
    label: text(row.Label),
    definition: text(row.Definition),
    appliesTo: text(row.AppliesTo),
    active: text(row.Active) === "1",
    notes: optional(row.Notes),
  }));
}
