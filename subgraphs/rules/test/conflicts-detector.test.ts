import { describe, expect, it } from "vitest";
import { type Commitment, detectConflicts, type OperatorKind, primacy, sense } from "../src/modules/conflicts/detector.js";

/** The detector library alone (pure): the §7.7 worked example exactly, then each kind and rule of §8.4. */

const UKPN = "00000000-0000-4000-8000-0000000000a1";
const NESO = "00000000-0000-4000-8000-0000000000a2";
const FSP = "00000000-0000-4000-8000-0000000000f1";
const LOUIS_SPG_01 = "00000000-0000-4000-8000-000000000501";
const SAOU = "00000000-0000-4000-8000-00000000c001";
const NQR = "00000000-0000-4000-8000-00000000c002";
const CMZ_HENDON_WAY = "00000000-0000-4000-8000-00000000d001";
const kinds = new Map<string, OperatorKind>([
  [UKPN, "DSO"],
  [NESO, "NESO"],
]);

function item(over: Partial<Commitment> & Pick<Commitment, "id">): Commitment {
  return {
    kind: "DISPATCH_INSTRUCTION",
    assetId: LOUIS_SPG_01,
    marketUnitId: null,
    unitReference: null,
    productId: SAOU,
    soOrgId: UKPN,
    providerId: FSP,
    direction: "DEMAND_TURN_DOWN",
    mw: 1,
    start: "2026-12-01T17:00:00.000Z",
    end: "2026-12-01T19:00:00.000Z",
    committedAt: "2026-12-01T12:00:00.000Z",
    cmzId: null,
    ...over,
  };
}

describe("§7.7 worked example: LOUIS-SPG-01, UKPN export vs NESO charge", () => {
  const ukpn = item({
    id: "10000000-0000-4000-8000-000000000001",
    direction: "GENERATION_TURN_UP", // +1.5 MW export
    mw: 1.5,
    start: "2026-12-01T17:00:00Z",
    end: "2026-12-01T19:00:00Z",
    cmzId: CMZ_HENDON_WAY, // relieves a thermal overload in Hendon Way
    committedAt: "2026-12-01T16:30:00Z",
  });
  const neso = item({
    id: "10000000-0000-4000-8000-000000000002",
    productId: NQR,
    soOrgId: NESO,
    direction: "DEMAND_TURN_UP", // absorb (charge) 1.0 MW
    mw: 1.0,
    start: "2026-12-01T17:30:00Z",
    end: "2026-12-01T17:45:00Z",
    committedAt: "2026-12-01T17:20:00Z",
  });

  it("finds one OPPOSING_INSTRUCTIONS conflict, overlap 17:30–17:45, DSO primacy, UKPN wins (R-PRI-1)", () => {
    const found = detectConflicts([ukpn, neso], { capabilityMw: new Map([[LOUIS_SPG_01, 2]]), operatorKinds: kinds });
    expect(found).toEqual([
      {
        key: `OPPOSING_INSTRUCTIONS:${ukpn.id}+${neso.id}`,
        kind: "OPPOSING_INSTRUCTIONS",
        rule: null,
        marketRuleId: null,
        target: { assetId: LOUIS_SPG_01, marketUnitId: null, unitReference: null },
        items: [
          {
            kind: "DISPATCH_INSTRUCTION",
            id: ukpn.id,
            soOrgId: UKPN,
            direction: "GENERATION_TURN_UP",
            mw: 1.5,
            start: "2026-12-01T17:00:00.000Z",
            end: "2026-12-01T19:00:00.000Z",
          },
          {
            kind: "DISPATCH_INSTRUCTION",
            id: neso.id,
            soOrgId: NESO,
            direction: "DEMAND_TURN_UP",
            mw: 1,
            start: "2026-12-01T17:30:00.000Z",
            end: "2026-12-01T17:45:00.000Z",
          },
        ],
        overlap: { start: "2026-12-01T17:30:00.000Z", end: "2026-12-01T17:45:00.000Z", mw: 1 },
        primacy: { type: "DSO", winningItemId: ukpn.id, ruleId: "R-PRI-1" },
        partyIds: [UKPN, NESO, FSP].sort(),
      },
    ]);
  });

  it("is the same in any input order (stable key)", () => {
    const a = detectConflicts([ukpn, neso], { operatorKinds: kinds });
    const b = detectConflicts([neso, ukpn], { operatorKinds: kinds });
    expect(b).toEqual(a);
    expect(a).toHaveLength(1);
  });

  it("R-PRI-2: a later DSO action for no constraint absorbs NESO's headroom: NESO primacy", () => {
    const dso = { ...ukpn, cmzId: null, committedAt: "2026-12-01T17:25:00Z" };
    expect(primacy(dso, neso, kinds)).toEqual({ type: "NESO", winningItemId: neso.id, ruleId: "R-PRI-2" });
  });

  it("R-PRI-3: operators of unknown kind: no primacy, the first committed wins", () => {
    expect(primacy(ukpn, neso)).toEqual({ type: "NONE", winningItemId: ukpn.id, ruleId: "R-PRI-3" });
    expect(primacy(neso, { ...ukpn, committedAt: "2026-12-01T17:21:00Z" })).toEqual({
      type: "NONE",
      winningItemId: neso.id,
      ruleId: "R-PRI-3",
    });
  });
});

describe("stacking rules §8.4", () => {
  it("export-positive sign: demand turn-down and generation turn-up export", () => {
    expect([sense("DEMAND_TURN_DOWN"), sense("GENERATION_TURN_UP"), sense("DEMAND_TURN_UP"), sense("GENERATION_TURN_DOWN")]).toEqual([
      1, 1, -1, -1,
    ]);
  });

  it("R-STK-1: 2 MW BESS, UKPN SAOU 2 MW 16:00–19:00 and NESO PQR 2 MW 17:00–18:00 → 1 h, 2 MW double-committed", () => {
    const a = item({
      id: "20000000-0000-4000-8000-000000000001",
      kind: "AWARD",
      mw: 2,
      start: "2026-12-01T16:00:00Z",
      end: "2026-12-01T19:00:00Z",
    });
    const b = item({
      id: "20000000-0000-4000-8000-000000000002",
      kind: "AWARD",
      productId: NQR,
      soOrgId: NESO,
      mw: 2,
      start: "2026-12-01T17:00:00Z",
      end: "2026-12-01T18:00:00Z",
    });
    const [found, ...rest] = detectConflicts([a, b], { capabilityMw: new Map([[LOUIS_SPG_01, 2]]) });
    expect(rest).toEqual([]);
    expect(found).toMatchObject({
      kind: "OVERLAPPING_COMMITMENT",
      rule: "R-STK-1",
      overlap: { start: "2026-12-01T17:00:00.000Z", end: "2026-12-01T18:00:00.000Z", mw: 2 },
    });
  });

  it("splitting within capability is no conflict; without a known capability any overlap of the same MW is", () => {
    const a = item({ id: "30000000-0000-4000-8000-000000000001", kind: "AWARD", mw: 6 });
    const b = item({ id: "30000000-0000-4000-8000-000000000002", kind: "AWARD", productId: NQR, soOrgId: NESO, mw: 4 });
    expect(detectConflicts([a, b], { capabilityMw: new Map([[LOUIS_SPG_01, 10]]) })).toEqual([]);
    expect(detectConflicts([a, b])).toMatchObject([{ kind: "OVERLAPPING_COMMITMENT", rule: "R-STK-1", overlap: { mw: 4 } }]);
    // 6 + 5 on 10 MW: 1 MW double-committed (R-STK-2's example as a pair)
    expect(detectConflicts([a, { ...b, mw: 5 }], { capabilityMw: new Map([[LOUIS_SPG_01, 10]]) })).toMatchObject([
      { rule: "R-STK-1", overlap: { mw: 1 } },
    ]);
  });

  it("R-STK-3: opposite-direction commitments on one asset at the same time", () => {
    const a = item({ id: "40000000-0000-4000-8000-000000000001", kind: "AWARD", direction: "GENERATION_TURN_UP", mw: 3 });
    const b = item({
      id: "40000000-0000-4000-8000-000000000002",
      kind: "AVAILABILITY_DECLARATION",
      productId: NQR,
      soOrgId: NESO,
      direction: "DEMAND_TURN_UP",
      mw: 2,
    });
    expect(detectConflicts([a, b], { capabilityMw: new Map([[LOUIS_SPG_01, 10]]) })).toMatchObject([
      { kind: "OVERLAPPING_COMMITMENT", rule: "R-STK-3", overlap: { mw: 2 } },
    ]);
  });

  it("R-STK-2: three instructions in one direction over capability, over the interval where all three run", () => {
    const cap = new Map([[LOUIS_SPG_01, 10]]);
    const a = item({ id: "50000000-0000-4000-8000-000000000001", mw: 4 });
    const b = item({ id: "50000000-0000-4000-8000-000000000002", productId: NQR, mw: 4, start: "2026-12-01T18:00:00Z" });
    const c = item({
      id: "50000000-0000-4000-8000-000000000003",
      soOrgId: NESO,
      productId: "00000000-0000-4000-8000-00000000c003",
      mw: 3,
      start: "2026-12-01T18:30:00Z",
    });
    const found = detectConflicts([a, b, c], { capabilityMw: cap });
    expect(found.map((f) => [f.kind, f.rule, f.overlap])).toEqual([
      ["EXCEEDS_CAPABILITY", "R-STK-2", { start: "2026-12-01T18:30:00.000Z", end: "2026-12-01T19:00:00.000Z", mw: 1 }],
    ]);
    expect(found[0]!.items.map((i) => i.id)).toEqual([a.id, b.id, c.id]);
  });

  it("never pairs an instruction with the award it calls on, nor items of other assets or apart in time", () => {
    const award = item({ id: "60000000-0000-4000-8000-000000000001", kind: "AWARD", mw: 2 });
    const instruction = item({
      id: "60000000-0000-4000-8000-000000000002",
      productId: NQR,
      soOrgId: NESO,
      direction: "DEMAND_TURN_UP",
      mw: 2,
    });
    const elsewhere = {
      ...instruction,
      id: "60000000-0000-4000-8000-000000000003",
      assetId: "00000000-0000-4000-8000-000000000502",
      direction: "GENERATION_TURN_UP" as const,
    };
    const later = {
      ...elsewhere,
      assetId: LOUIS_SPG_01,
      id: "60000000-0000-4000-8000-000000000004",
      start: "2026-12-01T19:00:00Z",
      end: "2026-12-01T20:00:00Z",
    };
    expect(detectConflicts([award, instruction, elsewhere, later])).toEqual([]);
  });

  it("one SO's instructions for one product are re-instructions, not conflicts; units by reference group case-insensitively", () => {
    const a = item({ id: "70000000-0000-4000-8000-000000000001", assetId: null, unitReference: "Unit A" });
    const b = item({ id: "70000000-0000-4000-8000-000000000002", assetId: null, unitReference: "UNIT A", start: "2026-12-01T18:00:00Z" });
    expect(detectConflicts([a, b])).toEqual([]);
    expect(detectConflicts([a, { ...b, productId: NQR }])).toMatchObject([
      { kind: "OVERLAPPING_COMMITMENT", rule: "R-STK-1", target: { unitReference: "Unit A" } },
    ]);
  });
});
