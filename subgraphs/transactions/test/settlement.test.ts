import { type DatabaseHandle, staticReferences } from "@sfe/kit";
import { apiKeyOf, countRows, errorCodes, execute, orgs, setUpSubgraph, as as who } from "@sfe/kit/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { performanceAssessments } from "../src/db/schema.js";
import { invoiceLifecycle } from "../src/modules/settlement/tables.js";
import { typeDefs, type createTransactionsSubgraph } from "../src/server.js";
import { transactionsSubgraph, ruleRoutes } from "./helpers.js";

/**
 * Settlement in-process (S.1–S.2): terms, the §7.9 statement, regeneration and freezing, the invoice's lifecycle and who
 * moves it, payments, and who sees what. Assessments are inserted directly (their mutations are verification's).
 */
const { fspA, fspB, soA, soB } = orgs;
const assetA = "a55e0000-0000-4000-8000-00000000051a";
const assetB = "a55e0000-0000-4000-8000-00000000051b";
const product = "9d0c0000-0000-4000-8000-00000000051a";
const otherProduct = "9d0c0000-0000-4000-8000-00000000051b";

let handle: DatabaseHandle;
let subgraph: ReturnType<typeof createTransactionsSubgraph>;

beforeAll(async () => {
  ({ handle, subgraph } = await setUpSubgraph(
    transactionsSubgraph,
    staticReferences(
      {
        Asset: { [assetA]: { owner: { id: fspA }, status: "REGISTERED" }, [assetB]: { owner: { id: fspB }, status: "REGISTERED" } },
        Product: { [product]: { owner: { id: soA }, status: "PUBLISHED" }, [otherProduct]: { owner: { id: soB }, status: "PUBLISHED" } },
        Organisation: [fspA, fspB, soA, soB],
      },
      ruleRoutes(),
    ),
  ));
});
afterAll(() => handle.close());

const run = (
  identity: (typeof who)[keyof typeof who] | ReturnType<typeof apiKeyOf>,
  query: string,
  variables: Record<string, unknown> = {},
) => execute(subgraph, query, variables, identity);
const ok = async (identity: Parameters<typeof run>[0], query: string, variables: Record<string, unknown> = {}) => {
  const result = await run(identity, query, variables);
  expect(result.errors).toBeUndefined();
  return JSON.parse(JSON.stringify(result.data)) as Record<string, any>;
};

const SET_TERMS = `mutation ($i: SetSettlementTermsInput!) { setSettlementTerms(input: $i) { terms { utilisationScale floorRatio fullRatio
  availabilityRule vatRate invoiceDayOfMonth paymentDays product { id } } } }`;
const TERMS = {
  productId: product,
  utilisationScale: "SLIDING",
  floorRatio: "0.5",
  fullRatio: "0.95",
  availabilityRule: "PRO_RATA",
  vatRate: "0.2",
  invoiceDayOfMonth: 15,
  paymentDays: 30,
};
const LINE = "type period quantity unitPriceGbp factor factorExact amountGbp assessmentId awardIds";
const STATEMENT = `id month status totalGbp lines { ${LINE} } heldOut { assessmentId status reason } unavailableWindows { awardId from to }
  provider { id } buyer { id } invoice { id status }`;
const GENERATE = `mutation ($i: GenerateSettlementStatementInput!) { generateSettlementStatement(input: $i) { statement { ${STATEMENT} } } }`;
const INVOICE = `id kind status netGbp vatGbp totalGbp paidGbp outstandingGbp vatRate issuedAt dueAt issuer { id } recipient { id }
  lines { type amountGbp } statement { id status }`;
const CREATE_INVOICE = `mutation ($i: CreateInvoiceInput!) { createInvoice(input: $i) { invoice { ${INVOICE} } } }`;
const MOVE = `mutation ($id: ID!, $s: InvoiceStatus!) { updateInvoiceStatus(input: { id: $id, status: $s }) { invoice { ${INVOICE} } } }`;
const PAY = `mutation ($i: RecordPaymentInput!) { recordPayment(input: $i) { payment { amountGbp method reference } invoice { status paidGbp outstandingGbp } } }`;

/** The first 20 weekdays of November 2026 (GMT: local = UTC), each an award of 0.5 MW 16:00–20:00 at £21.40/MW/h, £300/MWh. */
const days = Array.from({ length: 30 }, (_, i) => `2026-11-${String(i + 1).padStart(2, "0")}`)
  .filter((day) => ![0, 6].includes(new Date(`${day}T00:00:00Z`).getUTCDay()))
  .slice(0, 20);
const awardIds: string[] = [];
const assessment: Record<string, string> = {};

async function recordAward(day: string, asset = assetA, productId = product) {
  const data = await ok(
    productId === product ? who.soA : who.nationalSo,
    `mutation ($i: RecordAwardInput!) { recordAward(input: $i) { award { id } } }`,
    {
      i: {
        assetId: asset,
        productId,
        awardedMw: 0.5,
        availabilityPriceGbpPerMwH: "21.40",
        utilisationPriceGbpPerMwh: "300",
        start: `${day}T16:00:00Z`,
        end: `${day}T20:00:00Z`,
      },
    },
  );
  return data.recordAward.award.id as string;
}

/** An assessment of one hour of `awardId`, instructed 1 MWh, delivered `deliveredWh`, in `status`. */
async function insertAssessment(awardId: string, day: string, deliveredWh: bigint, status: "PUBLISHED" | "FINAL" | "PROVISIONAL") {
  const [row] = await handle.db
    .insert(performanceAssessments)
    .values({
      awardId,
      assetId: assetA,
      productId: product,
      providerId: fspA,
      buyerId: soA,
      direction: "DEMAND_TURN_DOWN",
      start: new Date(`${day}T16:00:00Z`),
      end: new Date(`${day}T17:00:00Z`),
      baselineMethod: "MID_8_OF_10",
      baselineWh: 2_000_000n,
      meteredWh: 2_000_000n - deliveredWh,
      deliveredWh,
      instructedWh: 1_000_000n,
      creditedWh: deliveredWh < 1_000_000n ? deliveredWh : 1_000_000n,
      deliveryRatio: (Number(deliveredWh) / 1_000_000).toFixed(6),
      status,
    })
    .returning();
  return row!.id;
}

const unavailableDay = () => ({ awardId: awardIds[6]!, from: `${days[6]}T16:00:00Z`, to: `${days[6]}T20:00:00Z`, reason: "Site outage" });
const generate = (identity: Parameters<typeof run>[0], extra: Record<string, unknown> = {}) =>
  run(identity, GENERATE, {
    i: { productId: product, providerId: fspA, month: "2026-11", unavailableWindows: [unavailableDay()], ...extra },
  });

let statementId = "";
let invoiceId = "";

describe("settlement terms", () => {
  it("are set by the product's system operator, exactly as given, and read back by participants", async () => {
    const set = await ok(who.soA, SET_TERMS, { i: TERMS });
    expect(set.setSettlementTerms.terms).toEqual({
      utilisationScale: "SLIDING",
      floorRatio: "0.500000",
      fullRatio: "0.950000",
      availabilityRule: "PRO_RATA",
      vatRate: "0.2000",
      invoiceDayOfMonth: 15,
      paymentDays: 30,
      product: { id: product },
    });
    const read = await ok(who.fspA, `query ($p: ID!) { settlementTerms(productId: $p) { vatRate } }`, { p: product });
    expect(read.settlementTerms).toEqual({ vatRate: "0.2000" });
  });

  it("are refused to anyone but the product's SO (FORBIDDEN) and checked (BAD_USER_INPUT naming the field)", async () => {
    const audits = await countRows(handle, "transactions.audit_events");
    expect(errorCodes(await run(who.fspA, SET_TERMS, { i: TERMS }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await run(who.nationalSo, SET_TERMS, { i: TERMS }))).toEqual(["FORBIDDEN"]);
    for (const [bad, field] of [
      [{ floorRatio: "0.95", fullRatio: "0.5" }, "floorRatio"],
      [{ vatRate: "1.5" }, "vatRate"],
      [{ vatRate: "0.2e1" }, "vatRate"],
      [{ invoiceDayOfMonth: 31 }, "invoiceDayOfMonth"],
      [{ utilisationScale: "FLAT" }, "floorRatio"],
    ] as const) {
      const result = await run(who.soA, SET_TERMS, { i: { ...TERMS, ...bad } });
      expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
      expect(result.errors?.[0]?.extensions?.field).toBe(field);
    }
    expect(await countRows(handle, "transactions.audit_events")).toBe(audits);
  });
});

describe("a statement (§7.9)", () => {
  beforeAll(async () => {
    for (const day of days) awardIds.push(await recordAward(day));
    assessment.full = await insertAssessment(awardIds[1]!, days[1]!, 1_000_000n, "FINAL");
    assessment.partial = await insertAssessment(awardIds[2]!, days[2]!, 920_000n, "FINAL");
    assessment.low = await insertAssessment(awardIds[3]!, days[3]!, 400_000n, "FINAL");
    assessment.published = await insertAssessment(awardIds[4]!, days[4]!, 1_000_000n, "PUBLISHED");
    // Another provider's award of the same product: not on FSP A's statement.
    await recordAward(days[0]!, assetB);
  });

  it("is 813.20 + 300.00 + 257.60 + 0.00 = £1,370.80, holding the non-FINAL assessment out and listing it", async () => {
    const result = await generate(who.soA);
    expect(result.errors).toBeUndefined();
    const statement = JSON.parse(JSON.stringify(result.data)).generateSettlementStatement.statement;
    statementId = statement.id;
    expect(statement.status).toBe("DRAFT");
    expect(statement.lines.map((line: { amountGbp: string }) => line.amountGbp)).toEqual(["813.20", "300.00", "257.60", "0.00"]);
    expect(statement.totalGbp).toBe("1370.80");
    expect(statement.lines[0]).toMatchObject({
      type: "AVAILABILITY",
      period: "2026-11",
      quantity: "40.000000",
      unitPriceGbp: "21.4000",
      factor: "0.950000",
      factorExact: "19/20",
    });
    expect(statement.lines[0].awardIds).toHaveLength(20);
    expect(statement.lines[2]).toMatchObject({
      type: "UTILISATION",
      quantity: "0.920000",
      unitPriceGbp: "300.0000",
      factor: "0.933333",
      factorExact: "14/15",
      assessmentId: assessment.partial,
    });
    expect(statement.heldOut).toEqual([{ assessmentId: assessment.published, status: "PUBLISHED", reason: "NOT_FINAL" }]);
    expect(statement.unavailableWindows).toEqual([
      { awardId: awardIds[6], from: `${days[6]}T16:00:00.000Z`, to: `${days[6]}T20:00:00.000Z` },
    ]);
  });

  it("replaces a DRAFT when re-generated (same statement, new figures), counting a window entered twice once", async () => {
    const twice = await ok(who.soA, GENERATE, {
      i: { productId: product, providerId: fspA, month: "2026-11", unavailableWindows: [unavailableDay(), unavailableDay()] },
    });
    // The same window twice is counted once.
    expect(twice.generateSettlementStatement.statement).toMatchObject({ id: statementId, totalGbp: "1370.80" });
    const none = await ok(who.soA, GENERATE, { i: { productId: product, providerId: fspA, month: "2026-11" } });
    expect(none.generateSettlementStatement.statement.lines[0].amountGbp).toBe("856.00");
    const back = await generate(who.soA);
    expect(back.errors).toBeUndefined();
  });

  it("refuses bad input, another SO and an FSP, writing nothing", async () => {
    const audits = await countRows(handle, "transactions.audit_events");
    const foreign = await generate(who.soA, {
      unavailableWindows: [{ awardId: "00000000-0000-4000-8000-000000000000", from: "2026-11-02T16:00:00Z", to: "2026-11-02T17:00:00Z" }],
    });
    expect(errorCodes(foreign)).toEqual(["BAD_USER_INPUT"]);
    expect(foreign.errors?.[0]?.extensions?.field).toBe("unavailableWindows[0].awardId");
    const month = await generate(who.soA, { month: "2026-13" });
    expect(month.errors?.[0]?.extensions?.field).toBe("month");
    const backwards = await generate(who.soA, {
      unavailableWindows: [{ awardId: awardIds[0], from: "2026-11-02T17:00:00Z", to: "2026-11-02T16:00:00Z" }],
    });
    expect(errorCodes(backwards)).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await generate(who.nationalSo))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await generate(who.fspA))).toEqual(["FORBIDDEN"]);
    const noTerms = await run(who.nationalSo, GENERATE, { i: { productId: otherProduct, providerId: fspB, month: "2026-11" } });
    expect(errorCodes(noTerms)).toEqual(["CONFLICT"]);
    expect(await countRows(handle, "transactions.audit_events")).toBe(audits);
  });

  it("is seen by its FSP, its SO and administrators only; investors' and regulators' lists are refused", async () => {
    const read = `query ($id: ID!) { settlementStatement(id: $id) { id totalGbp } }`;
    for (const caller of [who.fspA, who.soA, who.admin, apiKeyOf(fspA, ["FSP"], ["transactions:read"])]) {
      expect((await ok(caller, read, { id: statementId })).settlementStatement).toEqual({ id: statementId, totalGbp: "1370.80" });
    }
    for (const caller of [who.fspB, who.nationalSo, who.investor, who.regulator, apiKeyOf(fspA, ["FSP"], ["assets:read"])]) {
      expect((await run(caller, read, { id: statementId })).data?.settlementStatement).toBeNull();
    }
    const list = `{ settlementStatements { id } invoices { id } }`;
    expect((await ok(who.fspA, list)).settlementStatements).toEqual([{ id: statementId }]);
    expect(await ok(who.fspB, list)).toEqual({ settlementStatements: [], invoices: [] });
    expect(errorCodes(await run(who.investor, `{ settlementStatements { id } }`))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await run(who.regulator, `{ invoices { id } }`))).toEqual(["FORBIDDEN"]);
  });
});

describe("an invoice (S.1) and its payments (S.2)", () => {
  it("is made by the issuing side only, and as a DRAFT follows its statement", async () => {
    const asFsp = await run(who.fspA, CREATE_INVOICE, { i: { statementId, issuerSide: "SYSTEM_OPERATOR" } });
    expect(errorCodes(asFsp)).toEqual(["FORBIDDEN"]);
    const foreign = await run(who.fspB, CREATE_INVOICE, { i: { statementId, issuerSide: "PROVIDER" } });
    expect(errorCodes(foreign)).toEqual(["NOT_FOUND"]);
    const made = await ok(who.soA, CREATE_INVOICE, { i: { statementId, issuerSide: "SYSTEM_OPERATOR" } });
    const invoice = made.createInvoice.invoice;
    invoiceId = invoice.id;
    expect(invoice).toMatchObject({
      kind: "INVOICE",
      status: "DRAFT",
      netGbp: "1370.80",
      vatGbp: "274.16",
      totalGbp: "1644.96",
      vatRate: "0.2000",
      issuer: { id: soA },
      recipient: { id: fspA },
      issuedAt: null,
      statement: { id: statementId, status: "DRAFT" },
    });
    expect(invoice.lines.map((line: { amountGbp: string }) => line.amountGbp)).toEqual(["813.20", "300.00", "257.60", "0.00"]);
    const again = await run(who.soA, CREATE_INVOICE, { i: { statementId, issuerSide: "SYSTEM_OPERATOR" } });
    expect(errorCodes(again)).toEqual(["CONFLICT"]);
    // Re-generating the DRAFT statement refreshes the DRAFT invoice's figures.
    await ok(who.soA, GENERATE, { i: { productId: product, providerId: fspA, month: "2026-11" } });
    expect((await ok(who.fspA, `query ($id: ID!) { invoice(id: $id) { netGbp } }`, { id: invoiceId })).invoice.netGbp).toBe("1413.60");
    expect((await generate(who.soA)).errors).toBeUndefined();
    expect((await ok(who.fspA, `query ($id: ID!) { invoice(id: $id) { netGbp } }`, { id: invoiceId })).invoice.netGbp).toBe("1370.80");
  });

  it("moves only as its lifecycle allows (CONFLICT naming both statuses) and only by the side each step belongs to (FORBIDDEN)", async () => {
    const early = await run(who.fspA, MOVE, { id: invoiceId, s: "APPROVED" });
    expect(errorCodes(early)).toEqual(["CONFLICT"]);
    expect(early.errors?.[0]?.extensions).toMatchObject({ currentStatus: "DRAFT", requestedStatus: "APPROVED" });
    expect(errorCodes(await run(who.fspA, MOVE, { id: invoiceId, s: "ISSUED" }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await run(who.soA, MOVE, { id: invoiceId, s: "PAID" }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await run(who.fspB, MOVE, { id: invoiceId, s: "ISSUED" }))).toEqual(["NOT_FOUND"]);

    const issued = (await ok(who.soA, MOVE, { id: invoiceId, s: "ISSUED" })).updateInvoiceStatus.invoice;
    expect(issued.status).toBe("ISSUED");
    expect(issued.statement.status).toBe("INVOICED");
    // Invoice date 15 December 2026 (or the day of issue, if later) plus 30 days.
    const invoiceDate = Math.max(Date.UTC(2026, 11, 15), new Date(new Date(issued.issuedAt).toISOString().slice(0, 10)).getTime());
    expect(issued.dueAt).toBe(new Date(invoiceDate + 30 * 86_400_000).toISOString());

    const frozen = await generate(who.soA);
    expect(errorCodes(frozen)).toEqual(["CONFLICT"]);
    expect(errorCodes(await run(who.soA, MOVE, { id: invoiceId, s: "APPROVED" }))).toEqual(["FORBIDDEN"]);
    const approved = (await ok(who.fspA, MOVE, { id: invoiceId, s: "APPROVED" })).updateInvoiceStatus.invoice;
    expect(approved.status).toBe("APPROVED");
  });

  it("is paid by its system operator: over-payment BAD_USER_INPUT, PAID once the payments reach the total", async () => {
    const pay = (identity: Parameters<typeof run>[0], amountGbp: string, reference: string) =>
      run(identity, PAY, { i: { invoiceId, amountGbp, method: "BACS", paidAt: "2027-01-10T09:00:00Z", reference } });
    const payments = () => countRows(handle, "transactions.payments");
    const before = await payments();
    expect(errorCodes(await pay(who.fspA, "100.00", "BACS-0"))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await pay(who.nationalSo, "100.00", "BACS-0"))).toEqual(["NOT_FOUND"]);
    const over = await pay(who.soA, "1644.97", "BACS-0");
    expect(errorCodes(over)).toEqual(["BAD_USER_INPUT"]);
    expect(over.errors?.[0]?.extensions?.field).toBe("amountGbp");
    expect(errorCodes(await pay(who.soA, "12.345", "BACS-0"))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await pay(who.soA, "0", "BACS-0"))).toEqual(["BAD_USER_INPUT"]);
    expect(await payments()).toBe(before);

    const first = await pay(who.soA, "1000.00", "BACS-1");
    expect(first.data?.recordPayment).toEqual({
      payment: { amountGbp: "1000.00", method: "BACS", reference: "BACS-1" },
      invoice: { status: "APPROVED", paidGbp: "1000.00", outstandingGbp: "644.96" },
    });
    expect(errorCodes(await pay(who.soA, "1.00", "BACS-1"))).toEqual(["CONFLICT"]);
    expect(errorCodes(await pay(who.soA, "644.97", "BACS-2"))).toEqual(["BAD_USER_INPUT"]);
    const last = await pay(who.soA, "644.96", "BACS-2");
    expect(last.data?.recordPayment.invoice).toEqual({ status: "PAID", paidGbp: "1644.96", outstandingGbp: "0.00" });
    expect(errorCodes(await pay(who.soA, "0.01", "BACS-3"))).toEqual(["CONFLICT"]);
    expect(await payments()).toBe(before + 2);
  });

  it("keeps an audit trail of every step", async () => {
    const data = await ok(who.fspA, `query ($id: ID!) { invoice(id: $id) { auditEvents { action } } }`, { id: invoiceId });
    expect(data.invoice.auditEvents.map((event: { action: string }) => event.action)).toEqual([
      "CREATE",
      "UPDATE",
      "UPDATE",
      "STATUS_CHANGE",
      "STATUS_CHANGE",
      "STATUS_CHANGE",
    ]);
  });

  it("is credited when later data changes it: a held-out assessment now FINAL makes a credit note of the difference", async () => {
    // Verification finalises the assessment the statement held out (its own mutation, here straight in the table).
    await handle.db.update(performanceAssessments).set({ status: "FINAL" }).where(eq(performanceAssessments.id, assessment.published!));
    const CREDIT = `mutation ($id: ID!) { issueCreditNote(input: { invoiceId: $id, reason: "Assessment finalised" }) { invoice {
      id kind status netGbp vatGbp totalGbp reason originalInvoice { id status } lines { type amountGbp assessmentId basis } } } }`;
    expect(errorCodes(await run(who.fspA, CREDIT, { id: invoiceId }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await run(who.fspB, CREDIT, { id: invoiceId }))).toEqual(["NOT_FOUND"]);
    const note = (await ok(who.soA, CREDIT, { id: invoiceId })).issueCreditNote.invoice;
    expect(note).toMatchObject({
      kind: "CREDIT_NOTE",
      status: "ISSUED",
      netGbp: "300.00",
      vatGbp: "60.00",
      totalGbp: "360.00",
      reason: "Assessment finalised",
      originalInvoice: { id: invoiceId, status: "CREDITED" },
      lines: [{ type: "UTILISATION", amountGbp: "300.00", assessmentId: assessment.published, basis: "corrects 0.00 to 300.00" }],
    });
    // Nothing differs any more; a credit note is not credited itself.
    expect(errorCodes(await run(who.soA, CREDIT, { id: invoiceId }))).toEqual(["CONFLICT"]);
    expect(errorCodes(await run(who.soA, CREDIT, { id: note.id }))).toEqual(["CONFLICT"]);
  });

  it("describes its lifecycle in the schema as the table says", () => {
    const sdl = typeDefs.loc?.source.body ?? "";
    expect(sdl).toContain(`Lifecycle: ${invoiceLifecycle.describe()}`);
  });
});
