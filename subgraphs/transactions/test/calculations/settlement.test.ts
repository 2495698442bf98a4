import { describe, expect, it } from "vitest";
import {
  availabilityLine,
  decimal,
  formatGbp,
  ILLUSTRATIVE_SLIDING_SCALE,
  kwh,
  mul,
  mwh,
  ONE,
  penaltyLine,
  ratio,
  roundToPence,
  settlementStatement,
  utilisationFactor,
  utilisationLine,
  ZERO,
} from "../../src/calculations/index.js";
import { expectReason } from "./expect-reason.js";

const util = (delivered: string, instructed = "1.00", price = "300") => ({
  period: "2026-11",
  deliveredWh: mwh(delivered),
  instructedWh: mwh(instructed),
  priceGbpPerMwh: decimal(price),
});

describe("§7.9 worked example: SAOU call-off, 0.5 MW, £21.40/MW/h, £300/MWh", () => {
  const statement = settlementStatement({
    availability: [
      {
        period: "2026-11 16:00–20:00",
        contractedMw: decimal("0.5"),
        priceGbpPerMwPerH: decimal("21.40"),
        hours: decimal("76"),
        availabilityFactor: ONE,
      },
    ],
    utilisations: [util("1.00"), util("0.92"), util("0.40")],
    utilisationScale: ILLUSTRATIVE_SLIDING_SCALE,
  });

  it("lines £813.20, £300.00, £257.60, £0.00 and total £1,370.80 ex VAT", () => {
    expect(statement.lines.map((line) => [line.type, formatGbp(line.amountPence)])).toEqual([
      ["AVAILABILITY", "813.20"],
      ["UTILISATION", "300.00"],
      ["UTILISATION", "257.60"],
      ["UTILISATION", "0.00"],
    ]);
    expect(statement.totalPence).toBe(137_080n);
    expect(formatGbp(statement.totalPence)).toBe("1,370.80");
  });

  it("f(0.92) is exactly 14/15, so 0.92 × 300 × 14/15 is exactly £257.60 before any rounding", () => {
    const line = statement.lines[2]!;
    expect(line.factor).toEqual(ratio(14n, 15n));
    expect(mul(mul(line.quantity, line.unitPriceGbp), line.factor)).toEqual(decimal("257.6"));
    // The table's printed 0.9333 would give £257.59: the factor must stay exact until the line rounds.
    expect(roundToPence(mul(decimal("276"), decimal("0.9333")))).toBe(25_759n);
  });

  it("the same availability as 20 four-hour windows, one wholly unavailable (R-SET-1), is also £813.20", () => {
    const windows = Array.from({ length: 20 }, (_, day) => ({
      period: `day ${day + 1}`,
      contractedMw: decimal("0.5"),
      priceGbpPerMwPerH: decimal("21.40"),
      hours: decimal("4"),
      availabilityFactor: day === 6 ? ZERO : ONE,
    }));
    const result = settlementStatement({ availability: windows, utilisationScale: ILLUSTRATIVE_SLIDING_SCALE });
    expect(result.lines[6]!.amountPence).toBe(0n);
    expect(result.totalPence).toBe(81_320n);
  });
});

describe("utilisation factor", () => {
  const f = (r: string) => utilisationFactor(ILLUSTRATIVE_SLIDING_SCALE, decimal(r));

  it("the illustrative sliding scale: 0 below 0.5, linear to 1 at 0.95, 1 above", () => {
    expect(f("0.4999")).toEqual(ZERO);
    expect(f("0.5")).toEqual(ZERO);
    expect(f("0.725")).toEqual(ratio(1n, 2n));
    expect(f("0.9499")).toEqual(ratio(4499n, 4500n));
    expect(f("0.95")).toEqual(ONE);
    expect(f("1.10")).toEqual(ONE);
    expect(f("-0.2")).toEqual(ZERO);
  });

  it("FLAT pays the price on every credited MWh", () => {
    expect(utilisationFactor({ kind: "FLAT" }, decimal("0.3"))).toEqual(ONE);
    expect(utilisationLine(util("0.30"), { kind: "FLAT" }).amountPence).toBe(9_000n);
  });

  it("over-delivery is paid at the instructed volume (R-VER-3)", () => {
    const line = utilisationLine(util("1.10"), ILLUSTRATIVE_SLIDING_SCALE);
    expect(line.quantity).toEqual(ONE);
    expect(line.amountPence).toBe(30_000n);
  });

  it("a scale whose floor is not below its full ratio is refused", () => {
    expectReason(() => utilisationFactor({ kind: "SLIDING", floorRatio: decimal("0.9"), fullRatio: decimal("0.9") }, ONE), "OUT_OF_RANGE");
  });
});

describe("rounding and penalties", () => {
  it("each line rounds half away from zero to the penny", () => {
    // 0.001 MW × £5/MW/h × 1 h = £0.005 → 1p; × 0.4 h = £0.002 → 0p.
    const line = (hours: string) =>
      availabilityLine({
        period: "x",
        contractedMw: decimal("0.001"),
        priceGbpPerMwPerH: decimal("5"),
        hours: decimal(hours),
        availabilityFactor: ONE,
      }).amountPence;
    expect(line("1")).toBe(1n);
    expect(line("0.4")).toBe(0n);
    expect(roundToPence(decimal("-0.005"))).toBe(-1n);
    expect(roundToPence(decimal("0.00499"))).toBe(0n);
  });

  it("the total is the sum of the rounded lines, so the statement adds up as printed", () => {
    // Three lines of £0.005 each: 1p + 1p + 1p = 3p (not round(£0.015) = 2p).
    const utilisations = [1, 2, 3].map((n) => ({
      period: `${n}`,
      deliveredWh: kwh("1"),
      instructedWh: kwh("1"),
      priceGbpPerMwh: decimal("5"),
    }));
    expect(settlementStatement({ utilisations, utilisationScale: { kind: "FLAT" } }).totalPence).toBe(3n);
  });

  it("penalties subtract", () => {
    const statement = settlementStatement({
      utilisations: [util("1.00")],
      penalties: [
        {
          period: "2026-11-12 17:00",
          type: "COMMERCIAL_UNAVAILABILITY",
          amountGbp: decimal("40.125"),
          basis: "ran in the BM while contracted",
        },
      ],
      utilisationScale: ILLUSTRATIVE_SLIDING_SCALE,
    });
    expect(statement.lines[1]).toMatchObject({
      type: "PENALTY",
      amountPence: -4_013n,
      basis: "COMMERCIAL_UNAVAILABILITY: ran in the BM while contracted",
    });
    expect(formatGbp(statement.totalPence)).toBe("259.87");
    expect(formatGbp(-4_013n)).toBe("-40.13");
    expect(penaltyLine({ period: "p", type: "LATE_DATA", amountGbp: ZERO, basis: "none" }).amountPence).toBe(0n);
  });
});

describe("bad inputs", () => {
  const window = {
    period: "w",
    contractedMw: decimal("0.5"),
    priceGbpPerMwPerH: decimal("21.40"),
    hours: decimal("4"),
    availabilityFactor: ONE,
  };

  it("negative MW or hours, a factor outside 0–1, a negative penalty, zero instructed energy", () => {
    expectReason(() => availabilityLine({ ...window, contractedMw: decimal("-0.5") }), "OUT_OF_RANGE");
    expectReason(() => availabilityLine({ ...window, hours: decimal("-1") }), "OUT_OF_RANGE");
    expectReason(() => availabilityLine({ ...window, availabilityFactor: decimal("1.01") }), "OUT_OF_RANGE");
    expectReason(() => penaltyLine({ period: "p", type: "NON_DELIVERY", amountGbp: decimal("-1"), basis: "b" }), "OUT_OF_RANGE");
    expectReason(() => utilisationLine(util("0.5", "0"), ILLUSTRATIVE_SLIDING_SCALE), "NOT_POSITIVE");
  });

  it("numbers are decimal strings: floats' notation and sub-Wh energies are refused", () => {
    expectReason(() => decimal("1e3"), "MALFORMED_NUMBER");
    expectReason(() => decimal("21,40"), "MALFORMED_NUMBER");
    expectReason(() => mwh("0.0000001"), "TOO_PRECISE");
    expect(mwh("0.411")).toBe(411_000n);
    expect(kwh("1.5")).toBe(1_500n);
  });
});
