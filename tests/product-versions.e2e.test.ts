/**
 * Products through the gateway, over real HTTP (issue 9 items 1 and 2): Ed (NESO's system operator) drafts a product
 * in a sub-market, puts it to market testing, Louis (an FSP) answers, Ed reads the aggregate and publishes a
 * summary, the administrator publishes version 1; Ed revises it, the administrator publishes version 2, and the
 * product answers its current version and its history.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, gql, gqlOk, PASSWORD, signIn, startTestStack } from "./helpers.js";

let stack: Awaited<ReturnType<typeof startTestStack>>;
let ed: { token: string };
let neso: string;
let louis: Awaited<ReturnType<typeof stack.signUp>>;
let emma: Awaited<ReturnType<typeof stack.signUp>>;

beforeAll(async () => {
  stack = await startTestStack();
  const signedUp = await stack.signUp("ed@neso.test", "SYSTEM_OPERATOR", "National Energy System Operator");
  neso = signedUp.organisationId;
  await gqlOk(
    stack.url,
    `mutation ($u: ID!) { verifySystemOperator(userId: $u) { user { status } } }`,
    { u: signedUp.userId },
    stack.admin,
  );
  ed = await signIn(stack.url, "ed@neso.test", PASSWORD); // the verified role is in a fresh token
  louis = await stack.signUp("louis@newflex.test", "FSP", "NewFlex Ltd");
  emma = await stack.signUp("emma@greenbank.test", "INVESTOR", "Greenbank Capital");
}, 120_000);
afterAll(() => stack?.stop());

describe("a product's versions, sub-market and market test through the gateway", () => {
  it("Ed drafts, consults, Louis answers, the admin publishes v1 and then Ed's revision v2", async () => {
    const subMarket = (
      await gqlOk(
        stack.url,
        `mutation ($o: ID!) { createSubMarket(input: { operatorId: $o, name: "NESO Reserve", needType: RESERVE, geography: ["GB"],
          ruleDocumentRefs: ["NESO Quick Reserve technical requirements"], timingProfile: "Day-ahead EAC auction, gate closure 14:00 D-1" })
          { subMarket { id name } } }`,
        { o: neso },
        ed,
      )
    ).createSubMarket.subMarket;

    const created = await gqlOk(
      stack.url,
      `mutation ($o: ID!, $s: ID!) { createProduct(input: { ownerId: $o, subMarketId: $s, code: "PQR", name: "Positive Quick Reserve",
        serviceType: AVAILABILITY_AND_UTILISATION, directions: [GENERATION_TURN_UP, DEMAND_TURN_DOWN], minimumCapacityKw: 1000,
        responseTimeSeconds: 60, durationMinutes: 15, needType: RESERVE, faultTiming: PRE_FAULT, aggregationScope: WITHIN_GSP_GROUP,
        locations: ["GB"], efaBlocks: [1, 2, 3, 4, 5, 6],
        procurement: { cadence: DAY_AHEAD, daysBeforeDelivery: 1, gateClosesLocal: "14:00", pricingRule: PAY_AS_CLEAR },
        pricingUnits: { availability: GBP_PER_MW_PER_H, utilisation: GBP_PER_MWH }, baselineMethods: [NOMINATED], dispatchMethod: BOA })
        { product { id status version subMarket { name } } } }`,
      { o: neso, s: subMarket.id },
      ed,
    );
    const product = created.createProduct.product;
    expect(product).toMatchObject({ status: "DRAFT", version: 1, subMarket: { name: "NESO Reserve" } });

    const closesAt = new Date(Date.now() + 14 * 24 * 3600 * 1000).toISOString();
    const consultation = (
      await gqlOk(
        stack.url,
        `mutation ($p: ID!, $c: DateTime!) { openConsultation(input: { productId: $p, closesAt: $c }) { consultation { id open productVersion { status } } } }`,
        { p: product.id, c: closesAt },
        ed,
      )
    ).openConsultation.consultation;
    expect(consultation).toMatchObject({ open: true, productVersion: { status: "IN_CONSULTATION" } });

    const SUBMIT = `mutation ($i: SubmitProductFeedbackInput!) { submitProductFeedback(input: $i) { feedback { id author { id name } } } }`;
    const answered = await gqlOk(
      stack.url,
      SUBMIT,
      {
        i: {
          consultationId: consultation.id,
          answers: [
            { attribute: "minimumCapacityKw", verdict: "CHANGE", suggestedValue: "500", comment: "Our aggregated sites reach 0.5 MW" },
            { attribute: "responseTimeSeconds", verdict: "AGREE" },
          ],
          wouldParticipate: true,
          indicativeMw: 12,
        },
      },
      louis.as,
    );
    // The author is resolved from the users subgraph through the gateway.
    expect(answered.submitProductFeedback.feedback.author).toEqual({ id: louis.organisationId, name: "NewFlex Ltd" });
    // An investor watches markets; it does not take part.
    expect(codes(await gql(stack.url, SUBMIT, { i: { consultationId: consultation.id, answers: [] } }, emma.as))).toEqual(["FORBIDDEN"]);
    // An answer about an attribute a product does not have.
    const unknown = await gql(
      stack.url,
      SUBMIT,
      { i: { consultationId: consultation.id, answers: [{ attribute: "colour", verdict: "AGREE" }] } },
      louis.as,
    );
    expect(codes(unknown)).toEqual(["BAD_USER_INPUT"]);

    const READ = `query ($id: ID!) { consultation(id: $id) { responses { author { id } } aggregate { responses wouldParticipate
      indicativeMwTotal attributes { attribute agree change suggestedValues } } } }`;
    const seenByEd = (await gqlOk(stack.url, READ, { id: consultation.id }, ed)).consultation;
    expect(seenByEd.aggregate).toEqual({
      responses: 1,
      wouldParticipate: 1,
      indicativeMwTotal: 12,
      attributes: [
        { attribute: "minimumCapacityKw", agree: 0, change: 1, suggestedValues: ["500"] },
        { attribute: "responseTimeSeconds", agree: 1, change: 0, suggestedValues: [] },
      ],
    });
    const seenByLouis = (await gqlOk(stack.url, READ, { id: consultation.id }, louis.as)).consultation;
    expect(seenByLouis).toEqual({ responses: [{ author: { id: louis.organisationId } }], aggregate: null });
    await gqlOk(
      stack.url,
      `mutation ($c: ID!) { publishConsultationSummary(input: { consultationId: $c, summary: "One FSP asked for 500 kW; kept at 1 MW for version 1." }) { consultation { id } } }`,
      { c: consultation.id },
      ed,
    );

    const PUBLISH = `mutation ($id: ID!) { updateProduct(input: { id: $id, status: PUBLISHED }) { product { status version } } }`;
    expect(codes(await gql(stack.url, PUBLISH, { id: product.id }, ed))).toEqual(["FORBIDDEN"]); // SO proposes, administrator publishes
    expect((await gqlOk(stack.url, PUBLISH, { id: product.id }, stack.admin)).updateProduct.product).toEqual({
      status: "PUBLISHED",
      version: 1,
    });
    // The consultation closed with the publication.
    expect(codes(await gql(stack.url, SUBMIT, { i: { consultationId: consultation.id, answers: [] } }, louis.as))).toEqual([
      "CONSULTATION_CLOSED",
    ]);
    // A published version is immutable.
    const edit = await gql(
      stack.url,
      `mutation ($id: ID!) { updateProduct(input: { id: $id, minimumCapacityKw: 500 }) { product { id } } }`,
      { id: product.id },
      ed,
    );
    expect(codes(edit)).toEqual(["CONFLICT"]);
    expect(edit.errors?.[0]?.extensions?.reason).toBe("VERSION_PUBLISHED");

    const revised = await gqlOk(
      stack.url,
      `mutation ($id: ID!) { reviseProduct(input: { productId: $id, minimumCapacityKw: 500, effectiveFrom: "2026-04-01T00:00:00Z" })
        { version { id version status supersedes { version } } product { version status } } }`,
      { id: product.id },
      ed,
    );
    expect(revised.reviseProduct).toMatchObject({
      version: { version: 2, status: "DRAFT", supersedes: { version: 1 } },
      product: { version: 1, status: "PUBLISHED" },
    });
    await gqlOk(stack.url, PUBLISH, { id: product.id }, stack.admin);

    const HISTORY = `query ($id: ID!) { product(id: $id) { version minimumCapacityKw currentVersion { version minimumCapacityKw }
      versions { version status superseded minimumCapacityKw } } }`;
    const history = (await gqlOk(stack.url, HISTORY, { id: product.id }, emma.as)).product;
    expect(history).toEqual({
      version: 2,
      minimumCapacityKw: 500,
      currentVersion: { version: 2, minimumCapacityKw: 500 },
      versions: [
        { version: 1, status: "PUBLISHED", superseded: true, minimumCapacityKw: 1000 },
        { version: 2, status: "PUBLISHED", superseded: false, minimumCapacityKw: 500 },
      ],
    });
    // The products of NESO, through the users subgraph's Organisation.
    const viaOrganisation = await gqlOk(stack.url, `{ me { organisation { products { code version } } } }`, {}, ed);
    expect(viaOrganisation.me.organisation.products).toEqual([{ code: "PQR", version: 2 }]);
  });
});
