import type { DatabaseHandle } from "@sfe/kit";
import { staticReferences } from "@sfe/kit";
import { as, countRows, errorCodes, execute, orgs, setUpSubgraph, testIdentity } from "@sfe/kit/testing";
import { sql } from "drizzle-orm";
import { type ObjectTypeDefinitionNode, parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FEEDBACK_ATTRIBUTES } from "../src/modules/consultations/validation.js";
import { type createProductsSubgraph, typeDefs } from "../src/server.js";
import { productsSubgraph } from "./helpers.js";

// UKPN (SO A) consults on a product; two FSPs and NESO (SO B) answer; an investor looks on.
const { soA: UKPN, soB: NESO, fspA, fspB } = orgs;
const { soA: AS_UKPN, nationalSo: AS_NESO, admin: ADMIN, investor: INVESTOR, fspA: FSP_A, fspB: FSP_B, fspC: FSP_C } = as;

let handle: DatabaseHandle;
let subgraph: ReturnType<typeof createProductsSubgraph>;

beforeAll(async () => {
  ({ handle, subgraph } = await setUpSubgraph(productsSubgraph, staticReferences({ Organisation: [UKPN, NESO, fspA, fspB] })));
});
afterAll(() => handle.close());

const CREATE = `mutation ($input: CreateProductInput!) { createProduct(input: $input) { product { id status currentVersion { id } } } }`;
const OPEN = `mutation ($input: OpenConsultationInput!) {
  openConsultation(input: $input) { consultation { id closesAt open productVersion { id status } } } }`;
const SUBMIT = `mutation ($input: SubmitProductFeedbackInput!) {
  submitProductFeedback(input: $input) { feedback { id author { id } answers { attribute verdict suggestedValue comment }
    wouldParticipate indicativeMw comment consultation { id } } } }`;
const SUMMARY = `mutation ($input: PublishConsultationSummaryInput!) {
  publishConsultationSummary(input: $input) { consultation { id summary summaryPublishedAt } } }`;
const READ = `query ($id: ID!) { consultation(id: $id) { id open summary
  responses { author { id } answers { attribute verdict suggestedValue } wouldParticipate indicativeMw }
  aggregate { responses wouldParticipate indicativeMwTotal attributes { attribute agree change suggestedValues } } } }`;
const VERSION_CONSULTATION = `query ($id: ID!) { product(id: $id) { currentVersion { consultation { id } } } }`;

const inAWeek = () => new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString();

/** UKPN's draft SAOU product, put to consultation; its consultation's id. */
async function consultation(code: string): Promise<{ productId: string; consultationId: string }> {
  const input = {
    ownerId: UKPN,
    code,
    name: "Scheduled Availability",
    serviceType: "AVAILABILITY_AND_UTILISATION",
    directions: ["DEMAND_TURN_DOWN"],
    minimumCapacityKw: 10,
    durationMinutes: 180,
  };
  const created = await execute(subgraph, CREATE, { input }, AS_UKPN);
  expect(created.errors).toBeUndefined();
  const productId = created.data!.createProduct.product.id as string;
  const opened = await execute(subgraph, OPEN, { input: { productId, closesAt: inAWeek() } }, AS_UKPN);
  expect(opened.errors).toBeUndefined();
  return { productId, consultationId: opened.data!.openConsultation.consultation.id };
}

const answer = (identity: (typeof as)[keyof typeof as], input: Record<string, unknown>) => execute(subgraph, SUBMIT, { input }, identity);

describe("openConsultation", () => {
  it("puts the draft IN_CONSULTATION until closesAt, in one audited step", async () => {
    const audits = await countRows(handle, "products.audit_events");
    const { productId, consultationId } = await consultation("SAOU-OPEN");
    // createProduct (2 events), then the status change and the consultation.
    expect(await countRows(handle, "products.audit_events")).toBe(audits + 4);
    const read = await execute(subgraph, `query ($id: ID!) { product(id: $id) { status } }`, { id: productId }, FSP_A);
    expect(read.data?.product.status).toBe("IN_CONSULTATION");
    const linked = await execute(subgraph, VERSION_CONSULTATION, { id: productId }, FSP_A);
    expect(linked.data?.product.currentVersion.consultation.id).toBe(consultationId);
  });

  it("refuses a closing time in the past, another SO, an FSP, and a published product", async () => {
    const { productId } = await consultation("SAOU-OPEN-BAD");
    const past = await execute(subgraph, OPEN, { input: { productId, closesAt: "2020-01-01T00:00:00Z" } }, AS_UKPN);
    expect(errorCodes(past)).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await execute(subgraph, OPEN, { input: { productId, closesAt: inAWeek() } }, AS_NESO))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await execute(subgraph, OPEN, { input: { productId, closesAt: inAWeek() } }, FSP_A))).toEqual(["FORBIDDEN"]);
    await execute(
      subgraph,
      `mutation ($id: ID!) { updateProduct(input: { id: $id, status: PUBLISHED }) { product { id } } }`,
      { id: productId },
      ADMIN,
    );
    const published = await execute(subgraph, OPEN, { input: { productId, closesAt: inAWeek() } }, AS_UKPN);
    expect(published.errors?.[0]?.extensions).toMatchObject({
      code: "CONFLICT",
      currentStatus: "PUBLISHED",
      requestedStatus: "IN_CONSULTATION",
    });
  });
});

describe("market testing", () => {
  let consultationId: string;
  beforeAll(async () => {
    ({ consultationId } = await consultation("SAOU-TEST"));
  });

  it("takes structured answers from FSPs and another SO, one response per organisation (replaced until closing)", async () => {
    const first = await answer(FSP_A, {
      consultationId,
      answers: [
        { attribute: "minimumCapacityKw", verdict: "CHANGE", suggestedValue: "5", comment: "Most of our EV chargers are 7 kW" },
        { attribute: "durationMinutes", verdict: "AGREE" },
      ],
      wouldParticipate: true,
      indicativeMw: 2.5,
    });
    expect(first.errors).toBeUndefined();
    expect(first.data?.submitProductFeedback.feedback).toMatchObject({
      author: { id: fspA },
      answers: [
        { attribute: "minimumCapacityKw", verdict: "CHANGE", suggestedValue: "5", comment: "Most of our EV chargers are 7 kW" },
        { attribute: "durationMinutes", verdict: "AGREE", suggestedValue: null, comment: null },
      ],
      wouldParticipate: true,
      indicativeMw: 2.5,
    });
    // FSP A changes its mind: still one response.
    const replaced = await answer(FSP_A, {
      consultationId,
      answers: [
        { attribute: "minimumCapacityKw", verdict: "CHANGE", suggestedValue: "7" },
        { attribute: "durationMinutes", verdict: "AGREE" },
      ],
      wouldParticipate: true,
      indicativeMw: 3,
    });
    expect(replaced.data?.submitProductFeedback.feedback.id).toBe(first.data?.submitProductFeedback.feedback.id);
    expect(
      errorCodes(
        await answer(FSP_B, {
          consultationId,
          answers: [{ attribute: "minimumCapacityKw", verdict: "AGREE" }],
          wouldParticipate: false,
          indicativeMw: 1,
        }),
      ),
    ).toEqual([]);
    expect(
      errorCodes(
        await answer(AS_NESO, {
          consultationId,
          answers: [
            { attribute: "minimumCapacityKw", verdict: "CHANGE", suggestedValue: "7" },
            { attribute: "serviceWindows", verdict: "CHANGE", suggestedValue: "16:00-20:00" },
          ],
          wouldParticipate: true,
        }),
      ),
    ).toEqual([]);
    expect(await countRows(handle, "products.product_feedback")).toBe(3);
  });

  it("the owner SO and the administrator see every response and the aggregate per attribute", async () => {
    for (const identity of [AS_UKPN, ADMIN]) {
      const read = await execute(subgraph, READ, { id: consultationId }, identity);
      expect(read.errors).toBeUndefined();
      const { responses, aggregate } = read.data!.consultation;
      expect(responses.map((r: { author: { id: string } }) => r.author.id).sort()).toEqual([fspA, fspB, NESO].sort());
      expect(aggregate).toEqual({
        responses: 3,
        wouldParticipate: 2,
        indicativeMwTotal: 4,
        attributes: [
          { attribute: "durationMinutes", agree: 1, change: 0, suggestedValues: [] },
          { attribute: "minimumCapacityKw", agree: 1, change: 2, suggestedValues: ["7"] },
          { attribute: "serviceWindows", agree: 0, change: 1, suggestedValues: ["16:00-20:00"] },
        ],
      });
    }
  });

  it("a respondent sees only its own response and no aggregate; an investor does not see the consultation", async () => {
    const own = (await execute(subgraph, READ, { id: consultationId }, FSP_B)).data!.consultation;
    expect(own.responses).toEqual([
      {
        author: { id: fspB },
        answers: [{ attribute: "minimumCapacityKw", verdict: "AGREE", suggestedValue: null }],
        wouldParticipate: false,
        indicativeMw: 1,
      },
    ]);
    expect(own.aggregate).toBeNull();
    const other = (await execute(subgraph, READ, { id: consultationId }, AS_NESO)).data!.consultation;
    expect(other.responses.map((r: { author: { id: string } }) => r.author.id)).toEqual([NESO]);
    // Investors see published products only: a version in consultation, and so its consultation, is hidden.
    expect((await execute(subgraph, READ, { id: consultationId }, INVESTOR)).data!.consultation).toBeNull();
    const regulator = (await execute(subgraph, READ, { id: consultationId }, as.regulator)).data!.consultation;
    expect([regulator.responses, regulator.aggregate]).toEqual([[], null]);
  });

  it("refuses bad answers with BAD_USER_INPUT, and callers who do not take part, writing nothing", async () => {
    const before = await countRows(handle, "products.product_feedback");
    for (const input of [
      { answers: [{ attribute: "colour", verdict: "CHANGE", suggestedValue: "green" }] },
      { answers: [{ attribute: "status", verdict: "AGREE" }] },
      {
        answers: [
          { attribute: "minimumCapacityKw", verdict: "AGREE" },
          { attribute: "minimumCapacityKw", verdict: "CHANGE" },
        ],
      },
      { answers: [], indicativeMw: -1 },
      { answers: [], indicativeMw: 1e9 },
      { answers: [{ attribute: "name", verdict: "CHANGE", suggestedValue: "x".repeat(501) }] },
    ]) {
      expect(errorCodes(await answer(FSP_C, { consultationId, ...input }))).toEqual(["BAD_USER_INPUT"]);
    }
    const unknown = await answer(FSP_C, { consultationId, answers: [{ attribute: "colour", verdict: "AGREE" }] });
    expect(unknown.errors?.[0]?.extensions?.field).toBe("answers[0].attribute");
    expect(errorCodes(await answer(INVESTOR, { consultationId, answers: [] }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await answer(as.regulator, { consultationId, answers: [] }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await answer(AS_UKPN, { consultationId, answers: [] }))).toEqual(["FORBIDDEN"]); // its own consultation
    expect(errorCodes(await answer(testIdentity({ roles: [] }), { consultationId, answers: [] }))).toEqual(["FORBIDDEN"]); // unverified
    expect(errorCodes(await answer(as.anonymous, { consultationId, answers: [] }))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await answer(FSP_C, { consultationId: "00000000-0000-4000-8000-000000000000", answers: [] }))).toEqual(["NOT_FOUND"]);
    expect(await countRows(handle, "products.product_feedback")).toBe(before);
  });

  it("publishes the SO's summary for everyone who sees the version; only the owner SO or an administrator may", async () => {
    expect(errorCodes(await execute(subgraph, SUMMARY, { input: { consultationId, summary: "Hijack" } }, FSP_A))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await execute(subgraph, SUMMARY, { input: { consultationId, summary: "Hijack" } }, AS_NESO))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await execute(subgraph, SUMMARY, { input: { consultationId, summary: " " } }, AS_UKPN))).toEqual(["BAD_USER_INPUT"]);
    const text = "Respondents asked for a 7 kW minimum; the minimum will be 7 kW in the published version.";
    const published = await execute(subgraph, SUMMARY, { input: { consultationId, summary: text } }, AS_UKPN);
    expect(published.data?.publishConsultationSummary.consultation.summary).toBe(text);
    expect(published.data?.publishConsultationSummary.consultation.summaryPublishedAt).not.toBeNull();
    expect((await execute(subgraph, READ, { id: consultationId }, as.regulator)).data?.consultation.summary).toBe(text);
    expect((await execute(subgraph, READ, { id: consultationId }, INVESTOR)).data?.consultation).toBeNull(); // until published
  });

  it("refuses a response once closesAt has passed, with the stable code CONSULTATION_CLOSED", async () => {
    const { consultationId: closing } = await consultation("SAOU-CLOSING");
    expect(errorCodes(await answer(FSP_A, { consultationId: closing, answers: [{ attribute: "name", verdict: "AGREE" }] }))).toEqual([]);
    // The closing time passes (the database's clock decides).
    await handle.db.execute(sql`update products.consultations set closes_at = now() - interval '1 second' where id = ${closing}`);
    const late = await answer(FSP_B, { consultationId: closing, answers: [{ attribute: "name", verdict: "AGREE" }] });
    expect(errorCodes(late)).toEqual(["CONSULTATION_CLOSED"]);
    expect(late.errors?.[0]?.extensions).toMatchObject({ consultationId: closing, status: "IN_CONSULTATION" });
    expect(errorCodes(await answer(FSP_A, { consultationId: closing, answers: [] }))).toEqual(["CONSULTATION_CLOSED"]);
    expect((await execute(subgraph, READ, { id: closing }, AS_UKPN)).data?.consultation).toMatchObject({
      open: false,
      aggregate: { responses: 1 },
    });
  });

  it("refuses a response once the version left IN_CONSULTATION (withdrawn to DRAFT, then hidden)", async () => {
    const { productId, consultationId: withdrawn } = await consultation("SAOU-WITHDRAWN");
    await execute(
      subgraph,
      `mutation ($id: ID!) { updateProduct(input: { id: $id, status: DRAFT }) { product { id } } }`,
      { id: productId },
      AS_UKPN,
    );
    // A draft is the owner's alone: to anyone else the consultation is not there.
    expect(errorCodes(await answer(FSP_A, { consultationId: withdrawn, answers: [] }))).toEqual(["NOT_FOUND"]);
    expect((await execute(subgraph, READ, { id: withdrawn }, FSP_A)).data?.consultation).toBeNull();
    expect((await execute(subgraph, READ, { id: withdrawn }, AS_UKPN)).data?.consultation.open).toBe(false);
  });
});

describe("schema", () => {
  it("every attribute a respondent may answer about is a ProductVersion field", () => {
    const version = parse(typeDefs.loc!.source.body).definitions.find(
      (d): d is ObjectTypeDefinitionNode => d.kind === "ObjectTypeDefinition" && d.name.value === "ProductVersion",
    );
    const fields = new Set(version?.fields?.map((f) => f.name.value));
    expect([...FEEDBACK_ATTRIBUTES].filter((attribute) => !fields.has(attribute))).toEqual([]);
  });
});
