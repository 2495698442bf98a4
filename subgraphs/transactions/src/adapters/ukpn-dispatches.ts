// UK Power Networks flexibility dispatches (the Open Data Portal's `ukpn-flexibility-dispatches` CSV columns) →
// one normalised DispatchRecord per row. Every UKPN export of the dataset has these columns; exports differ in how
// they spell products and zones (`Day-Ahead`, `Day Ahead`, `day_ahead`), which the alias tables fold to one code.
// Utilisation prices and MWh are kept (the demo loader's first version dropped them). Pure: no I/O, never throws
// for bad data — a bad row is a coded RowError.
import { createHash } from "node:crypto";
import {
  type AliasTable,
  type Mw,
  type Mwh,
  type SettlementPeriod,
  aliasTable,
  foldAlias,
  localToUtc,
  normaliseAlias,
  parseTimestamp,
  quote,
  settlementPeriodOf,
  toLondonLocal,
} from "@sfe/kit";
import { type AdapterResult, type CsvRecord, RowRefused, catchRow, mapRow, rowError } from "./generic.js";

export const UKPN_DISPATCH_SOURCE = "ukpn-flexibility-dispatches";

/** UKPN's flexibility products, every spelling seen in its exports and tender documents. */
export const UKPN_PRODUCT_ALIASES = aliasTable("UKPN product", {
  SCHEDULED_AVAILABILITY: ["Scheduled Availability", "Scheduled Availability Utilisation", "SA"],
  PEAK_REDUCTION: ["Peak Reduction", "PR"],
  DAY_AHEAD: ["Day-Ahead", "Day Ahead", "Day-Ahead Utilisation", "DA"],
  LONG_TERM_UTILISATION: ["Long-Term Utilisation", "Long Term Utilization", "LTU"],
  OPERATIONAL_UTILISATION: ["Operational Utilisation", "Operational Utilization", "OU"],
});
export type UkpnProductCode = (typeof UKPN_PRODUCT_ALIASES)["codes"][number];

/** The hub's directions of a flexibility service (domain §4.10 Direction) and UKPN's `dispatch_type` spellings. */
export const DIRECTION_ALIASES = aliasTable("direction", {
  DEMAND_TURN_DOWN: ["demand_turn_down", "DTD", "Demand Turn Down", "Demand Reduction"],
  DEMAND_TURN_UP: ["demand_turn_up", "DTU", "Demand Turn Up"],
  GENERATION_TURN_UP: ["generation_turn_up", "GTU", "Generation Turn Up"],
  GENERATION_TURN_DOWN: ["generation_turn_down", "GTD", "Generation Turn Down"],
});
export type DirectionCode = (typeof DIRECTION_ALIASES)["codes"][number];

/** Export-positive sign of a direction: demand turned down or generation turned up is power towards the grid. */
export const EXPORT_SIGN: Readonly<Record<DirectionCode, 1 | -1>> = {
  DEMAND_TURN_DOWN: 1,
  GENERATION_TURN_UP: 1,
  DEMAND_TURN_UP: -1,
  GENERATION_TURN_DOWN: -1,
};

/**
 * A UKPN zone's code: `UKPN_` and the name folded (case, and each run of other characters one `_`), so
 * "Tunbridge Wells-Pembury", "tunbridge_wells pembury" and "TUNBRIDGE WELLS PEMBURY" are one zone — the same code
 * the demo loader gives today. `renames` maps an export's other name for a zone to its code (empty by default).
 */
export function ukpnZoneCode(zone: string, renames?: AliasTable): string {
  if (renames) {
    const code = renames.byKey.get(foldAlias(zone));
    if (code) return code;
  }
  const folded = zone
    .normalize("NFKC")
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return `UKPN_${folded}`;
}

/** The UKPN export's columns, described as a generic mapping (generic.ts); the adapter adds what a mapping cannot say. */
export const UKPN_DISPATCH_MAPPING = {
  providerName: { kind: "text", column: "company_name" },
  flexibleUnitId: { kind: "text", column: "fu_id" },
  zoneName: { kind: "text", column: "zone" },
  product: { kind: "alias", column: "product", table: UKPN_PRODUCT_ALIASES },
  start: { kind: "timestamp", column: "start_time_utc", timezone: "UTC" },
  end: { kind: "timestamp", column: "end_time_utc", timezone: "UTC" },
  // read as text and checked against the UTC columns (`checkLocal`): those resolve the autumn's repeated hour
  startLocal: { kind: "text", column: "start_time_local" },
  endLocal: { kind: "text", column: "end_time_local" },
  availabilityMw: { kind: "power", column: "availability_mw_req", unit: "MW", nonNegative: true },
  utilisationMw: { kind: "power", column: "utilisation_mw_req", unit: "MW", nonNegative: true },
  availabilityPrice: { kind: "decimal", column: "availability_price", nonNegative: true },
  utilisationPrice: { kind: "decimal", column: "utilisation_price", nonNegative: true },
  availabilityMwh: { kind: "energy", column: "availability_mwh_req", unit: "MWh", nonNegative: true },
  utilisationMwh: { kind: "energy", column: "utilisation_mwh_req", unit: "MWh", nonNegative: true },
  technology: { kind: "text", column: "technology", optional: true },
  direction: { kind: "alias", column: "dispatch_type", table: DIRECTION_ALIASES },
  hoursRequested: { kind: "decimal", column: "hours_requested", optional: true, nonNegative: true },
  dispatchMethod: { kind: "text", column: "dispatch_method", optional: true },
} as const;

/** One UKPN dispatch row in the hub's taxonomy (domain §4.11 DispatchInstruction, with the availability side kept). */
export interface DispatchRecord {
  source: typeof UKPN_DISPATCH_SOURCE;
  /** sha1 of the identifying columns; see `ukpnSourceRecordKey`. */
  sourceRecordId: string;
  /** 1 = the first data row after the header. */
  row: number;
  providerName: string;
  /** UKPN `fu_id`: the market unit dispatched. */
  flexibleUnitId: string;
  zoneName: string;
  zoneCode: string;
  product: UkpnProductCode;
  /** The product as the file spelt it. */
  productName: string;
  direction: DirectionCode;
  /** +1 when the requested MW count positive in the hub's export-positive convention, −1 otherwise. */
  exportSign: 1 | -1;
  /** UTC instants; the local times as the source gave them (`2025-06-23T15:00:00+01:00`). */
  start: Date;
  end: Date;
  startLocal: string;
  endLocal: string;
  /** Magnitudes as requested (signed by `exportSign`). */
  availabilityMw: Mw;
  utilisationMw: Mw;
  /** £/MW/h and £/MWh, exact decimal text as written. */
  availabilityPrice: string;
  utilisationPrice: string;
  availabilityMwh: Mwh;
  utilisationMwh: Mwh;
  technology: string | null;
  hoursRequested: string | null;
  dispatchMethod: string | null;
  /** Every half-hour settlement period the window touches, in order. */
  settlementPeriods: SettlementPeriod[];
}

const canonicalDecimal = (text: string) => {
  const [int = "0", frac = ""] = text.replace(/^-/, "").split(".");
  const f = frac.replace(/0+$/, "");
  const i = int.replace(/^0+(?=\d)/, "");
  const body = f ? `${i}.${f}` : i;
  return text.startsWith("-") && body !== "0" ? `-${body}` : body;
};

/**
 * The row's identity. The export has no dispatch id, and 437 rows of the shared extract repeat
 * (fu_id, product, start, end) with a different price or MW — two contracts' dispatches of one unit in one window,
 * not one record twice — so the key is that quadruple plus the requested MW and prices: fu_id | product code |
 * start UTC | end UTC | availability MW | utilisation MW | availability price | utilisation price (decimals canonical,
 * so `109.0` and `109` are one). Derived columns (MWh, hours, local times) and descriptive ones (company, zone,
 * technology) are left out, so a re-export that re-spells a product or zone, or re-rounds the MWh, keys the same.
 * The cost: a corrected price under the same window is a new record, not an update.
 */
export function ukpnSourceRecordKey(
  r: Pick<DispatchRecord, "flexibleUnitId" | "product" | "start" | "end" | "availabilityPrice" | "utilisationPrice"> & {
    availabilityMw: number;
    utilisationMw: number;
  },
): string {
  return ukpnKeyOfParts([
    r.flexibleUnitId,
    r.product,
    r.start.toISOString(),
    r.end.toISOString(),
    canonicalDecimal(String(r.availabilityMw)),
    canonicalDecimal(String(r.utilisationMw)),
    canonicalDecimal(r.availabilityPrice),
    canonicalDecimal(r.utilisationPrice),
  ]);
}

/** The key of its eight parts, each already in the key's form (the SQL fast path, ukpn-fast.ts, gives them so). */
export const ukpnKeyOfParts = (parts: readonly string[]): string => parts.join("|");

/** The row's external id: sha1 of `ukpnSourceRecordKey`. */
export const ukpnSourceRecordId = (r: Parameters<typeof ukpnSourceRecordKey>[0]): string => sha1Hex(ukpnSourceRecordKey(r));

/** sha1 of a key, hex: the external id (kept byte-identical to what earlier ingests stored). */
export const sha1Hex = (key: string): string => createHash("sha1").update(key).digest("hex");

/**
 * What a dispatch instruction stores of a row beyond its columns (`details`), and its set point: the MW the unit is
 * held to, the utilisation requested or, in an availability window, the MW made available. One definition for the
 * ingest route and the demo loader, so that the demo's records are the ones ingesting the same file would write.
 */
export const ukpnSetPointMw = (d: Pick<DispatchRecord, "availabilityMw" | "utilisationMw">): number =>
  Math.max(d.availabilityMw, d.utilisationMw);

export function ukpnDispatchDetails(d: Omit<DispatchRecord, "source" | "row" | "settlementPeriods">): Record<string, unknown> {
  // Kept as the source gave them: prices exact decimal text, MWh and MW as numbers.
  return {
    product: d.product,
    productName: d.productName,
    zone: d.zoneCode,
    zoneName: d.zoneName,
    providerName: d.providerName,
    technology: d.technology,
    startLocal: d.startLocal,
    endLocal: d.endLocal,
    availabilityMw: d.availabilityMw,
    utilisationMw: d.utilisationMw,
    availabilityPriceGbpPerMwH: d.availabilityPrice,
    utilisationPriceGbpPerMwh: d.utilisationPrice,
    availabilityMwh: d.availabilityMwh,
    utilisationMwh: d.utilisationMwh,
    hoursRequested: d.hoursRequested,
    dispatchMethod: d.dispatchMethod,
    exportSign: d.exportSign,
  };
}

const HALF_HOUR = 30 * 60_000;

/** The settlement periods a window [start, end) touches. */
export function settlementPeriodsCovered(start: Date, end: Date): SettlementPeriod[] {
  const out: SettlementPeriod[] = [];
  for (let t = Math.floor(start.getTime() / HALF_HOUR) * HALF_HOUR; t < end.getTime(); t += HALF_HOUR) {
    out.push(settlementPeriodOf(new Date(t)));
  }
  return out;
}

const OFFSET = /\s*(Z|[+-]\d{2}(:?\d{2})?)$/i;

/**
 * The local time column checked against the UTC one, and returned normalised (`2025-06-23T15:00:00+01:00`): its
 * wall time must exist in London (the kit's NONEXISTENT_LOCAL_TIME in the spring gap, even when written with an
 * offset) and be the same instant (LOCAL_TIME_MISMATCH). A wall time without an offset in the autumn's repeated
 * hour is whichever occurrence the UTC column names.
 */
function checkLocal(field: string, text: string, utc: Date, row: number): string {
  const hasOffset = /[T ]\d{2}:\d{2}/.test(text) && OFFSET.test(text);
  const wall = hasOffset ? text.replace(OFFSET, "") : text;
  const earlier = localToUtc(wall, { field, ambiguous: "earlier" }); // MALFORMED_TIMESTAMP, NONEXISTENT_LOCAL_TIME
  const later = localToUtc(wall, { field, ambiguous: "later" });
  const parsed = hasOffset ? parseTimestamp(text, { field }) : null;
  const matches = parsed ? parsed.utc.getTime() === utc.getTime() : [earlier, later].some((t) => t.getTime() === utc.getTime());
  if (!matches) {
    throw new RowRefused(
      rowError(row, field, "LOCAL_TIME_MISMATCH", `${field} ${quote(text)} is not the UTC time given (${toLondonLocal(utc)} in London)`),
    );
  }
  return parsed?.local ?? toLondonLocal(utc);
}

export interface UkpnAdapterOptions {
  /** An export's other names for zones → zone code (checked before folding). */
  zoneRenames?: AliasTable;
}

/** One CSV record of a UKPN flexibility dispatch export → a DispatchRecord or a coded row error. */
export function adaptUkpnDispatch(record: CsvRecord, row: number, options: UkpnAdapterOptions = {}): AdapterResult<DispatchRecord> {
  const mapped = mapRow(UKPN_DISPATCH_MAPPING, record, row);
  if (!mapped.ok) return mapped;
  const m = mapped.value;
  let field = "start";
  return catchRow(
    row,
    () => field,
    () => {
      const start = m.start.utc;
      const end = m.end.utc;
      if (end.getTime() <= start.getTime()) {
        throw new RowRefused(
          rowError(row, "end", "END_BEFORE_START", `end ${toLondonLocal(end)} is not after start ${toLondonLocal(start)}`),
        );
      }
      field = "startLocal";
      const startLocal = checkLocal("startLocal", m.startLocal, start, row);
      field = "endLocal";
      const endLocal = checkLocal("endLocal", m.endLocal, end, row);
      field = "settlementPeriods";
      const base = {
        flexibleUnitId: m.flexibleUnitId,
        product: m.product,
        start,
        end,
        availabilityMw: m.availabilityMw,
        utilisationMw: m.utilisationMw,
        availabilityPrice: m.availabilityPrice,
        utilisationPrice: m.utilisationPrice,
      };
      const value: DispatchRecord = {
        source: UKPN_DISPATCH_SOURCE,
        sourceRecordId: ukpnSourceRecordId(base),
        row,
        providerName: m.providerName,
        zoneName: m.zoneName,
        zoneCode: ukpnZoneCode(m.zoneName, options.zoneRenames),
        productName: (record.product ?? "").trim(),
        direction: m.direction,
        exportSign: EXPORT_SIGN[m.direction],
        ...base,
        startLocal,
        endLocal,
        availabilityMwh: m.availabilityMwh,
        utilisationMwh: m.utilisationMwh,
        technology: m.technology,
        hoursRequested: m.hoursRequested,
        dispatchMethod: m.dispatchMethod,
        settlementPeriods: settlementPeriodsCovered(start, end),
      };
      return value;
    },
  );
}

/** A product code from any UKPN spelling, or the kit's UNKNOWN_ALIAS error (thrown: for callers outside a row). */
export const ukpnProductCode = (name: string) => normaliseAlias(name, UKPN_PRODUCT_ALIASES, { field: "product" });
