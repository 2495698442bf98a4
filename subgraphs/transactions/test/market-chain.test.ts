import { type DatabaseHandle, staticReferences } from "@sfe/kit";
import { as, countRows, MISSING_ID as unknown, orgs, execute as run, setUpSubgraph } from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { createTransactionsSubgraph } from "../src/server.js";
import { transactionsSubgraph, ruleRoutes } from "./helpers.js";

/**
 * The competition and dispatch chain (C.1–C.3, D.3–D.6): buy requirements, bids by market units, clearing results,
 * awards and instructions with warnings, rationale, cease and actual start/stop — and who may see and change each.
 */
const { fspA, fspB, soA, soB } = orgs;
const unitA = "e0000000-0000-4000-8000-0000000000a1";
const unitB = "e0000000-0000-4000-8000-0000000000b1";
const unitSuspended = "e0000000-0000-4000-8000-0000000000a2";
const unitDeregistered = "e0000000-0000-4000-8000-0000000000a3";
const productA = "9d0c0000-0000-4000-8000-0000000000a1";
const productB = "9d0c0000-0000-4000-8000-0000000000b1";

let handle: DatabaseHandle;
let subgraph: ReturnType<typeof createTransactionsSubgraph>;

beforeAll(async () => {
  ({ handle, subgraph } = await setUpSubgraph(
    transactionsSubgraph,
    staticReferences(
      {
        MarketUnit: {
          [unitA]: { owner: { id: fspA }, status: "ACTIVE" },
          [unitB]: { owner: { id: fspB }, status: "ACTIVE" },
          [unitSuspended]: { owner: { id: fspA }, status: "SUSPENDED" },
          [unitDeregistered]: { owner: { id: fspA }, status: "DEREGISTERED" },
        },
        Product: {
          [productA]: { owner: { id: soA }, status: "PUBLISHED" },
          [productB]: { owner: { id: soB }, status: "PUBLISHED" },
        },
        Organisation: [fspA, fspB, soA, soB],
      },
      ruleRoutes(),
    ),
  ));
});
afterAll(() => handle.close());

const execute = (query: string, variables: Record<string, unknown>, identity: Parameters<typeof run>[3]) =>
  run(subgraph, query, variables, identity);
const count = (table: string) => countRows(handle, `transactions.${table}`);

const hours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
/** NGED-style trade opportunity: DTD, 0–0.564 MW, ceilings 0 £/MW/h availability, 7.02 £/MWh utilisation. */
const requirement = (overrides: Record<string, unknown> = {}) => ({
  name: "W/C 06/10/2025 - Scheduled Utilisation - Ashgrove",
  productId: productA,
  cmzCode: "CMZ_T7B_SWA_0012",
  requiredService: "DEMAND_TURN_DOWN",
  gateOpen: hours(-1),
  gateClose: hours(24),
  windows: [{ start: "2030-10-06T06:00:00Z", end: "2030-10-06T06:30:00Z" }],
  minMw: 0,
  maxMw: 0.564,
  availabilityCeilingGbpPerMwH: "0",
  utilisationCeilingGbpPerMwh: "7.02",
  ...overrides,
});
const bid = (overrides: Record<string, unknown> = {}) => ({
  marketUnitId: unitA,
  productId: productA,
  bidderId: fspA,
  direction: "DEMAND_TURN_DOWN",
  quantityMw: 0.5,
  utilisationPriceGbpPerMwh: "7.02",
  start: "2030-10-06T06:00:00Z",
  end: "2030-10-06T06:30:00Z",
  ...overrides,
});

const CREATE_REQUIREMENT = `mutation ($input: CreateBuyRequirementInput!) {
  createBuyRequirement(input: $input) { buyRequirement { id status publishedAt windows { start end } utilisationCeilingGbpPerMwh } } }`;
const REQUIREMENT_STATUS = `mutation ($input: UpdateBuyRequirementStatusInput!) {
  updateBuyRequirementStatus(input: $input) { buyRequirement { id status publishedAt } } }`;
const REQUIREMENT = `query ($id: ID!) { buyRequirement(id: $id) { id status bids { id } clearingResults { id clearingPrice } } }`;
const SUBMIT = `mutation ($input: SubmitBidInput!) {
  submitBid(input: $input) { bid { id status marketUnit { id } asset { id } provider { id } buyRequirement { id } periods { start end } minQuantityMw } } }`;
const BID = `query ($id: ID!) { bid(id: $id) { id } }`;
const RECORD_RESULT = `mutation ($input: RecordClearingResultInput!) {
  recordClearingResult(input: $input) { clearingResult { id clearingPrice publishedAt buyRequirement { status } } } }`;
const PUBLISH_RESULT = `mutation ($id: ID!) { publishClearingResult(input: { id: $id }) { clearingResult { id publishedAt } } }`;
const RESULT = `query ($id: ID!) { clearingResult(id: $id) { id clearingPrice } }`;
const RECORD_AWARD = `mutation ($input: RecordAwardInput!) {
  recordAward(input: $input) { award { id marketUnit { id } clearingResult { id } buyRequirement { id } windows { start end } awardedMw } } }`;
const ISSUE = `mutation ($input: IssueDispatchInstructionInput!) {
  issueDispatchInstruction(input: $input) {
    dispatchInstruction { id status marketUnit { id } award { id } energyMwh priceGbpPerMwh rationale acknowledgeBy inConflict }
    warnings { ruleId message values } } }`;
const DISPATCH_STATUS = `mutation ($input: UpdateDispatchStatusInput!) {
  updateDispatchStatus(input: $input) { dispatchInstruction { id status acknowledgedAt } warnings { ruleId values } } }`;
const CEASE = `mutation ($id: ID!) { ceaseDispatchInstruction(input: { id: $id }) { dispatchInstruction { id status ceasedAt } } }`;
const ACTUAL = `mutation ($input: RecordActualStartStopInput!) {
  recordActualStartStop(input: $input) { dispatchInstruction { actualStart actualStop } } }`;
const IN_CONFLICT = `mutation ($input: SetDispatchInConflictInput!) { setDispatchInConflict(input: $input) { dispatchInstruction { inConflict } } }`;
const DISPATCH = `query ($id: ID!) { dispatchInstruction(id: $id) { id rationale } }`;
const UNIT_RECORDS = `query ($r: [_Any!]!) { _entities(representations: $r) {
  ... on MarketUnit { id bids { id } awards { id } dispatches { id } } } }`;

const error = (result: Awaited<ReturnType<typeof execute>>) => {
  expect(result.errors).toHaveLength(1);
  const [first] = result.errors ?? [];
  return { code: first?.extensions?.code, field: first?.extensions?.field, message: first?.message, extensions: first?.extensions };
};
const ok = <T = Record<string, any>>(result: Awaited<ReturnType<typeof execute>>): T => {
  expect(result.errors).toBeUndefined();
  // As a client reads it (DateTime values as ISO strings).
  return JSON.parse(JSON.stringify(result.data)) as T;
};

async function openRequirement(overrides: Record<string, unknown> = {}): Promise<string> {
  const { id } = ok(await execute(CREATE_REQUIREMENT, { input: requirement(overrides) }, as.soA)).createBuyRequirement.buyRequirement;
  for (const status of ["PUBLISHED", "OPEN"]) ok(await execute(REQUIREMENT_STATUS, { input: { id, status } }, as.soA));
  return id;
}

describe("buy requirements (C.1)", () => {
  it("a DRAFT is its SO's alone; once published every signed-in caller sees it; only its SO moves it", async () => {
    const created = ok(await execute(CREATE_REQUIREMENT, { input: requirement() }, as.soA)).createBuyRequirement.buyRequirement;
    expect(created).toMatchObject({ status: "DRAFT", publishedAt: null, utilisationCeilingGbpPerMwh: "7.0200" });
    const { id } = created;
    for (const caller of [as.fspA, as.nationalSo, as.investor]) {
      expect(ok(await execute(REQUIREMENT, { id }, caller)).buyRequirement).toBeNull();
    }
    // Another SO cannot even find the draft to change it.
    expect(error(await execute(REQUIREMENT_STATUS, { input: { id, status: "PUBLISHED" } }, as.nationalSo)).code).toBe("NOT_FOUND");
    const published = ok(await execute(REQUIREMENT_STATUS, { input: { id, status: "PUBLISHED" } }, as.soA)).updateBuyRequirementStatus;
    expect(published.buyRequirement.publishedAt).not.toBeNull();
    for (const caller of [as.fspA, as.fspB, as.nationalSo, as.investor]) {
      expect(ok(await execute(REQUIREMENT, { id }, caller)).buyRequirement).toMatchObject({ id, status: "PUBLISHED" });
    }
    // Seen, but not theirs: FORBIDDEN.
    expect(error(await execute(REQUIREMENT_STATUS, { input: { id, status: "OPEN" } }, as.nationalSo)).code).toBe("FORBIDDEN");
    expect(error(await execute(REQUIREMENT_STATUS, { input: { id, status: "OPEN" } }, as.fspA)).code).toBe("FORBIDDEN");
  });

  it("refuses a wrong transition with currentStatus and requestedStatus, and bad input naming the field", async () => {
    const { id } = ok(await execute(CREATE_REQUIREMENT, { input: requirement() }, as.soA)).createBuyRequirement.buyRequirement;
    const wrong = error(await execute(REQUIREMENT_STATUS, { input: { id, status: "CLEARED" } }, as.soA));
    expect(wrong).toMatchObject({ code: "CONFLICT", extensions: { currentStatus: "DRAFT", requestedStatus: "CLEARED" } });
    const before = await count("buy_requirements");
    const bad: [Record<string, unknown>, string][] = [
      [{ gateClose: hours(-2) }, "gateClose"],
      [{ windows: [] }, "windows"],
      [{ maxMw: 20_000 }, "maxMw"],
      [{ minMw: 1 }, "minMw"],
      [{ utilisationCeilingGbpPerMwh: "7.021234" }, "utilisationCeilingGbpPerMwh"],
      [{ productId: "nope" }, "productId"],
      [{ productId: unknown }, "productId"],
    ];
    for (const [overrides, field] of bad) {
      expect(error(await execute(CREATE_REQUIREMENT, { input: requirement(overrides) }, as.soA))).toMatchObject({
        code: "BAD_USER_INPUT",
        field,
      });
    }
    // Another SO's product, and an FSP at all.
    expect(error(await execute(CREATE_REQUIREMENT, { input: requirement() }, as.nationalSo)).code).toBe("FORBIDDEN");
    expect(error(await execute(CREATE_REQUIREMENT, { input: requirement() }, as.fspA)).code).toBe("FORBIDDEN");
    expect(await count("buy_requirements")).toBe(before);
  });
});

describe("bids by market units into requirements (C.2)", () => {
  it("takes a unit's bid into an OPEN requirement within its gate, windows, range and ceilings", async () => {
    const requirementId = await openRequirement();
    const periods = [{ start: "2030-10-06T06:00:00.000Z", end: "2030-10-06T06:30:00.000Z" }];
    const made = ok(
      await execute(SUBMIT, { input: bid({ buyRequirementId: requirementId, periods, minQuantityMw: 0.1, basketId: "B-1" }) }, as.fspA),
    ).submitBid.bid;
    expect(made).toMatchObject({
      status: "SUBMITTED",
      marketUnit: { id: unitA },
      asset: null,
      provider: { id: fspA },
      buyRequirement: { id: requirementId },
      periods,
      minQuantityMw: 0.1,
    });
    // The SO sees it on its requirement; another FSP and another SO see neither the bid nor it on the requirement.
    expect(ok(await execute(REQUIREMENT, { id: requirementId }, as.soA)).buyRequirement.bids).toEqual([{ id: made.id }]);
    expect(ok(await execute(REQUIREMENT, { id: requirementId }, as.fspB)).buyRequirement.bids).toEqual([]);
    expect(ok(await execute(BID, { id: made.id }, as.fspB)).bid).toBeNull();
    expect(ok(await execute(BID, { id: made.id }, as.nationalSo)).bid).toBeNull();
    expect(ok(await execute(BID, { id: made.id }, as.soA)).bid).toEqual({ id: made.id });
  });

  it("refuses bad bids with the right code and writes nothing", async () => {
    const requirementId = await openRequirement();
    const { id: draftId } = ok(await execute(CREATE_REQUIREMENT, { input: requirement() }, as.soA)).createBuyRequirement.buyRequirement;
    ok(await execute(REQUIREMENT_STATUS, { input: { id: draftId, status: "PUBLISHED" } }, as.soA));
    const closedGate = await openRequirement({ gateOpen: hours(-3), gateClose: hours(-2) });
    const onlyB = await openRequirement({ eligibleParticipantIds: [fspB] });
    const before = await count("bids");
    const cases: [string, Record<string, unknown>, string, string | undefined][] = [
      ["an unknown unit", { marketUnitId: unknown }, "BAD_USER_INPUT", "marketUnitId"],
      ["another FSP's unit", { marketUnitId: unitB }, "FORBIDDEN", undefined],
      ["a SUSPENDED unit", { marketUnitId: unitSuspended }, "CONFLICT", "marketUnitId"],
      ["a DEREGISTERED unit", { marketUnitId: unitDeregistered }, "CONFLICT", "marketUnitId"],
      ["both a unit and an asset", { assetId: unitA }, "BAD_USER_INPUT", "marketUnitId"],
      ["a requirement not OPEN", { buyRequirementId: draftId }, "CONFLICT", "buyRequirementId"],
      ["a requirement whose gate is closed", { buyRequirementId: closedGate }, "CONFLICT", "buyRequirementId"],
      ["a requirement for other participants", { buyRequirementId: onlyB }, "FORBIDDEN", undefined],
      ["an unknown requirement", { buyRequirementId: unknown }, "BAD_USER_INPUT", "buyRequirementId"],
      [
        "above the utilisation ceiling",
        { buyRequirementId: requirementId, utilisationPriceGbpPerMwh: "7.0201" },
        "BAD_USER_INPUT",
        "utilisationPriceGbpPerMwh",
      ],
      [
        "above the availability ceiling",
        { buyRequirementId: requirementId, availabilityPriceGbpPerMwH: "0.01" },
        "BAD_USER_INPUT",
        "availabilityPriceGbpPerMwH",
      ],
      ["above its maximum MW", { buyRequirementId: requirementId, quantityMw: 0.6 }, "BAD_USER_INPUT", "quantityMw"],
      ["outside its windows", { buyRequirementId: requirementId, end: "2030-10-06T07:00:00Z" }, "BAD_USER_INPUT", "start"],
      ["the other direction", { buyRequirementId: requirementId, direction: "DEMAND_TURN_UP" }, "BAD_USER_INPUT", "direction"],
      [
        "a period outside the span",
        { periods: [{ start: "2030-10-06T05:00:00Z", end: "2030-10-06T06:00:00Z" }] },
        "BAD_USER_INPUT",
        "periods",
      ],
      ["a minimum above the quantity", { minQuantityMw: 0.6 }, "BAD_USER_INPUT", "minQuantityMw"],
      ["an unknown parent bid", { parentBidId: unknown }, "BAD_USER_INPUT", "parentBidId"],
    ];
    for (const [name, overrides, code, field] of cases) {
      const refused = error(await execute(SUBMIT, { input: bid(overrides) }, as.fspA));
      expect({ name, code: refused.code, field: refused.field }).toEqual({ name, code, field });
    }
    expect(await count("bids")).toBe(before);
  });

  it("walks a bid from DRAFT through validation, the bidder submitting and the buyer validating", async () => {
    const STATUS = `mutation ($input: UpdateBidStatusInput!) { updateBidStatus(input: $input) { bid { status } } }`;
    const { id } = ok(await execute(SUBMIT, { input: bid({ draft: true }) }, as.fspA)).submitBid.bid;
    expect(error(await execute(STATUS, { input: { id, status: "VALIDATED" } }, as.fspA)).code).toBe("FORBIDDEN");
    expect(ok(await execute(STATUS, { input: { id, status: "SUBMITTED" } }, as.fspA)).updateBidStatus.bid.status).toBe("SUBMITTED");
    expect(ok(await execute(STATUS, { input: { id, status: "VALIDATED" } }, as.soA)).updateBidStatus.bid.status).toBe("VALIDATED");
    const wrong = error(await execute(STATUS, { input: { id, status: "REJECTED_VALIDATION" } }, as.soA));
    expect(wrong).toMatchObject({ code: "CONFLICT", extensions: { currentStatus: "VALIDATED", requestedStatus: "REJECTED_VALIDATION" } });

    // A draft into a requirement that is not yet OPEN: kept, and submitted only once the requirement is open.
    const { id: requirementId } = ok(await execute(CREATE_REQUIREMENT, { input: requirement() }, as.soA)).createBuyRequirement
      .buyRequirement;
    ok(await execute(REQUIREMENT_STATUS, { input: { id: requirementId, status: "PUBLISHED" } }, as.soA));
    const draft = ok(await execute(SUBMIT, { input: bid({ draft: true, buyRequirementId: requirementId }) }, as.fspA)).submitBid.bid;
    expect(draft.status).toBe("DRAFT");
    expect(error(await execute(STATUS, { input: { id: draft.id, status: "SUBMITTED" } }, as.fspA))).toMatchObject({
      code: "CONFLICT",
      field: "buyRequirementId",
    });
    ok(await execute(REQUIREMENT_STATUS, { input: { id: requirementId, status: "OPEN" } }, as.soA));
    expect(ok(await execute(STATUS, { input: { id: draft.id, status: "SUBMITTED" } }, as.fspA)).updateBidStatus.bid.status).toBe(
      "SUBMITTED",
    );
  });
});

describe("clearing results (C.3) and awards", () => {
  it("records a result on a CLOSED requirement (CLEARED), public once published (RESULTS_PUBLISHED); awards the unit", async () => {
    const requirementId = await openRequirement();
    const { id: bidId } = ok(await execute(SUBMIT, { input: bid({ buyRequirementId: requirementId }) }, as.fspA)).submitBid.bid;
    const result = (extra: Record<string, unknown> = {}) => ({
      buyRequirementId: requirementId,
      auctionRef: "144",
      productId: productA,
      serviceType: "SU_HV",
      deliveryStart: "2030-10-06T06:00:00Z",
      deliveryEnd: "2030-10-06T06:30:00Z",
      clearedVolumeMw: 0.5,
      clearingPrice: "7.02",
      method: "PAY_AS_BID",
      ...extra,
    });
    // Still OPEN: the requirement's lifecycle refuses, nothing is written.
    const before = await count("clearing_results");
    const open = error(await execute(RECORD_RESULT, { input: result() }, as.soA));
    expect(open).toMatchObject({ code: "CONFLICT", extensions: { currentStatus: "OPEN", requestedStatus: "CLEARED" } });
    expect(await count("clearing_results")).toBe(before);
    expect(error(await execute(RECORD_RESULT, { input: result({ clearingPrice: "7.0.2" }) }, as.soA)).field).toBe("clearingPrice");
    expect(error(await execute(RECORD_RESULT, { input: result() }, as.nationalSo)).code).toBe("FORBIDDEN");

    ok(await execute(REQUIREMENT_STATUS, { input: { id: requirementId, status: "CLOSED" } }, as.soA));
    const recorded = ok(await execute(RECORD_RESULT, { input: result() }, as.soA)).recordClearingResult.clearingResult;
    expect(recorded).toMatchObject({ clearingPrice: "7.0200", publishedAt: null, buyRequirement: { status: "CLEARED" } });
    expect(ok(await execute(RESULT, { id: recorded.id }, as.fspA)).clearingResult).toBeNull();
    expect(error(await execute(PUBLISH_RESULT, { id: recorded.id }, as.nationalSo)).code).toBe("NOT_FOUND");
    ok(await execute(PUBLISH_RESULT, { id: recorded.id }, as.soA));
    for (const caller of [as.fspA, as.fspB, as.investor]) {
      expect(ok(await execute(RESULT, { id: recorded.id }, caller)).clearingResult).toEqual({ id: recorded.id, clearingPrice: "7.0200" });
    }
    expect(ok(await execute(REQUIREMENT, { id: requirementId }, as.fspB)).buyRequirement).toMatchObject({ status: "RESULTS_PUBLISHED" });

    const award = (extra: Record<string, unknown>) => ({
      bidId,
      marketUnitId: unitA,
      productId: productA,
      buyRequirementId: requirementId,
      clearingResultId: recorded.id,
      awardedMw: 0.5,
      utilisationPriceGbpPerMwh: "7.02",
      start: "2030-10-06T06:00:00Z",
      end: "2030-10-06T06:30:00Z",
      ...extra,
    });
    const awarded = ok(await execute(RECORD_AWARD, { input: award({}) }, as.soA)).recordAward.award;
    expect(awarded).toMatchObject({
      marketUnit: { id: unitA },
      clearingResult: { id: recorded.id },
      buyRequirement: { id: requirementId },
    });
    for (const unit of [unitSuspended, unitDeregistered]) {
      expect(error(await execute(RECORD_AWARD, { input: award({ bidId: null, marketUnitId: unit }) }, as.soA)).code).toBe("CONFLICT");
    }
    expect(error(await execute(RECORD_AWARD, { input: award({ marketUnitId: unitB, bidId: null }) }, as.nationalSo)).code).toBe(
      "FORBIDDEN",
    );
  });
});

describe("dispatch (D.3–D.6)", () => {
  async function awardUnit() {
    const award = ok(
      await execute(
        RECORD_AWARD,
        {
          input: {
            marketUnitId: unitA,
            productId: productA,
            awardedMw: 0.5,
            utilisationPriceGbpPerMwh: "7.02",
            start: "2030-10-06T06:00:00Z",
            end: "2030-10-06T08:00:00Z",
            windows: [{ start: "2030-10-06T06:00:00Z", end: "2030-10-06T06:30:00Z" }],
          },
        },
        as.soA,
      ),
    ).recordAward.award;
    return award.id as string;
  }
  const instruction = (awardId: string, extra: Record<string, unknown> = {}) => ({
    marketUnitId: unitA,
    productId: productA,
    awardId,
    issuedById: soA,
    direction: "DEMAND_TURN_DOWN",
    setPointMw: 0.5,
    start: "2030-10-06T06:00:00Z",
    end: "2030-10-06T06:30:00Z",
    energyMwh: "0.25",
    priceGbpPerMwh: "7.02",
    dispatchMethod: "epex",
    rationale: "Out of merit: the only unit behind the Ashgrove constraint",
    ...extra,
  });

  it("warns R-DSP-1 outside the awarded windows and above the awarded MW, and issues the instruction all the same", async () => {
    const awardId = await awardUnit();
    const inside = ok(await execute(ISSUE, { input: instruction(awardId) }, as.soA)).issueDispatchInstruction;
    expect(inside.warnings).toEqual([]);
    expect(inside.dispatchInstruction).toMatchObject({
      marketUnit: { id: unitA },
      award: { id: awardId },
      energyMwh: "0.25",
      priceGbpPerMwh: "7.0200",
    });
    const outside = ok(
      await execute(
        ISSUE,
        { input: instruction(awardId, { start: "2030-10-06T07:00:00Z", end: "2030-10-06T07:30:00Z", setPointMw: 0.6 }) },
        as.soA,
      ),
    ).issueDispatchInstruction;
    expect(outside.dispatchInstruction.status).toBe("ISSUED");
    expect(outside.warnings.map((warning: { ruleId: string }) => warning.ruleId)).toEqual(["R-DSP-1", "R-DSP-1"]);
    expect(outside.warnings[1].values).toEqual({ setPointMw: 0.6, awardedMw: 0.5, excessMw: 0.1 });
    expect(error(await execute(ISSUE, { input: instruction(unknown) }, as.soA)).field).toBe("awardId");
    expect(error(await execute(ISSUE, { input: instruction(awardId, { energyMwh: "-1" }) }, as.soA)).field).toBe("energyMwh");
  });

  it("shows the rationale to the SO and the FSP it concerns only; acknowledges late with R-DSP-2; ceases; records actual start and stop", async () => {
    const awardId = await awardUnit();
    const issuedAt = hours(-2);
    const { id } = ok(await execute(ISSUE, { input: instruction(awardId, { issuedAt, acknowledgeWithinMinutes: 60 }) }, as.soA))
      .issueDispatchInstruction.dispatchInstruction;
    const rationale = "Out of merit: the only unit behind the Ashgrove constraint";
    for (const caller of [as.soA, as.fspA, as.admin]) {
      expect(ok(await execute(DISPATCH, { id }, caller)).dispatchInstruction).toEqual({ id, rationale });
    }
    for (const caller of [as.fspB, as.nationalSo, as.investor]) {
      expect(ok(await execute(DISPATCH, { id }, caller)).dispatchInstruction).toBeNull();
    }

    // Ceasing before acknowledgement is a wrong transition; only the issuing SO ceases.
    expect(error(await execute(CEASE, { id }, as.soA))).toMatchObject({
      code: "CONFLICT",
      extensions: { currentStatus: "ISSUED", requestedStatus: "CEASED" },
    });
    const acked = ok(await execute(DISPATCH_STATUS, { input: { id, status: "ACKNOWLEDGED" } }, as.fspA)).updateDispatchStatus;
    expect(acked.dispatchInstruction.acknowledgedAt).not.toBeNull();
    expect(acked.warnings).toHaveLength(1);
    expect(acked.warnings[0]).toMatchObject({
      ruleId: "R-DSP-2",
      values: { acknowledgeBy: new Date(Date.parse(issuedAt) + 3_600_000).toISOString() },
    });
    expect(error(await execute(CEASE, { id }, as.fspA)).code).toBe("FORBIDDEN");
    expect(error(await execute(CEASE, { id }, as.nationalSo)).code).toBe("NOT_FOUND");
    const ceased = ok(await execute(CEASE, { id }, as.soA)).ceaseDispatchInstruction.dispatchInstruction;
    expect(ceased.status).toBe("CEASED");
    expect(ceased.ceasedAt).not.toBeNull();

    const actual = { id, actualStart: "2030-10-06T06:01:00.000Z", actualStop: "2030-10-06T06:29:00.000Z" };
    expect(error(await execute(ACTUAL, { input: actual }, as.soA)).code).toBe("FORBIDDEN");
    expect(error(await execute(ACTUAL, { input: { ...actual, actualStop: "2030-10-06T06:00:00Z" } }, as.fspA)).field).toBe("actualStop");
    expect(ok(await execute(ACTUAL, { input: actual }, as.fspA)).recordActualStartStop.dispatchInstruction).toEqual({
      actualStart: actual.actualStart,
      actualStop: actual.actualStop,
    });

    expect(error(await execute(IN_CONFLICT, { input: { id, inConflict: true } }, as.fspA)).code).toBe("FORBIDDEN");
    expect(ok(await execute(IN_CONFLICT, { input: { id, inConflict: true } }, as.soA)).setDispatchInConflict.dispatchInstruction).toEqual({
      inConflict: true,
    });

    // The unit's records, as the FSP sees them through the entity reference; another FSP sees none.
    const mine = ok(await execute(UNIT_RECORDS, { r: [{ __typename: "MarketUnit", id: unitA }] }, as.fspA))._entities[0];
    expect(mine.awards.map((award: { id: string }) => award.id)).toContain(awardId);
    expect(mine.dispatches.map((dispatch: { id: string }) => dispatch.id)).toContain(id);
    const theirs = ok(await execute(UNIT_RECORDS, { r: [{ __typename: "MarketUnit", id: unitA }] }, as.fspB))._entities[0];
    expect(theirs).toEqual({ id: unitA, bids: [], awards: [], dispatches: [] });
  });
});
