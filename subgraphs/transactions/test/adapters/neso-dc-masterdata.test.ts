import { describe, expect, it } from "vitest";
import { type DcRecord, NESO_DC_SOURCE, adaptNesoDcRow, parseMasterdataDate } from "../../src/adapters/index.js";
import { NESO_DC_FILE, countBy, exactSum, readRecords } from "./files.js";

const records = readRecords(NESO_DC_FILE);
const adaptAll = () => records.map((record, i) => adaptNesoDcRow(record, i + 1));
const results = adaptAll();
const rows = results.flatMap((r) => (r.ok ? [r.value] : []));
const bids = rows.map((r) => r.bid);
const awards = rows.flatMap((r) => (r.award ? [r.award] : []));
const first = records[0]!;

function refused(change: Record<string, string>) {
  const result = adaptNesoDcRow({ ...first, ...change }, 3);
  if (result.ok) throw new Error("expected a row error");
  return result.error;
}
const adapted = (change: Record<string, string>): DcRecord => {
  const result = adaptNesoDcRow({ ...first, ...change }, 1);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
};
const hours = (w: { start: Date; end: Date }) => (w.end.getTime() - w.start.getTime()) / 3_600_000;

describe("NESO Dynamic Containment masterdata adapter, on the 2020-10 to 2021-04 snapshot", () => {
  it("normalises every row of the file without an error", () => {
    expect(records).toHaveLength(3662);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(new Set(bids.map((b) => b.source))).toEqual(new Set([NESO_DC_SOURCE]));
  });

  it("counts per market and outcome: a bid per row, an award per accepted bid", () => {
    expect(countBy(bids, (b) => b.market)).toEqual({ DC_LF: 3662 });
    expect(countBy(bids, (b) => b.status)).toEqual({ ACCEPTED: 3127, REJECTED: 46, WITHDRAWN: 489 });
    expect(
      countBy(
        bids.filter((b) => b.rejectionCode),
        (b) => b.rejectionCode!,
      ),
    ).toEqual({ "5": 484, "1": 45, "4": 1 });
    expect(awards).toHaveLength(3127);
    expect(awards.every((a) => a.awardedMw > 0 && a.windows.length === 6)).toBe(true);
    expect(exactSum(awards.map((a) => String(a.awardedMw)))).toBe(
      exactSum(records.filter((r) => r["Accepted/Rejected"] === "Accepted").map((r) => r["Volume Accepted"]!)),
    );
  });

  it("reads the first row: dates, EFA day and blocks, volumes and the availability fee as exact text", () => {
    expect(rows[0]).toMatchObject({
      bid: {
        sourceRecordId: "20201002 AG-MFLX02",
        market: "DC_LF",
        status: "ACCEPTED",
        deliveryDate: "2020-10-02",
        efaDate: "2020-10-02",
        unit: "AG-MFLX02",
        unitType: "BM",
        agent: "Flexitricity Limited",
        relatedEntity: null,
        volumeOfferedMw: 49,
        volumeAcceptedMw: 49,
        availabilityFee: "15.03",
        totalCost: "17675.28",
        rtm: "RTM",
        technology: "Battery",
      },
      award: { bidSourceRecordId: "20201002 AG-MFLX02", awardedMw: 49, availabilityFee: "15.03" },
    });
    expect(rows[0]!.bid.blocks.map((b) => [b.block, b.start.toISOString(), hours(b)])).toEqual([
      [1, "2020-10-01T22:00:00.000Z", 4],
      [2, "2020-10-02T02:00:00.000Z", 4],
      [3, "2020-10-02T06:00:00.000Z", 4],
      [4, "2020-10-02T10:00:00.000Z", 4],
      [5, "2020-10-02T14:00:00.000Z", 4],
      [6, "2020-10-02T18:00:00.000Z", 4],
    ]);
    expect(rows[2]!.bid).toMatchObject({ status: "REJECTED", rejectionCode: "1", availabilityFee: "24", totalCost: null });
    expect(rows[3]!.bid).toMatchObject({ withdrawn: true, status: "WITHDRAWN", relatedEntity: "BESS HODLCO 3 LIMITED" });
    expect(rows[3]!.award).toBeNull();
  });

  it("gives the clock-change EFA days their block windows: block 1 is 5 hours on 2020-10-25 and 3 on 2021-03-28", () => {
    const autumn = bids.filter((b) => b.efaDate === "2020-10-25");
    const spring = bids.filter((b) => b.efaDate === "2021-03-28");
    expect(autumn).toHaveLength(10);
    expect(spring).toHaveLength(31);
    for (const b of autumn) {
      expect(b.blocks.map(hours)).toEqual([5, 4, 4, 4, 4, 4]);
      expect(b.blocks[0]).toMatchObject({ block: 1, start: new Date("2020-10-24T22:00:00Z"), end: new Date("2020-10-25T03:00:00Z") });
      expect(b.blocks[5]!.end).toEqual(new Date("2020-10-25T23:00:00Z"));
      expect(b.serviceDurationHours).toBe("25");
    }
    for (const b of spring) {
      expect(b.blocks.map(hours)).toEqual([3, 4, 4, 4, 4, 4]);
      expect(b.blocks[0]).toMatchObject({ block: 1, start: new Date("2021-03-27T23:00:00Z"), end: new Date("2021-03-28T02:00:00Z") });
      expect(b.blocks[5]!.end).toEqual(new Date("2021-03-28T22:00:00Z"));
      expect(b.serviceDurationHours).toBe("23");
    }
    expect(
      new Set(
        records.filter((r) => r["Delivery Date"]!.includes("Mar-21") || r["Delivery Date"] === "25-10-20").map((r) => r["Delivery Date"]),
      ),
    ).toContain("28-Mar-21");
  });

  it("parses the file's date styles, day first", () => {
    expect(parseMasterdataDate("02-10-20")).toBe("2020-10-02");
    expect(parseMasterdataDate("28-Mar-21")).toBe("2021-03-28");
    expect(parseMasterdataDate("25-oct-2020")).toBe("2020-10-25");
    expect(parseMasterdataDate("2021-03-28")).toBe("2021-03-28");
    expect(parseMasterdataDate("31-02-21")).toBeNull();
    expect(parseMasterdataDate("28-Mrz-21")).toBeNull();
    expect(parseMasterdataDate("yesterday")).toBeNull();
  });

  it("gives every bid a source record id unique over the file and stable across two parses", () => {
    const ids = bids.map((b) => b.sourceRecordId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(adaptAll().map((r) => (r.ok ? r.value.bid.sourceRecordId : null))).toEqual(ids);
  });

  it("maps market spellings to one code", () => {
    for (const market of ["DC LF", "dc_lf", "DC-LF", "Dynamic Containment Low Frequency"])
      expect(adapted({ "Market Name": market }).bid.market).toBe("DC_LF");
    expect(adapted({ "Market Name": "DC HF" }).bid.market).toBe("DC_HF");
  });

  it("refuses bad rows with a coded row error", () => {
    expect(refused({ "Market Name": "DC XX" })).toMatchObject({ row: 3, field: "market", code: "BAD_USER_INPUT", reason: "UNKNOWN_ALIAS" });
    expect(refused({ "Volume offered": "-49" })).toMatchObject({ field: "volumeOfferedMw", reason: "NEGATIVE_QUANTITY" });
    expect(refused({ "Availability Fee": "15,03" })).toMatchObject({ field: "availabilityFee", reason: "NOT_A_NUMBER" });
    expect(refused({ "Delivery Start UTC": "2020-10-02T22:00:00Z", "Delivery End UTC": "2020-10-01T22:00:00Z" })).toMatchObject({
      field: "end",
      reason: "END_BEFORE_START",
    });
    expect(refused({ "Delivery Date": "31-02-21" })).toMatchObject({ field: "deliveryDate", reason: "MALFORMED_DATE" });
    expect(refused({ "Delivery Date": "03-10-20" })).toMatchObject({ field: "deliveryDate", reason: "DELIVERY_DATE_MISMATCH" });
    expect(refused({ "Delivery Start UTC": "2020-10-01T22:30:00Z" })).toMatchObject({ field: "start", reason: "NOT_ON_EFA_BOUNDARY" });
    expect(refused({ "Accepted/Rejected": "Maybe" })).toMatchObject({ field: "outcome", reason: "UNKNOWN_ALIAS" });
  });
});
