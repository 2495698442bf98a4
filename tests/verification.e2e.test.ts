/**
 * Verification (V.1–V.5) through the gateway over real HTTP, on whichever database the run uses: domain.md §7.8's
 * worked example reproduced by the graph itself. Louis (an FSP) records his EV portfolio's meter readings by mutation,
 * Ed (a system operator) dispatches it and assesses the instruction, and the figures read back are §7.8's: baselines
 * 0.411 / 0.445 MWh (import, so −0.411 / −0.445 export-positive), delivered 0.306 MWh (102 %), credited 0.291 MWh.
 * Uma (another SO) and Rita (another FSP) can neither read nor change any of it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ASSESSMENT_FIELDS, EVENT, EXPECTED, exampleReadings } from "../subgraphs/transactions/test/verification-example.js";
import { codes, type Credential, gql, gqlOk, mpan, PASSWORD, signIn, startTestStack } from "./helpers.js";

let stack: Awaited<ReturnType<typeof startTestStack>>;
type Account = Awaited<ReturnType<typeof stack.signUp>>;
let ed: Account & { verified: Credential };
let uma: Account & { verified: Credential };
let louis: Account;
let rita: Account;
const ids = { product: "", asset: "", instruction: "", assessment: "" };

async function verifiedSo(email: string, organisation: string) {
  const so = await stack.signUp(email, "SYSTEM_OPERATOR", organisation);
  await gqlOk(stack.url, `mutation ($u: ID!) { verifySystemOperator(userId: $u) { user { status } } }`, { u: so.userId }, stack.admin);
  await gqlOk(
    stack.url,
    `mutation ($i: UpdateOrganisationInput!) { updateOrganisation(input: $i) { organisation { id } } }`,
    { i: { id: so.organisationId, areas: ["_C"] } },
    stack.admin,
  );
  return { ...so, verified: await signIn(stack.url, email, PASSWORD) }; // roles and areas are in the token: sign in again
}

const RECORD = `mutation ($r: [MeterReadingInput!]!) { recordMeterReadings(input: { readings: $r }) { created updated repeated } }`;
const ASSESS = `mutation ($id: ID!) { assessDispatch(input: { dispatchInstructionId: $id }) { performanceAssessment { ${ASSESSMENT_FIELDS} } } }`;

beforeAll(async () => {
  stack = await startTestStack();
  ed = await verifiedSo("ed@ukpn.test", "UK Power Networks");
  uma = await verifiedSo("uma@ssen.test", "SSEN Distribution");
  louis = await stack.signUp("louis@newflex.test", "FSP", "NewFlex Ltd");
  rita = await stack.signUp("rita@otherflex.test", "FSP", "OtherFlex Ltd");
  const product = await gqlOk(
    stack.url,
    `mutation ($o: ID!) { createProduct(input: { ownerId: $o, code: "SAOU", name: "Scheduled Availability", serviceType: AVAILABILITY_AND_UTILISATION,
      directions: [DEMAND_TURN_DOWN], minimumCapacityKw: 10, locations: ["_C"], baselineMethods: [HISTORICAL_X_OF_Y] }) { product { id } } }`,
    { o: ed.organisationId },
    ed.verified,
  );
  ids.product = product.createProduct.product.id;
  // Published (by an administrator), its _C scope is Ed's service area: his dispatches there are in his area.
  await gqlOk(
    stack.url,
    `mutation ($id: ID!) { updateProduct(input: { id: $id, status: PUBLISHED }) { product { status } } }`,
    { id: ids.product },
    stack.admin,
  );
  const asset = await gqlOk(
    stack.url,
    `mutation ($o: ID!, $m: String!) { registerAsset(input: { ownerId: $o, name: "EV portfolio", categoryCode: "EV_CHARGER", importCapacityKw: 700,
      exportCapacityKw: 0, attributes: { chargePointCount: 100 }, meterPointId: $m }) { asset { id } } }`,
    { o: louis.organisationId, m: mpan(12, 8801) },
    louis.as,
  );
  ids.asset = asset.registerAsset.asset.id;
}, 180_000);
afterAll(() => stack?.stop());

describe("§7.8 through the graph", () => {
  it("Louis records the readings by mutation (a replay adds nothing); Rita may not record on his asset", async () => {
    const readings = exampleReadings(ids.asset);
    expect((await gqlOk(stack.url, RECORD, { r: readings }, louis.as)).recordMeterReadings).toEqual({
      created: 22,
      updated: 0,
      repeated: [],
    });
    const replay = await gqlOk(stack.url, RECORD, { r: readings.slice(0, 3) }, louis.as);
    expect(replay.recordMeterReadings).toEqual({ created: 0, updated: 0, repeated: [0, 1, 2] });
    const offPeriod = await gql(stack.url, RECORD, { r: [{ ...readings[0], intervalStart: "2026-11-02T17:10:00Z" }] }, louis.as);
    expect(offPeriod.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "readings[0].intervalStart" });
    const byRita = await gql(stack.url, RECORD, { r: [{ ...readings[0], activeImportKwh: "1" }] }, rita.as);
    // Rita cannot see Louis's asset at all: to her it does not exist.
    expect(codes(byRita)).toEqual(["BAD_USER_INPUT"]);
    const read = await gqlOk(
      stack.url,
      `query ($a: ID!) { asset(id: $a) { meterReadings(from: "2026-11-16T00:00:00Z", to: "2026-11-17T00:00:00Z") { intervalStart activeImportKwh netExportKwh } } }`,
      { a: ids.asset },
      louis.as,
    );
    expect(read.asset.meterReadings).toEqual([
      { intervalStart: "2026-11-16T17:00:00.000Z", activeImportKwh: "270.000", netExportKwh: "-270.000" },
      { intervalStart: "2026-11-16T17:30:00.000Z", activeImportKwh: "280.000", netExportKwh: "-280.000" },
    ]);
  });

  it("Ed dispatches 0.30 MW DTD 17:00–18:00 and assesses it: §7.8's figures, exactly; Uma cannot assess it", async () => {
    const issued = await gqlOk(
      stack.url,
      `mutation ($i: IssueDispatchInstructionInput!) { issueDispatchInstruction(input: $i) { dispatchInstruction { id } } }`,
      {
        i: {
          assetId: ids.asset,
          productId: ids.product,
          issuedById: ed.organisationId,
          direction: "DEMAND_TURN_DOWN",
          setPointMw: EVENT.setPointMw,
          start: EVENT.start,
          end: EVENT.end,
        },
      },
      ed.verified,
    );
    ids.instruction = issued.issueDispatchInstruction.dispatchInstruction.id;
    expect(codes(await gql(stack.url, ASSESS, { id: ids.instruction }, uma.verified))).toEqual(["NOT_FOUND"]);
    expect(codes(await gql(stack.url, ASSESS, { id: ids.instruction }, louis.as))).toEqual(["FORBIDDEN"]);
    const assessed = (await gqlOk(stack.url, ASSESS, { id: ids.instruction }, ed.verified)).assessDispatch.performanceAssessment;
    ids.assessment = assessed.id;
    expect(assessed).toMatchObject({ ...EXPECTED, status: "PROVISIONAL", methodVersion: 1, lateDataPeriods: [] });
  });

  it("Ed publishes it and issues a penalty; Louis reads it on his asset's instruction; Rita and Uma see nothing", async () => {
    const published = await gqlOk(
      stack.url,
      `mutation ($id: ID!) { publishAssessment(input: { id: $id }) { performanceAssessment { status } } }`,
      { id: ids.assessment },
      ed.verified,
    );
    expect(published.publishAssessment.performanceAssessment.status).toBe("PUBLISHED");
    await gqlOk(
      stack.url,
      `mutation ($i: IssuePenaltyInput!) { issuePenalty(input: $i) { penalty { id } } }`,
      { i: { assessmentId: ids.assessment, type: "NON_DELIVERY", amountGbp: "12.34", basis: "SP 17:00 delivered 94% of instructed" } },
      ed.verified,
    );
    const ON_ASSET = `query ($a: ID!) { asset(id: $a) { dispatches { id performanceAssessment { id status creditedMwh deliveryRatio
      penalties { type amountGbp } } } } }`;
    const louisView = await gqlOk(stack.url, ON_ASSET, { a: ids.asset }, louis.as);
    expect(louisView.asset.dispatches).toEqual([
      {
        id: ids.instruction,
        performanceAssessment: {
          id: ids.assessment,
          status: "PUBLISHED",
          creditedMwh: "0.291000",
          deliveryRatio: "1.020000",
          penalties: [{ type: "NON_DELIVERY", amountGbp: "12.34" }],
        },
      },
    ]);
    const ONE = `query ($id: ID!) { performanceAssessment(id: $id) { id } }`;
    expect((await gqlOk(stack.url, ONE, { id: ids.assessment }, rita.as)).performanceAssessment).toBeNull();
    expect((await gqlOk(stack.url, ONE, { id: ids.assessment }, uma.verified)).performanceAssessment).toBeNull();
    const READINGS = `query ($a: ID!) { meterReadings(assetId: $a, from: "2026-11-16T00:00:00Z", to: "2026-11-17T00:00:00Z") { id } }`;
    expect((await gqlOk(stack.url, READINGS, { a: ids.asset }, rita.as)).meterReadings).toEqual([]);
    // Ed sees the readings within his instruction's window, not the history before it.
    expect((await gqlOk(stack.url, READINGS, { a: ids.asset }, ed.verified)).meterReadings).toHaveLength(2);
  });

  it("the service-delivery report gives Ed his product's month", async () => {
    const report = await gqlOk(
      stack.url,
      `{ serviceDeliveryReport(from: "2026-11-01T00:00:00Z", to: "2026-12-01T00:00:00Z") { product { id code } month instructions assessed
        instructedMwh deliveredMwh creditedMwh meanDeliveryRatio penaltiesGbp } }`,
      {},
      ed.verified,
    );
    expect(report.serviceDeliveryReport).toEqual([
      {
        product: { id: ids.product, code: "SAOU" },
        month: "2026-11",
        instructions: 1,
        assessed: 1,
        instructedMwh: "0.300000",
        deliveredMwh: "0.306000",
        creditedMwh: "0.291000",
        meanDeliveryRatio: "1.020000",
        penaltiesGbp: "12.34",
      },
    ]);
    const forUma = await gqlOk(
      stack.url,
      `{ serviceDeliveryReport(from: "2026-11-01T00:00:00Z", to: "2026-12-01T00:00:00Z") { month } }`,
      {},
      uma.verified,
    );
    expect(forUma.serviceDeliveryReport).toEqual([]);
  });
});
