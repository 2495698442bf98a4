// NESO Dynamic Containment masterdata (the Data Portal's "Dynamic Containment Masterdata" CSV) → one normalised bid
// per row and, when the row is Accepted, its award. Each row is one unit's bid for a whole EFA day (six 4-hour
// blocks; 23 or 25 hours on the clock-change days). Pure: no I/O, never throws for bad data.
import { type Mw, type TimeWindow, aliasTable, efaBlockOf, efaBlockWindow, quote, toLondonLocal } from "@sfe/kit";
import { type AdapterResult, type CsvRecord, RowRefused, catchRow, mapRow, rowError } from "./generic.js";

export const NESO_DC_SOURCE = "neso-dc-masterdata";

/** NESO's response markets and their spellings (`DC LF`, `DCL`, `Dynamic Containment Low Frequency` …). */
export const NESO_MARKET_ALIASES = aliasTable("NESO response market", {
  DC_LF: ["DC LF", "DCL", "DC Low", "Dynamic Containment Low Frequency", "Dynamic Containment Low"],
  DC_HF: ["DC HF", "DCH", "DC High", "Dynamic Containment High Frequency", "Dynamic Containment High"],
  DM_LF: ["DM LF", "DML", "Dynamic Moderation Low Frequency"],
  DM_HF: ["DM HF", "DMH", "Dynamic Moderation High Frequency"],
  DR_LF: ["DR LF", "DRL", "Dynamic Regulation Low Frequency"],
  DR_HF: ["DR HF", "DRH", "Dynamic Regulation High Frequency"],
  /** Not a market: the masterdata's `Market Name` for a withdrawn bid. */
  WITHDRAW: ["Withdraw", "Withdrawn"],
});
export type NesoMarketCode = Exclude<(typeof NESO_MARKET_ALIASES)["codes"][number], "WITHDRAW">;

export const OUTCOME_ALIASES = aliasTable("bid outcome", { ACCEPTED: ["Accepted"], REJECTED: ["Rejected"] });

/** The masterdata's columns as a generic mapping (generic.ts). */
export const NESO_DC_MAPPING = {
  market: { kind: "alias", column: "Market Name", table: NESO_MARKET_ALIASES },
  deliveryDate: { kind: "text", column: "Delivery Date" },
  bidNumber: { kind: "text", column: "Unique bid number" },
  unit: { kind: "text", column: "Response Unit" },
  unitType: { kind: "text", column: "Unit type", optional: true },
  agent: { kind: "text", column: "Agent/Applicant" },
  relatedEntity: { kind: "text", column: "Related Entity", optional: true, nulls: ["N/A", "NA"] },
  volumeOfferedMw: { kind: "power", column: "Volume offered", unit: "MW", nonNegative: true },
  volumeAcceptedMw: { kind: "power", column: "Volume Accepted", unit: "MW", nonNegative: true },
  start: { kind: "timestamp", column: "Delivery Start UTC", timezone: "UTC" },
  end: { kind: "timestamp", column: "Delivery End UTC", timezone: "UTC" },
  serviceDurationHours: { kind: "decimal", column: "Service Duration", optional: true, nonNegative: true },
  availabilityFee: { kind: "decimal", column: "Availability Fee", optional: true, nonNegative: true },
  totalCost: { kind: "decimal", column: "Total Cost", optional: true, nonNegative: true },
  rtm: { kind: "text", column: "RTM/no RTM", optional: true },
  outcome: { kind: "alias", column: "Accepted/Rejected", table: OUTCOME_ALIASES },
  rejectionCode: { kind: "text", column: "Rejection code", optional: true },
  technology: { kind: "text", column: "Technology Type", optional: true },
} as const;

/** One EFA block of a delivery window. */
export interface EfaBlockSpan extends TimeWindow {
  efaDate: string;
  block: number;
}

/** Domain §4.10 Bid, as DC masterdata gives it. */
export interface DcBid {
  source: typeof NESO_DC_SOURCE;
  /** NESO's `Unique bid number` (delivery date and unit: `20201002 AG-MFLX02`), unique in the masterdata. */
  sourceRecordId: string;
  row: number;
  market: NesoMarketCode;
  /** The masterdata's `Market Name` was `Withdraw`: the bid was withdrawn (its market is `options.withdrawnMarket`). */
  withdrawn: boolean;
  status: "ACCEPTED" | "REJECTED" | "WITHDRAWN";
  /** `Delivery Date` as an ISO date (the file writes `02-10-20` and `28-Mar-21`, day first). */
  deliveryDate: string;
  /** The EFA day of the first block (equals deliveryDate) and every block the window covers, in order. */
  efaDate: string;
  blocks: EfaBlockSpan[];
  start: Date;
  end: Date;
  unit: string;
  unitType: string | null;
  agent: string;
  relatedEntity: string | null;
  volumeOfferedMw: Mw;
  volumeAcceptedMw: Mw;
  serviceDurationHours: string | null;
  /** £/MW/h, exact decimal text; null when the file leaves it blank (some withdrawn bids). */
  availabilityFee: string | null;
  totalCost: string | null;
  rtm: string | null;
  rejectionCode: string | null;
  technology: string | null;
}

/** Domain §4.10 Award: the accepted part of a bid. */
export interface DcAward {
  source: typeof NESO_DC_SOURCE;
  /** The bid's source record id: one award per accepted bid. */
  sourceRecordId: string;
  bidSourceRecordId: string;
  market: NesoMarketCode;
  unit: string;
  agent: string;
  awardedMw: Mw;
  availabilityFee: string | null;
  totalCost: string | null;
  windows: EfaBlockSpan[];
}

export interface DcRecord {
  bid: DcBid;
  award: DcAward | null;
}

/** A bid's (and its award's) EFA blocks as stored: `[{ start, end }]`, ISO instants. */
export const dcWindows = (record: DcRecord) => record.bid.blocks.map((b) => ({ start: b.start.toISOString(), end: b.end.toISOString() }));

/**
 * What a bid or award stores of a masterdata row beyond its columns (`details`), as the source wrote it: one
 * definition for the ingest route and the demo loader, so the demo's records are those ingesting the file writes.
 */
export const dcDetails = ({ bid }: DcRecord): Record<string, unknown> => ({
  market: bid.market,
  marketName: bid.withdrawn ? "Withdraw" : undefined,
  deliveryDate: bid.deliveryDate,
  responseUnit: bid.unit,
  unitType: bid.unitType,
  agent: bid.agent,
  relatedEntity: bid.relatedEntity,
  volumeAcceptedMw: bid.volumeAcceptedMw,
  serviceDurationHours: bid.serviceDurationHours,
  totalCostGbp: bid.totalCost,
  rtm: bid.rtm,
  rejectionCode: bid.rejectionCode,
  technology: bid.technology,
});

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/**
 * A masterdata date as ISO `YYYY-MM-DD`: `02-10-20` (DD-MM-YY), `28-Mar-21` (DD-Mon-YY), four-digit years, `/`
 * separators, or ISO already; null when it is none of these or not a calendar date. Day first: the file's
 * `02-10-20` is delivered from 2020-10-01T22:00Z, i.e. 2 October.
 */
export function parseMasterdataDate(value: string): string | null {
  const v = value.trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  const dmy = /^(\d{1,2})[-/ ](\d{1,2}|[A-Za-z]{3})[-/ ](\d{2}|\d{4})$/.exec(v);
  let year: number;
  let month: number;
  let day: number;
  if (iso) [year, month, day] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else if (dmy) {
    day = Number(dmy[1]);
    month = /^\d+$/.test(dmy[2]!) ? Number(dmy[2]) : MONTHS.indexOf(dmy[2]!.toLowerCase()) + 1;
    year = dmy[3]!.length === 2 ? 2000 + Number(dmy[3]) : Number(dmy[3]);
  } else return null;
  const d = new Date(Date.UTC(year, month - 1, day));
  if (month < 1 || d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return d.toISOString().slice(0, 10);
}

/** The EFA blocks exactly covering [start, end), or null when start or end is not an EFA block boundary. */
export function efaBlocksOf(start: Date, end: Date): EfaBlockSpan[] | null {
  const blocks: EfaBlockSpan[] = [];
  let at = efaBlockOf(start);
  let window = efaBlockWindow(at.efaDate, at.block);
  if (window.start.getTime() !== start.getTime()) return null;
  for (;;) {
    blocks.push({ ...at, ...window });
    if (window.end.getTime() >= end.getTime()) return window.end.getTime() === end.getTime() ? blocks : null;
    at = efaBlockOf(window.end);
    window = efaBlockWindow(at.efaDate, at.block);
  }
}

export interface DcAdapterOptions {
  /** The market of a `Withdraw` row, which does not name one: DC LF, the only DC market before DC HF opened (Nov 2021). */
  withdrawnMarket?: NesoMarketCode;
}

/** One DC masterdata record → its bid (and award when Accepted), or a coded row error. */
export function adaptNesoDcRow(record: CsvRecord, row: number, options: DcAdapterOptions = {}): AdapterResult<DcRecord> {
  const mapped = mapRow(NESO_DC_MAPPING, record, row);
  if (!mapped.ok) return mapped;
  const m = mapped.value;
  return catchRow(
    row,
    () => "deliveryDate",
    () => {
      const deliveryDate = parseMasterdataDate(m.deliveryDate);
      if (!deliveryDate) {
        throw new RowRefused(
          rowError(
            row,
            "deliveryDate",
            "MALFORMED_DATE",
            `deliveryDate must be a date like 02-10-20 or 28-Mar-21, got ${quote(m.deliveryDate)}`,
          ),
        );
      }
      const start = m.start.utc;
      const end = m.end.utc;
      if (end.getTime() <= start.getTime()) {
        throw new RowRefused(
          rowError(row, "end", "END_BEFORE_START", `end ${toLondonLocal(end)} is not after start ${toLondonLocal(start)}`),
        );
      }
      const blocks = efaBlocksOf(start, end);
      if (!blocks) {
        throw new RowRefused(
          rowError(
            row,
            "start",
            "NOT_ON_EFA_BOUNDARY",
            `delivery ${start.toISOString()} – ${end.toISOString()} does not start and end on EFA block boundaries`,
          ),
        );
      }
      const efaDate = blocks[0]!.efaDate;
      if (efaDate !== deliveryDate) {
        throw new RowRefused(
          rowError(
            row,
            "deliveryDate",
            "DELIVERY_DATE_MISMATCH",
            `deliveryDate ${deliveryDate} is not the EFA day ${efaDate} the delivery window starts in`,
          ),
        );
      }
      const withdrawn = m.market === "WITHDRAW";
      const market: NesoMarketCode = m.market === "WITHDRAW" ? (options.withdrawnMarket ?? "DC_LF") : m.market;
      const status = withdrawn ? "WITHDRAWN" : m.outcome;
      const bid: DcBid = {
        source: NESO_DC_SOURCE,
        sourceRecordId: m.bidNumber,
        row,
        market,
        withdrawn,
        status,
        deliveryDate,
        efaDate,
        blocks,
        start,
        end,
        unit: m.unit,
        unitType: m.unitType,
        agent: m.agent,
        relatedEntity: m.relatedEntity,
        volumeOfferedMw: m.volumeOfferedMw,
        volumeAcceptedMw: m.volumeAcceptedMw,
        serviceDurationHours: m.serviceDurationHours,
        availabilityFee: m.availabilityFee,
        totalCost: m.totalCost,
        rtm: m.rtm,
        rejectionCode: m.rejectionCode,
        technology: m.technology,
      };
      const award: DcAward | null =
        status === "ACCEPTED"
          ? {
              source: NESO_DC_SOURCE,
              sourceRecordId: m.bidNumber,
              bidSourceRecordId: m.bidNumber,
              market,
              unit: m.unit,
              agent: m.agent,
              awardedMw: m.volumeAcceptedMw,
              availabilityFee: m.availabilityFee,
              totalCost: m.totalCost,
              windows: blocks,
            }
          : null;
      return { bid, award };
    },
  );
}
