/**
 * Louis end to end (issue 10 item 6), every step through the gateway over real HTTP, on whichever database the run
 * uses: Ed (UK Power Networks, a verified SO for GSP group _C) publishes a buy requirement on his SAOU product; Louis
 * (NewFlex, an FSP) bids his market unit holding one EV charging portfolio; the clearing result and the award are
 * recorded as an ingested outcome of UKPN's flexibility portal (a replay is CONFLICT); Louis declares availability;
 * Ed dispatches the portfolio with a rationale, Louis acknowledges, Ed ceases; the meter readings (§7.8's 10 prior
 * days and the event) are ingested as a CSV file (a replay adds 0); Ed assesses (§7.8's figures), publishes and
 * finalises; sets settlement terms, generates the November statement, the invoice is issued, approved and paid.
 * Louis sees it all on his asset and his unit; Rita (another FSP) and Sam (an SO outside the area) see none of it.
 *
 * The event is §7.8's (Monday 16 November 2026, 17:00–18:00 GMT, 0.30 MW demand turn-down), so the delivery window
 * lies before the requirement's gate: its dates are fixed so the baseline days are; the gate runs round `now`.
 * The `it` blocks run in order and share state.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENT, EXPECTED, exampleReadings } from "../subgraphs/transactions/test/verification-example.js";
import { codes, type Credential, gql, gqlOk, mpan, PASSWORD, signIn, startTestStack } from "./helpers.js";

let stack: Awaited<ReturnType<typeof startTestStack>>;
type Account = Awaited<ReturnType<typeof stack.signUp>>;
let ed: Account & { verified: Credential };
let sam: Account & { verified: Credential };
let louis: Account;
let rita: Account;
const ids = {
  product: "",
  asset: "",
  unit: "",
  requirement: "",
  bid: "",
  clearing: "",
  award: "",
  declaration: "",
  instruction: "",
  assessment: "",
  statement: "",
  invoice: "",
  contract: "",
};
const HOUR = 3_600_000;
const at = (hours: number) => new Date(Date.now() + hours * HOUR).toISOString();
const WINDOW = { start: EVENT.start, end: EVENT.end };
const RATIONALE = "Out of merit: the only flexible demand behind the Hendon Way 11 kV constraint";
const SOURCE = "UKPN_FLEX_PORTAL";

async function verifiedSo(email: string, organisation: string, areas: string[]) {
  const so = await stack.signUp(email, "SYSTEM_OPERATOR", organisation);
  await gqlOk(stack.url, `mutation ($u: ID!) { verifySystemOperator(userId: $u) { user { status } } }`, { u: so.userId }, stack.admin);
  await gqlOk(
    stack.url,
    `mutation ($i: UpdateOrganisationInput!) { updateOrganisation(input: $i) { organisation { id } } }`,
    { i: { id: so.organisationId, areas } },
    stack.admin,
  );
  return { ...so, verified: await signIn(stack.url, email, PASSWORD) }; // roles and areas are in the token: sign in again
}

/** POSTs a CSV file to the gateway's ingest endpoint as `credential`. */
async function ingest(entity: string, query: Record<string, string>, body: string, credential: Credential) {
  const headers: Record<string, string> = { "content-type": "text/csv" };
  if (credential && "token" in credential) headers.authorization = `Bearer ${credential.token}`;
  const url = `${stack.url.replace(/graphql$/, `ingest/${entity}`)}?${new URLSearchParams(query)}`;
  const response = await fetch(url, { method: "POST", headers, body });
  return { status: response.status, body: (await response.json()) as any };
}

beforeAll(async () => {
  stack = await startTestStack();
  ed = await verifiedSo("ed@ukpn-journey.test", "UK Power Networks", ["_C"]);
  sam = await verifiedSo("sam@ssen-journey.test", "SSEN Distribution", ["_P"]);
  louis = await stack.signUp("louis@newflex-journey.test", "FSP", "NewFlex Ltd");
  rita = await stack.signUp("rita@otherflex-journey.test", "FSP", "OtherFlex Ltd");
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

describe("Louis from bid to payment, through the gateway", () => {
  it("1. Ed publishes a buy requirement: DRAFT → PUBLISHED → OPEN; Louis sees it once published", async () => {
    const created = await gqlOk(
      stack.url,
      `mutation ($i: CreateBuyRequirementInput!) { createBuyRequirement(input: $i) { buyRequirement { id status } } }`,
      {
        i: {
          name: "SAOU - Hendon Way, November",
          productId: ids.product,
          requiredService: "DEMAND_TURN_DOWN",
          gateOpen: at(-1),
          gateClose: at(1),
          windows: [WINDOW],
          maxMw: 1,
          availabilityCeilingGbpPerMwH: "30",
          utilisationCeilingGbpPerMwh: "350",
        },
      },
      ed.verified,
    );
    ids.requirement = created.createBuyRequirement.buyRequirement.id;
    expect(created.createBuyRequirement.buyRequirement.status).toBe("DRAFT");
    const READ = `query ($id: ID!) { buyRequirement(id: $id) { id status product { code } buyer { name } } }`;
    expect((await gqlOk(stack.url, READ, { id: ids.requirement }, louis.as)).buyRequirement).toBeNull();
    for (const status of ["PUBLISHED", "OPEN"]) {
      const moved = await gqlOk(
        stack.url,
        `mutation ($i: UpdateBuyRequirementStatusInput!) { updateBuyRequirementStatus(input: $i) { buyRequirement { status } } }`,
        { i: { id: ids.requirement, status } },
        ed.verified,
      );
      expect(moved.updateBuyRequirementStatus.buyRequirement.status).toBe(status);
    }
    expect((await gqlOk(stack.url, READ, { id: ids.requirement }, louis.as)).buyRequirement).toEqual({
      id: ids.requirement,
      status: "OPEN",
      product: { code: "SAOU" },
      buyer: { name: "UK Power Networks" },
    });
  });

  it("2. Louis registers his EV portfolio and a unit holding it, and bids the unit into the requirement", async () => {
    const asset = await gqlOk(
      stack.url,
      `mutation ($o: ID!, $m: String!) { registerAsset(input: { ownerId: $o, name: "EV charging portfolio", categoryCode: "EV_CHARGER",
        importCapacityKw: 700, exportCapacityKw: 0, attributes: { chargePointCount: 100 }, meterPointId: $m }) { asset { id } } }`,
      { o: louis.organisationId, m: mpan(12, 9101) },
      louis.as,
    );
    ids.asset = asset.registerAsset.asset.id;
    const unit = await gqlOk(
      stack.url,
      `mutation ($i: CreateMarketUnitInput!) { createMarketUnit(input: $i) { marketUnit { id } } }`,
      { i: { ownerId: louis.organisationId, name: "NEWFLEX-EV-01", unitType: "SPU", assetIds: [ids.asset] } },
      louis.as,
    );
    ids.unit = unit.createMarketUnit.marketUnit.id;
    await gqlOk(
      stack.url,
      `mutation ($i: UpdateMarketUnitInput!) { updateMarketUnit(input: $i) { marketUnit { status } } }`,
      { i: { id: ids.unit, status: "ACTIVE" } },
      louis.as,
    );
    const SUBMIT = `mutation ($i: SubmitBidInput!) { submitBid(input: $i) { bid { id status quantityMw marketUnit { id name } } } }`;
    const bid = (extra: Record<string, unknown> = {}) => ({
      marketUnitId: ids.unit,
      productId: ids.product,
      buyRequirementId: ids.requirement,
      bidderId: louis.organisationId,
      direction: "DEMAND_TURN_DOWN",
      quantityMw: EVENT.setPointMw,
      availabilityPriceGbpPerMwH: "21.40",
      utilisationPriceGbpPerMwh: "300",
      ...WINDOW,
      ...extra,
    });
    const dear = await gql(stack.url, SUBMIT, { i: bid({ availabilityPriceGbpPerMwH: "30.01" }) }, louis.as);
    expect(codes(dear)).toEqual(["BAD_USER_INPUT"]);
    expect(dear.errors?.[0]?.extensions?.field).toBe("availabilityPriceGbpPerMwH");
    const made = (await gqlOk(stack.url, SUBMIT, { i: bid() }, louis.as)).submitBid.bid;
    ids.bid = made.id;
    expect(made).toMatchObject({ status: "SUBMITTED", quantityMw: 0.3, marketUnit: { id: ids.unit, name: "NEWFLEX-EV-01" } });
    // Rita can neither bid with Louis's unit nor see his bid.
    const stolen = await gql(stack.url, SUBMIT, { i: bid({ bidderId: rita.organisationId }) }, rita.as);
    expect(codes(stolen)[0]).toMatch(/^(BAD_USER_INPUT|FORBIDDEN)$/);
    expect((await gqlOk(stack.url, `query ($id: ID!) { bid(id: $id) { id } }`, { id: ids.bid }, rita.as)).bid).toBeNull();
  });

  it("3. the gate closes; the clearing result and the award are recorded from UKPN's portal, once", async () => {
    await gqlOk(
      stack.url,
      `mutation ($i: UpdateBuyRequirementStatusInput!) { updateBuyRequirementStatus(input: $i) { buyRequirement { status } } }`,
      { i: { id: ids.requirement, status: "CLOSED" } },
      ed.verified,
    );
    const CLEAR = `mutation ($i: RecordClearingResultInput!) { recordClearingResult(input: $i) {
      clearingResult { id clearingPrice method buyRequirement { status } } } }`;
    const clearingInput = {
      buyRequirementId: ids.requirement,
      productId: ids.product,
      serviceType: "SAOU",
      deliveryStart: WINDOW.start,
      deliveryEnd: WINDOW.end,
      clearedVolumeMw: EVENT.setPointMw,
      clearingPrice: "21.40",
      method: "PAY_AS_BID",
      publish: true,
      source: SOURCE,
      externalId: "UKPN-CR-2026-11-16-HENDON",
    };
    const cleared = (await gqlOk(stack.url, CLEAR, { i: clearingInput }, ed.verified)).recordClearingResult.clearingResult;
    ids.clearing = cleared.id;
    expect(cleared).toMatchObject({ clearingPrice: "21.4000", method: "PAY_AS_BID", buyRequirement: { status: "RESULTS_PUBLISHED" } });
    expect(codes(await gql(stack.url, CLEAR, { i: clearingInput }, ed.verified))).toEqual(["CONFLICT"]);

    const AWARD = `mutation ($i: RecordAwardInput!) { recordAward(input: $i) { award { id awardedMw status source externalId
      availabilityPriceGbpPerMwH utilisationPriceGbpPerMwh marketUnit { id } bid { id } clearingResult { id } provider { name } } } }`;
    const awardInput = {
      bidId: ids.bid,
      marketUnitId: ids.unit,
      productId: ids.product,
      buyRequirementId: ids.requirement,
      clearingResultId: ids.clearing,
      awardedMw: EVENT.setPointMw,
      availabilityPriceGbpPerMwH: "21.40",
      utilisationPriceGbpPerMwh: "300",
      ...WINDOW,
      source: SOURCE,
      externalId: "UKPN-AWD-2026-11-16-NEWFLEX-EV-01",
    };
    // Rita cannot record an award on Ed's product.
    expect(codes(await gql(stack.url, AWARD, { i: awardInput }, rita.as))[0]).toMatch(/^(BAD_USER_INPUT|FORBIDDEN)$/);
    const award = (await gqlOk(stack.url, AWARD, { i: awardInput }, ed.verified)).recordAward.award;
    ids.award = award.id;
    expect(award).toMatchObject({
      awardedMw: 0.3,
      source: SOURCE,
      externalId: "UKPN-AWD-2026-11-16-NEWFLEX-EV-01",
      availabilityPriceGbpPerMwH: "21.4000",
      utilisationPriceGbpPerMwh: "300.0000",
      marketUnit: { id: ids.unit },
      bid: { id: ids.bid },
      clearingResult: { id: ids.clearing },
      provider: { name: "NewFlex Ltd" },
    });
    // Ed accepts the bid the award is of; Rita may not.
    const ACCEPT = `mutation ($id: ID!) { updateBidStatus(input: { id: $id, status: ACCEPTED }) { bid { status } } }`;
    expect(codes(await gql(stack.url, ACCEPT, { id: ids.bid }, rita.as))).toEqual(["NOT_FOUND"]);
    expect((await gqlOk(stack.url, ACCEPT, { id: ids.bid }, ed.verified)).updateBidStatus.bid.status).toBe("ACCEPTED");
    // Replaying the portal's record adds nothing.
    const replay = await gql(stack.url, AWARD, { i: awardInput }, ed.verified);
    expect(codes(replay)).toEqual(["CONFLICT"]);
    expect(replay.errors?.[0]?.extensions).toMatchObject({ source: SOURCE, externalId: awardInput.externalId });
  });

  it("4. Louis declares availability of his unit for the award's window", async () => {
    const DECLARE = `mutation ($i: DeclareAvailabilityInput!) { declareAvailability(input: $i) {
      availabilityDeclaration { id status declaredMw awardId marketUnit { id } provider { name } buyer { name } } } }`;
    const input = {
      marketUnitId: ids.unit,
      productId: ids.product,
      awardId: ids.award,
      ...WINDOW,
      declaredMw: EVENT.setPointMw,
      // The window is §7.8's, already past: the declaration comes from Louis's own platform, as it recorded it then.
      lockedAt: "2026-11-15T12:00:00Z",
      source: "NEWFLEX_PLATFORM",
      externalId: "NF-DECL-2026-11-16-EV-01",
    };
    expect(codes(await gql(stack.url, DECLARE, { i: input }, rita.as))[0]).toMatch(/^(BAD_USER_INPUT|FORBIDDEN)$/);
    const declared = (await gqlOk(stack.url, DECLARE, { i: input }, louis.as)).declareAvailability.availabilityDeclaration;
    ids.declaration = declared.id;
    expect(declared).toMatchObject({
      status: "DECLARED",
      declaredMw: 0.3,
      awardId: ids.award,
      marketUnit: { id: ids.unit },
      provider: { name: "NewFlex Ltd" },
      buyer: { name: "UK Power Networks" },
    });
  });

  it("5. Ed dispatches the portfolio under the award with a rationale (UC22); Louis acknowledges; Ed ceases", async () => {
    const ISSUE = `mutation ($i: IssueDispatchInstructionInput!) { issueDispatchInstruction(input: $i) {
      dispatchInstruction { id status setPointMw rationale asset { id } } } }`;
    const input = {
      // Verification assesses an asset's meter: the unit's single asset is dispatched, calling off the unit's award.
      assetId: ids.asset,
      productId: ids.product,
      awardId: ids.award,
      issuedById: ed.organisationId,
      direction: "DEMAND_TURN_DOWN",
      setPointMw: EVENT.setPointMw,
      dispatchMethod: "ASDP_API",
      rationale: RATIONALE,
      ...WINDOW,
    };
    expect(codes(await gql(stack.url, ISSUE, { i: { ...input, issuedById: sam.organisationId } }, sam.verified))[0]).toMatch(
      /^(BAD_USER_INPUT|FORBIDDEN)$/,
    );
    const issued = (await gqlOk(stack.url, ISSUE, { i: input }, ed.verified)).issueDispatchInstruction.dispatchInstruction;
    ids.instruction = issued.id;
    expect(issued).toMatchObject({ status: "ISSUED", setPointMw: 0.3, rationale: RATIONALE, asset: { id: ids.asset } });
    const ACK = `mutation ($id: ID!) { updateDispatchStatus(input: { id: $id, status: ACKNOWLEDGED }) { dispatchInstruction { status } } }`;
    expect(codes(await gql(stack.url, ACK, { id: ids.instruction }, rita.as))).toEqual(["NOT_FOUND"]);
    expect((await gqlOk(stack.url, ACK, { id: ids.instruction }, louis.as)).updateDispatchStatus.dispatchInstruction.status).toBe(
      "ACKNOWLEDGED",
    );
    const CEASE = `mutation ($id: ID!) { ceaseDispatchInstruction(input: { id: $id }) { dispatchInstruction { status } } }`;
    expect(codes(await gql(stack.url, CEASE, { id: ids.instruction }, louis.as))).toEqual(["FORBIDDEN"]);
    expect((await gqlOk(stack.url, CEASE, { id: ids.instruction }, ed.verified)).ceaseDispatchInstruction.dispatchInstruction.status).toBe(
      "CEASED",
    );
  });

  it("6. the meter readings are ingested as a CSV file through POST /ingest/meter-readings; a replay adds 0", async () => {
    const rows = exampleReadings(ids.asset).map((r) => `${r.assetId},${r.intervalStart},${r.activeImportKwh},${r.activeExportKwh}`);
    const file = `assetId,intervalStart,importKwh,exportKwh\n${rows.join("\n")}\n`;
    // Rita cannot write readings on Louis's asset: every row refused, nothing written.
    const byRita = await ingest("meter-readings", { source: "NEWFLEX_DC_AGENT", mode: "all-or-nothing" }, file, rita.as);
    expect(byRita.status).toBe(422);
    expect(byRita.body).toMatchObject({ status: "REJECTED", inserted: 0, rejected: 22 });
    expect(byRita.body.rejections[0]).toMatchObject({ row: 1, field: "assetId", code: "FORBIDDEN" });
    const first = await ingest("meter-readings", { source: "NEWFLEX_DC_AGENT" }, file, louis.as);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: "COMPLETED", rows: 22, inserted: 22, rejected: 0 });
    const replay = await ingest("meter-readings", { source: "NEWFLEX_DC_AGENT" }, file, louis.as);
    expect(replay.body).toMatchObject({ rows: 22, inserted: 0, updated: 0, repeats: 22 });
  });

  it("7a. Ed assesses the dispatch (§7.8: 0.306 MWh delivered, 102 %, 0.291 MWh credited), publishes and finalises it", async () => {
    const ASSESS = `mutation ($id: ID!) { assessDispatch(input: { dispatchInstructionId: $id }) { performanceAssessment { id status
      baselineMwh meteredMwh deliveredMwh instructedMwh creditedMwh deliveryRatio periods { period baselineMwh creditedMwh } } } }`;
    expect(codes(await gql(stack.url, ASSESS, { id: ids.instruction }, sam.verified))).toEqual(["NOT_FOUND"]);
    expect(codes(await gql(stack.url, ASSESS, { id: ids.instruction }, louis.as))).toEqual(["FORBIDDEN"]);
    const assessed = (await gqlOk(stack.url, ASSESS, { id: ids.instruction }, ed.verified)).assessDispatch.performanceAssessment;
    ids.assessment = assessed.id;
    expect(assessed).toMatchObject({
      status: "PROVISIONAL",
      baselineMwh: EXPECTED.baselineMwh,
      meteredMwh: EXPECTED.meteredMwh,
      deliveredMwh: "0.306000",
      instructedMwh: "0.300000",
      creditedMwh: "0.291000",
      deliveryRatio: "1.020000",
      periods: [
        { period: "17:00", baselineMwh: "-0.411000", creditedMwh: "0.141000" },
        { period: "17:30", baselineMwh: "-0.445000", creditedMwh: "0.150000" },
      ],
    });
    const move = (name: string, as: Credential) =>
      gql(
        stack.url,
        `mutation ($id: ID!) { ${name}(input: { id: $id }) { performanceAssessment { status } } }`,
        { id: ids.assessment },
        as,
      );
    expect(codes(await move("finaliseAssessment", ed.verified))).toEqual(["CONFLICT"]); // PROVISIONAL → FINAL skips publication
    expect(codes(await move("publishAssessment", louis.as))).toEqual(["FORBIDDEN"]);
    expect((await move("publishAssessment", ed.verified)).data?.publishAssessment.performanceAssessment.status).toBe("PUBLISHED");
    expect((await move("finaliseAssessment", ed.verified)).data?.finaliseAssessment.performanceAssessment.status).toBe("FINAL");
  });

  it("7b. Ed sets the terms and generates November's statement; the invoice is issued, approved and paid", async () => {
    // The agreement the month is invoiced under (UC14): Ed's template for the product, issued to NewFlex.
    await gqlOk(
      stack.url,
      `mutation ($i: SaveContractTemplateInput!) { saveContractTemplate(input: $i) { contractTemplate { version } } }`,
      {
        i: {
          productId: ids.product,
          serviceTermsRef: "DSO Service Terms",
          procurementRulesRef: "UKPN Procurement Rules",
          liabilityCapGbp: "250000",
        },
      },
      ed.verified,
    );
    const issued = await gqlOk(
      stack.url,
      `mutation ($i: IssueContractInput!) { issueContract(input: $i) { contract { id status } } }`,
      { i: { productId: ids.product, providerId: louis.organisationId } },
      ed.verified,
    );
    ids.contract = issued.issueContract.contract.id;
    await gqlOk(
      stack.url,
      `mutation ($p: ID!) { setSettlementTerms(input: { productId: $p, utilisationScale: SLIDING, floorRatio: "0.5", fullRatio: "0.95",
        availabilityRule: PRO_RATA, vatRate: "0.2", invoiceDayOfMonth: 15, paymentDays: 30 }) { terms { vatRate } } }`,
      { p: ids.product },
      ed.verified,
    );
    const generated = await gqlOk(
      stack.url,
      `mutation ($i: GenerateSettlementStatementInput!) { generateSettlementStatement(input: $i) { statement { id status totalGbp
        lines { type quantity unitPriceGbp factor amountGbp assessmentId } } } }`,
      { i: { productId: ids.product, providerId: louis.organisationId, month: "2026-11" } },
      ed.verified,
    );
    const statement = generated.generateSettlementStatement.statement;
    ids.statement = statement.id;
    // Availability 0.3 MW × £21.40 × 1 h = £6.42; utilisation min(0.306, 0.300) MWh × £300 × f(1.02) = 1 → £90.00.
    expect(statement).toMatchObject({ status: "DRAFT", totalGbp: "96.42" });
    expect(statement.lines).toEqual([
      { type: "AVAILABILITY", quantity: "0.300000", unitPriceGbp: "21.4000", factor: "1.000000", amountGbp: "6.42", assessmentId: null },
      {
        type: "UTILISATION",
        quantity: "0.300000",
        unitPriceGbp: "300.0000",
        factor: "1.000000",
        amountGbp: "90.00",
        assessmentId: ids.assessment,
      },
    ]);

    const made = await gqlOk(
      stack.url,
      `mutation ($s: ID!) { createInvoice(input: { statementId: $s, issuerSide: SYSTEM_OPERATOR }) { invoice { id status } } }`,
      { s: ids.statement },
      ed.verified,
    );
    ids.invoice = made.createInvoice.invoice.id;
    const move = (status: string, as: Credential) =>
      gql(
        stack.url,
        `mutation ($id: ID!) { updateInvoiceStatus(input: { id: $id, status: ${status} }) { invoice { status } } }`,
        { id: ids.invoice },
        as,
      );
    expect((await move("ISSUED", ed.verified)).data?.updateInvoiceStatus.invoice.status).toBe("ISSUED");
    expect(codes(await move("APPROVED", rita.as))).toEqual(["NOT_FOUND"]);
    expect((await move("APPROVED", louis.as)).data?.updateInvoiceStatus.invoice.status).toBe("APPROVED");
    const paid = await gqlOk(
      stack.url,
      `mutation ($i: RecordPaymentInput!) { recordPayment(input: $i) { invoice { status netGbp vatGbp totalGbp paidGbp outstandingGbp } } }`,
      { i: { invoiceId: ids.invoice, amountGbp: "115.70", method: "BACS", paidAt: "2027-01-12T10:00:00Z", reference: "UKPN-BACS-7001" } },
      ed.verified,
    );
    expect(paid.recordPayment.invoice).toEqual({
      status: "PAID",
      netGbp: "96.42",
      vatGbp: "19.28",
      totalGbp: "115.70",
      paidGbp: "115.70",
      outstandingGbp: "0.00",
    });
  });

  const DAY = { from: "2026-11-16T00:00:00Z", to: "2026-11-17T00:00:00Z" };
  const ON_ASSET = `query ($a: ID!, $from: DateTime!, $to: DateTime!) { asset(id: $a) { name
    dispatches { id status rationale performanceAssessment { id status creditedMwh deliveryRatio } }
    meterReadings(from: $from, to: $to) { intervalStart activeImportKwh source }
    position(from: $from, to: $to) { items { kind id mw status } } } }`;
  const ON_UNIT = `query ($u: ID!, $from: DateTime!, $to: DateTime!) { marketUnit(id: $u) { name
    bids { id status } awards { id source externalId } position(from: $from, to: $to) { items { kind id mw status } } } }`;
  const SETTLED = `query ($s: ID!, $i: ID!, $p: ID!, $u: ID!) { settlementStatement(id: $s) { id totalGbp contract { id } }
    invoice(id: $i) { id status totalGbp contract { id status provider { id } } }
    performanceAssessment(id: $p) { id status } availabilityDeclarations(marketUnitId: $u) { id } }`;

  it("8. Louis sees it all on his asset and his unit, and the assessment, statement, invoice and payment", async () => {
    const onAsset = (await gqlOk(stack.url, ON_ASSET, { a: ids.asset, ...DAY }, louis.as)).asset;
    expect(onAsset.name).toBe("EV charging portfolio");
    expect(onAsset.dispatches).toEqual([
      {
        id: ids.instruction,
        status: "CEASED",
        rationale: RATIONALE,
        performanceAssessment: { id: ids.assessment, status: "FINAL", creditedMwh: "0.291000", deliveryRatio: "1.020000" },
      },
    ]);
    expect(onAsset.meterReadings).toEqual([
      { intervalStart: "2026-11-16T17:00:00.000Z", activeImportKwh: "270.000", source: "NEWFLEX_DC_AGENT" },
      { intervalStart: "2026-11-16T17:30:00.000Z", activeImportKwh: "280.000", source: "NEWFLEX_DC_AGENT" },
    ]);
    // The asset's timeline: the instruction, then the energy metered in its two periods (mean MW, import negative).
    expect(onAsset.position.items).toEqual([
      { kind: "DISPATCH_INSTRUCTION", id: ids.instruction, mw: 0.3, status: "CEASED" },
      { kind: "DELIVERED_ENERGY", id: `${ids.asset}@2026-11-16T17:00:00.000Z`, mw: -0.54, status: null },
      { kind: "DELIVERED_ENERGY", id: `${ids.asset}@2026-11-16T17:30:00.000Z`, mw: -0.56, status: null },
    ]);

    const onUnit = (await gqlOk(stack.url, ON_UNIT, { u: ids.unit, ...DAY }, louis.as)).marketUnit;
    // The unit's: the award and the declaration made for the unit itself.
    expect(onUnit).toEqual({
      name: "NEWFLEX-EV-01",
      bids: [{ id: ids.bid, status: "ACCEPTED" }],
      awards: [{ id: ids.award, source: SOURCE, externalId: "UKPN-AWD-2026-11-16-NEWFLEX-EV-01" }],
      position: {
        items: [
          { kind: "AWARD", id: ids.award, mw: 0.3, status: "AWARDED" },
          { kind: "AVAILABILITY_DECLARATION", id: ids.declaration, mw: 0.3, status: "DECLARED" },
        ],
      },
    });

    const settled = await gqlOk(stack.url, SETTLED, { s: ids.statement, i: ids.invoice, p: ids.assessment, u: ids.unit }, louis.as);
    expect(settled).toEqual({
      // Statement and invoice name the agreement they settle (one provider × product × month: one contract).
      settlementStatement: { id: ids.statement, totalGbp: "96.42", contract: { id: ids.contract } },
      invoice: {
        id: ids.invoice,
        status: "PAID",
        totalGbp: "115.70",
        contract: { id: ids.contract, status: "ISSUED", provider: { id: louis.organisationId } },
      },
      performanceAssessment: { id: ids.assessment, status: "FINAL" },
      availabilityDeclarations: [{ id: ids.declaration }],
    });
    const bySo = await gqlOk(stack.url, SETTLED, { s: ids.statement, i: ids.invoice, p: ids.assessment, u: ids.unit }, ed.verified);
    expect(bySo.invoice.contract.id).toBe(ids.contract);
  });

  it("8b. Rita (another FSP) and Sam (an SO outside _C) see none of it", async () => {
    for (const stranger of [rita.as, sam.verified]) {
      expect((await gqlOk(stack.url, ON_ASSET, { a: ids.asset, ...DAY }, stranger)).asset).toBeNull();
      expect((await gqlOk(stack.url, ON_UNIT, { u: ids.unit, ...DAY }, stranger)).marketUnit).toBeNull();
      expect(await gqlOk(stack.url, SETTLED, { s: ids.statement, i: ids.invoice, p: ids.assessment, u: ids.unit }, stranger)).toEqual({
        settlementStatement: null,
        invoice: null,
        performanceAssessment: null,
        availabilityDeclarations: [],
      });
      const one = await gqlOk(
        stack.url,
        `query ($b: ID!, $a: ID!, $d: ID!) { bid(id: $b) { id } award(id: $a) { id } dispatchInstruction(id: $d) { id rationale } }`,
        { b: ids.bid, a: ids.award, d: ids.instruction },
        stranger,
      );
      expect(one).toEqual({ bid: null, award: null, dispatchInstruction: null });
      const readings = await gqlOk(
        stack.url,
        `query ($a: ID!, $from: DateTime!, $to: DateTime!) { meterReadings(assetId: $a, from: $from, to: $to) { id } }`,
        { a: ids.asset, ...DAY },
        stranger,
      );
      expect(readings.meterReadings).toEqual([]);
    }
    expect(await gqlOk(stack.url, `{ settlementStatements { id } invoices { id } }`, {}, rita.as)).toEqual({
      settlementStatements: [],
      invoices: [],
    });
  });
});
