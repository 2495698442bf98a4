import { describe, expect, it } from "vitest";
import { ratio } from "../src/calculations/index.js";
import {
  type AssessmentInput,
  type AwardInput,
  computeStatement,
  coveredHours,
  differenceLines,
  type PenaltyInput,
  type StatementInputs,
} from "../src/modules/settlement/statement.js";
import type { TermsSnapshot } from "../src/modules/settlement/tables.js";

/** The statement's rules on plain rows (no database): R-SET-1 windows, the union of unavailable time, R-SET-3/4. */
const month = { label: "2026-11", start: new Date("2026-11-01T00:00:00Z"), end: new Date("2026-12-01T00:00:00Z") };
const terms = (availabilityRule: TermsSnapshot["availabilityRule"]): TermsSnapshot => ({
  utilisationScale: "SLIDING",
  floorRatio: "0.5",
  fullRatio: "0.95",
  availabilityRule,
  vatRate: "0.2",
  invoiceDay: 15,
  paymentDays: 30,
});
const award = (id: string, start: string, end: string, overrides: Partial<AwardInput> = {}): AwardInput => ({
  id,
  assetId: "asset",
  marketUnitId: null,
  awardedMw: 0.5,
  availabilityPriceGbpPerMwH: "21.40",
  utilisationPriceGbpPerMwh: "300",
  start: new Date(start),
  end: new Date(end),
  ...overrides,
});
const at = (iso: string) => new Date(iso);
const inputs = (overrides: Partial<StatementInputs>): StatementInputs => ({
  month,
  terms: terms("PRO_RATA"),
  awards: [],
  awardsById: new Map(),
  unavailable: new Map(),
  assessments: [],
  penalties: [],
  adjustments: [],
  ...overrides,
});
const amounts = (statement: ReturnType<typeof computeStatement>) => statement.lines.map((line) => line.amountPence);

describe("availability lines", () => {
  const windows = [award("a", "2026-11-02T16:00:00Z", "2026-11-02T20:00:00Z"), award("b", "2026-11-03T16:00:00Z", "2026-11-03T20:00:00Z")];
  // One hour of a's window unavailable; all of b's, as two overlapping intervals.
  const unavailable = new Map([
    ["a", [{ from: at("2026-11-02T19:00:00Z"), to: at("2026-11-02T20:00:00Z") }]],
    [
      "b",
      [
        { from: at("2026-11-03T15:00:00Z"), to: at("2026-11-03T18:30:00Z") },
        { from: at("2026-11-03T18:00:00Z"), to: at("2026-11-03T21:00:00Z") },
      ],
    ],
  ]);

  it("PRO_RATA pays the available hours: 0.5 MW × £21.40 × (8 − 5) h = £32.10", () => {
    const statement = computeStatement(inputs({ awards: windows, unavailable }));
    expect(amounts(statement)).toEqual([3210n]);
    expect(statement.lines[0]?.factor).toEqual(ratio(3n, 8n));
  });

  it("ZERO_WHEN_WHOLLY_UNAVAILABLE (R-SET-1) pays a partly available window in full and a wholly unavailable one nothing", () => {
    const statement = computeStatement(inputs({ terms: terms("ZERO_WHEN_WHOLLY_UNAVAILABLE"), awards: windows, unavailable }));
    expect(amounts(statement)).toEqual([4280n]);
  });

  it("counts only the part of an award inside the month, and groups awards by MW and price", () => {
    const statement = computeStatement(
      inputs({
        awards: [
          award("late", "2026-10-31T22:00:00Z", "2026-11-01T02:00:00Z"),
          award("other", "2026-11-05T16:00:00Z", "2026-11-05T17:00:00Z", { awardedMw: 1 }),
          award("utilisation-only", "2026-11-05T16:00:00Z", "2026-11-05T17:00:00Z", { availabilityPriceGbpPerMwH: null }),
        ],
      }),
    );
    // 0.5 × 21.40 × 2 h, and 1 × 21.40 × 1 h.
    expect(amounts(statement)).toEqual([2140n, 2140n]);
    expect(statement.lines.map((line) => line.awardIds)).toEqual([["late"], ["other"]]);
  });

  it("PRO_RATA weighs a notice by the share of the MW it takes away; shares add up to at most the whole award", () => {
    const share = (from: string, to: string, num: bigint, den: bigint) => ({ from: at(from), to: at(to), share: ratio(num, den) });
    const partly = new Map([
      [
        "a",
        [
          share("2026-11-02T16:00:00Z", "2026-11-02T18:00:00Z", 2n, 5n), // 0.2 of 0.5 MW for 2 h: 0.8 h
          share("2026-11-02T17:00:00Z", "2026-11-02T19:00:00Z", 4n, 5n), // with the first 17–18: 1.2 → 1; 18–19: 0.8
        ],
      ],
    ]);
    // a: 0.4 h (16–17) + 1 h (17–18) + 0.8 h (18–19) = 2.2 h of 4 unavailable; b: all 4 h paid. 0.5 × £21.40 × 5.8 h = £62.06.
    const statement = computeStatement(inputs({ awards: windows, unavailable: partly }));
    expect(statement.lines[0]?.factor).toEqual(ratio(29n, 40n));
    expect(amounts(statement)).toEqual([6206n]);
    // R-SET-1 pays nothing only for a window wholly unavailable: a partial share never zeroes one.
    expect(
      amounts(computeStatement(inputs({ terms: terms("ZERO_WHEN_WHOLLY_UNAVAILABLE"), awards: windows, unavailable: partly }))),
    ).toEqual([8560n]);
  });

  it("measures the union of intervals once, clipped to the window", () => {
    const within = { from: at("2026-11-02T16:00:00Z"), to: at("2026-11-02T20:00:00Z") };
    const hours = coveredHours(
      [
        { from: at("2026-11-02T15:00:00Z"), to: at("2026-11-02T17:00:00Z") },
        { from: at("2026-11-02T16:30:00Z"), to: at("2026-11-02T17:30:00Z") },
        { from: at("2026-11-02T19:45:00Z"), to: at("2026-11-02T23:00:00Z") },
      ],
      within,
    );
    expect(hours).toEqual(ratio(7n, 4n));
  });
});

describe("utilisation and penalty lines", () => {
  const a = award("a", "2026-11-02T16:00:00Z", "2026-11-02T20:00:00Z", { availabilityPriceGbpPerMwH: null });
  const assessment = (id: string, status: string, deliveredWh: bigint, overrides: Partial<AssessmentInput> = {}): AssessmentInput => ({
    id,
    awardId: "a",
    assetId: "asset",
    start: at("2026-11-02T16:00:00Z"),
    end: at("2026-11-02T17:00:00Z"),
    deliveredWh,
    instructedWh: 1_000_000n,
    status,
    ...overrides,
  });
  const penalty = (id: string, assessmentId: string, waivedByConflictId: string | null = null): PenaltyInput => ({
    id,
    assessmentId,
    type: "NON_DELIVERY",
    amountPence: 2500n,
    basis: "60% short",
    waivedByConflictId,
  });

  it("settles FINAL assessments only (R-SET-3), charges their penalties unless waived (R-SET-4), lists what it holds out", () => {
    const statement = computeStatement(
      inputs({
        awards: [a],
        awardsById: new Map([["a", a]]),
        assessments: [
          assessment("final", "FINAL", 1_100_000n),
          assessment("disputed", "DISPUTED", 920_000n),
          // No award id: matched to the asset's award whose window holds its start; that award has a price.
          assessment("matched", "FINAL", 400_000n, { awardId: null, start: at("2026-11-02T18:00:00Z"), end: at("2026-11-02T19:00:00Z") }),
          assessment("no-award", "FINAL", 1_000_000n, {
            awardId: null,
            start: at("2026-11-09T18:00:00Z"),
            end: at("2026-11-09T19:00:00Z"),
          }),
        ],
        penalties: [penalty("p1", "matched"), penalty("p2", "matched", "conflict-1"), penalty("p3", "disputed")],
        adjustments: [{ amountPence: -150n, description: "Metering fee" }],
      }),
    );
    expect(statement.lines.map((line) => [line.type, line.key, line.amountPence])).toEqual([
      ["UTILISATION", "UTILISATION:final", 30000n], // capped at instructed (R-VER-3): 1.0 MWh × £300 × 1
      ["UTILISATION", "UTILISATION:matched", 0n], // 40% < 50% (R-SET-2)
      ["PENALTY", "PENALTY:p1", -2500n],
      ["ADJUSTMENT", "ADJUSTMENT:0", -150n],
    ]);
    expect(statement.totalPence).toBe(27350n);
    expect(statement.heldOut).toEqual([
      { assessmentId: "disputed", status: "DISPUTED", reason: "NOT_FINAL" },
      { assessmentId: "no-award", status: "FINAL", reason: "NO_UTILISATION_PRICE" },
    ]);
  });
});

describe("a credit note's lines", () => {
  it("are what changed per key, and withdraw what is no longer there", () => {
    const recomputed = computeStatement(
      inputs({
        awards: [award("a", "2026-11-02T16:00:00Z", "2026-11-02T20:00:00Z")],
        adjustments: [{ amountPence: 100n, description: "x" }],
      }),
    ).lines;
    const settled = new Map([
      ["AVAILABILITY:0.500000:21.4000", 4280n],
      ["ADJUSTMENT:0", 300n],
      ["PENALTY:gone", -2500n],
    ]);
    expect(differenceLines(recomputed, settled).map((line) => [line.type, line.amountPence, line.basis])).toEqual([
      ["ADJUSTMENT", -200n, "corrects 3.00 to 1.00"],
      ["PENALTY", 2500n, "withdraws -25.00"],
    ]);
  });
});
