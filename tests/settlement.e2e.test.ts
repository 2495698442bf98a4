/**
 * Settlement end to end through the gateway over real HTTP, on whichever database the run uses: the §7.9 worked
 * example (£1,370.80), its invoice and payment, and a dispute whose correction becomes a credit note.
 *
 * Cast: Ed (UK Power Networks, system operator), Louis (NewFlex, an FSP with one battery), Rita (OtherFlex, another
 * FSP who must see nothing of Louis's). The performance assessments are written straight into the database the stack
 * uses (their mutations belong to verification); everything else is a mutation through the gateway.
 *
 * The `it` blocks run in order and share state.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, type Credential, gql, gqlOk, mpan, PASSWORD, signIn, startTestStack } from "./helpers.js";

let stack: Awaited<ReturnType<typeof startTestStack>>;
let ed: Credential;
let edOrg = "";
let louis: Awaited<ReturnType<typeof stack.signUp>>;
let rita: Awaited<ReturnType<typeof stack.signUp>>;
const story = { product: "", asset: "", statement: "", invoice: "", creditNote: "", dispute: "" };
const awards: string[] = [];
const assessments: string[] = [];

/** The first 20 weekdays of November 2026 (GMT, so 16:00–20:00 local is 16:00–20:00 UTC): 80 service hours. */
const days = Array.from({ length: 30 }, (_, i) => `2026-11-${String(i + 1).padStart(2, "0")}`)
  .filter((day) => ![0, 6].includes(new Date(`${day}T00:00:00Z`).getUTCDay()))
  .slice(0, 20);

/** A FINAL assessment of one hour of an award: 1.0 MWh instructed, `deliveredWh` delivered. */
async function insertFinalAssessment(awardId: string, day: string, deliveredWh: number): Promise<string> {
  const result = (await stack.database.db.execute(sql`
    insert into transactions.performance_assessments (award_id, asset_id, product_id, provider_id, buyer_id, direction,
      start_at, end_at, baseline_method, baseline_wh, metered_wh, delivered_wh, instructed_wh, credited_wh, delivery_ratio, status)
    values (${awardId}, ${story.asset}, ${story.product}, ${louis.organisationId}, ${edOrg}, 'DEMAND_TURN_DOWN',
      ${`${day}T16:00:00Z`}, ${`${day}T17:00:00Z`}, 'MID_8_OF_10', 2000000, ${2_000_000 - deliveredWh}, ${deliveredWh}, 1000000,
      ${Math.min(deliveredWh, 1_000_000)}, ${(deliveredWh / 1_000_000).toFixed(6)}, 'FINAL')
    returning id`)) as unknown;
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { id: string }[];
  return rows[0]!.id;
}

beforeAll(async () => {
  stack = await startTestStack();
  const so = await stack.signUp("ed@ukpn.test", "SYSTEM_OPERATOR", "UK Power Networks");
  await gqlOk(stack.url, `mutation ($u: ID!) { verifySystemOperator(userId: $u) { user { status } } }`, { u: so.userId }, stack.admin);
  ed = await signIn(stack.url, "ed@ukpn.test", PASSWORD); // roles are in the token: sign in again
  edOrg = so.organisationId;
  louis = await stack.signUp("louis@newflex.test", "FSP", "NewFlex Ltd");
  rita = await stack.signUp("rita@otherflex.test", "FSP", "OtherFlex Ltd");

  const product = await gqlOk(
    stack.url,
    `mutation ($o: ID!) { createProduct(input: { ownerId: $o, code: "SAOU", name: "Scheduled Availability and Operational Utilisation",
      serviceType: AVAILABILITY_AND_UTILISATION, directions: [DEMAND_TURN_DOWN], minimumCapacityKw: 10 }) { product { id } } }`,
    { o: edOrg },
    ed,
  );
  story.product = product.createProduct.product.id;
  const asset = await gqlOk(
    stack.url,
    `mutation ($o: ID!, $m: String!) { registerAsset(input: { ownerId: $o, name: "Depot battery", categoryCode: "BESS",
      importCapacityKw: 500, exportCapacityKw: 500, energyCapacityKwh: 1000, meterPointId: $m }) { asset { id } } }`,
    { o: louis.organisationId, m: mpan(12, 7301) },
    louis.as,
  );
  story.asset = asset.registerAsset.asset.id;
  // The call-off's 20 service windows, one award each, recorded in one request (by the hub administrator, as an
  // ingested market outcome: Ed's organisation has no licence area on record that covers Louis's asset).
  const fields = days.map(
    (day, i) => `a${i}: recordAward(input: { assetId: "${story.asset}", productId: "${story.product}", awardedMw: 0.5,
      availabilityPriceGbpPerMwH: "21.40", utilisationPriceGbpPerMwh: "300", start: "${day}T16:00:00Z", end: "${day}T20:00:00Z" }) { award { id } }`,
  );
  const recorded = await gqlOk<Record<string, { award: { id: string } }>>(stack.url, `mutation { ${fields.join("\n")} }`, {}, stack.admin);
  for (let i = 0; i < days.length; i++) awards.push(recorded[`a${i}`]!.award.id);
  // One day (4 h) unavailable: Louis files the notice (D.1), which settlement reads.
  await gqlOk(
    stack.url,
    `mutation ($a: ID!, $f: DateTime!, $t: DateTime!) { submitUnavailabilityNotice(input: { assetId: $a, from: $f, to: $t,
      reducedMw: 0.5, reason: "Site outage" }) { unavailabilityNotice { id } } }`,
    { a: story.asset, f: `${days[6]}T16:00:00Z`, t: `${days[6]}T20:00:00Z` },
    louis.as,
  );
  for (const [i, delivered] of [
    [1, 1_000_000],
    [2, 920_000],
    [3, 400_000],
  ] as const) {
    assessments.push(await insertFinalAssessment(awards[i]!, days[i]!, delivered));
  }
}, 180_000);
afterAll(() => stack?.stop());

const LINES = "lines { type quantity unitPriceGbp factor amountGbp assessmentId }";

describe("settlement through the gateway (§7.9, S.1–S.2, V.4)", () => {
  it("Ed sets the product's terms and generates Louis's November statement: £1,370.80", async () => {
    await gqlOk(
      stack.url,
      `mutation ($p: ID!) { setSettlementTerms(input: { productId: $p, utilisationScale: SLIDING, floorRatio: "0.5", fullRatio: "0.95",
        availabilityRule: PRO_RATA, vatRate: "0.2", invoiceDayOfMonth: 15, paymentDays: 30 }) { terms { vatRate } } }`,
      { p: story.product },
      ed,
    );
    const generated = await gqlOk(
      stack.url,
      `mutation ($i: GenerateSettlementStatementInput!) { generateSettlementStatement(input: $i) { statement { id status totalGbp
        ${LINES} provider { id name } product { code } } } }`,
      {
        i: {
          productId: story.product,
          providerId: louis.organisationId,
          month: "2026-11",
          // The day Louis's notice takes out (4 h) comes from his UnavailabilityNotice, not from Ed.
        },
      },
      ed,
    );
    const statement = generated.generateSettlementStatement.statement;
    story.statement = statement.id;
    expect(statement).toMatchObject({
      status: "DRAFT",
      totalGbp: "1370.80",
      provider: { id: louis.organisationId, name: "NewFlex Ltd" },
      product: { code: "SAOU" },
    });
    expect(statement.lines).toEqual([
      { type: "AVAILABILITY", quantity: "40.000000", unitPriceGbp: "21.4000", factor: "0.950000", amountGbp: "813.20", assessmentId: null },
      {
        type: "UTILISATION",
        quantity: "1.000000",
        unitPriceGbp: "300.0000",
        factor: "1.000000",
        amountGbp: "300.00",
        assessmentId: assessments[0],
      },
      {
        type: "UTILISATION",
        quantity: "0.920000",
        unitPriceGbp: "300.0000",
        factor: "0.933333",
        amountGbp: "257.60",
        assessmentId: assessments[1],
      },
      {
        type: "UTILISATION",
        quantity: "0.400000",
        unitPriceGbp: "300.0000",
        factor: "0.000000",
        amountGbp: "0.00",
        assessmentId: assessments[2],
      },
    ]);
  });

  it("a notice taking away 0.2 of the award's 0.5 MW for a window pays it pro rata (0.4 of 4 h less): £1,353.68, then back", async () => {
    const notice = await gqlOk(
      stack.url,
      `mutation ($a: ID!, $f: DateTime!, $t: DateTime!) { submitUnavailabilityNotice(input: { assetId: $a, from: $f, to: $t,
        reducedMw: 0.2, reason: "One charger down" }) { unavailabilityNotice { id } } }`,
      { a: story.asset, f: `${days[7]}T16:00:00Z`, t: `${days[7]}T20:00:00Z` },
      louis.as,
    );
    const regenerate = async () =>
      (
        await gqlOk(
          stack.url,
          `mutation ($i: GenerateSettlementStatementInput!) { generateSettlementStatement(input: $i) { statement { id totalGbp ${LINES} } } }`,
          { i: { productId: story.product, providerId: louis.organisationId, month: "2026-11" } },
          ed,
        )
      ).generateSettlementStatement.statement;
    // Availability: 80 h less 4 h wholly and 0.4 × 4 h = 1.6 h → factor 74.4 / 80 = 0.93; 40 MWh × £21.40 × 0.93 = £796.08.
    const partly = await regenerate();
    expect(partly.totalGbp).toBe("1353.68");
    expect(partly.lines[0]).toMatchObject({ type: "AVAILABILITY", factor: "0.930000", amountGbp: "796.08" });
    await gqlOk(
      stack.url,
      `mutation ($id: ID!) { withdrawUnavailabilityNotice(input: { id: $id }) { unavailabilityNotice { status } } }`,
      { id: notice.submitUnavailabilityNotice.unavailabilityNotice.id },
      louis.as,
    );
    const again = await regenerate();
    expect(again.totalGbp).toBe("1370.80");
    story.statement = again.id; // a DRAFT re-generated is replaced
  });

  it("Ed self-bills it, Louis approves, Ed pays by BACS: PAID; Rita sees none of it", async () => {
    const made = await gqlOk(
      stack.url,
      `mutation ($s: ID!) { createInvoice(input: { statementId: $s, issuerSide: SYSTEM_OPERATOR }) { invoice { id status } } }`,
      { s: story.statement },
      ed,
    );
    story.invoice = made.createInvoice.invoice.id;
    const move = (status: string, as: Credential) =>
      gql(
        stack.url,
        `mutation ($id: ID!) { updateInvoiceStatus(input: { id: $id, status: ${status} }) { invoice { status } } }`,
        { id: story.invoice },
        as,
      );
    expect(codes(await move("APPROVED", louis.as))).toEqual(["CONFLICT"]); // still a DRAFT
    expect((await move("ISSUED", ed)).data?.updateInvoiceStatus.invoice.status).toBe("ISSUED");
    expect(codes(await move("APPROVED", ed))).toEqual(["FORBIDDEN"]); // the issuer does not approve its own invoice
    expect(codes(await move("APPROVED", rita.as))).toEqual(["NOT_FOUND"]);
    expect((await move("APPROVED", louis.as)).data?.updateInvoiceStatus.invoice.status).toBe("APPROVED");

    const pay = (amountGbp: string, as: Credential) =>
      gql(
        stack.url,
        `mutation ($i: RecordPaymentInput!) { recordPayment(input: $i) { invoice { status paidGbp outstandingGbp } } }`,
        { i: { invoiceId: story.invoice, amountGbp, method: "BACS", paidAt: "2027-01-12T10:00:00Z", reference: "UKPN-BACS-0001" } },
        as,
      );
    expect(codes(await pay("1644.97", ed))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await pay("1644.96", louis.as))).toEqual(["FORBIDDEN"]);
    expect((await pay("1644.96", ed)).data?.recordPayment.invoice).toEqual({ status: "PAID", paidGbp: "1644.96", outstandingGbp: "0.00" });

    const read = `query ($s: ID!, $i: ID!) { settlementStatement(id: $s) { id } invoice(id: $i) { id netGbp vatGbp totalGbp } }`;
    const asLouis = await gqlOk(stack.url, read, { s: story.statement, i: story.invoice }, louis.as);
    expect(asLouis.invoice).toEqual({ id: story.invoice, netGbp: "1370.80", vatGbp: "274.16", totalGbp: "1644.96" });
    expect(await gqlOk(stack.url, read, { s: story.statement, i: story.invoice }, rita.as)).toEqual({
      settlementStatement: null,
      invoice: null,
    });
    expect(await gqlOk(stack.url, `{ settlementStatements { id } invoices { id } disputes { id } }`, {}, rita.as)).toEqual({
      settlementStatements: [],
      invoices: [],
      disputes: [],
    });
  });

  it("Louis disputes the 0.40 MWh assessment; Ed corrects it to 0.60 MWh: a £40.00 credit note, the invoice CREDITED", async () => {
    const raise = `mutation ($a: ID!) { raiseDispute(input: { subject: { entityType: PERFORMANCE_ASSESSMENT, entityId: $a }, category: DATA_ACCURACY,
      description: "Half-hourly data from the DC agent shows 0.60 MWh delivered", evidence: ["dc-agent-2026-11-05.csv"] }) { dispute { id status } } }`;
    expect(codes(await gql(stack.url, raise, { a: assessments[2] }, rita.as))).toEqual(["NOT_FOUND"]);
    const raised = await gqlOk(stack.url, raise, { a: assessments[2] }, louis.as);
    story.dispute = raised.raiseDispute.dispute.id;
    const moveDispute = `mutation ($i: UpdateDisputeStatusInput!) { updateDisputeStatus(input: $i) { dispute { status
      correction { deliveredWh } creditNotes { id kind status netGbp totalGbp originalInvoice { id status } ${LINES} } } } }`;
    for (const status of ["ACKNOWLEDGED", "UNDER_INVESTIGATION"])
      await gqlOk(stack.url, moveDispute, { i: { id: story.dispute, status } }, ed);
    const resolved = await gqlOk(
      stack.url,
      moveDispute,
      { i: { id: story.dispute, status: "RESOLVED_CORRECTED", outcome: "DC agent data accepted", correction: { deliveredWh: "600000" } } },
      ed,
    );
    const dispute = resolved.updateDisputeStatus.dispute;
    expect(dispute).toMatchObject({ status: "RESOLVED_CORRECTED", correction: { deliveredWh: "600000" } });
    // 0.60 MWh × £300 × (0.6 − 0.5)/0.45 = £40.00 where £0.00 was invoiced; VAT 20%.
    expect(dispute.creditNotes).toEqual([
      {
        id: expect.any(String),
        kind: "CREDIT_NOTE",
        status: "ISSUED",
        netGbp: "40.00",
        totalGbp: "48.00",
        originalInvoice: { id: story.invoice, status: "CREDITED" },
        lines: [
          {
            type: "UTILISATION",
            quantity: "0.600000",
            unitPriceGbp: "300.0000",
            factor: "0.222222",
            amountGbp: "40.00",
            assessmentId: assessments[2],
          },
        ],
      },
    ]);
    // Louis sees the credit note and the dispute; Rita sees neither.
    const read = `query ($d: ID!, $i: ID!) { dispute(id: $d) { status } invoice(id: $i) { status creditNotes { netGbp } } }`;
    expect(await gqlOk(stack.url, read, { d: story.dispute, i: story.invoice }, louis.as)).toEqual({
      dispute: { status: "RESOLVED_CORRECTED" },
      invoice: { status: "CREDITED", creditNotes: [{ netGbp: "40.00" }] },
    });
    expect(await gqlOk(stack.url, read, { d: story.dispute, i: story.invoice }, rita.as)).toEqual({ dispute: null, invoice: null });
  });
});
