/**
 * A market unit dispatched and assessed, through the gateway over real HTTP (issue 10 items 1, 4, 6): Louis registers
 * two EV portfolios with their meter points and a unit holding both; their meter readings are ingested by MPAN alone
 * (each linked to its asset by the assets subgraph, one call per chunk); Ed (UK Power Networks, SO for _C) dispatches the
 * unit and assesses it from the sum of its members' readings: §7.8's figures. Louis sees the assessment on his unit;
 * another FSP does not. On whichever database the run uses. The `it` blocks run in order and share state.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENT, EXPECTED, exampleReadings } from "../subgraphs/transactions/test/verification-example.js";
import { codes, type Credential, gql, gqlOk, mpan, startTestStack } from "./helpers.js";

let stack: Awaited<ReturnType<typeof startTestStack>>;
type Account = Awaited<ReturnType<typeof stack.signUp>>;
let ed: Account & { verified: Credential };
let louis: Account;
let rita: Account;
const ids = { product: "", first: "", second: "", unit: "", instruction: "", assessment: "" };
const meters = { first: mpan(12, 9201), second: mpan(12, 9202) };

beforeAll(async () => {
  stack = await startTestStack();
  ed = await stack.signUpVerifiedSo("ed@ukpn-unit.test", "UK Power Networks", ["_C"]);
  louis = await stack.signUp("louis@newflex-unit.test", "FSP", "NewFlex Ltd");
  rita = await stack.signUp("rita@otherflex-unit.test", "FSP", "OtherFlex Ltd");
  const product = await gqlOk(
    stack.url,
    `mutation ($o: ID!) { createProduct(input: { ownerId: $o, code: "SAOU", name: "Scheduled Availability and Operational Utilisation",
      serviceType: AVAILABILITY_AND_UTILISATION, directions: [DEMAND_TURN_DOWN], minimumCapacityKw: 10, locations: ["_C"],
      baselineMethods: [HISTORICAL_X_OF_Y] }) { product { id } } }`,
    { o: ed.organisationId },
    ed.verified,
  );
  ids.product = product.createProduct.product.id;
  await gqlOk(
    stack.url,
    `mutation ($id: ID!) { updateProduct(input: { id: $id, status: PUBLISHED }) { product { status } } }`,
    { id: ids.product },
    stack.admin,
  );
}, 180_000);
afterAll(() => stack?.stop());

async function ingest(query: Record<string, string>, body: string, credential: Credential) {
  const headers: Record<string, string> = { "content-type": "text/csv" };
  if (credential && "token" in credential) headers.authorization = `Bearer ${credential.token}`;
  const url = `${stack.url.replace(/graphql$/, "ingest/meter-readings")}?${new URLSearchParams(query)}`;
  const response = await fetch(url, { method: "POST", headers, body });
  return { status: response.status, body: (await response.json()) as any };
}

describe("a market unit assessed from its members' meters, through the gateway", () => {
  it("Louis registers two portfolios and a unit of both", async () => {
    for (const key of ["first", "second"] as const) {
      const asset = await gqlOk(
        stack.url,
        `mutation ($o: ID!, $n: String!, $m: String!) { registerAsset(input: { ownerId: $o, name: $n, categoryCode: "EV_CHARGER",
          importCapacityKw: 700, exportCapacityKw: 0, attributes: { chargePointCount: 50 }, meterPointId: $m }) { asset { id } } }`,
        { o: louis.organisationId, n: `EV portfolio ${key}`, m: meters[key] },
        louis.as,
      );
      ids[key] = asset.registerAsset.asset.id;
    }
    const unit = await gqlOk(
      stack.url,
      `mutation ($i: CreateMarketUnitInput!) { createMarketUnit(input: $i) { marketUnit { id } } }`,
      { i: { ownerId: louis.organisationId, name: "NEWFLEX-EV-GROUP", unitType: "SPG", assetIds: [ids.first, ids.second] } },
      louis.as,
    );
    ids.unit = unit.createMarketUnit.marketUnit.id;
    await gqlOk(
      stack.url,
      `mutation ($i: UpdateMarketUnitInput!) { updateMarketUnit(input: $i) { marketUnit { status } } }`,
      { i: { id: ids.unit, status: "ACTIVE" } },
      louis.as,
    );
  });

  it("the members' readings are ingested by meter point alone and linked to the assets; another FSP's MPAN is refused", async () => {
    // §7.8's import split: the second meter a constant 100 kWh a half-hour, the first the rest.
    const rows = exampleReadings(ids.first).flatMap((r) => [
      `${meters.first},${r.intervalStart},${Number(r.activeImportKwh) - 100},0`,
      `${meters.second},${r.intervalStart},100,0`,
    ]);
    const file = `meterReference,intervalStart,importKwh,exportKwh\n${rows.join("\n")}\n`;
    const byRita = await ingest({ source: "DC_AGENT", mode: "all-or-nothing" }, file, rita.as);
    expect(byRita.status).toBe(422);
    expect(byRita.body).toMatchObject({ status: "REJECTED", inserted: 0, rejected: 44 });
    expect(byRita.body.rejections[0]).toMatchObject({ row: 1, field: "meterReference", code: "FORBIDDEN" });
    const unknown = await ingest({ source: "DC_AGENT", mode: "all-or-nothing" }, `${file}${mpan(12, 9299)},${EVENT.start},1,0\n`, louis.as);
    expect(unknown.body).toMatchObject({ status: "REJECTED", inserted: 0, rejected: 1 });
    expect(unknown.body.rejections[0]).toMatchObject({ row: 45, field: "meterReference", reason: "UNKNOWN_METER" });
    const first = await ingest({ source: "DC_AGENT" }, file, louis.as);
    expect(first.body).toMatchObject({ status: "COMPLETED", rows: 44, inserted: 44, rejected: 0 });
    const READ = `query ($a: ID!) { meterReadings(assetId: $a, from: "${EVENT.date}T00:00:00Z", to: "${EVENT.date}T23:59:00Z") {
      meterReference activeImportKwh asset { id } } }`;
    expect((await gqlOk(stack.url, READ, { a: ids.second }, louis.as)).meterReadings).toEqual([
      { meterReference: meters.second, activeImportKwh: "100.000", asset: { id: ids.second } },
      { meterReference: meters.second, activeImportKwh: "100.000", asset: { id: ids.second } },
    ]);
  });

  it("Ed dispatches the unit and assesses it from its members' summed readings: §7.8's figures", async () => {
    const issued = await gqlOk(
      stack.url,
      `mutation ($i: IssueDispatchInstructionInput!) { issueDispatchInstruction(input: $i) { dispatchInstruction { id marketUnit { id } } } }`,
      {
        i: {
          marketUnitId: ids.unit,
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
    const ASSESS = `mutation ($id: ID!) { assessDispatch(input: { dispatchInstructionId: $id }) { performanceAssessment { id status
      asset { id } marketUnit { id name } baselineMwh meteredMwh deliveredMwh instructedMwh creditedMwh deliveryRatio } } }`;
    expect(codes(await gql(stack.url, ASSESS, { id: ids.instruction }, louis.as))).toEqual(["FORBIDDEN"]);
    const assessed = (await gqlOk(stack.url, ASSESS, { id: ids.instruction }, ed.verified)).assessDispatch.performanceAssessment;
    ids.assessment = assessed.id;
    expect(assessed).toEqual({
      id: ids.assessment,
      status: "PROVISIONAL",
      asset: null,
      marketUnit: { id: ids.unit, name: "NEWFLEX-EV-GROUP" },
      baselineMwh: EXPECTED.baselineMwh,
      meteredMwh: EXPECTED.meteredMwh,
      deliveredMwh: EXPECTED.deliveredMwh,
      instructedMwh: EXPECTED.instructedMwh,
      creditedMwh: EXPECTED.creditedMwh,
      deliveryRatio: EXPECTED.deliveryRatio,
    });
  });

  it("Louis sees the assessment on his unit; another FSP sees neither", async () => {
    const ON_UNIT = `query ($u: ID!) { marketUnit(id: $u) { name performanceAssessments { id status creditedMwh marketUnit { id } }
      dispatches { id performanceAssessment { id } } } }`;
    expect((await gqlOk(stack.url, ON_UNIT, { u: ids.unit }, louis.as)).marketUnit).toEqual({
      name: "NEWFLEX-EV-GROUP",
      performanceAssessments: [{ id: ids.assessment, status: "PROVISIONAL", creditedMwh: "0.291000", marketUnit: { id: ids.unit } }],
      dispatches: [{ id: ids.instruction, performanceAssessment: { id: ids.assessment } }],
    });
    expect((await gqlOk(stack.url, ON_UNIT, { u: ids.unit }, ed.verified)).marketUnit.performanceAssessments).toHaveLength(1);
    expect((await gqlOk(stack.url, ON_UNIT, { u: ids.unit }, rita.as)).marketUnit).toBeNull();
    const BY_ID = `query ($id: ID!) { performanceAssessment(id: $id) { id } }`;
    expect((await gqlOk(stack.url, BY_ID, { id: ids.assessment }, rita.as)).performanceAssessment).toBeNull();
  });
});
