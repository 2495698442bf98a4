/**
 * The competition and dispatch chain through the gateway, over real HTTP (C.1–C.3, D.3–D.6; domain §7.6, §7.7):
 * Ed publishes a buy requirement; Louis bids with his market unit; Ed records the clearing result and the award,
 * dispatches the unit with a rationale; Louis acknowledges; Ed ceases. Louis sees it all on his unit; a rival FSP and
 * another SO of the same area see neither the bid nor the instruction and its rationale.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activeBatteryUnit, codes, type Credential, gql, gqlOk, PASSWORD, signIn, startTestStack } from "./helpers.js";

let stack: Awaited<ReturnType<typeof startTestStack>>;
type Account = Awaited<ReturnType<typeof stack.signUp>>;
let louis: Account;
let rival: Account;
let ed: Account & { verified: Credential };
let otherSo: Credential;
let unitId: string;
let productId: string;
const HOUR = 3_600_000;
const at = (hours: number) => new Date(Date.now() + hours * HOUR).toISOString();

async function soInLondon(email: string, organisation: string) {
  const so = await stack.signUp(email, "SYSTEM_OPERATOR", organisation);
  await gqlOk(stack.url, `mutation ($u: ID!) { verifySystemOperator(userId: $u) { user { status } } }`, { u: so.userId }, stack.admin);
  await gqlOk(
    stack.url,
    `mutation ($o: ID!) { updateOrganisation(input: { id: $o, areas: ["_C"] }) { organisation { id } } }`,
    { o: so.organisationId },
    stack.admin,
  );
  return { ...so, verified: await signIn(stack.url, email, PASSWORD) }; // roles and areas are in the token: sign in again
}

beforeAll(async () => {
  stack = await startTestStack();
  louis = await stack.signUp("louis@chain-flex.test", "FSP", "Chain Flex Ltd");
  rival = await stack.signUp("rival@chain-other.test", "FSP", "Chain Other Ltd");
  ed = await soInLondon("ed@chain-ukpn.test", "UK Power Networks");
  otherSo = (await soInLondon("ed@chain-other-so.test", "Other London SO")).verified;
  ({ unitId } = await activeBatteryUnit(stack.url, louis, "LOUIS-SPG-01", [8101, 8102]));
  const product = await gqlOk(
    stack.url,
    `mutation ($o: ID!) { createProduct(input: { ownerId: $o, code: "SU_HV", name: "Scheduled Utilisation",
      serviceType: AVAILABILITY_AND_UTILISATION, directions: [DEMAND_TURN_DOWN], minimumCapacityKw: 100, locations: ["_C"] })
      { product { id } } }`,
    { o: ed.organisationId },
    ed.verified,
  );
  productId = product.createProduct.product.id;
  await gqlOk(
    stack.url,
    `mutation ($id: ID!) { updateProduct(input: { id: $id, status: PUBLISHED }) { product { status } } }`,
    { id: productId },
    stack.admin,
  );
}, 180_000);
afterAll(() => stack?.stop());

describe("the market chain through the gateway", () => {
  it("requirement → bid by a unit → clearing result → award → dispatch with rationale → acknowledgement → cease", async () => {
    const window = { start: at(48), end: at(48.5) };
    // C.1: Ed drafts, publishes and opens the requirement; Louis sees it once published.
    const created = await gqlOk(
      stack.url,
      `mutation ($i: CreateBuyRequirementInput!) { createBuyRequirement(input: $i) { buyRequirement { id status } } }`,
      {
        i: {
          name: "Scheduled Utilisation - Hendon Way",
          productId,
          requiredService: "DEMAND_TURN_DOWN",
          gateOpen: at(-1),
          gateClose: at(24),
          windows: [window],
          maxMw: 1.5,
          utilisationCeilingGbpPerMwh: "300",
        },
      },
      ed.verified,
    );
    const requirementId = created.createBuyRequirement.buyRequirement.id;
    const REQUIREMENT = `query ($id: ID!) { buyRequirement(id: $id) { id status product { code } buyer { name } } }`;
    expect((await gqlOk(stack.url, REQUIREMENT, { id: requirementId }, louis.as)).buyRequirement).toBeNull();
    const move = (status: string) =>
      gqlOk(
        stack.url,
        `mutation ($i: UpdateBuyRequirementStatusInput!) { updateBuyRequirementStatus(input: $i) { buyRequirement { status } } }`,
        { i: { id: requirementId, status } },
        ed.verified,
      );
    await move("PUBLISHED");
    await move("OPEN");
    expect((await gqlOk(stack.url, REQUIREMENT, { id: requirementId }, louis.as)).buyRequirement).toEqual({
      id: requirementId,
      status: "OPEN",
      product: { code: "SU_HV" },
      buyer: { name: "UK Power Networks" },
    });

    // C.2: Louis bids with his unit; above the ceiling is refused; the rival can neither see it nor bid with his unit.
    const SUBMIT = `mutation ($i: SubmitBidInput!) { submitBid(input: $i) { bid { id status marketUnit { id name } } } }`;
    const bid = (extra: Record<string, unknown> = {}) => ({
      marketUnitId: unitId,
      productId,
      buyRequirementId: requirementId,
      bidderId: louis.organisationId,
      direction: "DEMAND_TURN_DOWN",
      quantityMw: 1.5,
      utilisationPriceGbpPerMwh: "175",
      ...window,
      ...extra,
    });
    const dear = await gql(stack.url, SUBMIT, { i: bid({ utilisationPriceGbpPerMwh: "300.0001" }) }, louis.as);
    expect(codes(dear)).toEqual(["BAD_USER_INPUT"]);
    expect(dear.errors?.[0]?.extensions?.field).toBe("utilisationPriceGbpPerMwh");
    const made = (await gqlOk(stack.url, SUBMIT, { i: bid() }, louis.as)).submitBid.bid;
    expect(made).toMatchObject({ status: "SUBMITTED", marketUnit: { id: unitId, name: "LOUIS-SPG-01" } });
    expect((await gqlOk(stack.url, `query ($id: ID!) { bid(id: $id) { id } }`, { id: made.id }, rival.as)).bid).toBeNull();
    const stolen = await gql(stack.url, SUBMIT, { i: bid({ bidderId: rival.organisationId }) }, rival.as);
    expect(codes(stolen)[0]).toMatch(/^(BAD_USER_INPUT|FORBIDDEN)$/); // the unit is not the rival's to see, let alone bid with

    // C.3: the gate closes; Ed records and publishes the clearing result; everyone signed in sees it.
    await move("CLOSED");
    const result = await gqlOk(
      stack.url,
      `mutation ($i: RecordClearingResultInput!) { recordClearingResult(input: $i) {
        clearingResult { id clearingPrice method buyRequirement { status } } } }`,
      {
        i: {
          buyRequirementId: requirementId,
          productId,
          serviceType: "SU_HV",
          deliveryStart: window.start,
          deliveryEnd: window.end,
          clearedVolumeMw: 1.5,
          clearingPrice: "175",
          method: "PAY_AS_BID",
          publish: true,
        },
      },
      ed.verified,
    );
    const clearing = result.recordClearingResult.clearingResult;
    expect(clearing).toMatchObject({ clearingPrice: "175.0000", method: "PAY_AS_BID", buyRequirement: { status: "RESULTS_PUBLISHED" } });
    const seen = await gqlOk(stack.url, `query ($id: ID!) { clearingResult(id: $id) { clearingPrice } }`, { id: clearing.id }, rival.as);
    expect(seen.clearingResult).toEqual({ clearingPrice: "175.0000" });

    // The award of Louis's unit.
    const awarded = await gqlOk(
      stack.url,
      `mutation ($i: RecordAwardInput!) { recordAward(input: $i) { award { id awardedMw marketUnit { id } clearingResult { id } provider { name } } } }`,
      {
        i: {
          bidId: made.id,
          marketUnitId: unitId,
          productId,
          buyRequirementId: requirementId,
          clearingResultId: clearing.id,
          awardedMw: 1.5,
          utilisationPriceGbpPerMwh: "175",
          ...window,
        },
      },
      ed.verified,
    );
    const award = awarded.recordAward.award;
    expect(award).toMatchObject({
      awardedMw: 1.5,
      marketUnit: { id: unitId },
      clearingResult: { id: clearing.id },
      provider: { name: "Chain Flex Ltd" },
    });

    // D.3 and UC22: Ed dispatches the unit with a rationale; within the award, no warnings.
    const rationale = "Out of merit: the only flexible unit behind the Hendon Way constraint";
    const issued = await gqlOk(
      stack.url,
      `mutation ($i: IssueDispatchInstructionInput!) { issueDispatchInstruction(input: $i) {
        dispatchInstruction { id status energyMwh rationale } warnings { ruleId } } }`,
      {
        i: {
          marketUnitId: unitId,
          productId,
          awardId: award.id,
          issuedById: ed.organisationId,
          direction: "DEMAND_TURN_DOWN",
          setPointMw: 1.5,
          energyMwh: "0.75",
          priceGbpPerMwh: "175",
          dispatchMethod: "ASDP_API",
          rationale,
          ...window,
        },
      },
      ed.verified,
    );
    const { dispatchInstruction: instruction, warnings } = issued.issueDispatchInstruction;
    expect(instruction).toMatchObject({ status: "ISSUED", energyMwh: "0.75", rationale });
    expect(warnings).toEqual([]);
    const DISPATCH = `query ($id: ID!) { dispatchInstruction(id: $id) { id rationale } }`;
    expect((await gqlOk(stack.url, DISPATCH, { id: instruction.id }, louis.as)).dispatchInstruction).toEqual({
      id: instruction.id,
      rationale,
    });
    for (const stranger of [rival.as, otherSo]) {
      expect((await gqlOk(stack.url, DISPATCH, { id: instruction.id }, stranger)).dispatchInstruction).toBeNull();
    }

    // Louis acknowledges in time; Ed ceases (D.5/D.6).
    const acked = await gqlOk(
      stack.url,
      `mutation ($id: ID!) { updateDispatchStatus(input: { id: $id, status: ACKNOWLEDGED }) {
        dispatchInstruction { status acknowledgedAt } warnings { ruleId } } }`,
      { id: instruction.id },
      louis.as,
    );
    expect(acked.updateDispatchStatus).toMatchObject({ dispatchInstruction: { status: "ACKNOWLEDGED" }, warnings: [] });
    const CEASE = `mutation ($id: ID!) { ceaseDispatchInstruction(input: { id: $id }) { dispatchInstruction { status ceasedAt } } }`;
    expect(codes(await gql(stack.url, CEASE, { id: instruction.id }, louis.as))).toEqual(["FORBIDDEN"]);
    const ceased = await gqlOk(stack.url, CEASE, { id: instruction.id }, ed.verified);
    expect(ceased.ceaseDispatchInstruction.dispatchInstruction.status).toBe("CEASED");

    // Louis sees it all on his unit (the assets subgraph's MarketUnit, extended here); the rival sees no unit.
    const UNIT = `query ($id: ID!) { marketUnit(id: $id) { name bids { id status } awards { id } dispatches { id status rationale } } }`;
    expect((await gqlOk(stack.url, UNIT, { id: unitId }, louis.as)).marketUnit).toEqual({
      name: "LOUIS-SPG-01",
      bids: [{ id: made.id, status: "SUBMITTED" }],
      awards: [{ id: award.id }],
      dispatches: [{ id: instruction.id, status: "CEASED", rationale }],
    });
    expect((await gqlOk(stack.url, UNIT, { id: unitId }, rival.as)).marketUnit).toBeNull();
  });
});
