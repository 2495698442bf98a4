import { type DatabaseHandle, staticReferences } from "@sfe/kit";
import { countRows, errorCodes, execute, orgs, setUpSubgraph, as as who } from "@sfe/kit/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { penalties, performanceAssessments } from "../src/db/schema.js";
import { disputeLifecycle } from "../src/modules/disputes/tables.js";
import { type createTransactionsSubgraph, typeDefs } from "../src/server.js";
import { transactionsSubgraph, ruleRoutes } from "./helpers.js";

/**
 * Disputes in-process (§4.18, §7.10): raised by a party only, moved by the side each step belongs to, an assessment's
 * correction applied with an audit event, and a correction of an invoiced assessment made into a credit note.
 */
const { fspA, fspB, soA, soB } = orgs;
const asset = "a55e0000-0000-4000-8000-00000000d15a";
const product = "9d0c0000-0000-4000-8000-00000000d15a";

let handle: DatabaseHandle;
let subgraph: ReturnType<typeof createTransactionsSubgraph>;

type Caller = (typeof who)[keyof typeof who];
const run = (identity: Caller, query: string, variables: Record<string, unknown> = {}) => execute(subgraph, query, variables, identity);
const ok = async (identity: Caller, query: string, variables: Record<string, unknown> = {}) => {
  const result = await run(identity, query, variables);
  expect(result.errors).toBeUndefined();
  return JSON.parse(JSON.stringify(result.data)) as Record<string, any>;
};

const DISPUTE = `id status raisedBy { id } provider { id } buyer { id } subject { entityType entityId } category evidence slaDueAt createdAt
  outcome correction { deliveredWh adjustmentGbp } creditNotes { id kind status netGbp originalInvoice { id status } lines { type amountGbp basis } }`;
const RAISE = `mutation ($i: RaiseDisputeInput!) { raiseDispute(input: $i) { dispute { ${DISPUTE} } } }`;
const MOVE = `mutation ($i: UpdateDisputeStatusInput!) { updateDisputeStatus(input: $i) { dispute { ${DISPUTE} } } }`;
const move = (identity: Caller, id: string, status: string, extra: Record<string, unknown> = {}) =>
  run(identity, MOVE, { i: { id, status, ...extra } });
const raise = (identity: Caller, entityType: string, entityId: string) =>
  run(identity, RAISE, {
    i: {
      subject: { entityType, entityId },
      category: "PERFORMANCE",
      description: "Meter data shows more delivered",
      evidence: ["mpan-1900012345678.csv"],
    },
  });

const ids = { award: "", published: "", final: "", provisional: "", penalty: "", invoice: "", statement: "" };
const assessmentOf = async (id: string) =>
  (await handle.db.select().from(performanceAssessments).where(eq(performanceAssessments.id, id)))[0]!;

async function insertAssessment(deliveredWh: bigint, status: "PROVISIONAL" | "PUBLISHED" | "FINAL", hour: number) {
  const [row] = await handle.db
    .insert(performanceAssessments)
    .values({
      awardId: ids.award,
      assetId: asset,
      productId: product,
      providerId: fspA,
      buyerId: soA,
      direction: "DEMAND_TURN_DOWN",
      start: new Date(Date.UTC(2026, 9, 5, hour)),
      end: new Date(Date.UTC(2026, 9, 5, hour + 1)),
      baselineMethod: "MID_8_OF_10",
      baselineWh: 2_000_000n,
      meteredWh: 2_000_000n - deliveredWh,
      deliveredWh,
      instructedWh: 1_000_000n,
      creditedWh: deliveredWh,
      deliveryRatio: (Number(deliveredWh) / 1_000_000).toFixed(6),
      status,
    })
    .returning();
  return row!.id;
}

beforeAll(async () => {
  ({ handle, subgraph } = await setUpSubgraph(
    transactionsSubgraph,
    staticReferences(
      {
        Asset: { [asset]: { owner: { id: fspA }, status: "REGISTERED" } },
        Product: { [product]: { owner: { id: soA }, status: "PUBLISHED" } },
        Organisation: [fspA, fspB, soA, soB],
      },
      ruleRoutes(),
    ),
  ));
  await ok(who.soA, `mutation ($i: SetSettlementTermsInput!) { setSettlementTerms(input: $i) { terms { vatRate } } }`, {
    i: {
      productId: product,
      utilisationScale: "SLIDING",
      floorRatio: "0.5",
      fullRatio: "0.95",
      availabilityRule: "ZERO_WHEN_WHOLLY_UNAVAILABLE",
      vatRate: "0",
      invoiceDayOfMonth: 15,
      paymentDays: 30,
    },
  });
  const award = await ok(who.soA, `mutation ($i: RecordAwardInput!) { recordAward(input: $i) { award { id } } }`, {
    i: {
      assetId: asset,
      productId: product,
      awardedMw: 0.5,
      availabilityPriceGbpPerMwH: "21.40",
      utilisationPriceGbpPerMwh: "300",
      start: "2026-10-05T16:00:00Z",
      end: "2026-10-05T20:00:00Z",
    },
  });
  ids.award = award.recordAward.award.id;
  ids.published = await insertAssessment(920_000n, "PUBLISHED", 16);
  ids.final = await insertAssessment(400_000n, "FINAL", 17);
  ids.provisional = await insertAssessment(1_000_000n, "PROVISIONAL", 18);
  const [penalty] = await handle.db
    .insert(penalties)
    .values({ assessmentId: ids.final, type: "NON_DELIVERY", amountPence: 2500n, basis: "60% short of instructed" })
    .returning();
  ids.penalty = penalty!.id;
  // October's statement: availability 0.5 × 21.40 × 4 h = 42.80 (a partly unavailable window is paid in full under
  // ZERO_WHEN_WHOLLY_UNAVAILABLE), the FINAL 0.40 MWh earns 0.00 and its penalty costs 25.00; the others are held out.
  // Invoiced and issued.
  const generated = await ok(
    who.soA,
    `mutation ($i: GenerateSettlementStatementInput!) { generateSettlementStatement(input: $i) { statement { id totalGbp
      lines { amountGbp } heldOut { assessmentId } } } }`,
    {
      i: {
        productId: product,
        providerId: fspA,
        month: "2026-10",
        unavailableWindows: [{ awardId: ids.award, from: "2026-10-05T19:00:00Z", to: "2026-10-05T20:00:00Z" }],
      },
    },
  );
  const statement = generated.generateSettlementStatement.statement;
  expect(statement.lines.map((line: { amountGbp: string }) => line.amountGbp)).toEqual(["42.80", "0.00", "-25.00"]);
  expect(statement.heldOut.map((h: { assessmentId: string }) => h.assessmentId).sort()).toEqual([ids.published, ids.provisional].sort());
  ids.statement = statement.id;
  const invoice = await ok(
    who.soA,
    `mutation ($s: ID!) { createInvoice(input: { statementId: $s, issuerSide: SYSTEM_OPERATOR }) { invoice { id } } }`,
    { s: ids.statement },
  );
  ids.invoice = invoice.createInvoice.invoice.id;
  await ok(who.soA, `mutation ($id: ID!) { updateInvoiceStatus(input: { id: $id, status: ISSUED }) { invoice { status } } }`, {
    id: ids.invoice,
  });
});
afterAll(() => handle.close());

describe("a dispute of a PUBLISHED assessment", () => {
  let disputeId = "";

  it("is raised by the assessment's FSP, and the assessment becomes DISPUTED", async () => {
    const raised = await raise(who.fspA, "PERFORMANCE_ASSESSMENT", ids.published);
    expect(raised.errors).toBeUndefined();
    const dispute = raised.data!.raiseDispute.dispute;
    disputeId = dispute.id;
    expect(JSON.parse(JSON.stringify(dispute))).toMatchObject({
      status: "SUBMITTED",
      raisedBy: { id: fspA },
      provider: { id: fspA },
      buyer: { id: soA },
      subject: { entityType: "PERFORMANCE_ASSESSMENT", entityId: ids.published },
      evidence: ["mpan-1900012345678.csv"],
      correction: null,
      creditNotes: [],
    });
    expect(new Date(dispute.slaDueAt).getTime() - new Date(dispute.createdAt).getTime()).toBe(30 * 86_400_000);
    expect((await assessmentOf(ids.published)).status).toBe("DISPUTED");
  });

  it("is not raised twice, nor on a PROVISIONAL assessment (CONFLICT), nor by a non-party (NOT_FOUND); nobody else sees it", async () => {
    const before = await countRows(handle, "transactions.disputes");
    expect(errorCodes(await raise(who.fspA, "PERFORMANCE_ASSESSMENT", ids.published))).toEqual(["CONFLICT"]);
    expect(errorCodes(await raise(who.fspA, "PERFORMANCE_ASSESSMENT", ids.provisional))).toEqual(["CONFLICT"]);
    expect(errorCodes(await raise(who.fspB, "PERFORMANCE_ASSESSMENT", ids.final))).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await raise(who.nationalSo, "INVOICE", ids.invoice))).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await raise(who.admin, "INVOICE", ids.invoice))).toEqual(["FORBIDDEN"]);
    expect(await countRows(handle, "transactions.disputes")).toBe(before);

    const read = `query ($id: ID!) { dispute(id: $id) { id } }`;
    for (const caller of [who.fspA, who.soA, who.admin])
      expect((await ok(caller, read, { id: disputeId })).dispute).toEqual({ id: disputeId });
    for (const caller of [who.fspB, who.nationalSo, who.investor])
      expect((await run(caller, read, { id: disputeId })).data?.dispute).toBeNull();
    expect((await ok(who.fspB, `{ disputes { id } }`)).disputes).toEqual([]);
    expect(errorCodes(await run(who.regulator, `{ disputes { id } }`))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await move(who.fspB, disputeId, "WITHDRAWN"))).toEqual(["NOT_FOUND"]);
  });

  it("is moved by the other party through its lifecycle (FORBIDDEN for the raiser, CONFLICT for a skipped step)", async () => {
    expect(errorCodes(await move(who.fspA, disputeId, "ACKNOWLEDGED"))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await move(who.soA, disputeId, "WITHDRAWN"))).toEqual(["FORBIDDEN"]);
    const skipped = await move(who.soA, disputeId, "RESOLVED_NO_ACTION");
    expect(errorCodes(skipped)).toEqual(["CONFLICT"]);
    expect(skipped.errors?.[0]?.extensions).toMatchObject({ currentStatus: "SUBMITTED", requestedStatus: "RESOLVED_NO_ACTION" });
    for (const [caller, status] of [
      [who.soA, "ACKNOWLEDGED"],
      [who.soA, "UNDER_INVESTIGATION"],
      [who.soA, "AWAITING_INFO"],
      [who.fspA, "UNDER_INVESTIGATION"], // the raiser answers the request for information
    ] as const) {
      expect((await ok(caller, MOVE, { i: { id: disputeId, status } })).updateDisputeStatus.dispute.status).toBe(status);
    }
  });

  it("resolved with a correction, applies it to the assessment (FINAL, audited); not invoiced, it makes no credit note", async () => {
    const missing = await move(who.soA, disputeId, "RESOLVED_CORRECTED");
    expect(errorCodes(missing)).toEqual(["BAD_USER_INPUT"]);
    expect(missing.errors?.[0]?.extensions?.field).toBe("correction.deliveredWh");
    const wrong = await move(who.soA, disputeId, "RESOLVED_CORRECTED", { correction: { adjustmentGbp: "10.00" } });
    expect(errorCodes(wrong)).toEqual(["BAD_USER_INPUT"]);
    const audits = await countRows(handle, "transactions.audit_events");
    const resolved = await ok(who.soA, MOVE, {
      i: { id: disputeId, status: "RESOLVED_CORRECTED", outcome: "Meter data accepted", correction: { deliveredWh: "950000" } },
    });
    expect(resolved.updateDisputeStatus.dispute).toMatchObject({
      status: "RESOLVED_CORRECTED",
      outcome: "Meter data accepted",
      correction: { deliveredWh: "950000", adjustmentGbp: null },
      creditNotes: [],
    });
    const corrected = await assessmentOf(ids.published);
    expect(corrected).toMatchObject({ status: "FINAL", deliveredWh: 950_000n, creditedWh: 950_000n, deliveryRatio: "0.950000" });
    // The dispute's status change and the assessment's correction.
    expect(await countRows(handle, "transactions.audit_events")).toBe(audits + 2);
    expect(errorCodes(await move(who.soA, disputeId, "UNDER_INVESTIGATION"))).toEqual(["CONFLICT"]);
  });
});

describe("a dispute of an invoiced FINAL assessment", () => {
  it("ends in a credit note of the difference, and the original invoice CREDITED", async () => {
    const raised = await raise(who.fspA, "PERFORMANCE_ASSESSMENT", ids.final);
    const id = raised.data!.raiseDispute.dispute.id as string;
    expect((await assessmentOf(ids.final)).status).toBe("FINAL"); // a FINAL assessment stays FINAL
    for (const status of ["ACKNOWLEDGED", "UNDER_INVESTIGATION"]) await ok(who.soA, MOVE, { i: { id, status } });
    const resolved = await ok(who.soA, MOVE, { i: { id, status: "RESOLVED_CORRECTED", correction: { deliveredWh: "600000" } } });
    const [note] = resolved.updateDisputeStatus.dispute.creditNotes;
    // 0.60 MWh × £300 × f(0.6) = (0.6 − 0.5)/0.45 = 2/9 → £40.00, where £0.00 was invoiced.
    expect(note).toMatchObject({
      kind: "CREDIT_NOTE",
      status: "ISSUED",
      netGbp: "40.00",
      originalInvoice: { id: ids.invoice, status: "CREDITED" },
      lines: [{ type: "UTILISATION", amountGbp: "40.00", basis: "corrects 0.00 to 40.00" }],
    });
    const original = await ok(
      who.fspA,
      `query ($id: ID!) { invoice(id: $id) { status netGbp lines { amountGbp } creditNotes { id } statement { status } } }`,
      { id: ids.invoice },
    );
    // The original never changes: its lines and figures are as issued.
    expect(original.invoice).toEqual({
      status: "CREDITED",
      netGbp: "17.80",
      lines: [{ amountGbp: "42.80" }, { amountGbp: "0.00" }, { amountGbp: "-25.00" }],
      creditNotes: [{ id: note.id }],
      statement: { status: "INVOICED" },
    });
  });

  it("a dispute of a penalty, resolved with an adjustment, credits the invoice that charged it", async () => {
    const raised = await ok(who.fspA, RAISE, {
      i: { subject: { entityType: "PENALTY", entityId: ids.penalty }, category: "PENALTY", description: "The instruction was cancelled" },
    });
    const id = raised.raiseDispute.dispute.id;
    expect(raised.raiseDispute.dispute).toMatchObject({ provider: { id: fspA }, buyer: { id: soA } });
    for (const status of ["ACKNOWLEDGED", "UNDER_INVESTIGATION"]) await ok(who.soA, MOVE, { i: { id, status } });
    const wrong = await move(who.soA, id, "RESOLVED_CORRECTED", { correction: { deliveredWh: "1" } });
    expect(errorCodes(wrong)).toEqual(["BAD_USER_INPUT"]);
    const resolved = await ok(who.soA, MOVE, { i: { id, status: "RESOLVED_CORRECTED", correction: { adjustmentGbp: "25.00" } } });
    expect(resolved.updateDisputeStatus.dispute).toMatchObject({
      correction: { adjustmentGbp: "25.00", deliveredWh: null },
      creditNotes: [
        { kind: "CREDIT_NOTE", netGbp: "25.00", originalInvoice: { id: ids.invoice }, lines: [{ type: "ADJUSTMENT", amountGbp: "25.00" }] },
      ],
    });
  });

  it("a dispute of an invoice makes it DISPUTED; withdrawn by its raiser, it is ISSUED again", async () => {
    const notes = await ok(who.fspA, `{ invoices(status: ISSUED) { id kind } }`);
    expect(notes.invoices).toHaveLength(2);
    const [note] = notes.invoices;
    expect(note.kind).toBe("CREDIT_NOTE");
    const raised = await ok(who.fspA, RAISE, {
      i: { subject: { entityType: "INVOICE", entityId: note.id }, category: "PAYMENT", description: "Wrong amount" },
    });
    const id = raised.raiseDispute.dispute.id;
    const status = async () => (await ok(who.soA, `query ($id: ID!) { invoice(id: $id) { status } }`, { id: note.id })).invoice.status;
    expect(await status()).toBe("DISPUTED");
    expect((await ok(who.fspA, MOVE, { i: { id, status: "WITHDRAWN" } })).updateDisputeStatus.dispute.status).toBe("WITHDRAWN");
    expect(await status()).toBe("ISSUED");
  });

  it("describes its lifecycle in the schema as the table says", () => {
    expect(typeDefs.loc?.source.body ?? "").toContain(`Lifecycle: ${disputeLifecycle.describe()}`);
  });
});
