import { randomUUID } from "node:crypto";
import { staticReferences } from "@sfe/kit";
import { as, countRows, errorCodes, execute, orgs, setUpSubgraph } from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type Commitment, detectConflicts, type ExclusivityRule } from "../src/modules/conflicts/detector.js";
import { reactToEvents } from "../src/modules/conflicts/reactive.js";
import type { createRepositories, createRulesSubgraph } from "../src/server.js";
import { rulesSubgraph } from "./helpers.js";

/**
 * EXCLUSIVITY_BREACH (issue 11 item 4, domain §6.1 "exclusivity clauses"): a STACKING market rule with scope.exclusive
 * keeps its product's commitments apart from any other product's on one asset, whatever the MW. The §8.4 example's
 * battery, here 10 MW so that splitting alone would allow the pair: UKPN's SAOU award 2 MW 16:00–19:00 (for its CMZ),
 * NESO's PQR award 0.5 MW 17:00–18:00.
 */
const { fspA: fsp, soA: ukpn, soB: neso } = orgs;
const saou = randomUUID(); // UKPN's product, exclusive in these tests
const pqr = randomUUID(); // NESO's
const da = randomUUID(); // UKPN's other product
const battery = randomUUID();
const reactiveBattery = randomUUID();
const retiredBattery = randomUUID();

const award = (over: Partial<Commitment>): Commitment => ({
  kind: "AWARD",
  id: randomUUID(),
  assetId: battery,
  marketUnitId: null,
  unitReference: null,
  productId: saou,
  soOrgId: ukpn,
  providerId: fsp,
  direction: "GENERATION_TURN_UP",
  mw: 2,
  start: "2030-06-21T16:00:00.000Z",
  end: "2030-06-21T19:00:00.000Z",
  committedAt: "2030-06-20T12:00:00.000Z",
  cmzId: randomUUID(),
  ...over,
});
const nesoAward = (over: Partial<Commitment> = {}) =>
  award({
    productId: pqr,
    soOrgId: neso,
    mw: 0.5,
    start: "2030-06-21T17:00:00.000Z",
    end: "2030-06-21T18:00:00.000Z",
    committedAt: "2030-06-20T13:00:00.000Z",
    cmzId: null,
    ...over,
  });
const clause = (over: Partial<ExclusivityRule> = {}): ExclusivityRule => ({
  ruleId: randomUUID(),
  code: "UKPN-SAOU-EXCLUSIVE",
  productIds: [saou, null],
  effectiveFrom: "2030-01-01T00:00:00.000Z",
  effectiveTo: null,
  ...over,
});
const capabilityMw = new Map([[battery, 10]]);
const operatorKinds = new Map([
  [ukpn, "DSO" as const],
  [neso, "NESO" as const],
]);

describe("the detector's exclusivity breach", () => {
  it("finds the pair under the clause: kind, rule, overlap window, MW, items, primacy and every party", () => {
    const [a, b] = [award({}), nesoAward()];
    const rule = clause();
    const found = detectConflicts([a, b], { capabilityMw, operatorKinds, exclusivity: [rule] });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      kind: "EXCLUSIVITY_BREACH",
      rule: "UKPN-SAOU-EXCLUSIVE",
      marketRuleId: rule.ruleId,
      target: { assetId: battery },
      overlap: { start: "2030-06-21T17:00:00.000Z", end: "2030-06-21T18:00:00.000Z", mw: 0.5 },
      primacy: { type: "DSO", winningItemId: a.id, ruleId: "R-PRI-1" }, // UKPN's award serves its CMZ
      partyIds: [ukpn, neso, fsp].sort(),
    });
    expect(found[0]!.items.map((i) => [i.id, i.soOrgId, i.mw])).toEqual(
      [
        [a.id, ukpn, 2],
        [b.id, neso, 0.5],
      ].sort((x, y) => (x[0]! < y[0]! ? -1 : 1)),
    );
  });

  it("finds nothing for the same pair without the clause, apart in time, or while the clause is not in force", () => {
    const [a, b] = [award({}), nesoAward()];
    expect(detectConflicts([a, b], { capabilityMw, operatorKinds })).toEqual([]); // 2.5 MW of 10: splitting
    const later = nesoAward({ start: "2030-06-21T19:00:00.000Z", end: "2030-06-21T20:00:00.000Z" });
    expect(detectConflicts([a, later], { capabilityMw, operatorKinds, exclusivity: [clause()] })).toEqual([]); // jumping
    const notYet = clause({ effectiveFrom: "2030-07-01T00:00:00.000Z" });
    const ended = clause({ effectiveFrom: "2029-01-01T00:00:00.000Z", effectiveTo: "2030-06-21T17:00:00.000Z" });
    expect(detectConflicts([a, b], { capabilityMw, operatorKinds, exclusivity: [notYet, ended] })).toEqual([]);
  });

  it("reports only the part of the overlap the clause is in force for", () => {
    const from = clause({ effectiveFrom: "2030-06-21T17:30:00.000Z" });
    const [found] = detectConflicts([award({}), nesoAward()], { capabilityMw, operatorKinds, exclusivity: [from] });
    expect(found?.overlap).toEqual({ start: "2030-06-21T17:30:00.000Z", end: "2030-06-21T18:00:00.000Z", mw: 0.5 });
  });

  it("keeps a pair clause to its two products; dispatch instructions are not commitments and are left to the other kinds", () => {
    const pair = clause({ code: "UKPN-SAOU-DA", productIds: [da, saou] });
    const a = award({});
    const withDa = award({ productId: da, mw: 1, start: "2030-06-21T18:00:00.000Z", end: "2030-06-21T20:00:00.000Z" });
    const found = detectConflicts([a, nesoAward(), withDa], { capabilityMw, operatorKinds, exclusivity: [pair] });
    expect(found.map((c) => [c.kind, c.rule, c.items.map((i) => i.id).sort(), c.overlap])).toEqual([
      [
        "EXCLUSIVITY_BREACH",
        "UKPN-SAOU-DA",
        [a.id, withDa.id].sort(),
        { start: "2030-06-21T18:00:00.000Z", end: "2030-06-21T19:00:00.000Z", mw: 1 },
      ],
    ]);
    const instructions = [award({ kind: "DISPATCH_INSTRUCTION" }), nesoAward({ kind: "DISPATCH_INSTRUCTION" })];
    expect(detectConflicts(instructions, { capabilityMw, operatorKinds, exclusivity: [clause()] })).toEqual([]);
  });

  it("makes the breach the pair's one conflict even where the same MW is also committed twice (no R-STK-1 beside it)", () => {
    const tight = new Map([[battery, 2]]);
    const [a, b] = [award({}), nesoAward()];
    expect(detectConflicts([a, b], { capabilityMw: tight, operatorKinds }).map((c) => [c.kind, c.rule, c.overlap.mw])).toEqual([
      ["OVERLAPPING_COMMITMENT", "R-STK-1", 0.5],
    ]);
    expect(
      detectConflicts([a, b], { capabilityMw: tight, operatorKinds, exclusivity: [clause()] }).map((c) => [c.kind, c.overlap.mw]),
    ).toEqual([["EXCLUSIVITY_BREACH", 0.5]]);
  });
});

/** The commitments route as transactions answers it (the filter's assets only), over `stock`. */
const stock: Commitment[] = [];
const commitmentsCalls = vi.fn();
const references = staticReferences(
  {
    Product: { [saou]: { owner: { id: ukpn } }, [pqr]: { owner: { id: neso } }, [da]: { owner: { id: ukpn } } },
    Organisation: { [ukpn]: { areas: ["_C"] }, [neso]: { areas: ["*"] } },
    // 10 MW each way: the pairs below would stand by splitting alone.
    Asset: Object.fromEntries(
      [battery, reactiveBattery, retiredBattery].map((id) => [id, { importCapacityKw: 10_000, exportCapacityKw: 10_000 }]),
    ),
  },
  {
    "transactions /internal/commitments": (body: { assetIds?: string[] }) => {
      commitmentsCalls(body);
      const items = body.assetIds ? stock.filter((c) => body.assetIds!.includes(c.assetId!)) : stock;
      return { status: 200, body: { commitments: items, next: null } };
    },
    "transactions /internal/dispatch-conflicts": () => ({ status: 200, body: { flagged: 0 } }),
  },
);

let handle: Awaited<ReturnType<typeof setUpSubgraph>>["handle"];
let repos: ReturnType<typeof createRepositories>;
let subgraph: ReturnType<typeof createRulesSubgraph>;
/** Runs `query` on the subgraph as `identity`, the answer as JSON (dates as the strings a client gets). */
const run = async (identity: (typeof as)[keyof typeof as], query: string, variables: Record<string, unknown> = {}) =>
  JSON.parse(JSON.stringify(await execute<Record<string, any>>(subgraph, query, variables, identity))) as Awaited<
    ReturnType<typeof execute<Record<string, any>>>
  >;

const CREATE = `mutation ($input: CreateMarketRuleInput!) { createMarketRule(input: $input) { marketRule { id code scope { exclusive } } } }`;
const DETECT = `mutation ($from: DateTime!, $to: DateTime!) { detectConflicts(from: $from, to: $to) { found recorded {
  id kind ruleCode rule { id code } detectedBy overlapStart overlapEnd overlapMw parties { id } items { id mw } } } }`;
const LIST = `{ conflicts(kind: EXCLUSIVITY_BREACH, first: 50) { id kind detectedBy } }`;
const DAY = { from: "2030-06-21T00:00:00Z", to: "2030-06-22T00:00:00Z" };
const exclusiveRule = (over: Record<string, unknown> = {}) => ({
  code: "UKPN-SAOU-EXCLUSIVE",
  name: "SAOU service terms: no other product during an SAOU commitment",
  productId: saou,
  kind: "STACKING",
  mode: "NOTIFY",
  parameters: {},
  documentRef: "UKPN-FLEX-TERMS",
  effectiveFrom: "2030-01-01T00:00:00Z",
  scope: { exclusive: true },
  ...over,
});

describe("exclusivity as data, through the subgraph", () => {
  let ruleId = "";
  beforeAll(async () => {
    ({ handle, repos, subgraph } = await setUpSubgraph(rulesSubgraph, references));
  });
  afterAll(() => handle.close());

  it("refuses an exclusivity clause on a rule that is not STACKING, or on no product (BAD_USER_INPUT naming scope.exclusive)", async () => {
    const before = await countRows(handle, "rules.market_rules");
    for (const input of [exclusiveRule({ code: "NOT-STACKING", kind: "ELIGIBILITY" }), exclusiveRule({ code: "WIDE", productId: null })]) {
      const result = await run(as.admin, CREATE, { input });
      expect([errorCodes(result), result.errors?.[0]?.extensions?.field]).toEqual([["BAD_USER_INPUT"], "scope.exclusive"]);
    }
    expect(await countRows(handle, "rules.market_rules")).toBe(before);
  });

  it("records the breach once on a sweep (one read of the clauses), names the rule, and shows it only to its parties", async () => {
    const created = await run(as.soA, CREATE, { input: exclusiveRule() });
    expect(created.errors).toBeUndefined();
    expect(created.data!.createMarketRule.marketRule.scope).toEqual({ exclusive: true });
    ruleId = created.data!.createMarketRule.marketRule.id;
    const [a, b] = [award({}), nesoAward()];
    // Other assets' commitments in the window: the clauses are still read once per run, not per commitment.
    const fillers = Array.from({ length: 6 }, (_, i) => award({ assetId: randomUUID(), productId: i % 2 ? saou : pqr }));
    stock.push(a, b, ...fillers);
    const reads = vi.spyOn(repos.marketRules, "exclusivityInForce");
    const result = await run(as.admin, DETECT, DAY);
    expect(result.errors).toBeUndefined();
    expect(reads).toHaveBeenCalledTimes(1);
    const [recorded, ...others] = result.data!.detectConflicts.recorded;
    expect(others).toEqual([]);
    expect(recorded).toMatchObject({
      kind: "EXCLUSIVITY_BREACH",
      ruleCode: "UKPN-SAOU-EXCLUSIVE",
      rule: { id: ruleId, code: "UKPN-SAOU-EXCLUSIVE" },
      detectedBy: "PROACTIVE",
      overlapStart: "2030-06-21T17:00:00.000Z",
      overlapEnd: "2030-06-21T18:00:00.000Z",
      overlapMw: 0.5,
    });
    expect(recorded.parties.map((p: { id: string }) => p.id).sort()).toEqual([ukpn, neso, fsp].sort());
    expect(recorded.items.map((i: { id: string; mw: number }) => [i.id, i.mw]).sort()).toEqual(
      [
        [a.id, 2],
        [b.id, 0.5],
      ].sort(),
    );
    expect((await run(as.admin, DETECT, DAY)).data!.detectConflicts.recorded).toEqual([]); // once
    for (const party of [as.soA, as.nationalSo, as.fspA]) {
      expect((await run(party, LIST)).data!.conflicts.map((c: { id: string }) => c.id)).toEqual([recorded.id]);
    }
    expect((await run(as.fspB, LIST)).data!.conflicts).toEqual([]); // not a party
    const entity = await run(as.fspB, `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Conflict { id kind } } }`, {
      r: [{ __typename: "Conflict", id: recorded.id }],
    });
    expect(entity.data!._entities).toEqual([null]);
  });

  it("finds it reactively on the commitment event, over the targets it names", async () => {
    const asset = reactiveBattery;
    const [a, b] = [award({ assetId: asset }), nesoAward({ assetId: asset })];
    stock.push(a, b);
    commitmentsCalls.mockClear();
    const event = {
      id: randomUUID(),
      type: "AWARD_RECORDED",
      subject: { type: "Award", id: b.id },
      recipients: { users: [], organisations: [] },
      payload: { conflictScope: { assetIds: [asset], from: b.start, to: b.end } },
      occurredAt: new Date().toISOString(),
      source: "transactions",
    };
    const result = await reactToEvents({ references, conflicts: repos.conflicts, marketRules: repos.marketRules }, [event]);
    expect(commitmentsCalls.mock.calls.map(([body]) => body.assetIds)).toEqual([[asset]]);
    expect(result?.recorded.map((r) => [r.kind, r.detectedBy, r.ruleId, r.ruleCode, r.overlapMw, r.assetIds])).toEqual([
      ["EXCLUSIVITY_BREACH", "REACTIVE", ruleId, "UKPN-SAOU-EXCLUSIVE", 0.5, [asset]],
    ]);
  });

  it("finds no breach once the rule is retired: the same kind of pair stands (splitting within capability)", async () => {
    const retired = await run(as.soA, `mutation ($i: UpdateMarketRuleInput!) { updateMarketRule(input: $i) { marketRule { status } } }`, {
      i: { id: ruleId, status: "RETIRED" },
    });
    expect(retired.errors).toBeUndefined();
    const asset = retiredBattery;
    stock.push(award({ assetId: asset }), nesoAward({ assetId: asset }));
    const before = await countRows(handle, "rules.conflicts");
    expect((await run(as.admin, DETECT, DAY)).data!.detectConflicts.recorded).toEqual([]);
    expect(await countRows(handle, "rules.conflicts")).toBe(before);
  });
});
