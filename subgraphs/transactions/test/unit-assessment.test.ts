import { type DatabaseHandle, type Identity, staticReferences } from "@sfe/kit";
import { as, execute, type OperationResult, orgs, setUpSubgraph } from "@sfe/kit/testing";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { createTransactionsSubgraph } from "../src/server.js";
import { ruleRoutes, transactionsSubgraph } from "./helpers.js";
import { ASSESSMENT_FIELDS, EVENT, EXPECTED, exampleReadings, type ReadingInput } from "./verification-example.js";

// A dispatch instruction on a market unit is assessed from the unit's metered data (issue 10 items 1, 4, 6): the
// readings recorded against the unit, else the sum of its members'. The §7.8 example split over two assets (one a
// constant 100 kWh a half-hour, the other the rest) must give §7.8's figures. Runs on PGlite and on Postgres.
const m1 = "a1000000-0000-4000-8000-0000000000a1"; // FSP A's, member of U1
const m2 = "a2000000-0000-4000-8000-0000000000a2"; // FSP A's, member of U1
const m3 = "a3000000-0000-4000-8000-0000000000a3"; // FSP A's, member of U2 (whose readings are the unit's own)
const m4 = "a4000000-0000-4000-8000-0000000000a4"; // FSP A's, member of U3 (one member has no event reading)
const m5 = "a5000000-0000-4000-8000-0000000000a5"; // FSP A's, member of U3
const u1 = "0e100000-0000-4000-8000-0000000000e1";
const u2 = "0e200000-0000-4000-8000-0000000000e2";
const u3 = "0e300000-0000-4000-8000-0000000000e3";
const product = "9d100000-0000-4000-8000-000000000001"; // SO A's, HISTORICAL_X_OF_Y

const member = (id: string, addedAt = "2026-01-01T00:00:00Z", removedAt: string | null = null) => ({ asset: { id }, addedAt, removedAt });
const unit = (...members: ReturnType<typeof member>[]) => ({
  owner: { id: orgs.fspA },
  status: "ACTIVE",
  gspGroups: ["_C"],
  membershipHistory: members,
});

let handle: DatabaseHandle;
let subgraph: ReturnType<typeof createTransactionsSubgraph>;
beforeAll(async () => {
  const asset = { owner: { id: orgs.fspA }, status: "REGISTERED" };
  const references = staticReferences(
    {
      Asset: { [m1]: asset, [m2]: asset, [m3]: asset, [m4]: asset, [m5]: asset },
      // A former member (removed before the instruction was issued) is no part of U1's sum.
      MarketUnit: {
        [u1]: unit(member(m1), member(m2), member(m3, "2026-01-01T00:00:00Z", "2026-10-01T00:00:00Z")),
        [u2]: unit(member(m3)),
        [u3]: unit(member(m4), member(m5)),
      },
      Product: { [product]: { owner: { id: orgs.soA }, status: "PUBLISHED", currentVersion: { baselineMethods: ["HISTORICAL_X_OF_Y"] } } },
      Organisation: Object.values(orgs),
    },
    ruleRoutes(),
  );
  ({ handle, subgraph } = await setUpSubgraph(transactionsSubgraph, references));
});
afterAll(() => handle.close());

const run = async (identity: Identity, query: string, variables: Record<string, unknown> = {}) =>
  JSON.parse(JSON.stringify(await execute(subgraph, query, variables, identity))) as OperationResult<Record<string, any>>;
const ok = async (identity: Identity, query: string, variables: Record<string, unknown> = {}) => {
  const result = await run(identity, query, variables);
  expect(result.errors).toBeUndefined();
  return result.data as Record<string, any>;
};

const RECORD = `mutation ($r: [MeterReadingInput!]!) { recordMeterReadings(input: { readings: $r }) { created } }`;
const ISSUE = `mutation ($i: IssueDispatchInstructionInput!) { issueDispatchInstruction(input: $i) { dispatchInstruction { id } } }`;
const ASSESS = `mutation ($id: ID!) { assessDispatch(input: { dispatchInstructionId: $id }) { performanceAssessment {
  ${ASSESSMENT_FIELDS} asset { id } marketUnit { id } provider { id } buyer { id } } } }`;
const ON_UNIT = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on MarketUnit {
  performanceAssessments { id status deliveredMwh marketUnit { id } } dispatches { performanceAssessment { id } } } } }`;

/** kWh text minus `minus` kWh (exact: whole kWh in the example). */
const less = (kwh: string, minus: number) => String(Number(kwh) - minus);
/** §7.8's readings split over two meters: `second` takes 100 kWh of every half-hour, `first` the rest. */
const split = (first: string, second: string, { eventPeriods }: { eventPeriods?: ("17:00" | "17:30")[] } = {}): ReadingInput[] =>
  exampleReadings(first, eventPeriods ? { eventPeriods } : {}).flatMap((r) => [
    { ...r, assetId: first, activeImportKwh: less(r.activeImportKwh, 100) },
    ...(r.intervalStart.startsWith(EVENT.date) && eventPeriods && !eventPeriods.some((p) => r.intervalStart.includes(`T${p}`))
      ? []
      : [{ ...r, assetId: second, activeImportKwh: "100" }]),
  ]);

async function dispatchUnit(marketUnitId: string, extra: Record<string, unknown> = {}) {
  const data = await ok(as.soA, ISSUE, {
    i: {
      marketUnitId,
      productId: product,
      issuedById: orgs.soA,
      direction: "DEMAND_TURN_DOWN",
      setPointMw: EVENT.setPointMw,
      start: EVENT.start,
      end: EVENT.end,
      ...extra,
    },
  });
  return data.issueDispatchInstruction.dispatchInstruction.id as string;
}

let unitAssessmentId = "";
let u2Instruction = "";

describe("assessing a market unit", () => {
  it("sums its members' readings: §7.8's figures, saved with the unit, seen on the unit", async () => {
    const readings = split(m1, m2);
    expect(readings).toHaveLength(44);
    expect((await ok(as.fspA, RECORD, { r: readings })).recordMeterReadings.created).toBe(44);
    // The former member's readings over the same intervals would double the sum if counted.
    await ok(as.fspA, RECORD, { r: exampleReadings(m3).map((r) => ({ ...r, source: "M3" })) });

    const instruction = await dispatchUnit(u1);
    const assessed = (await ok(as.soA, ASSESS, { id: instruction })).assessDispatch.performanceAssessment;
    expect(assessed).toMatchObject({
      ...EXPECTED,
      lateDataPeriods: [],
      status: "PROVISIONAL",
      asset: null,
      marketUnit: { id: u1 },
      provider: { id: orgs.fspA },
      buyer: { id: orgs.soA },
    });
    expect(assessed.baselineMethod).toMatch(/^HISTORICAL_X_OF_Y MID 8 of 10/);
    unitAssessmentId = assessed.id;

    const seen = await ok(as.fspA, ON_UNIT, { reps: [{ __typename: "MarketUnit", id: u1 }] });
    expect(seen._entities[0]).toEqual({
      performanceAssessments: [{ id: unitAssessmentId, status: "PROVISIONAL", deliveredMwh: "0.306000", marketUnit: { id: u1 } }],
      dispatches: [{ performanceAssessment: { id: unitAssessmentId } }],
    });
    const listed = await ok(as.soA, `query ($u: ID) { performanceAssessments(marketUnitId: $u) { id } }`, { u: u1 });
    expect(listed.performanceAssessments).toEqual([{ id: unitAssessmentId }]);
  });

  it("uses the readings recorded against the unit itself when it has them", async () => {
    // U2's own meter carries §7.8's readings; its member m3's (the M3 source above) are left aside, not added to them.
    const own = exampleReadings(m3).map(({ assetId: _, ...r }) => ({ ...r, marketUnitId: u2, source: "U2" }));
    await ok(as.fspA, RECORD, { r: own.map((r) => ({ ...r, activeImportKwh: String(Number(r.activeImportKwh) * 2) })) });
    u2Instruction = await dispatchUnit(u2);
    const assessed = (await ok(as.soA, ASSESS, { id: u2Instruction })).assessDispatch.performanceAssessment;
    // Twice the example's import: the 17:00 baseline is 2 × 0.41125 = 0.8225 MWh, stated to the kWh (0.823), 17:30's
    // 0.890; metered 0.540 + 0.560; delivered 0.283 + 0.330 = 0.613 MWh against 0.300 instructed, credited 0.300.
    expect(assessed).toMatchObject({
      marketUnit: { id: u2 },
      baselineMwh: "-1.713000",
      meteredMwh: "-1.100000",
      deliveredMwh: "0.613000",
      creditedMwh: "0.300000",
      deliveryRatio: "2.043333",
    });
  });

  it("a period missing one member's reading is late data (R-VER-1), left out of delivery", async () => {
    await ok(as.fspA, RECORD, { r: split(m4, m5, { eventPeriods: ["17:00"] }) });
    // m4 has both event periods, m5 only 17:00: the unit's 17:30 is incomplete.
    const assessed = (await ok(as.soA, ASSESS, { id: await dispatchUnit(u3) })).assessDispatch.performanceAssessment;
    expect(assessed.lateDataPeriods).toEqual(["2026-11-16T17:30:00.000Z"]);
    expect(assessed.periods[0]).toMatchObject(EXPECTED.periods[0]!);
    expect(assessed.periods[1]).toMatchObject({ meteredMwh: null, deliveredMwh: null, baselineMwh: "-0.445000" });
  });

  it("is the provider's and the buyer's only: another FSP and another SO see nothing", async () => {
    const byId = `query ($id: ID!) { performanceAssessment(id: $id) { id marketUnit { id } } }`;
    expect((await ok(as.soA, byId, { id: unitAssessmentId })).performanceAssessment).toEqual({
      id: unitAssessmentId,
      marketUnit: { id: u1 },
    });
    expect((await ok(as.fspA, byId, { id: unitAssessmentId })).performanceAssessment).not.toBeNull();
    for (const other of [as.fspB, as.nationalSo]) {
      expect((await ok(other, byId, { id: unitAssessmentId })).performanceAssessment).toBeNull();
      const seen = await ok(other, ON_UNIT, { reps: [{ __typename: "MarketUnit", id: u1 }] });
      expect(seen._entities[0].performanceAssessments).toEqual([]);
    }
    // Another SO may not assess it either (as if it did not exist).
    const instruction = (
      await ok(
        as.soA,
        `query ($u: ID!) { _entities(representations: [{ __typename: "MarketUnit", id: $u }]) {
      ... on MarketUnit { dispatches { id } } } }`,
        { u: u1 },
      )
    )._entities[0].dispatches[0].id;
    expect((await run(as.nationalSo, ASSESS, { id: instruction })).errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("settles like an asset's: a FINAL unit assessment is priced from the unit's award", async () => {
    await ok(as.soA, `mutation ($i: SetSettlementTermsInput!) { setSettlementTerms(input: $i) { terms { product { id } } } }`, {
      i: {
        productId: product,
        utilisationScale: "SLIDING",
        floorRatio: "0.5",
        fullRatio: "0.95",
        availabilityRule: "PRO_RATA",
        vatRate: "0.2",
        invoiceDayOfMonth: 15,
        paymentDays: 30,
      },
    });
    // The unit's award over the event (the instruction names none: the statement finds the unit's award by its window).
    const award = await ok(as.soA, `mutation ($i: RecordAwardInput!) { recordAward(input: $i) { award { id } } }`, {
      i: {
        marketUnitId: u1,
        productId: product,
        awardedMw: 0.3,
        availabilityPriceGbpPerMwH: "10",
        utilisationPriceGbpPerMwh: "300",
        start: EVENT.start,
        end: EVENT.end,
      },
    });
    const awardId = award.recordAward.award.id as string;
    for (const step of ["publishAssessment", "finaliseAssessment"]) {
      await ok(as.soA, `mutation ($id: ID!) { ${step}(input: { id: $id }) { performanceAssessment { status } } }`, {
        id: unitAssessmentId,
      });
    }
    const statement = await run(
      as.soA,
      `mutation ($i: GenerateSettlementStatementInput!) { generateSettlementStatement(input: $i) { statement { totalGbp
        lines { type assessmentId awardIds amountGbp quantity unitPriceGbp factor } heldOut { assessmentId reason } } } }`,
      { i: { productId: product, providerId: orgs.fspA, month: "2026-11" } },
    );
    expect(statement.errors).toBeUndefined();
    const { totalGbp, lines, heldOut } = statement.data!.generateSettlementStatement.statement;
    // Availability 0.3 MW × 1 h × £10; utilisation: delivery (0.306 MWh, ratio 1.02 ≥ the full ratio) capped at the
    // 0.300 MWh instructed × £300: the same rule as an asset's assessment.
    expect(lines).toEqual([
      {
        type: "AVAILABILITY",
        assessmentId: null,
        awardIds: [awardId],
        amountGbp: "3.00",
        quantity: "0.300000",
        unitPriceGbp: "10.0000",
        factor: "1.000000",
      },
      {
        type: "UTILISATION",
        assessmentId: unitAssessmentId,
        awardIds: [awardId],
        amountGbp: "90.00",
        quantity: "0.300000",
        unitPriceGbp: "300.0000",
        factor: "1.000000",
      },
    ]);
    expect(totalGbp).toBe("93.00");
    // U2's and U3's assessments are still PROVISIONAL: held out.
    expect(heldOut.map((h: { reason: string }) => h.reason)).toEqual(["NOT_FINAL", "NOT_FINAL"]);
  });

  it("registers a unit's baseline (the product's SO), and an instruction on the unit is assessed with it", async () => {
    const REGISTER = `mutation ($i: RegisterBaselineInput!) { registerBaseline(input: $i) { baseline { id version selection of
      asset { id } marketUnit { id } provider { id } buyer { id } } } }`;
    const input = { marketUnitId: u2, productId: product, method: "HISTORICAL_X_OF_Y", selection: "ALL", of: 10 };
    expect((await run(as.fspA, REGISTER, { i: input })).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const both = await run(as.soA, REGISTER, { i: { ...input, assetId: m3 } });
    expect(both.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT" });
    const registered = (await ok(as.soA, REGISTER, { i: input })).registerBaseline.baseline;
    expect(registered).toMatchObject({
      version: 1,
      selection: "ALL",
      of: 10,
      asset: null,
      marketUnit: { id: u2 },
      provider: { id: orgs.fspA },
      buyer: { id: orgs.soA },
    });
    const LIST = `query ($u: ID) { baselines(marketUnitId: $u) { id } }`;
    expect((await ok(as.fspA, LIST, { u: u2 })).baselines).toEqual([{ id: registered.id }]);
    expect((await ok(as.fspB, LIST, { u: u2 })).baselines).toEqual([]);

    // A version governs the events after its submission: this one stands as if submitted before 16 November.
    await handle.db.execute(sql`update transactions.baselines set submitted_at = '2026-11-01T00:00:00Z' where id = ${registered.id}`);
    const assessed = (await ok(as.soA, ASSESS, { id: u2Instruction })).assessDispatch.performanceAssessment;
    // The mean of all 10 days, doubled: 17:00 2 × 0.409, 17:30 2 × 0.441; delivered 0.278 + 0.322 = 0.600 MWh.
    expect(assessed).toMatchObject({
      marketUnit: { id: u2 },
      methodVersion: 2,
      baselineMwh: "-1.700000",
      meteredMwh: "-1.100000",
      deliveredMwh: "0.600000",
      deliveryRatio: "2.000000",
    });
    expect(assessed.baselineMethod).toMatch(/^HISTORICAL_X_OF_Y ALL 10 .*\(baseline v1\)$/);
  });
});
