import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  type DirectionCode,
  NESO_DC_SOURCE,
  UKPN_DISPATCH_SOURCE,
  type UkpnProductCode,
  adaptNesoDcRow,
  adaptUkpnDispatch,
  dcDetails,
  ukpnDispatchDetails,
  ukpnSetPointMw,
} from "@sfe/transactions/adapters";
import { parse } from "csv-parse/sync";

/** stack/data: the public source files the demo loads (see ATTRIBUTION.md there). */
export const DATA_DIR = fileURLToPath(new URL("../../data/", import.meta.url));

export const NESO_DC_FILE = "neso-dynamic-containment-masterdata-2020-10-to-2021-04.csv";
export const UKPN_DISPATCH_FILE = "ukpn-flexibility-dispatches-ev-dsr-subset-2024-05-to-2025-12.csv";
export const ELEXON_CODE_FILE = "elexon-fmar-code-catalogue.csv";

/**
 * The sources the demo's records are keyed under: the ingest adapters' own, with their source record ids, so that
 * POST /ingest/… of the same files after the demo finds every row held (repeats) rather than duplicating it.
 */
export { NESO_DC_SOURCE, UKPN_DISPATCH_SOURCE };

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
  /** The EFA blocks the window covers (the bid's periods). */
  blocks: { start: string; end: string }[];
  /** What the bid and its award keep beyond their columns, as the ingest adapter stores it. */
  details: Record<string, unknown>;
}

/** A source file's row the adapter refused: the demo's files are published data and must all read. */
function refusedRow(file: string, error: { row: number; field: string; reason: string; message: string }): Error {
  return new Error(`demo data: ${file} row ${error.row} (${error.field}, ${error.reason}): ${error.message}`);
}

/** Every masterdata row through the NESO DC adapter (the ingest route's): markets, dates and EFA blocks checked once. */
export function readNesoDcBids(dataDir = DATA_DIR): NesoDcBid[] {
  return readCsv(NESO_DC_FILE, dataDir).map((row, i) => {
    const adapted = adaptNesoDcRow(row, i + 1);
    if (!adapted.ok) throw refusedRow(NESO_DC_FILE, adapted.error);
    const { bid } = adapted.value;
    return {
      marketName: bid.withdrawn ? "Withdraw" : text(row["Market Name"]),
      withdrawn: bid.withdrawn,
      deliveryDate: text(row["Delivery Date"]),
      bidNumber: bid.sourceRecordId,
      unit: bid.unit,
      unitType: bid.unitType ?? "",
      agent: bid.agent,
      relatedEntity: bid.relatedEntity,
      volumeOfferedMw: bid.volumeOfferedMw,
      volumeAcceptedMw: bid.volumeAcceptedMw,
      start: bid.start,
      end: bid.end,
      serviceDurationHours: num(bid.serviceDurationHours ?? ""),
      availabilityFee: bid.availabilityFee,
      totalCost: bid.totalCost,
      rtm: bid.rtm ?? "",
      accepted: bid.status === "ACCEPTED",
      rejectionCode: bid.rejectionCode,
      technology: bid.technology ?? "",
      blocks: bid.blocks.map((b) => ({ start: b.start.toISOString(), end: b.end.toISOString() })),
      details: dcDetails(adapted.value),
    };
  });
}

// ---------------------------------------------------------------- UKPN flexibility dispatches

export const UKPN_PRODUCTS = ["Peak Reduction", "Long-Term Utilisation", "Scheduled Availability", "Day-Ahead"] as const;
export type UkpnProduct = (typeof UKPN_PRODUCTS)[number];

/** The adapter's product codes as the demo's product names (the ids of its records derive from the names). */
const UKPN_PRODUCT_NAMES: Partial<Record<UkpnProductCode, UkpnProduct>> = {
  PEAK_REDUCTION: "Peak Reduction",
  LONG_TERM_UTILISATION: "Long-Term Utilisation",
  SCHEDULED_AVAILABILITY: "Scheduled Availability",
  DAY_AHEAD: "Day-Ahead",
};

export interface UkpnDispatch {
  /** The adapter's source record id (ukpnSourceRecordKey: unit, product, window, MW and prices). */
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
  /** The hub's direction code (DEMAND_TURN_DOWN …), from `dispatch_type`. */
  dispatchType: DirectionCode;
  hoursRequested: number;
  dispatchMethod: string;
  /** The instruction's set point and what it keeps beyond its columns, as the ingest adapter stores them. */
  setPointMw: number;
  details: Record<string, unknown>;
}

export interface UkpnDispatchFile {
  /** One per source record id; a row repeating an earlier one's id replaces it (the ingest engine's last-row-wins). */
  dispatches: UkpnDispatch[];
  rawRows: number;
  /** Rows whose key had been seen already (skipped, never double-counted). */
  repeatedRows: number;
}

/** Every export row through the UKPN dispatch adapter (the ingest route's): spellings folded once, prices and MWh kept exact. */
export function readUkpnDispatches(dataDir = DATA_DIR): UkpnDispatchFile {
  const rows = readCsv(UKPN_DISPATCH_FILE, dataDir);
  const seen = new Map<string, UkpnDispatch>();
  rows.forEach((row, i) => {
    const adapted = adaptUkpnDispatch(row, i + 1);
    if (!adapted.ok) throw refusedRow(UKPN_DISPATCH_FILE, adapted.error);
    const d = adapted.value;
    const product = UKPN_PRODUCT_NAMES[d.product];
    if (!product) throw new Error(`demo data: ${UKPN_DISPATCH_FILE} row ${i + 1}: the demo has no ${d.product} product`);
    const externalId = d.sourceRecordId;
    seen.delete(externalId); // the last row of a key wins, in the place it has in the file
    seen.set(externalId, {
      externalId,
      company: d.providerName,
      fuId: d.flexibleUnitId,
      zone: d.zoneName,
      product,
      start: d.start,
      end: d.end,
      startLocal: d.startLocal,
      endLocal: d.endLocal,
      availabilityMw: d.availabilityMw,
      utilisationMw: d.utilisationMw,
      availabilityPrice: d.availabilityPrice,
      utilisationPrice: d.utilisationPrice,
      availabilityMwh: d.availabilityMwh,
      utilisationMwh: d.utilisationMwh,
      technology: d.technology ?? "",
      dispatchType: d.direction,
      hoursRequested: num(d.hoursRequested ?? ""),
      dispatchMethod: d.dispatchMethod ?? "",
      setPointMw: ukpnSetPointMw(d),
      details: ukpnDispatchDetails(d),
    });
  });
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
