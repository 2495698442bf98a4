import { describe, expect, it } from "vitest";
import {
  aliasTable,
  averagePower,
  convertEnergy,
  convertPower,
  energyOver,
  foldAlias,
  halfHourEnergy,
  mw,
  mwh,
  normaliseAlias,
  quantityIn,
  SfeError,
  toExportPositive,
} from "../src/index.js";

function refusal(run: () => unknown): Record<string, unknown> & { message: string } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SfeError);
    const e = error as SfeError;
    return { ...e.extensions, message: e.message };
  }
  throw new Error("expected a coded error");
}

describe("power and energy units", () => {
  it("converts on the decimal digits, so the answers are the numbers a person would write", () => {
    expect(convertPower(0.049, "MW", "kW")).toBe(49); // 0.049 * 1000 is 49 too, but:
    expect(convertPower(1.005, "MW", "kW")).toBe(1005); // 1.005 * 1000 = 1004.9999999999999
    expect(convertPower(49, "kW", "MW")).toBe(0.049);
    expect(convertPower(12, "MW", "MW")).toBe(12);
    expect(convertEnergy(0.72, "MWh", "kWh")).toBe(720);
    expect(convertEnergy(0.57, "MWh", "kWh")).toBe(570); // 0.57 * 1000 = 569.9999999999999
    expect(convertEnergy(170, "kWh", "MWh")).toBe(0.17);
    expect(mw(42, "kW")).toBe(0.042);
    expect(mw(0.24)).toBe(0.24);
    expect(mwh(720, "kWh")).toBe(0.72);
    expect(convertPower(1e-7, "MW", "kW")).toBe(1e-4);
  });

  it("a half-hour's energy from average MW, and back", () => {
    expect(halfHourEnergy(mw(0.24))).toBe(0.12);
    expect(halfHourEnergy(mw(49, "kW"))).toBe(0.0245);
    expect(energyOver(mw(0.24), 2)).toBe(0.48); // UKPN central-harpenden Day-Ahead: 0.24 MW for 2 h = 0.48 MWh
    expect(averagePower(mwh(0.48), 2)).toBe(0.24);
  });

  it("keeps power and energy apart in the types", () => {
    const power = mw(1);
    const energy = mwh(1);
    // @ts-expect-error an energy is not a power
    halfHourEnergy(energy);
    // @ts-expect-error a plain number is not a power
    halfHourEnergy(1);
    // @ts-expect-error MWh is not a power unit
    convertPower(1, "MWh", "MW");
    // @ts-expect-error kW is not an energy unit
    mwh(1, "kW");
    expect(halfHourEnergy(power)).toBe(0.5);
  });

  it("reads units named by text, case folded; an unknown unit is a coded error", () => {
    expect(quantityIn(500, "kW")).toEqual({ kind: "power", mw: 0.5 });
    expect(quantityIn(0.2, " MWh ")).toEqual({ kind: "energy", mwh: 0.2 });
    expect(quantityIn(720, "KWH")).toEqual({ kind: "energy", mwh: 0.72 });
    expect(refusal(() => quantityIn(1, "GWh", { field: "volume" }))).toEqual({
      code: "BAD_USER_INPUT",
      field: "volume",
      reason: "UNKNOWN_UNIT",
      message: 'volume has an unknown unit "GWh": use MW, kW, MWh or kWh',
    });
  });

  it("refuses a negative MW where a quantity must be non-negative, and anything not a finite number", () => {
    expect(refusal(() => mw(-0.5, "MW", { field: "availability_mw_req", nonNegative: true }))).toEqual({
      code: "BAD_USER_INPUT",
      field: "availability_mw_req",
      reason: "NEGATIVE_QUANTITY",
      message: 'availability_mw_req must not be negative, got "-0.5"',
    });
    expect(refusal(() => mwh(-1, "kWh", { field: "utilisation_mwh_req", nonNegative: true })).reason).toBe("NEGATIVE_QUANTITY");
    expect(Object.is(mw(-0, "MW", { nonNegative: true }), 0)).toBe(true);
    expect(mw(-0.5)).toBe(-0.5); // a signed power is allowed unless asked otherwise
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, "1" as unknown as number]) {
      expect(refusal(() => mw(bad, "MW", { field: "mw" })).reason).toBe("NOT_A_NUMBER");
    }
  });
});

describe("export-positive sign convention", () => {
  it("flips an import-positive source and leaves an export-positive one", () => {
    expect(toExportPositive(2.5, "IMPORT_POSITIVE")).toBe(-2.5);
    expect(toExportPositive(-2.5, "IMPORT_POSITIVE")).toBe(2.5);
    expect(toExportPositive(2.5, "EXPORT_POSITIVE")).toBe(2.5);
    expect(Object.is(toExportPositive(0, "IMPORT_POSITIVE"), 0)).toBe(true); // never -0
    const power = toExportPositive(mw(3), "IMPORT_POSITIVE"); // keeps its type
    expect(halfHourEnergy(power)).toBe(-1.5);
  });
});

describe("aliases", () => {
  // UKPN spells its products "Day-Ahead", "Long-Term Utilisation", "Peak Reduction", "Scheduled Availability" in the
  // EV/DSR extract (/work/shared/data/real/ukpn-flexibility-dispatches-ev-dsr-subset-2024-05-to-2025-12.csv);
  // other exports write "Day Ahead" or "day_ahead".
  const products = aliasTable("product", {
    DAY_AHEAD: ["Day-Ahead", "DA"],
    LONG_TERM_UTILISATION: ["Long-Term Utilisation", "LTU"],
    PEAK_REDUCTION: ["Peak Reduction", "PR"],
    SCHEDULED_AVAILABILITY: ["Scheduled Availability", "SAOU"],
  });

  it("folds case, spaces, hyphens and underscores to one key", () => {
    expect(foldAlias("Day-Ahead")).toBe("day_ahead");
    expect(foldAlias("  Day  Ahead ")).toBe("day_ahead");
    expect(foldAlias("day_ahead")).toBe("day_ahead");
    expect(foldAlias("DAY – AHEAD")).toBe("day_ahead");
    expect(foldAlias("Ｄａｙ-Ａｈｅａｄ")).toBe("day_ahead"); // full-width, NFKC
  });

  it.each(["Day-Ahead", "Day Ahead", "day_ahead", "DAY_AHEAD", "day-ahead", "da"])("%j is DAY_AHEAD", (spelling) => {
    expect(normaliseAlias(spelling, products)).toBe("DAY_AHEAD");
  });

  it("maps each UKPN product spelling to its code", () => {
    expect(normaliseAlias("Long-Term Utilisation", products)).toBe("LONG_TERM_UTILISATION");
    expect(normaliseAlias("long term utilisation", products)).toBe("LONG_TERM_UTILISATION");
    expect(normaliseAlias("Peak Reduction", products)).toBe("PEAK_REDUCTION");
    expect(normaliseAlias("scheduled-availability", products)).toBe("SCHEDULED_AVAILABILITY");
  });

  it("an unknown alias is BAD_USER_INPUT with reason UNKNOWN_ALIAS, the value quoted", () => {
    expect(refusal(() => normaliseAlias("Intraday", products, { field: "product" }))).toEqual({
      code: "BAD_USER_INPUT",
      field: "product",
      reason: "UNKNOWN_ALIAS",
      aliasKind: "product",
      message: 'Unknown product "Intraday"; known: DAY_AHEAD, LONG_TERM_UTILISATION, PEAK_REDUCTION, SCHEDULED_AVAILABILITY',
    });
    const long = refusal(() => normaliseAlias("x".repeat(100), products));
    expect(long.field).toBe("product");
    expect(long.message).toContain(`"${"x".repeat(40)}…"`);
  });

  it("zones too, and a table whose spellings collide is refused when built", () => {
    const zones = aliasTable("zone", { HENDON_WAY: ["Hendon Way"], TROWSE_GRID_33: ["Trowse Grid 33", "Trowse"] });
    expect(normaliseAlias("hendon-way", zones)).toBe("HENDON_WAY");
    expect(normaliseAlias("TROWSE GRID 33", zones)).toBe("TROWSE_GRID_33");
    expect(refusal(() => normaliseAlias("Wrotham", zones))).toMatchObject({ reason: "UNKNOWN_ALIAS", field: "zone" });
    expect(() => aliasTable("product", { DAY_AHEAD: ["Day Ahead"], DA: ["day-ahead"] })).toThrow(/"day-ahead" is both DAY_AHEAD and DA/);
  });
});
