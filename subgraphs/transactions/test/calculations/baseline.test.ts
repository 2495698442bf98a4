import { describe, expect, it } from "vitest";
import {
  adjustmentWindow,
  type BaselineMethodConfig,
  baseline,
  dayType,
  formatMwh,
  type HistoricalMethod,
  kwh,
  type MeteredDay,
  mwh,
  netExportWh,
} from "../../src/calculations/index.js";
import { expectReason } from "./expect-reason.js";

const EVENT_DATE = "2026-11-26"; // a Thursday
const BANK_HOLIDAYS = ["2026-08-31", "2026-12-25", "2026-12-28"]; // England & Wales, for the pool tests

const midEightOfTen: BaselineMethodConfig = {
  method: "HISTORICAL_X_OF_Y",
  selection: { kind: "MID", keep: 8, of: 10 },
  dayPool: "WORKING",
  excludeEventDays: true,
  resolutionWh: 1000n,
};

/** The local dates before `date`, newest first, for `count` days. */
function daysBefore(date: string, count: number): string[] {
  const start = Date.parse(`${date}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) => new Date(start - (i + 1) * 86_400_000).toISOString().slice(0, 10));
}

const workingDaysBefore = (date: string, count: number) =>
  daysBefore(date, count * 2 + 10)
    .filter((d) => dayType(d, new Set(BANK_HOLIDAYS)) === "WORKING")
    .slice(0, count);

/** An import-only site's history: import MWh per day for each period, newest day first. */
function importHistory(dates: string[], importsByPeriod: Record<string, string[]>): MeteredDay[] {
  return dates.map((date, i) => ({
    date,
    netExportWh: Object.fromEntries(
      Object.entries(importsByPeriod).map(([period, imports]) => [period, netExportWh({ importWh: mwh(imports[i]!), exportWh: 0n })]),
    ),
  }));
}

/** Every day the same net export per period. */
const flatHistory = (dates: string[], wh: bigint, periods = ["17:00"]): MeteredDay[] =>
  dates.map((date) => ({ date, netExportWh: Object.fromEntries(periods.map((p) => [p, wh])) }));

describe("historical X of Y", () => {
  it("reproduces §7.8: mid 8 of 10 gives 0.411 and 0.445 MWh for the EV portfolio's two SPs", () => {
    const history = importHistory(workingDaysBefore(EVENT_DATE, 10), {
      "17:00": [".42", ".40", ".45", ".38", ".41", ".39", ".43", ".60", ".20", ".41"],
      "17:30": [".44", ".46", ".43", ".47", ".45", ".42", ".44", ".15", ".70", ".45"],
    });
    const result = baseline(midEightOfTen, { eventDate: EVENT_DATE, eventPeriods: ["17:00", "17:30"], history });
    // Import-only, export-positive: the baseline is −import. 17:00's exact mean is 0.41125 MWh; at the
    // method's 1 kWh resolution it is 0.411, as §7.8 states.
    expect(result.periods).toEqual([
      { period: "17:00", netExportWh: -mwh("0.411") },
      { period: "17:30", netExportWh: -mwh("0.445") },
    ]);
    expect(result.periods.map((p) => formatMwh(-p.netExportWh))).toEqual(["0.411", "0.445"]);
    expect(result.daysUsed).toHaveLength(10);
    expect(result.adjustmentWh).toBe(0n);
  });

  it("keeps 1 Wh precision when the product's resolution is 1 Wh", () => {
    const history = importHistory(workingDaysBefore(EVENT_DATE, 10), {
      "17:00": [".42", ".40", ".45", ".38", ".41", ".39", ".43", ".60", ".20", ".41"],
    });
    const result = baseline({ ...midEightOfTen, resolutionWh: 1n }, { eventDate: EVENT_DATE, eventPeriods: ["17:00"], history });
    expect(result.periods[0]!.netExportWh).toBe(-mwh("0.41125"));
  });

  it("high 4 of 5 by import keeps a demand site's four busiest days", () => {
    const history = importHistory(workingDaysBefore(EVENT_DATE, 5), { "17:00": [".10", ".50", ".30", ".20", ".40"] });
    const method: BaselineMethodConfig = { ...midEightOfTen, selection: { kind: "HIGH", keep: 4, of: 5, by: "IMPORT" } };
    const result = baseline(method, { eventDate: EVENT_DATE, eventPeriods: ["17:00"], history });
    expect(result.periods[0]!.netExportWh).toBe(-mwh("0.35")); // (.5 + .4 + .3 + .2) / 4, .1 dropped
  });

  it("high 4 of 5 by export keeps a generator's four highest-output days", () => {
    const dates = workingDaysBefore(EVENT_DATE, 5);
    const history = dates.map((date, i) => ({ date, netExportWh: { "17:00": kwh(["1", "5", "3", "2", "4"][i]!) } }));
    const method: BaselineMethodConfig = {
      ...midEightOfTen,
      resolutionWh: 1n,
      selection: { kind: "HIGH", keep: 4, of: 5, by: "EXPORT" },
    };
    expect(baseline(method, { eventDate: EVENT_DATE, eventPeriods: ["17:00"], history }).periods[0]!.netExportWh).toBe(kwh("3.5"));
  });

  it("ALL averages every day of the pool", () => {
    const dates = workingDaysBefore(EVENT_DATE, 3);
    const history = dates.map((date, i) => ({ date, netExportWh: { "17:00": [3n, 4n, 8n][i]! } }));
    const method: BaselineMethodConfig = { ...midEightOfTen, resolutionWh: 1n, selection: { kind: "ALL", of: 3 } };
    expect(baseline(method, { eventDate: EVENT_DATE, eventPeriods: ["17:00"], history }).periods[0]!.netExportWh).toBe(5n);
  });

  it("rounds a half away from zero at the resolution, for import and export alike", () => {
    const dates = workingDaysBefore(EVENT_DATE, 2);
    const method: BaselineMethodConfig = { ...midEightOfTen, resolutionWh: 10n, selection: { kind: "ALL", of: 2 } };
    const run = (a: bigint, b: bigint) =>
      baseline(method, {
        eventDate: EVENT_DATE,
        eventPeriods: ["17:00"],
        history: dates.map((date, i) => ({ date, netExportWh: { "17:00": [a, b][i]! } })),
      }).periods[0]!.netExportWh;
    expect(run(10n, 20n)).toBe(20n); // 15 → 20
    expect(run(-10n, -20n)).toBe(-20n); // −15 → −20
    expect(run(10n, 14n)).toBe(10n); // 12 → 10
  });
});

describe("day pools", () => {
  // Tuesday 2026-09-08; the 10 days before include Monday 31 August, the summer bank holiday.
  const eventDate = "2026-09-08";
  const history = daysBefore(eventDate, 30).map((date) => ({
    date,
    netExportWh: { "17:00": dayType(date, new Set()) === "WORKING" ? -100n : -300n },
  }));
  const inputs = { eventDate, eventPeriods: ["17:00"], history, bankHolidays: BANK_HOLIDAYS };
  const allOf = (of: number, dayPool: "WORKING" | "NON_WORKING" | "SAME_AS_EVENT_DAY"): BaselineMethodConfig => ({
    ...midEightOfTen,
    resolutionWh: 1n,
    dayPool,
    selection: { kind: "ALL", of },
  });

  it("the working pool skips weekends and the bank holiday", () => {
    const result = baseline(allOf(5, "WORKING"), inputs);
    expect(result.daysUsed).toEqual(["2026-09-07", "2026-09-04", "2026-09-03", "2026-09-02", "2026-09-01"]);
    const further = baseline(allOf(6, "WORKING"), inputs).daysUsed;
    expect(further).not.toContain("2026-08-31");
    expect(further.at(-1)).toBe("2026-08-28");
  });

  it("the non-working pool takes weekends and bank holidays", () => {
    const result = baseline(allOf(3, "NON_WORKING"), inputs);
    expect(result.daysUsed).toEqual(["2026-09-06", "2026-09-05", "2026-08-31"]);
    // The bank holiday's Monday value (a working-day profile here) is in the non-working mean.
    expect(result.periods[0]!.netExportWh).toBe(-233n); // (−300 − 300 − 100) / 3 = −233.33 → −233
  });

  it("SAME_AS_EVENT_DAY takes the event day's pool", () => {
    expect(baseline(allOf(2, "SAME_AS_EVENT_DAY"), inputs).daysUsed).toEqual(["2026-09-07", "2026-09-04"]);
    const saturday = {
      ...inputs,
      eventDate: "2026-09-12",
      history: daysBefore("2026-09-12", 30).map((d) => ({ date: d, netExportWh: { "17:00": 0n } })),
    };
    expect(baseline(allOf(2, "SAME_AS_EVENT_DAY"), saturday).daysUsed).toEqual(["2026-09-06", "2026-09-05"]);
  });

  it("ignores history on or after the event day", () => {
    const withLater = [
      ...history,
      { date: eventDate, netExportWh: { "17:00": -9999n } },
      { date: "2026-09-09", netExportWh: { "17:00": -9999n } },
    ];
    expect(baseline(allOf(1, "WORKING"), { ...inputs, history: withLater }).daysUsed).toEqual(["2026-09-07"]);
  });
});

describe("excluded days (R-VER-4)", () => {
  const dates = workingDaysBefore(EVENT_DATE, 13);
  const eventDays = [dates[1]!, dates[4]!, dates[6]!];
  // Event days have an odd profile that must not leak into the baseline.
  const history = dates.map((date) => ({ date, netExportWh: { "17:00": eventDays.includes(date) ? -900n : -100n } }));

  it("a 10-day pool skips 3 event days and reaches back 13 working days", () => {
    const result = baseline({ ...midEightOfTen, resolutionWh: 1n }, { eventDate: EVENT_DATE, eventPeriods: ["17:00"], history, eventDays });
    expect(result.daysUsed).toHaveLength(10);
    for (const day of eventDays) expect(result.daysUsed).not.toContain(day);
    expect(result.daysUsed.at(-1)).toBe(dates[12]);
    expect(result.periods[0]!.netExportWh).toBe(-100n);
  });

  it("uses event days when the method does not exclude them", () => {
    const result = baseline(
      { ...midEightOfTen, excludeEventDays: false, resolutionWh: 1n },
      { eventDate: EVENT_DATE, eventPeriods: ["17:00"], history, eventDays },
    );
    expect(result.daysUsed).toEqual(dates.slice(0, 10));
    expect(result.periods[0]!.netExportWh).toBe(-300n); // mid 8 of 10 drops one −900 and one −100: (2 × −900 + 6 × −100) / 8
  });

  it("always skips abnormal days", () => {
    const result = baseline(
      { ...midEightOfTen, excludeEventDays: false, resolutionWh: 1n },
      { eventDate: EVENT_DATE, eventPeriods: ["17:00"], history, abnormalDays: eventDays },
    );
    expect(result.daysUsed).not.toContain(eventDays[2]);
    expect(result.periods[0]!.netExportWh).toBe(-100n);
  });
});

describe("in-day adjustment", () => {
  const periods = ["13:00", "13:30", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30", "17:00", "17:30"];
  const history = flatHistory(workingDaysBefore(EVENT_DATE, 10), -1000n, periods);
  const adjusted = (capWh?: bigint): BaselineMethodConfig => ({
    ...midEightOfTen,
    resolutionWh: 1n,
    inDayAdjustment: { windowStartOffsetMinutes: -240, windowEndOffsetMinutes: -60, ...(capWh === undefined ? {} : { capWh }) },
  });
  // The event day ran 60 Wh more import than usual in every window period, and far more at 16:00–16:30
  // (inside the last hour before the event, which the window leaves out).
  const eventDayMetered = Object.fromEntries(periods.map((p) => [p, p >= "16:00" ? -5000n : -1060n]));

  it("the −4 h … −1 h window before a 17:00 event is 13:00–15:30", () => {
    expect(adjustmentWindow({ windowStartOffsetMinutes: -240, windowEndOffsetMinutes: -60 }, ["17:30", "17:00"])).toEqual([
      "13:00",
      "13:30",
      "14:00",
      "14:30",
      "15:00",
      "15:30",
    ]);
  });

  it("adds the window's mean (metered − baseline) to each event period", () => {
    const result = baseline(adjusted(), { eventDate: EVENT_DATE, eventPeriods: ["17:00", "17:30"], history, eventDayMetered });
    expect(result.adjustmentWh).toBe(-60n);
    expect(result.periods.map((p) => p.netExportWh)).toEqual([-1060n, -1060n]);
  });

  it("caps the adjustment either way", () => {
    expect(baseline(adjusted(50n), { eventDate: EVENT_DATE, eventPeriods: ["17:00"], history, eventDayMetered }).adjustmentWh).toBe(-50n);
    const lower = Object.fromEntries(periods.map((p) => [p, -900n]));
    expect(baseline(adjusted(50n), { eventDate: EVENT_DATE, eventPeriods: ["17:00"], history, eventDayMetered: lower }).adjustmentWh).toBe(
      50n,
    );
  });

  it("needs the event day's metered window", () => {
    expectReason(() => baseline(adjusted(), { eventDate: EVENT_DATE, eventPeriods: ["17:00"], history }), "MISSING_INPUT");
    const gap = { ...eventDayMetered, "14:00": undefined } as unknown as Record<string, bigint>;
    expectReason(
      () => baseline(adjusted(), { eventDate: EVENT_DATE, eventPeriods: ["17:00"], history, eventDayMetered: gap }),
      "MISSING_PERIOD",
    );
  });

  it("refuses a window that reaches before midnight or past the event", () => {
    const early = { ...adjusted(), inDayAdjustment: { windowStartOffsetMinutes: -240, windowEndOffsetMinutes: -60 } };
    expectReason(() => baseline(early, { eventDate: EVENT_DATE, eventPeriods: ["02:00"], history, eventDayMetered }), "WINDOW_OUTSIDE_DAY");
    expectReason(() => adjustmentWindow({ windowStartOffsetMinutes: -60, windowEndOffsetMinutes: 30 }, ["17:00"]), "OUT_OF_RANGE");
    expectReason(() => adjustmentWindow({ windowStartOffsetMinutes: -45, windowEndOffsetMinutes: -15 }, ["17:00"]), "OUT_OF_RANGE");
  });
});

describe("nominated, fixed reference, zero and constant", () => {
  const inputs = { eventDate: EVENT_DATE, eventPeriods: ["17:00", "17:30"] };

  it("NOMINATED uses the FSP's profile", () => {
    const result = baseline({ method: "NOMINATED" }, { ...inputs, nominated: { "17:00": -400n, "17:30": -420n, "18:00": 0n } });
    expect(result.periods).toEqual([
      { period: "17:00", netExportWh: -400n },
      { period: "17:30", netExportWh: -420n },
    ]);
    expectReason(() => baseline({ method: "NOMINATED" }, { ...inputs, nominated: { "17:00": -400n } }), "MISSING_PERIOD");
    expectReason(() => baseline({ method: "NOMINATED" }, inputs), "MISSING_INPUT");
  });

  it("FIXED_REFERENCE multiplies the per-DER profile by the DER count", () => {
    const method: BaselineMethodConfig = { method: "FIXED_REFERENCE", profileWhPerDer: { "17:00": -450n, "17:30": -430n } };
    expect(baseline(method, { ...inputs, derCount: 200 }).periods.map((p) => p.netExportWh)).toEqual([-90_000n, -86_000n]);
    expectReason(() => baseline(method, { ...inputs, derCount: 0 }), "NOT_POSITIVE");
    expectReason(() => baseline(method, { ...inputs, derCount: 2.5 }), "NOT_POSITIVE");
  });

  it("ZERO and CONSTANT", () => {
    expect(baseline({ method: "ZERO" }, inputs).periods.map((p) => p.netExportWh)).toEqual([0n, 0n]);
    // ASSET_CAPACITY for a 1 MW battery at full import: 1 MW × 0.5 h.
    expect(baseline({ method: "CONSTANT", netExportWhPerPeriod: -mwh("0.5") }, inputs).periods.map((p) => p.netExportWh)).toEqual([
      -500_000n,
      -500_000n,
    ]);
  });
});

describe("bad inputs", () => {
  const history = flatHistory(workingDaysBefore(EVENT_DATE, 10), -100n);

  it("too few eligible days is TOO_FEW_BASELINE_DAYS with the counts", () => {
    const error = expectReason(
      () => baseline(midEightOfTen, { eventDate: EVENT_DATE, eventPeriods: ["17:00"], history, eventDays: [history[0]!.date] }),
      "TOO_FEW_BASELINE_DAYS",
    );
    expect(error.extensions).toMatchObject({ needed: 10, found: 9, pool: "WORKING" });
  });

  it("a chosen day without the period is MISSING_PERIOD", () => {
    const gappy = history.map((day, i) => (i === 3 ? { ...day, netExportWh: {} } : day));
    expectReason(() => baseline(midEightOfTen, { eventDate: EVENT_DATE, eventPeriods: ["17:00"], history: gappy }), "MISSING_PERIOD");
  });

  it("selections that cannot be made are BAD_SELECTION", () => {
    const bad = (selection: HistoricalMethod["selection"]) => () =>
      baseline({ ...midEightOfTen, selection }, { eventDate: EVENT_DATE, eventPeriods: ["17:00"], history });
    expectReason(bad({ kind: "MID", keep: 7, of: 10 }), "BAD_SELECTION");
    expectReason(bad({ kind: "HIGH", keep: 6, of: 5, by: "IMPORT" }), "BAD_SELECTION");
    expectReason(bad({ kind: "ALL", of: 0 }), "BAD_SELECTION");
  });

  it("duplicate days, bad dates and bad periods are coded", () => {
    expectReason(
      () => baseline(midEightOfTen, { eventDate: EVENT_DATE, eventPeriods: ["17:00"], history: [...history, history[0]!] }),
      "DUPLICATE_DAY",
    );
    expectReason(() => baseline(midEightOfTen, { eventDate: "2026-02-30", eventPeriods: ["17:00"], history }), "MALFORMED_DATE");
    expectReason(() => baseline(midEightOfTen, { eventDate: EVENT_DATE, eventPeriods: ["17:15"], history }), "MALFORMED_PERIOD");
    expectReason(() => baseline(midEightOfTen, { eventDate: EVENT_DATE, eventPeriods: [], history }), "MISSING_INPUT");
    expectReason(
      () => baseline({ ...midEightOfTen, resolutionWh: 0n }, { eventDate: EVENT_DATE, eventPeriods: ["17:00"], history }),
      "NOT_POSITIVE",
    );
  });
});

describe("bank holidays by where the asset lies (kit bankHolidaysFor)", () => {
  // 2025-08-04, a Monday: Scotland's summer bank holiday, a working day in England and Wales (GOV.UK bank-holidays).
  const EVENT = "2025-08-08"; // a Friday
  const history = (dates: string[]) =>
    dates.map((date) => ({ date, netExportWh: { "17:00": date === "2025-08-04" ? -900_000n : -400_000n } }));
  const oneOfFour: BaselineMethodConfig = { ...midEightOfTen, selection: { kind: "MID", keep: 4, of: 4 }, resolutionWh: 1n };
  const days = ["2025-08-07", "2025-08-06", "2025-08-05", "2025-08-04", "2025-08-01"];

  it("chooses Scotland's holidays in _N and _P and England and Wales' elsewhere (and with no GSP group)", async () => {
    const { bankHolidaysFor, ENGLAND_AND_WALES_BANK_HOLIDAYS, SCOTLAND_BANK_HOLIDAYS } = await import("@sfe/kit");
    expect(bankHolidaysFor("_N")).toBe(SCOTLAND_BANK_HOLIDAYS);
    expect(bankHolidaysFor("_P")).toBe(SCOTLAND_BANK_HOLIDAYS);
    expect(bankHolidaysFor("_C")).toBe(ENGLAND_AND_WALES_BANK_HOLIDAYS);
    expect(bankHolidaysFor(null)).toBe(ENGLAND_AND_WALES_BANK_HOLIDAYS);
    // Scotland: 2 January and St Andrew's Day, no Easter Monday; England and Wales the other way round.
    expect(["2025-01-02", "2025-12-01", "2025-04-21"].map((d) => SCOTLAND_BANK_HOLIDAYS.has(d))).toEqual([true, true, false]);
    expect(["2025-01-02", "2025-12-01", "2025-04-21"].map((d) => ENGLAND_AND_WALES_BANK_HOLIDAYS.has(d))).toEqual([false, false, true]);

    const scottish = baseline(oneOfFour, {
      eventDate: EVENT,
      eventPeriods: ["17:00"],
      history: history(days),
      bankHolidays: [...bankHolidaysFor("_N")],
    });
    const english = baseline(oneOfFour, {
      eventDate: EVENT,
      eventPeriods: ["17:00"],
      history: history(days),
      bankHolidays: [...bankHolidaysFor("_C")],
    });
    // In Scotland 4 August is out of the working-day pool: the four days are 7, 6, 5 and 1 August, each −0.4 MWh.
    expect(scottish.daysUsed).toEqual(["2025-08-07", "2025-08-06", "2025-08-05", "2025-08-01"]);
    expect(scottish.periods).toEqual([{ period: "17:00", netExportWh: -400_000n }]);
    // In England it is a working day: 7, 6, 5 and 4 August, mean (−0.4 × 3 − 0.9) / 4 = −0.525 MWh.
    expect(english.daysUsed).toEqual(["2025-08-07", "2025-08-06", "2025-08-05", "2025-08-04"]);
    expect(english.periods).toEqual([{ period: "17:00", netExportWh: -525_000n }]);
  });
});
