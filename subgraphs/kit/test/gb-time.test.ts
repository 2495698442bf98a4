import { describe, expect, it } from "vitest";
import {
  efaBlockOf,
  efaBlockWindow,
  localToUtc,
  londonOffsetMinutes,
  parseTimestamp,
  SfeError,
  settlementPeriodOf,
  settlementPeriodStart,
  settlementPeriodWindow,
  settlementPeriodsInDay,
  toLondonLocal,
} from "../src/index.js";

const iso = (d: Date) => d.toISOString();

/** The coded error `run` throws: its code, field, reason and message. */
function refusal(run: () => unknown) {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SfeError);
    const e = error as SfeError;
    return { code: e.extensions.code, field: e.extensions.field, reason: e.extensions.reason, message: e.message };
  }
  throw new Error("expected a coded error");
}

describe("Europe/London wall time ↔ UTC", () => {
  it("reads wall times in GMT and BST whatever the machine's TZ", () => {
    expect(iso(localToUtc("2025-01-15T12:00"))).toBe("2025-01-15T12:00:00.000Z");
    expect(iso(localToUtc("2025-07-01T12:00:00"))).toBe("2025-07-01T11:00:00.000Z");
    expect(iso(localToUtc("2025-07-01 00:00:30.250"))).toBe("2025-06-30T23:00:30.250Z");
    expect(londonOffsetMinutes(new Date("2025-07-01T11:00:00Z"))).toBe(60);
    expect(londonOffsetMinutes(new Date("2025-12-01T11:00:00Z"))).toBe(0);
    // the change is at 01:00 UTC to the millisecond, in any year (offsets are cached per UTC hour)
    expect(londonOffsetMinutes(new Date("2037-03-29T00:59:59.999Z"))).toBe(0);
    expect(londonOffsetMinutes(new Date("2037-03-29T01:00:00Z"))).toBe(60);
    expect(londonOffsetMinutes(new Date("1996-10-27T00:59:59.999Z"))).toBe(60);
    expect(londonOffsetMinutes(new Date("1996-10-27T01:00:00Z"))).toBe(0);
  });

  it("spring forward, 2025-03-30: 00:59 is GMT, 01:00–01:59 does not exist, 02:00 is BST", () => {
    expect(iso(localToUtc("2025-03-30T00:59"))).toBe("2025-03-30T00:59:00.000Z");
    expect(iso(localToUtc("2025-03-30T02:00"))).toBe("2025-03-30T01:00:00.000Z");
    for (const gap of ["2025-03-30T01:00", "2025-03-30T01:30", "2025-03-30T01:59:59"]) {
      expect(refusal(() => localToUtc(gap, { field: "start_time_local" }))).toEqual({
        code: "BAD_USER_INPUT",
        field: "start_time_local",
        reason: "NONEXISTENT_LOCAL_TIME",
        message: `start_time_local "${gap}" does not exist in UK time: the clocks go forward from 01:00 to 02:00 that day`,
      });
    }
    // ambiguous: "earlier" does not make a missing time exist
    expect(refusal(() => localToUtc("2025-03-30T01:30", { ambiguous: "later" })).reason).toBe("NONEXISTENT_LOCAL_TIME");
  });

  it("fall back, 2025-10-26: 01:00–01:59 happens twice; rejected unless told which, or given its offset", () => {
    expect(refusal(() => localToUtc("2025-10-26T01:30"))).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "timestamp",
      reason: "AMBIGUOUS_LOCAL_TIME",
    });
    expect(refusal(() => localToUtc("2025-10-26T01:30")).message).toContain('"2025-10-26T01:30"');
    expect(iso(localToUtc("2025-10-26T01:30", { ambiguous: "earlier" }))).toBe("2025-10-26T00:30:00.000Z");
    expect(iso(localToUtc("2025-10-26T01:30", { ambiguous: "later" }))).toBe("2025-10-26T01:30:00.000Z");
    expect(iso(localToUtc("2025-10-26T00:59"))).toBe("2025-10-25T23:59:00.000Z");
    expect(iso(localToUtc("2025-10-26T02:00"))).toBe("2025-10-26T02:00:00.000Z");
    expect(iso(parseTimestamp("2025-10-26T01:30+01:00").utc)).toBe("2025-10-26T00:30:00.000Z");
    expect(iso(parseTimestamp("2025-10-26T01:30+00:00").utc)).toBe("2025-10-26T01:30:00.000Z");
  });

  it("parses Z, offsets in three spellings and naive local strings, keeping the source's local time", () => {
    expect(parseTimestamp("2020-10-24T22:00:00Z")).toEqual({ utc: new Date("2020-10-24T22:00:00Z"), local: null });
    expect(parseTimestamp("2025-10-26T01:30+01:00")).toEqual({
      utc: new Date("2025-10-26T00:30:00Z"),
      local: "2025-10-26T01:30:00+01:00",
    });
    expect(parseTimestamp("2025-06-23T15:00:00+0100").local).toBe("2025-06-23T15:00:00+01:00");
    expect(iso(parseTimestamp("2025-06-23T15:00:00+01").utc)).toBe("2025-06-23T14:00:00.000Z");
    expect(iso(parseTimestamp("2025-06-23T09:00:00-05:00").utc)).toBe("2025-06-23T14:00:00.000Z");
    expect(parseTimestamp("2025-03-30T00:30")).toEqual({ utc: new Date("2025-03-30T00:30:00Z"), local: "2025-03-30T00:30:00+00:00" });
    expect(parseTimestamp("2025-10-26T01:30", { ambiguous: "later" }).local).toBe("2025-10-26T01:30:00+00:00");
    expect(toLondonLocal(new Date("2025-10-26T00:30:00Z"))).toBe("2025-10-26T01:30:00+01:00");
    expect(toLondonLocal(new Date("2025-10-26T01:30:00Z"))).toBe("2025-10-26T01:30:00+00:00");
  });

  it.each(["", "yesterday", "2025-02-29T10:00", "2025-13-01T10:00", "2025-06-23T24:00", "2025-06-23", "2025-06-23T10:00+25:00"])(
    "refuses %j as MALFORMED_TIMESTAMP, quoting it",
    (value) => {
      const e = refusal(() => parseTimestamp(value, { field: "time_utc" }));
      expect(e).toMatchObject({ code: "BAD_USER_INPUT", field: "time_utc", reason: "MALFORMED_TIMESTAMP" });
      expect(e.message).toContain(JSON.stringify(value));
    },
  );

  it("refuses an offset where a London wall time is asked for, and an invalid Date", () => {
    expect(refusal(() => localToUtc("2025-10-26T01:30Z")).reason).toBe("MALFORMED_TIMESTAMP");
    expect(refusal(() => settlementPeriodOf(new Date(Number.NaN))).reason).toBe("MALFORMED_TIMESTAMP");
  });
});

describe("settlement periods", () => {
  it("46 on the spring day, 50 on the autumn day, otherwise 48", () => {
    expect(settlementPeriodsInDay("2025-03-30")).toBe(46);
    expect(settlementPeriodsInDay("2025-10-26")).toBe(50);
    expect(settlementPeriodsInDay("2024-10-27")).toBe(50);
    expect(settlementPeriodsInDay("2024-03-31")).toBe(46);
    for (const date of ["2025-03-29", "2025-03-31", "2025-06-21", "2025-10-25", "2025-10-27", "2024-02-29"]) {
      expect(settlementPeriodsInDay(date)).toBe(48);
    }
    expect(refusal(() => settlementPeriodsInDay("2025-02-30"))).toMatchObject({ reason: "MALFORMED_DATE", field: "settlementDate" });
  });

  it("period 1 starts at local midnight and periods count elapsed half-hours", () => {
    expect(settlementPeriodOf(new Date("2025-07-01T23:00:00Z"))).toEqual({ settlementDate: "2025-07-02", period: 1 });
    expect(settlementPeriodOf(new Date("2025-07-01T22:59:59.999Z"))).toEqual({ settlementDate: "2025-07-01", period: 48 });
    expect(settlementPeriodOf("2025-01-15T12:00")).toEqual({ settlementDate: "2025-01-15", period: 25 });
    // spring: 00:00–01:00 GMT are 1–2, then 02:00 BST is 3; 23:30 BST is 46
    expect(settlementPeriodOf("2025-03-30T02:00")).toEqual({ settlementDate: "2025-03-30", period: 3 });
    expect(settlementPeriodOf("2025-03-30T23:30")).toEqual({ settlementDate: "2025-03-30", period: 46 });
    // autumn: 01:00 BST is 3, the second 01:00 (GMT) is 5, 23:30 GMT is 50
    expect(settlementPeriodOf("2025-10-26T01:00+01:00")).toEqual({ settlementDate: "2025-10-26", period: 3 });
    expect(settlementPeriodOf("2025-10-26T01:00+00:00")).toEqual({ settlementDate: "2025-10-26", period: 5 });
    expect(settlementPeriodOf("2025-10-26T23:30")).toEqual({ settlementDate: "2025-10-26", period: 50 });
    expect(settlementPeriodOf("2025-10-27T00:00")).toEqual({ settlementDate: "2025-10-27", period: 1 });
  });

  it("a period's start and window in UTC; a period out of range for the day is a coded error", () => {
    expect(iso(settlementPeriodStart("2025-10-26", 1))).toBe("2025-10-25T23:00:00.000Z");
    expect(iso(settlementPeriodStart("2025-10-26", 50))).toBe("2025-10-26T23:30:00.000Z");
    expect(iso(settlementPeriodStart("2025-03-30", 46))).toBe("2025-03-30T22:30:00.000Z");
    expect(settlementPeriodWindow("2025-03-30", 3)).toEqual({
      start: new Date("2025-03-30T01:00:00Z"),
      end: new Date("2025-03-30T01:30:00Z"),
    });
    expect(refusal(() => settlementPeriodStart("2025-03-30", 47))).toEqual({
      code: "BAD_USER_INPUT",
      field: "settlementPeriod",
      reason: "SETTLEMENT_PERIOD_OUT_OF_RANGE",
      message: 'settlementPeriod must be a whole number from 1 to 46 on 2025-03-30, got "47"',
    });
    expect(settlementPeriodStart("2025-10-26", 49)).toBeInstanceOf(Date);
    for (const bad of [0, 49, 1.5, Number.NaN]) {
      expect(refusal(() => settlementPeriodStart("2025-06-01", bad)).reason).toBe("SETTLEMENT_PERIOD_OUT_OF_RANGE");
    }
  });

  it("every period of every day round-trips, and consecutive periods tile the day (2024–2025, both changes)", () => {
    for (let day = Date.UTC(2024, 0, 1); day < Date.UTC(2026, 0, 1); day += 86_400_000) {
      const date = new Date(day).toISOString().slice(0, 10);
      const count = settlementPeriodsInDay(date);
      for (let period = 1; period <= count; period++) {
        const { start, end } = settlementPeriodWindow(date, period);
        expect(settlementPeriodOf(start)).toEqual({ settlementDate: date, period });
        if (period === count) expect(settlementPeriodOf(end).period).toBe(1);
      }
    }
  });
});

describe("EFA blocks", () => {
  it("six 4-hour blocks from 23:00 the previous day", () => {
    expect(efaBlockOf("2025-06-30T23:00")).toEqual({ efaDate: "2025-07-01", block: 1 });
    expect(efaBlockOf("2025-07-01T02:59")).toEqual({ efaDate: "2025-07-01", block: 1 });
    expect(efaBlockOf("2025-07-01T03:00")).toEqual({ efaDate: "2025-07-01", block: 2 });
    expect(efaBlockOf("2025-07-01T18:59")).toEqual({ efaDate: "2025-07-01", block: 5 });
    expect(efaBlockOf("2025-07-01T19:00")).toEqual({ efaDate: "2025-07-01", block: 6 });
    expect(efaBlockOf("2025-07-01T22:59:59")).toEqual({ efaDate: "2025-07-01", block: 6 });
    expect(efaBlockWindow("2025-07-01", 1)).toEqual({ start: new Date("2025-06-30T22:00:00Z"), end: new Date("2025-07-01T02:00:00Z") });
    expect(efaBlockWindow("2025-12-01", 6)).toEqual({ start: new Date("2025-12-01T19:00:00Z"), end: new Date("2025-12-01T23:00:00Z") });
  });

  it("on clock-change days only block 1 changes length: 3 hours in spring, 5 in autumn", () => {
    const hours = (w: { start: Date; end: Date }) => (w.end.getTime() - w.start.getTime()) / 3_600_000;
    expect([1, 2, 3, 4, 5, 6].map((b) => hours(efaBlockWindow("2025-03-30", b)))).toEqual([3, 4, 4, 4, 4, 4]);
    expect([1, 2, 3, 4, 5, 6].map((b) => hours(efaBlockWindow("2025-10-26", b)))).toEqual([5, 4, 4, 4, 4, 4]);
    expect([1, 2, 3, 4, 5, 6].map((b) => hours(efaBlockWindow("2025-10-27", b)))).toEqual([4, 4, 4, 4, 4, 4]);
    // both 01:30s of the autumn day are in block 1
    expect(efaBlockOf("2025-10-26T01:30+01:00")).toEqual({ efaDate: "2025-10-26", block: 1 });
    expect(efaBlockOf("2025-10-26T01:30+00:00")).toEqual({ efaDate: "2025-10-26", block: 1 });
    expect(efaBlockOf(new Date("2025-10-26T02:59:59Z"))).toEqual({ efaDate: "2025-10-26", block: 1 });
  });

  it("refuses a block outside 1–6", () => {
    for (const bad of [0, 7, 2.5]) {
      expect(refusal(() => efaBlockWindow("2025-07-01", bad))).toMatchObject({
        code: "BAD_USER_INPUT",
        field: "efaBlock",
        reason: "EFA_BLOCK_OUT_OF_RANGE",
      });
    }
  });
});

describe("real GB data", () => {
  // UK Power Networks flexibility dispatches, EV/DSR subset (/work/shared/data/real/
  // ukpn-flexibility-dispatches-ev-dsr-subset-2024-05-to-2025-12.csv): fu_id, product, start_time_local,
  // end_time_local, start_time_utc, end_time_utc, hours_requested. The extract has no rows on a clock-change day;
  // these are the nearest either side of 2025-03-30 and 2025-10-26.
  const ukpn = [
    [
      "6930-COCK-PR-6545",
      "Peak Reduction",
      "2025-03-28T00:00:00+00:00",
      "2025-03-29T00:00:00+00:00",
      "2025-03-28 00:00:00+00:00",
      "2025-03-29 00:00:00+00:00",
      24,
    ],
    [
      "6930-COCK-PR-6545",
      "Peak Reduction",
      "2025-03-31T00:00:00+01:00",
      "2025-04-01T00:00:00+01:00",
      "2025-03-30 23:00:00+00:00",
      "2025-03-31 23:00:00+00:00",
      24,
    ],
    [
      "Cobham",
      "Peak Reduction",
      "2025-03-31T03:00:00+01:00",
      "2025-03-31T23:00:00+01:00",
      "2025-03-31 02:00:00+00:00",
      "2025-03-31 22:00:00+00:00",
      20,
    ],
    [
      "544A-MANT-DA-B3FC",
      "Day-Ahead",
      "2025-10-24T18:00:00+01:00",
      "2025-10-24T20:00:00+01:00",
      "2025-10-24 17:00:00+00:00",
      "2025-10-24 19:00:00+00:00",
      2,
    ],
    [
      "OVO -SELW-DA-CFEA",
      "Day-Ahead",
      "2025-10-27T18:30:00+00:00",
      "2025-10-27T19:00:00+00:00",
      "2025-10-27 18:30:00+00:00",
      "2025-10-27 19:00:00+00:00",
      0.5,
    ],
    [
      "central-harpenden-da-ev-portfolio",
      "Day-Ahead",
      "2024-10-14T17:00:00+01:00",
      "2024-10-14T19:00:00+01:00",
      "2024-10-14 16:00:00+00:00",
      "2024-10-14 18:00:00+00:00",
      2,
    ],
  ] as const;

  it.each(ukpn)(
    "UKPN %s (%s) from %s: local and UTC columns agree, and London time is what the source says",
    (_fu, _p, startLocal, endLocal, startUtc, endUtc, hours) => {
      const start = parseTimestamp(startLocal, { field: "start_time_local" });
      const end = parseTimestamp(endLocal, { field: "end_time_local" });
      expect(start.utc).toEqual(parseTimestamp(startUtc, { field: "start_time_utc" }).utc);
      expect(end.utc).toEqual(parseTimestamp(endUtc, { field: "end_time_utc" }).utc);
      expect(start.local).toBe(startLocal); // kept as the source gave it
      expect(toLondonLocal(start.utc)).toBe(startLocal); // and it is London time
      expect(toLondonLocal(end.utc)).toBe(endLocal);
      expect((end.utc.getTime() - start.utc.getTime()) / 3_600_000).toBe(hours);
      // the naive wall time alone gives the same instant
      expect(localToUtc(startLocal.slice(0, 19))).toEqual(start.utc);
    },
  );

  it("UKPN settlement periods: the 2025-03-31 all-day window is periods 1–48 of 2025-03-31, after a 46-period day", () => {
    const start = parseTimestamp("2025-03-31T00:00:00+01:00").utc;
    const end = parseTimestamp("2025-04-01T00:00:00+01:00").utc;
    expect(settlementPeriodOf(start)).toEqual({ settlementDate: "2025-03-31", period: 1 });
    expect(settlementPeriodOf(new Date(end.getTime() - 1))).toEqual({ settlementDate: "2025-03-31", period: 48 });
    expect(settlementPeriodOf("2025-03-30 23:00:00+00:00")).toEqual({ settlementDate: "2025-03-31", period: 1 });
    expect(settlementPeriodOf("2025-10-24T18:00:00+01:00")).toEqual({ settlementDate: "2025-10-24", period: 37 });
    expect(settlementPeriodOf("2025-10-27T18:30:00+00:00")).toEqual({ settlementDate: "2025-10-27", period: 38 });
  });

  // NESO Dynamic Containment masterdata (/work/shared/data/real/neso-dynamic-containment-masterdata-2020-10-to-2021-04.csv):
  // Delivery Date (the file writes 25-10-20 and 28-Mar-21), Delivery Start UTC, Delivery End UTC, Service Duration.
  // One row per unit per EFA day (e.g. bid "20201025 AG-MFLX02"); the clock changes were 2020-10-25 and 2021-03-28.
  const dc = [
    ["2020-10-24", "2020-10-23T22:00:00Z", "2020-10-24T22:00:00Z", 24],
    ["2020-10-25", "2020-10-24T22:00:00Z", "2020-10-25T23:00:00Z", 25],
    ["2020-10-26", "2020-10-25T23:00:00Z", "2020-10-26T23:00:00Z", 24],
    ["2021-03-27", "2021-03-26T23:00:00Z", "2021-03-27T23:00:00Z", 24],
    ["2021-03-28", "2021-03-27T23:00:00Z", "2021-03-28T22:00:00Z", 23],
    ["2020-10-02", "2020-10-01T22:00:00Z", "2020-10-02T22:00:00Z", 24],
  ] as const;

  it.each(dc)("DC EFA day %s: blocks 1–6 span %s to %s (%i hours)", (efaDate, startUtc, endUtc, hours) => {
    const start = parseTimestamp(startUtc).utc;
    const end = parseTimestamp(endUtc).utc;
    expect(efaBlockWindow(efaDate, 1).start).toEqual(start);
    expect(efaBlockWindow(efaDate, 6).end).toEqual(end);
    expect(efaBlockOf(start)).toEqual({ efaDate, block: 1 });
    expect(efaBlockOf(new Date(end.getTime() - 1))).toEqual({ efaDate, block: 6 });
    expect((end.getTime() - start.getTime()) / 3_600_000).toBe(hours);
    // each delivery starts at 23:00 London time the day before
    expect(toLondonLocal(start).slice(11, 16)).toBe("23:00");
  });
});
