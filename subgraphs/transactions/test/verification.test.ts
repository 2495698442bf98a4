import { type DatabaseHandle, staticReferences } from "@sfe/kit";
import { as, apiKeyOf, countRows, errorCodes, execute, MISSING_ID, type OperationResult, orgs, setUpSubgraph } from "@sfe/kit/testing";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { outboxEvents } from "../src/db/schema.js";
import type { createTransactionsSubgraph } from "../src/server.js";
import { transactionsSubgraph, ruleRoutes } from "./helpers.js";
import { ASSESSMENT_FIELDS, EVENT, EXPECTED, exampleReadings, PRIOR_DAYS } from "./verification-example.js";

// Verification (V.1–V.5) in-process: meter readings, the §7.8 assessment, its lifecycle, penalties, baselines, the report.
/** The reads a spy saw, less the outbox relay's poll (it runs every 50 ms beside the request under test). */
const reads = (spy: { mock: { calls: unknown[][] } }) =>
  spy.mock.calls.filter(([fields]) => (fields as { id?: unknown } | undefined)?.id !== outboxEvents.id).length;
const a1 = "a1000000-0000-4000-8000-0000000000a1"; // FSP A's
const a2 = "a2000000-0000-4000-8000-0000000000a2"; // FSP A's, for the NOMINATED product
const a3 = "a3000000-0000-4000-8000-0000000000a3"; // FSP A's, for a registered HIGH 4 of 5 baseline
const a4 = "a4000000-0000-4000-8000-0000000000a4"; // FSP A's, FIXED_REFERENCE
const a5 = "a5000000-0000-4000-8000-0000000000a5"; // FSP A's, in-day adjustment
const a6 = "a6000000-0000-4000-8000-0000000000a6"; // FSP A's, dispatched under its market unit's award
const a7 = "a7000000-0000-4000-8000-0000000000a7"; // FSP A's, an event after Christmas bank holidays
const b1 = "b1000000-0000-4000-8000-0000000000b1"; // FSP B's
const c1 = "c1000000-0000-4000-8000-0000000000c1"; // FSP C's
const u1 = "0e100000-0000-4000-8000-0000000000e1"; // FSP A's market unit
const pHistorical = "9d100000-0000-4000-8000-000000000001"; // SO A's, HISTORICAL_X_OF_Y
const pNominated = "9d200000-0000-4000-8000-000000000002"; // SO A's, NOMINATED
const pZero = "9d300000-0000-4000-8000-000000000003"; // SO B's, ZERO
const pFixed = "9d400000-0000-4000-8000-000000000004"; // SO A's, FIXED_REFERENCE
const pInDay = "9d500000-0000-4000-8000-000000000005"; // SO A's, with in-day adjustment

let handle: DatabaseHandle;
let subgraph: ReturnType<typeof createTransactionsSubgraph>;

beforeAll(async () => {
  const product = (owner: string, baselineMethods: string[]) => ({
    owner: { id: owner },
    status: "PUBLISHED",
    currentVersion: { baselineMethods },
  });
  const references = staticReferences(
    {
      Asset: {
        [a1]: { owner: { id: orgs.fspA }, status: "REGISTERED" },
        [a2]: { owner: { id: orgs.fspA }, status: "REGISTERED" },
        [a3]: { owner: { id: orgs.fspA }, status: "REGISTERED" },
        [a4]: { owner: { id: orgs.fspA }, status: "REGISTERED" },
        [a5]: { owner: { id: orgs.fspA }, status: "REGISTERED" },
        [a6]: { owner: { id: orgs.fspA }, status: "REGISTERED" },
        [a7]: { owner: { id: orgs.fspA }, status: "REGISTERED" },
        [b1]: { owner: { id: orgs.fspB }, status: "REGISTERED" },
        [c1]: { owner: { id: orgs.fspC }, status: "REGISTERED" },
      },
      MarketUnit: { [u1]: { owner: { id: orgs.fspA }, status: "ACTIVE" } },
      Product: {
        [pHistorical]: product(orgs.soA, ["HISTORICAL_X_OF_Y"]),
        [pNominated]: product(orgs.soA, ["NOMINATED"]),
        [pZero]: product(orgs.soB, ["ZERO"]),
        [pFixed]: product(orgs.soA, ["FIXED_REFERENCE"]),
        [pInDay]: product(orgs.soA, ["HISTORICAL_X_OF_Y_WITH_INDAY_ADJ"]),
      },
      Organisation: Object.values(orgs),
    },
    ruleRoutes(),
  );
  ({ handle, subgraph } = await setUpSubgraph(transactionsSubgraph, references));
});
afterAll(() => handle.close());

/** Runs as `identity`; the answer as a client reads it (JSON: date-times as ISO strings). */
const run = async (identity: Parameters<typeof execute>[3], query: string, variables: Record<string, unknown> = {}) =>
  JSON.parse(JSON.stringify(await execute(subgraph, query, variables, identity))) as OperationResult<Record<string, any>>;
const count = (table: string) => countRows(handle, `transactions.${table}`);

const RECORD = `mutation ($r: [MeterReadingInput!]!) { recordMeterReadings(input: { readings: $r }) { created updated repeated } }`;
const READINGS = `query ($a: ID, $u: ID, $from: DateTime!, $to: DateTime!) { meterReadings(assetId: $a, marketUnitId: $u, from: $from, to: $to) {
  id intervalStart intervalEnd granularity activeImportKwh activeExportKwh netExportKwh quality source externalId provider { id } } }`;
const ISSUE = `mutation ($i: IssueDispatchInstructionInput!) { issueDispatchInstruction(input: $i) { dispatchInstruction { id } } }`;
const ASSESS = `mutation ($id: ID!) { assessDispatch(input: { dispatchInstructionId: $id }) { performanceAssessment { ${ASSESSMENT_FIELDS} } } }`;
const PUBLISH = `mutation ($id: ID!) { publishAssessment(input: { id: $id }) { performanceAssessment { status } } }`;
const FINALISE = `mutation ($id: ID!) { finaliseAssessment(input: { id: $id }) { performanceAssessment { status } } }`;
const ASSESSMENT = `query ($id: ID!) { performanceAssessment(id: $id) { id status penalties { id type amountGbp basis waivedByConflictId } } }`;

async function dispatch(
  assetId: string,
  productId: string,
  issuer = as.soA,
  window = { start: EVENT.start, end: EVENT.end },
  direction = "DEMAND_TURN_DOWN",
) {
  const result = await run(issuer, ISSUE, {
    i: { assetId, productId, issuedById: issuer.organisationId, direction, setPointMw: EVENT.setPointMw, ...window },
  });
  expect(result.errors).toBeUndefined();
  return result.data?.issueDispatchInstruction.dispatchInstruction.id as string;
}

describe("recordMeterReadings", () => {
  const reading = (over: Record<string, unknown> = {}) => ({
    assetId: a1,
    intervalStart: "2026-10-01T10:00:00Z",
    activeImportKwh: "1.5",
    activeExportKwh: "0",
    ...over,
  });

  it("writes a batch, reports a repeat and updates a changed value with an audit event", async () => {
    const first = await run(as.fspA, RECORD, { r: [reading(), reading({ intervalStart: "2026-10-01T10:30:00Z" })] });
    expect(first.data?.recordMeterReadings).toEqual({ created: 2, updated: 0, repeated: [] });
    const audit = await count("audit_events");
    const again = await run(as.fspA, RECORD, {
      r: [
        reading(),
        reading({ intervalStart: "2026-10-01T10:30:00Z", activeImportKwh: "2.25" }),
        reading({ intervalStart: "2026-10-01T11:00:00Z" }),
      ],
    });
    expect(again.data?.recordMeterReadings).toEqual({ created: 1, updated: 1, repeated: [0] });
    expect(await count("audit_events")).toBe(audit + 2); // the update, and the batch that created one
    const read = await run(as.fspA, READINGS, { a: a1, from: "2026-10-01T00:00:00Z", to: "2026-10-02T00:00:00Z" });
    expect(read.data?.meterReadings.map((r: { activeImportKwh: string }) => r.activeImportKwh)).toEqual(["1.500", "2.250", "1.500"]);
    expect(read.data?.meterReadings[0]).toMatchObject({
      intervalEnd: "2026-10-01T10:30:00.000Z",
      granularity: "PT30M",
      netExportKwh: "-1.500",
      quality: "ACTUAL",
      source: "API",
      externalId: `${a1}/2026-10-01T10:00:00.000Z`,
      provider: { id: orgs.fspA },
    });
  });

  it.each([
    ["a half-hourly reading off :00/:30", { intervalStart: "2026-10-02T10:15:00Z" }, "readings[1].intervalStart"],
    ["a negative register", { activeExportKwh: "-0.5" }, "readings[1].activeExportKwh"],
    ["a register finer than 1 Wh", { activeImportKwh: "0.0001" }, "readings[1].activeImportKwh"],
    ["an end that is not start + 30 min", { intervalEnd: "2026-10-02T12:00:00Z" }, "readings[1].intervalEnd"],
    ["no asset or unit", { assetId: null }, "readings[1].assetId"],
  ])("refuses %s naming the row and field, writing nothing", async (_, over, field) => {
    const before = await count("meter_readings");
    const result = await run(as.fspA, RECORD, {
      r: [reading({ intervalStart: "2026-10-02T10:00:00Z" }), reading({ intervalStart: "2026-10-02T11:00:00Z", ...over })],
    });
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.extensions).toMatchObject({ field, row: 1 });
    expect(await count("meter_readings")).toBe(before);
  });

  it("refuses another FSP's asset (FORBIDDEN), an unknown one, a batch over 5,000, investors; nothing is written", async () => {
    const before = await count("meter_readings");
    const other = await run(as.fspB, RECORD, {
      r: [reading({ assetId: b1, intervalStart: "2026-10-03T10:00:00Z" }), reading({ intervalStart: "2026-10-03T10:00:00Z" })],
    });
    expect(errorCodes(other)).toEqual(["FORBIDDEN"]);
    expect(other.errors?.[0]?.message).toContain("readings[1]");
    const unknown = await run(as.fspA, RECORD, { r: [reading({ assetId: MISSING_ID })] });
    expect(errorCodes(unknown)).toEqual(["BAD_USER_INPUT"]);
    const many = Array.from({ length: 5001 }, (_, i) =>
      reading({ intervalStart: new Date(Date.UTC(2026, 0, 1) + i * 1_800_000).toISOString() }),
    );
    expect(errorCodes(await run(as.fspA, RECORD, { r: many }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await run(as.investor, RECORD, { r: [reading()] }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await run(as.soA, RECORD, { r: [reading()] }))).toEqual(["FORBIDDEN"]);
    expect(await count("meter_readings")).toBe(before);
  });

  it("records readings of a market unit, read on MarketUnit.meterReadings by its FSP only", async () => {
    const unitReading = { marketUnitId: u1, intervalStart: "2026-10-01T10:00:00Z", activeImportKwh: "0", activeExportKwh: "12.345" };
    expect((await run(as.fspA, RECORD, { r: [unitReading] })).data?.recordMeterReadings.created).toBe(1);
    const query = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on MarketUnit { meterReadings(from: "2026-10-01T00:00:00Z", to: "2026-10-02T00:00:00Z") { netExportKwh } } } }`;
    const reps = [{ __typename: "MarketUnit", id: u1 }];
    expect((await run(as.fspA, query, { reps })).data?._entities).toEqual([{ meterReadings: [{ netExportKwh: "12.345" }] }]);
    expect((await run(as.fspB, query, { reps })).data?._entities).toEqual([{ meterReadings: [] }]);
  });
});

describe("who reads meter readings", () => {
  it("the FSP its own; another FSP nothing; an SO only within its own instruction's window; investors and regulators FORBIDDEN", async () => {
    await run(as.fspA, RECORD, {
      r: [
        { assetId: a1, intervalStart: "2026-09-01T10:00:00Z", activeImportKwh: "1", activeExportKwh: "0" },
        { assetId: a1, intervalStart: "2026-09-01T12:00:00Z", activeImportKwh: "1", activeExportKwh: "0" },
      ],
    });
    await dispatch(a1, pHistorical, as.soA, { start: "2026-09-01T10:00:00Z", end: "2026-09-01T11:00:00Z" });
    const window = { a: a1, from: "2026-09-01T00:00:00Z", to: "2026-09-02T00:00:00Z" };
    const starts = (result: Awaited<ReturnType<typeof run>>) =>
      result.data?.meterReadings.map((r: { intervalStart: string }) => r.intervalStart);
    expect(starts(await run(as.fspA, READINGS, window))).toEqual(["2026-09-01T10:00:00.000Z", "2026-09-01T12:00:00.000Z"]);
    expect(starts(await run(as.fspB, READINGS, window))).toEqual([]);
    const soRead = await run(as.soA, READINGS, window);
    expect(soRead.errors).toBeUndefined();
    expect(starts(soRead)).toEqual(["2026-09-01T10:00:00.000Z"]);
    expect(starts(await run(as.nationalSo, READINGS, window))).toEqual([]);
    expect(starts(await run(as.admin, READINGS, window))).toHaveLength(2);
    expect(errorCodes(await run(as.investor, READINGS, window))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await run(as.regulator, READINGS, window))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await run(as.fspA, READINGS, { ...window, to: "2026-11-01T00:00:00Z" }))).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("assessDispatch (§7.8) and the assessment's lifecycle", () => {
  let instruction: string;
  let assessment: string;

  beforeAll(async () => {
    // The event's 17:30 reading arrives late.
    const recorded = await run(as.fspA, RECORD, { r: exampleReadings(a1, { eventPeriods: ["17:00"] }) });
    expect(recorded.errors).toBeUndefined();
    instruction = await dispatch(a1, pHistorical);
  });

  it("only the issuing SO (or an administrator) assesses: another SO gets NOT_FOUND, an FSP FORBIDDEN", async () => {
    expect(errorCodes(await run(as.nationalSo, ASSESS, { id: instruction }))).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await run(as.fspA, ASSESS, { id: instruction }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await run(as.soA, ASSESS, { id: MISSING_ID }))).toEqual(["NOT_FOUND"]);
    expect(await count("performance_assessments")).toBe(0);
  });

  it("missing data leaves it PROVISIONAL with the late periods, and it cannot be published (R-VER-1)", async () => {
    const result = await run(as.soA, ASSESS, { id: instruction });
    expect(result.errors).toBeUndefined();
    const provisional = result.data?.assessDispatch.performanceAssessment;
    assessment = provisional.id;
    expect(provisional).toMatchObject({ status: "PROVISIONAL", methodVersion: 1, lateDataPeriods: ["2026-11-16T17:30:00.000Z"] });
    expect(provisional.periods[1]).toMatchObject({ period: "17:30", meteredMwh: null, creditedMwh: null });
    const publish = await run(as.soA, PUBLISH, { id: assessment });
    expect(errorCodes(publish)).toEqual(["CONFLICT"]);
    expect(publish.errors?.[0]?.extensions).toMatchObject({ ruleId: "R-VER-1", lateDataPeriods: ["2026-11-16T17:30:00.000Z"] });
  });

  it("re-assessed once the data is in, it reproduces §7.8: 0.411 / 0.445 baselines, 0.306 delivered (102 %), 0.291 credited", async () => {
    await run(as.fspA, RECORD, { r: exampleReadings(a1) }); // the 17:30 reading now, the rest repeats
    const result = await run(as.soA, ASSESS, { id: instruction });
    expect(result.errors).toBeUndefined();
    const assessed = result.data?.assessDispatch.performanceAssessment;
    expect(assessed).toMatchObject({
      ...EXPECTED,
      id: assessment,
      status: "PROVISIONAL",
      methodVersion: 2,
      lateDataPeriods: [],
      direction: "DEMAND_TURN_DOWN",
    });
    expect(assessed.baselineMethod).toContain("HISTORICAL_X_OF_Y MID 8 of 10");
  });

  it("moves PROVISIONAL → PUBLISHED → FINAL; an illegal move is CONFLICT naming both statuses; a published one is never recomputed", async () => {
    expect(errorCodes(await run(as.fspA, PUBLISH, { id: assessment }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await run(as.nationalSo, PUBLISH, { id: assessment }))).toEqual(["NOT_FOUND"]);
    const early = await run(as.soA, FINALISE, { id: assessment });
    expect(errorCodes(early)).toEqual(["CONFLICT"]);
    expect(early.errors?.[0]?.extensions).toMatchObject({ currentStatus: "PROVISIONAL", requestedStatus: "FINAL" });
    const published = await run(as.soA, PUBLISH, { id: assessment });
    expect(published.errors).toBeUndefined();
    expect(published.data?.publishAssessment.performanceAssessment.status).toBe("PUBLISHED");
    const again = await run(as.soA, ASSESS, { id: instruction });
    expect(errorCodes(again)).toEqual(["CONFLICT"]);
    expect(again.errors?.[0]?.extensions).toMatchObject({ currentStatus: "PUBLISHED" });
    expect((await run(as.soA, FINALISE, { id: assessment })).data?.finaliseAssessment.performanceAssessment.status).toBe("FINAL");
    const back = await run(as.admin, PUBLISH, { id: assessment });
    expect(back.errors?.[0]?.extensions).toMatchObject({ currentStatus: "FINAL", requestedStatus: "PUBLISHED" });
  });

  it("is visible to its FSP, its SO and administrators only; lists refuse investors and regulators", async () => {
    for (const caller of [as.fspA, as.soA, as.admin])
      expect((await run(caller, ASSESSMENT, { id: assessment })).data?.performanceAssessment?.id).toBe(assessment);
    for (const caller of [as.fspB, as.nationalSo, as.investor])
      expect((await run(caller, ASSESSMENT, { id: assessment })).data?.performanceAssessment).toBeNull();
    const list = `{ performanceAssessments { id } }`;
    expect((await run(as.fspB, list)).data?.performanceAssessments).toEqual([]);
    expect((await run(as.fspA, list)).data?.performanceAssessments).toEqual([{ id: assessment }]);
    expect(errorCodes(await run(as.regulator, list))).toEqual(["FORBIDDEN"]);
    const onInstruction = `query ($id: ID!) { dispatchInstruction(id: $id) { performanceAssessment { id creditedMwh } } }`;
    expect((await run(as.fspA, onInstruction, { id: instruction })).data?.dispatchInstruction.performanceAssessment).toEqual({
      id: assessment,
      creditedMwh: "0.291000",
    });
  });

  it("too few baseline days is CONFLICT with the library's reason, nothing written", async () => {
    const early = await dispatch(b1, pHistorical, as.soA, { start: "2026-11-16T17:00:00Z", end: "2026-11-16T18:00:00Z" });
    const before = await count("performance_assessments");
    const result = await run(as.soA, ASSESS, { id: early });
    expect(errorCodes(result)).toEqual(["CONFLICT"]);
    expect(result.errors?.[0]?.extensions).toMatchObject({ reason: "TOO_FEW_BASELINE_DAYS" });
    expect(await count("performance_assessments")).toBe(before);
  });

  describe("penalties", () => {
    const ISSUE_PENALTY = `mutation ($i: IssuePenaltyInput!) { issuePenalty(input: $i) { penalty { id type amountGbp basis assessment { id } } } }`;
    let penalty: string;

    it("the buyer SO issues one in exact £; it shows on the assessment for its FSP, not another's", async () => {
      const input = { assessmentId: assessment, type: "NON_DELIVERY", amountGbp: "125.5", basis: "Delivered below 95% in SP 17:00" };
      expect(errorCodes(await run(as.fspA, ISSUE_PENALTY, { i: input }))).toEqual(["FORBIDDEN"]);
      expect(errorCodes(await run(as.nationalSo, ISSUE_PENALTY, { i: input }))).toEqual(["NOT_FOUND"]);
      for (const amountGbp of ["0", "-1", "1.234", "12e3", "10000000.01"]) {
        const bad = await run(as.soA, ISSUE_PENALTY, { i: { ...input, amountGbp } });
        expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "amountGbp" });
      }
      const result = await run(as.soA, ISSUE_PENALTY, { i: input });
      expect(result.data?.issuePenalty.penalty).toMatchObject({
        type: "NON_DELIVERY",
        amountGbp: "125.50",
        assessment: { id: assessment },
      });
      penalty = result.data?.issuePenalty.penalty.id;
      expect((await run(as.fspA, ASSESSMENT, { id: assessment })).data?.performanceAssessment.penalties).toEqual([
        { id: penalty, type: "NON_DELIVERY", amountGbp: "125.50", basis: input.basis, waivedByConflictId: null },
      ]);
    });

    it("R-SET-4: the SO attaches (and removes) the waiving conflict record", async () => {
      const WAIVE = `mutation ($i: SetPenaltyWaiverInput!) { setPenaltyWaiver(input: $i) { penalty { waivedByConflictId } } }`;
      const conflictId = "c0f10000-0000-4000-8000-000000000001";
      expect(errorCodes(await run(as.fspA, WAIVE, { i: { penaltyId: penalty, waivedByConflictId: conflictId } }))).toEqual(["FORBIDDEN"]);
      expect(
        (await run(as.soA, WAIVE, { i: { penaltyId: penalty, waivedByConflictId: conflictId } })).data?.setPenaltyWaiver.penalty,
      ).toEqual({
        waivedByConflictId: conflictId,
      });
      expect((await run(as.admin, WAIVE, { i: { penaltyId: penalty, waivedByConflictId: null } })).data?.setPenaltyWaiver.penalty).toEqual({
        waivedByConflictId: null,
      });
    });
  });
});

describe("bank holidays (England and Wales) are not working days in the baseline's pool", () => {
  it("§7.8's figures again for an event on Tuesday 29 December 2026: 25 and 28 December are skipped, however high", async () => {
    // The same ten history days' values on the ten working days before the event, and two bank holidays in between
    // whose 5 MWh would enter a pool of plain weekdays (and move its mid 8 of 10 off 0.411 / 0.445).
    const days = ["2026-12-11", "2026-12-14", "2026-12-15", "2026-12-16", "2026-12-17", "2026-12-18", "2026-12-21", "2026-12-22"];
    const moved = new Map([
      ...PRIOR_DAYS.map((day, i) => [day, [...days, "2026-12-23", "2026-12-24"][i]!] as const),
      [EVENT.date, "2026-12-29"],
    ]);
    const readings = exampleReadings(a7).map((r) => ({
      ...r,
      intervalStart: `${moved.get(r.intervalStart.slice(0, 10))}${r.intervalStart.slice(10)}`,
    }));
    for (const holiday of ["2026-12-25", "2026-12-28"])
      for (const time of ["17:00", "17:30"])
        readings.push({ assetId: a7, intervalStart: `${holiday}T${time}:00Z`, activeImportKwh: "5000", activeExportKwh: "0" });
    expect((await run(as.fspA, RECORD, { r: readings })).errors).toBeUndefined();
    const instruction = await dispatch(a7, pHistorical, as.soA, { start: "2026-12-29T17:00:00Z", end: "2026-12-29T18:00:00Z" });
    const result = await run(as.soA, ASSESS, { id: instruction });
    expect(result.errors).toBeUndefined();
    expect(result.data?.assessDispatch.performanceAssessment).toMatchObject({ ...EXPECTED, lateDataPeriods: [] });
  });
});

describe("registered baselines (NOMINATED) and R-VER-2", () => {
  const REGISTER = `mutation ($i: RegisterBaselineInput!) { registerBaseline(input: $i) { baseline { id version method lockedAt profile { period netExportKwh } } } }`;
  const profile = [
    { period: "17:00", netExportKwh: "-400" },
    { period: "17:30", netExportKwh: "-420.5" },
  ];

  it("the FSP nominates a profile; the assessment uses it; the SO may not nominate, nor a method the product lacks", async () => {
    const input = { assetId: a2, productId: pNominated, method: "NOMINATED", profile };
    expect(errorCodes(await run(as.soA, REGISTER, { i: input }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await run(as.fspB, REGISTER, { i: input }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await run(as.fspA, REGISTER, { i: { ...input, productId: pHistorical } }))).toEqual(["CONFLICT"]);
    expect(errorCodes(await run(as.fspA, REGISTER, { i: { ...input, profile: [{ period: "17:15", netExportKwh: "1" }] } }))).toEqual([
      "BAD_USER_INPUT",
    ]);
    const registered = await run(as.fspA, REGISTER, { i: input });
    expect(registered.data?.registerBaseline.baseline).toMatchObject({
      version: 1,
      method: "NOMINATED",
      profile: [
        { period: "17:00", netExportKwh: "-400.000" },
        { period: "17:30", netExportKwh: "-420.500" },
      ],
    });

    // An event after the nomination: assessed against the nominated profile (import 270 / 280 kWh against 400 / 420.5).
    const future = { start: "2030-01-15T17:00:00Z", end: "2030-01-15T18:00:00Z" };
    await run(as.fspA, RECORD, {
      r: [
        { assetId: a2, intervalStart: "2030-01-15T17:00:00Z", activeImportKwh: "270", activeExportKwh: "0" },
        { assetId: a2, intervalStart: "2030-01-15T17:30:00Z", activeImportKwh: "280", activeExportKwh: "0" },
      ],
    });
    const result = await run(as.soA, ASSESS, { id: await dispatch(a2, pNominated, as.soA, future) });
    expect(result.errors).toBeUndefined();
    expect(result.data?.assessDispatch.performanceAssessment).toMatchObject({
      baselineMwh: "-0.820500",
      deliveredMwh: "0.270500",
      creditedMwh: "0.270500",
      baselineMethod: "NOMINATED (baseline v1)",
    });
    // An event before it: no version governs (a nomination never reaches back), and NOMINATED needs one.
    const past = await run(as.soA, ASSESS, { id: await dispatch(a2, pNominated, as.soA, { start: EVENT.start, end: EVENT.end }) });
    expect(past.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", reason: "NO_BASELINE_REGISTERED" });
  });

  it("a version locked at its gate cannot be replaced: CONFLICT with ruleId R-VER-2", async () => {
    const soon = new Date(Date.now() + 1500).toISOString();
    const locked = await run(as.fspA, REGISTER, {
      i: { assetId: a2, productId: pNominated, method: "NOMINATED", profile, lockedAt: soon },
    });
    expect(locked.data?.registerBaseline.baseline.version).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const late = await run(as.fspA, REGISTER, { i: { assetId: a2, productId: pNominated, method: "NOMINATED", profile } });
    expect(errorCodes(late)).toEqual(["CONFLICT"]);
    expect(late.errors?.[0]?.extensions).toMatchObject({ ruleId: "R-VER-2" });
    const versions = `query ($a: ID!) { baselines(assetId: $a) { version } }`;
    expect((await run(as.soA, versions, { a: a2 })).data?.baselines).toEqual([{ version: 2 }, { version: 1 }]);
    expect((await run(as.fspB, versions, { a: a2 })).data?.baselines).toEqual([]);
  });
});

describe("serviceDeliveryReport", () => {
  const REPORT = `query ($p: ID) { serviceDeliveryReport(productId: $p, from: "2026-11-01T00:00:00Z", to: "2026-12-01T00:00:00Z") {
    product { id } month instructions assessed instructedMwh deliveredMwh creditedMwh meanDeliveryRatio penaltiesGbp } }`;

  it("per product and month for its SO and its FSPs; regulators only anonymised months; investors FORBIDDEN", async () => {
    const so = (await run(as.soA, REPORT, { p: pHistorical })).data?.serviceDeliveryReport;
    expect(so).toEqual([
      {
        product: { id: pHistorical },
        month: "2026-11",
        instructions: 2,
        assessed: 1,
        instructedMwh: "0.300000",
        deliveredMwh: "0.306000",
        creditedMwh: "0.291000",
        meanDeliveryRatio: "1.020000",
        // The penalty above, waived and then un-waived.
        penaltiesGbp: "125.50",
      },
    ]);
    const fspB = (await run(as.fspB, REPORT, { p: pHistorical })).data?.serviceDeliveryReport;
    expect(fspB).toMatchObject([{ instructions: 1, assessed: 0, deliveredMwh: "0.000000" }]);
    expect((await run(as.nationalSo, REPORT, { p: pHistorical })).data?.serviceDeliveryReport).toEqual([]);
    // Two providers only: below the anonymity rule's three.
    expect((await run(as.regulator, REPORT, {})).data?.serviceDeliveryReport).toEqual([]);
    expect(errorCodes(await run(as.investor, REPORT, {}))).toEqual(["FORBIDDEN"]);
  });
});

describe("other methods, windows and callers", () => {
  it("ZERO: generation turn-up over a window ending mid-period, instructed pro rata (0.30 MW × 15 min)", async () => {
    await run(as.fspB, RECORD, {
      r: [
        { assetId: b1, intervalStart: "2026-11-20T10:00:00Z", activeImportKwh: "0", activeExportKwh: "200" },
        { assetId: b1, intervalStart: "2026-11-20T10:30:00Z", activeImportKwh: "0", activeExportKwh: "100" },
      ],
    });
    const id = await dispatch(
      b1,
      pZero,
      as.nationalSo,
      { start: "2026-11-20T10:00:00Z", end: "2026-11-20T10:45:00Z" },
      "GENERATION_TURN_UP",
    );
    const result = await run(as.nationalSo, ASSESS, { id });
    expect(result.errors).toBeUndefined();
    expect(result.data?.assessDispatch.performanceAssessment).toMatchObject({
      baselineMethod: "ZERO (product default)",
      baselineMwh: "0.000000",
      deliveredMwh: "0.300000",
      instructedMwh: "0.225000",
      creditedMwh: "0.225000",
      deliveryRatio: "1.333333",
      availabilityRatio: "1.000000",
    });
  });

  it("a registered HIGH 4 of 5 skips the asset's other event days (R-VER-4)", async () => {
    const REGISTER = `mutation ($i: RegisterBaselineInput!) { registerBaseline(input: $i) { baseline { version selection keep of dayPool } } }`;
    const input = { assetId: a3, productId: pHistorical, method: "HISTORICAL_X_OF_Y", selection: "HIGH", keep: 4, of: 5 };
    expect(errorCodes(await run(as.fspA, REGISTER, { i: input }))).toEqual(["FORBIDDEN"]); // the SO's to set
    expect(errorCodes(await run(as.soA, REGISTER, { i: { ...input, keep: 6 } }))).toEqual(["BAD_USER_INPUT"]);
    expect((await run(as.soA, REGISTER, { i: input })).data?.registerBaseline.baseline).toEqual({
      version: 1,
      selection: "HIGH",
      keep: 4,
      of: 5,
      dayPool: "SAME_AS_EVENT_DAY",
    });
    // Working days 7–11 and 14 January 2030 at 17:00 (GMT); the 14th is another event day of the asset.
    const imports = {
      "2030-01-07": "600",
      "2030-01-08": "100",
      "2030-01-09": "200",
      "2030-01-10": "300",
      "2030-01-11": "400",
      "2030-01-14": "500",
      "2030-01-15": "150",
    };
    await run(as.fspA, RECORD, {
      r: Object.entries(imports).map(([date, kwh]) => ({
        assetId: a3,
        intervalStart: `${date}T17:00:00Z`,
        activeImportKwh: kwh,
        activeExportKwh: "0",
      })),
    });
    await dispatch(a3, pHistorical, as.soA, { start: "2030-01-14T17:00:00Z", end: "2030-01-14T17:30:00Z" });
    const id = await dispatch(a3, pHistorical, as.soA, { start: "2030-01-15T17:00:00Z", end: "2030-01-15T17:30:00Z" });
    const result = await run(as.soA, ASSESS, { id });
    expect(result.errors).toBeUndefined();
    // The 4 busiest of 7–11 January: 600, 400, 300, 200 kWh → 375 (not 350, as with the 14th's 500).
    expect(result.data?.assessDispatch.performanceAssessment).toMatchObject({
      baselineMethod: "HISTORICAL_X_OF_Y HIGH 4 of 5 by IMPORT SAME_AS_EVENT_DAY excludeEventDays (baseline v1)",
      baselineMwh: "-0.375000",
      deliveredMwh: "0.225000",
      creditedMwh: "0.150000",
    });
  });

  it("an API key reads with transactions:read but writes only with transactions:write", async () => {
    const reader = apiKeyOf(orgs.fspA, ["FSP"], ["transactions:read"]);
    const window = { a: a3, from: "2030-01-15T00:00:00Z", to: "2030-01-16T00:00:00Z" };
    expect((await run(reader, READINGS, window)).data?.meterReadings).toHaveLength(1);
    const write = { r: [{ assetId: a3, intervalStart: "2030-01-16T17:00:00Z", activeImportKwh: "1", activeExportKwh: "0" }] };
    expect(errorCodes(await run(reader, RECORD, write))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await run(apiKeyOf(orgs.fspA, ["FSP"], ["assets:read"]), READINGS, window))).toEqual(["FORBIDDEN"]);
    expect((await run(apiKeyOf(orgs.fspA, ["FSP"], ["transactions:write"]), RECORD, write)).data?.recordMeterReadings.created).toBe(1);
  });

  it("two assessments of one instruction at once make one assessment (the instruction is locked), recomputed once", async () => {
    const id = await dispatch(a3, pHistorical, as.soA, { start: "2030-01-15T17:00:00Z", end: "2030-01-15T17:30:00Z" });
    const before = await count("performance_assessments");
    const both = await Promise.all([run(as.soA, ASSESS, { id }), run(as.soA, ASSESS, { id })]);
    expect(both.map((result) => result.errors)).toEqual([undefined, undefined]);
    expect(both.map((result) => result.data?.assessDispatch.performanceAssessment.methodVersion).sort()).toEqual([1, 2]);
    expect(await count("performance_assessments")).toBe(before + 1);
  });

  it("_entities: N readings cost one read, another FSP's null", async () => {
    const mine = (await run(as.fspA, READINGS, { a: a3, from: "2030-01-07T00:00:00Z", to: "2030-01-16T00:00:00Z" })).data?.meterReadings;
    const reps = mine.map((r: { id: string }) => ({ __typename: "MeterReading", id: r.id }));
    const query = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on MeterReading { id activeImportKwh } } }`;
    const select = vi.spyOn(handle.db, "select");
    try {
      const answer = await run(as.fspA, query, { reps });
      expect(reads(select)).toBe(1);
      expect(answer.data?._entities.map((e: { id: string }) => e.id)).toEqual(mine.map((r: { id: string }) => r.id));
    } finally {
      select.mockRestore();
    }
    expect((await run(as.fspB, query, { reps })).data?._entities.every((e: unknown) => e === null)).toBe(true);
  });

  it("_entities: N assessments cost one read, invisible ones null", async () => {
    const all = (await run(as.admin, "{ performanceAssessments { id } }")).data?.performanceAssessments.map((a: { id: string }) => a.id);
    expect(all.length).toBeGreaterThanOrEqual(3);
    const query = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on PerformanceAssessment { id } } }`;
    const reps = [...all, MISSING_ID].map((id: string) => ({ __typename: "PerformanceAssessment", id }));
    const select = vi.spyOn(handle.db, "select");
    try {
      const answer = await run(as.fspA, query, { reps });
      expect(reads(select)).toBe(1);
      const seen = answer.data?._entities.filter(Boolean).map((e: { id: string }) => e.id);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.length).toBeLessThan(all.length); // FSP B's ZERO assessment is not FSP A's
      expect(answer.data?._entities.at(-1)).toBeNull();
    } finally {
      select.mockRestore();
    }
  });
});

describe("fixed reference, in-day adjustment, a regulator's report", () => {
  const REGISTER = `mutation ($i: RegisterBaselineInput!) { registerBaseline(input: $i) { baseline { version method derCount } } }`;
  const event = { start: "2030-01-15T17:00:00Z", end: "2030-01-15T17:30:00Z" };

  it("FIXED_REFERENCE: the SO's per-DER profile × the DER count", async () => {
    const input = {
      assetId: a4,
      productId: pFixed,
      method: "FIXED_REFERENCE",
      profile: [{ period: "17:00", netExportKwh: "-5" }],
      derCount: 40,
    };
    expect(errorCodes(await run(as.soA, REGISTER, { i: { ...input, derCount: 0 } }))).toEqual(["BAD_USER_INPUT"]);
    expect((await run(as.soA, REGISTER, { i: input })).data?.registerBaseline.baseline).toEqual({
      version: 1,
      method: "FIXED_REFERENCE",
      derCount: 40,
    });
    await run(as.fspA, RECORD, { r: [{ assetId: a4, intervalStart: event.start, activeImportKwh: "100", activeExportKwh: "0" }] });
    const result = await run(as.soA, ASSESS, { id: await dispatch(a4, pFixed, as.soA, event) });
    expect(result.data?.assessDispatch.performanceAssessment).toMatchObject({
      baselineMwh: "-0.200000",
      deliveredMwh: "0.100000",
      creditedMwh: "0.100000",
      deliveryRatio: "0.666667",
    });
  });

  it("in-day adjustment: the event day's mean (metered − baseline) over −4 h … −1 h is added to the baseline", async () => {
    const input = { assetId: a5, productId: pInDay, method: "HISTORICAL_X_OF_Y_WITH_INDAY_ADJ", selection: "ALL", of: 2 };
    expect((await run(as.soA, REGISTER, { i: input })).errors).toBeUndefined();
    const periods = ["13:00", "13:30", "14:00", "14:30", "15:00", "15:30", "17:00"];
    const day = (date: string, kwh: (period: string) => string) =>
      periods.map((period) => ({
        assetId: a5,
        intervalStart: `${date}T${period}:00Z`,
        activeImportKwh: kwh(period),
        activeExportKwh: "0",
      }));
    // Two prior working days at 100 kWh every period; the event day 80 before the event (20 above the baseline), 30 in it.
    const r = [
      ...day("2030-01-11", () => "100"),
      ...day("2030-01-14", () => "100"),
      ...day("2030-01-15", (p) => (p === "17:00" ? "30" : "80")),
    ];
    expect((await run(as.fspA, RECORD, { r })).errors).toBeUndefined();
    const result = await run(as.soA, ASSESS, { id: await dispatch(a5, pInDay, as.soA, event) });
    expect(result.errors).toBeUndefined();
    expect(result.data?.assessDispatch.performanceAssessment).toMatchObject({
      baselineMwh: "-0.080000",
      deliveredMwh: "0.050000",
      creditedMwh: "0.050000",
    });
  });

  it("a regulator sees a month once it has 3 providers, none dominant", async () => {
    const march = { start: "2031-03-02T10:00:00Z", end: "2031-03-02T10:30:00Z" };
    for (const asset of [a1, b1, c1]) await dispatch(asset, pZero, as.nationalSo, march);
    const REPORT = `{ serviceDeliveryReport(from: "2031-03-01T00:00:00Z", to: "2031-04-01T00:00:00Z") { product { id } month instructions assessed } }`;
    expect((await run(as.regulator, REPORT)).data?.serviceDeliveryReport).toEqual([
      { product: { id: pZero }, month: "2031-03", instructions: 3, assessed: 0 },
    ]);
    expect((await run(as.fspC, REPORT)).data?.serviceDeliveryReport).toEqual([
      { product: { id: pZero }, month: "2031-03", instructions: 1, assessed: 0 },
    ]);
  });
});

describe("an instruction under a market unit's award", () => {
  it("the assessment keeps the instruction's award, so settlement prices it from that award (regression)", async () => {
    expect((await run(as.fspA, RECORD, { r: exampleReadings(a6) })).errors).toBeUndefined();
    const awarded = await run(as.soA, `mutation ($i: RecordAwardInput!) { recordAward(input: $i) { award { id } } }`, {
      i: {
        marketUnitId: u1,
        productId: pHistorical,
        awardedMw: EVENT.setPointMw,
        utilisationPriceGbpPerMwh: "300",
        start: EVENT.start,
        end: EVENT.end,
      },
    });
    expect(awarded.errors).toBeUndefined();
    const awardId = awarded.data?.recordAward.award.id as string;
    const issued = await run(as.soA, ISSUE, {
      i: {
        assetId: a6,
        productId: pHistorical,
        awardId,
        issuedById: as.soA.organisationId,
        direction: "DEMAND_TURN_DOWN",
        setPointMw: EVENT.setPointMw,
        start: EVENT.start,
        end: EVENT.end,
      },
    });
    expect(issued.errors).toBeUndefined();
    const assessed = await run(as.soA, ASSESS, { id: issued.data?.issueDispatchInstruction.dispatchInstruction.id });
    expect(assessed.errors).toBeUndefined();
    const id = assessed.data?.assessDispatch.performanceAssessment.id as string;
    const result = (await handle.db.execute(sql`select award_id from transactions.performance_assessments where id = ${id}`)) as unknown;
    const rows = Array.isArray(result) ? result : (result as { rows: unknown[] }).rows;
    expect(rows).toEqual([{ award_id: awardId }]);
  });
});
