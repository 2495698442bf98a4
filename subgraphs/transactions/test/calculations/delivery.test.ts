import { describe, expect, it } from "vitest";
import {
  assessDelivery,
  assessPeriod,
  availabilityRatio,
  type BaselineMethodConfig,
  baseline,
  creditedWh,
  type Direction,
  deliveredWh,
  formatMwh,
  mwh,
  netExportWh,
  ratio,
  toFixed,
} from "../../src/calculations/index.js";
import { expectReason } from "./expect-reason.js";

/** An import-only site's net export for an import reading in MWh. */
const imported = (mwhText: string) => netExportWh({ importWh: mwh(mwhText), exportWh: 0n });

describe("§7.8 worked example: EV portfolio, DTD 0.30 MW, 17:00–18:00, mid 8 of 10", () => {
  const workingDays = [
    "2026-11-25",
    "2026-11-24",
    "2026-11-23",
    "2026-11-20",
    "2026-11-19",
    "2026-11-18",
    "2026-11-17",
    "2026-11-16",
    "2026-11-13",
    "2026-11-12",
  ];
  const prior = {
    "17:00": [".42", ".40", ".45", ".38", ".41", ".39", ".43", ".60", ".20", ".41"],
    "17:30": [".44", ".46", ".43", ".47", ".45", ".42", ".44", ".15", ".70", ".45"],
  };
  const history = workingDays.map((date, i) => ({
    date,
    netExportWh: { "17:00": imported(prior["17:00"][i]!), "17:30": imported(prior["17:30"][i]!) },
  }));
  const method: BaselineMethodConfig = {
    method: "HISTORICAL_X_OF_Y",
    selection: { kind: "MID", keep: 8, of: 10 },
    dayPool: "WORKING",
    excludeEventDays: true,
    resolutionWh: 1000n,
  };
  const base = baseline(method, { eventDate: "2026-11-26", eventPeriods: ["17:00", "17:30"], history });
  const metered = { "17:00": imported("0.270"), "17:30": imported("0.280") };
  const assessment = assessDelivery(
    "DEMAND_TURN_DOWN",
    base.periods.map((p) => ({
      period: p.period,
      baselineNetExportWh: p.netExportWh,
      meteredNetExportWh: metered[p.period as keyof typeof metered],
      instructedWh: mwh("0.150"),
    })),
  );

  it("per SP: delivered 0.141 / 0.165, credited 0.141 (94 %) and 0.150 (capped, 110 % delivered)", () => {
    expect(
      assessment.periods.map((p) => [p.period, formatMwh(p.deliveredWh), formatMwh(p.creditedWh), toFixed(p.deliveryRatio, 2)]),
    ).toEqual([
      ["17:00", "0.141", "0.141", "0.94"],
      ["17:30", "0.165", "0.150", "1.10"],
    ]);
  });

  it("event: delivered 0.306 vs 0.300 instructed (102 %), credited 0.291 MWh — exactly", () => {
    expect(assessment.deliveredWh).toBe(mwh("0.306"));
    expect(assessment.instructedWh).toBe(mwh("0.300"));
    expect(assessment.deliveryRatio).toEqual(ratio(102n, 100n));
    expect(assessment.creditedWh).toBe(mwh("0.291"));
  });
});

describe("direction and sign", () => {
  const cases: [Direction, string, string, string][] = [
    // direction, baseline net export, metered net export, delivered (all MWh, export-positive)
    ["DEMAND_TURN_DOWN", "-0.400", "-0.250", "0.150"], // imported less
    ["GENERATION_TURN_UP", "0.100", "0.300", "0.200"], // exported more
    ["DEMAND_TURN_UP", "-0.200", "-0.500", "0.300"], // imported more
    ["GENERATION_TURN_DOWN", "0.400", "0.100", "0.300"], // exported less
    ["DEMAND_TURN_DOWN", "-0.400", "-0.450", "-0.050"], // moved the wrong way
  ];
  it.each(cases)("%s: baseline %s, metered %s → delivered %s", (direction, baselineMwh, meteredMwh, delivered) => {
    expect(deliveredWh(direction, mwh(baselineMwh), mwh(meteredMwh))).toBe(mwh(delivered));
  });

  it("for an import-only site DTD is baselineImport − meteredImport", () => {
    for (const [baselineImport, meteredImport] of [
      ["0.411", "0.270"],
      ["0.2", "0.35"],
      ["0", "0.001"],
    ] as const) {
      expect(deliveredWh("DEMAND_TURN_DOWN", imported(baselineImport), imported(meteredImport))).toBe(
        mwh(baselineImport) - mwh(meteredImport),
      );
    }
  });

  it("a site that both imports and exports nets its registers export − import", () => {
    expect(netExportWh({ importWh: mwh("0.1"), exportWh: mwh("0.4") })).toBe(mwh("0.3"));
    expectReason(() => netExportWh({ importWh: -1n, exportWh: 0n }), "NEGATIVE_ENERGY");
    expectReason(() => netExportWh({ importWh: 0n, exportWh: -1n }), "NEGATIVE_ENERGY");
  });
});

describe("credited and ratios", () => {
  it("credited is min(delivered, instructed) and never below zero (R-VER-3)", () => {
    expect(creditedWh(141n, 150n)).toBe(141n);
    expect(creditedWh(165n, 150n)).toBe(150n);
    expect(creditedWh(-50n, 150n)).toBe(0n);
  });

  it("a wrong-way period scores a negative ratio and credits nothing", () => {
    const period = assessPeriod("GENERATION_TURN_UP", {
      period: "17:00",
      baselineNetExportWh: 500n,
      meteredNetExportWh: 400n,
      instructedWh: 200n,
    });
    expect(period).toMatchObject({ deliveredWh: -100n, creditedWh: 0n, deliveryRatio: ratio(-1n, 2n) });
  });

  it("availability ratio is available / window time, exact", () => {
    expect(availabilityRatio(76n * 60n, 80n * 60n)).toEqual(ratio(19n, 20n));
    expectReason(() => availabilityRatio(81n, 80n), "OUT_OF_RANGE");
    expectReason(() => availabilityRatio(-1n, 80n), "OUT_OF_RANGE");
    expectReason(() => availabilityRatio(0n, 0n), "NOT_POSITIVE");
  });

  it("an instruction needs positive energy and at least one period", () => {
    expectReason(
      () => assessPeriod("DEMAND_TURN_DOWN", { period: "17:00", baselineNetExportWh: 0n, meteredNetExportWh: 0n, instructedWh: 0n }),
      "NOT_POSITIVE",
    );
    expectReason(() => assessDelivery("DEMAND_TURN_DOWN", []), "MISSING_INPUT");
  });
});
