/**
 * Pre-qualification in the products subgraph (UC15; domain §4.8): an FSP's organisation is commercially qualified,
 * applies once for two system operators' products, answers their shared commonKey once; each SO assesses its part;
 * a unit's recomposition makes its qualifications REASSESSMENT_REQUIRED; validity expiry reads EXPIRED.
 */
import type { DatabaseHandle, EntityReferences, RunningSubgraph } from "@sfe/kit";
import { conflict, IDENTITY_HEADER, staticReferences, startSubgraph } from "@sfe/kit";
import { as, countRows, errorCodes, execute, MISSING_ID, orgs, setUpSubgraph, testGateway, testIdentity } from "@sfe/kit/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { outboxEvents } from "../src/db/schema.js";
import type { OnQualified } from "../src/modules/qualification/index.js";
import { createProductsSubgraph } from "../src/server.js";
import { productsSubgraph, rulesRoutes } from "./helpers.js";

const { soA: UKPN, soB: NESO, fspA: LOUIS, fspB: OTHER_FSP } = orgs;
const AS_LOUIS = as.fspA;
const AS_OTHER = as.fspB;
const AS_UKPN = as.soA;
const AS_NESO = as.nationalSo;
/** Signed up, not yet verified by a hub administrator. */
const UNVERIFIED = "e0000000-0000-4000-8000-00000000000e";
const ASSET = "a2000000-0000-4000-8000-0000000000a2";
const UNIT = "a1000000-0000-4000-8000-0000000000a1";
const OTHER_UNIT = "b1000000-0000-4000-8000-0000000000b1";
/** Louis's 0.5 MW battery: under the 1 MW a DCL unit needs (R-ELG-1). */
const SMALL_ASSET = "a3000000-0000-4000-8000-0000000000a3";
const DAY = 86_400_000;

// The rules subgraph's routes: the real engine in process (rules put in force by the tests), the events it receives.
const rules = rulesRoutes();
// The (stubbed) users and assets subgraphs: Louis's unit is REASSESSMENT_REQUIRED there once its members changed.
const known = {
  Organisation: Object.fromEntries([
    ...[UKPN, NESO, LOUIS, OTHER_FSP, orgs.fspC].map((id) => [id, { status: "ACTIVE" }]),
    [UNVERIFIED, { status: "PENDING_VERIFICATION" }],
  ]),
  Asset: {
    [ASSET]: { owner: { id: LOUIS } },
    [SMALL_ASSET]: { owner: { id: LOUIS }, importCapacityKw: 200, exportCapacityKw: 500 },
  },
  MarketUnit: {
    [UNIT]: { owner: { id: LOUIS }, status: "REASSESSMENT_REQUIRED" },
    [OTHER_UNIT]: { owner: { id: OTHER_FSP }, status: "ACTIVE" },
  },
};
const references: EntityReferences = staticReferences(known, rules.routes);

let handle: DatabaseHandle;
let subgraph: ReturnType<typeof createProductsSubgraph>;
let running: RunningSubgraph;
const qualified: string[] = [];

beforeAll(async () => {
  ({ handle } = await setUpSubgraph(productsSubgraph)); // the database only: `subgraph` below is the one tested
  // The hook the contracts module will be: here it records which assessments became QUALIFIED.
  const onQualified: OnQualified = async ({ assessment }) => void qualified.push(assessment.id);
  subgraph = createProductsSubgraph({ db: handle.db, references, onQualified, verifier: testGateway.verifier("products") });
  running = await startSubgraph(subgraph, { port: 0, host: "127.0.0.1", verifier: testGateway.verifier("products") });
});
afterAll(async () => {
  await running?.stop();
  await handle.close();
});

const run = (query: string, variables: Record<string, unknown>, caller: Parameters<typeof execute>[3]) =>
  execute(subgraph, query, variables, caller);
async function ok(query: string, variables: Record<string, unknown>, caller: Parameters<typeof execute>[3]) {
  const result = await run(query, variables, caller);
  expect(result.errors).toBeUndefined();
  return result.data as Record<string, any>;
}
const count = (table: string) => countRows(handle, `products.${table}`);
const counts = async () =>
  Object.fromEntries(
    await Promise.all(
      ["qualification_applications", "qualification_answers", "qualification_assessments", "audit_events"].map(async (t) => [
        t,
        await count(t),
      ]),
    ),
  );

const CREATE_PRODUCT = `mutation ($i: CreateProductInput!) { createProduct(input: $i) { product { id currentVersion { id } } } }`;
/** A DRAFT product of `ownerId`: its id and its version 1's (requirements are declared while a version is a draft). */
async function product(ownerId: string, code: string): Promise<{ id: string; versionId: string }> {
  const input = {
    ownerId,
    code,
    name: code,
    serviceType: "AVAILABILITY_AND_UTILISATION",
    directions: ["DEMAND_TURN_DOWN"],
    minimumCapacityKw: 100,
  };
  const { createProduct } = await ok(CREATE_PRODUCT, { i: input }, as.admin);
  return { id: createProduct.product.id, versionId: createProduct.product.currentVersion.id };
}
/** Only a hub administrator publishes. */
const publish = (id: string, status = "PUBLISHED") =>
  ok(`mutation ($i: UpdateProductInput!) { updateProduct(input: $i) { product { status } } }`, { i: { id, status } }, as.admin);

const ASSESS_COUNTERPARTY = `mutation ($i: AssessCommercialQualificationInput!) {
  assessCommercialQualification(input: $i) { commercialQualification { id status validTo checks { kind passed evidenceRef } reason organisation { id } } } }`;
const CHECKS = [
  { kind: "COMPANY", passed: true, evidenceRef: "companies-house:01234567" },
  { kind: "CREDIT", passed: true, evidenceRef: "credit:report-9" },
  { kind: "INSURANCE", passed: true, evidenceRef: "insurance:cert-77" },
];
const qualifyCounterparty = (organisationId: string, validTo = new Date(Date.now() + 365 * DAY)) =>
  ok(
    ASSESS_COUNTERPARTY,
    {
      i: {
        organisationId,
        status: "QUALIFIED",
        checks: CHECKS,
        validFrom: new Date(Date.now() - DAY).toISOString(),
        validTo: validTo.toISOString(),
      },
    },
    as.admin,
  );

const DECLARE = `mutation ($i: DeclarePrequalificationRequirementInput!) {
  declarePrequalificationRequirement(input: $i) { requirement { id level kind commonKey valueType mandatory productVersion { id } } } }`;
const declare = async (caller: Parameters<typeof execute>[3], productVersionId: string, fields: Record<string, unknown>) =>
  (await ok(DECLARE, { i: { productVersionId, description: "As the product's rules say", ...fields } }, caller))
    .declarePrequalificationRequirement.requirement;

const APPLICATION = `id status subjectType subjectId applicant { id } products { id }
  requirements { key kind level valueType mandatory requirements { product { id } } answer { key value evidenceRef } }
  assessments { id status product { id } }`;
const APPLY = `mutation ($i: ApplyForQualificationInput!) { applyForQualification(input: $i) { application { ${APPLICATION} } } }`;
const ANSWER = `mutation ($i: AnswerQualificationRequirementsInput!) { answerQualificationRequirements(input: $i) { application { ${APPLICATION} } } }`;
const SUBMIT = `mutation ($i: SubmitQualificationApplicationInput!) { submitQualificationApplication(input: $i) { application { ${APPLICATION} } } }`;
const ASSESSMENT = `id status reason validFrom validTo reassessmentRequiredAt reassessmentReason product { id } assessor { id } applicant { id }
  application { id } requirements { key answer { value evidenceRef } }`;
const ASSESS = `mutation ($i: AssessQualificationInput!) { assessQualification(input: $i) { assessment { ${ASSESSMENT} } } }`;
const ASSESSMENTS = `query ($status: QualificationStatus, $needs: Boolean, $productId: ID) {
  qualificationAssessments(status: $status, needsReassessment: $needs, productId: $productId) { ${ASSESSMENT} } }`;
const STATUS = `query ($s: ID!, $p: ID!, $at: DateTime) {
  qualificationStatus(subjectId: $s, productId: $p, at: $at) { qualified counterpartyQualified assessment { id status } } }`;

/** POSTs to one of the subgraph's internal routes as `identity`, with the gateway's token. */
async function internal(path: string, body: unknown, identity = AS_LOUIS, token?: string) {
  const headers = {
    "content-type": "application/json",
    [IDENTITY_HEADER]: token ?? (await testGateway.headers("products", identity))[IDENTITY_HEADER]!,
  };
  const response = await fetch(running.url.replace(/\/graphql$/, path), { method: "POST", headers, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as any };
}

describe("commercial qualification (Q.2)", () => {
  it("a hub administrator qualifies an organisation once; its members and SOs see it, another FSP does not", async () => {
    const { assessCommercialQualification: a } = await qualifyCounterparty(LOUIS);
    expect(a.commercialQualification).toMatchObject({ status: "QUALIFIED", organisation: { id: LOUIS }, checks: CHECKS });
    const read = `query ($o: ID!) { commercialQualification(organisationId: $o) { status } }`;
    expect((await ok(read, { o: LOUIS }, AS_LOUIS)).commercialQualification).toEqual({ status: "QUALIFIED" });
    expect((await ok(read, { o: LOUIS }, AS_UKPN)).commercialQualification).toEqual({ status: "QUALIFIED" });
    expect((await ok(read, { o: LOUIS }, AS_OTHER)).commercialQualification).toBeNull();
    const entity = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Organisation { commercialQualification { status } } } }`;
    expect((await ok(entity, { r: [{ __typename: "Organisation", id: LOUIS }] }, AS_NESO))._entities).toEqual([
      { commercialQualification: { status: "QUALIFIED" } },
    ]);
  });

  it("refuses an FSP assessing, a QUALIFIED without every check or validity, and a request for another organisation", async () => {
    const before = await count("counterparty_qualifications");
    const input = {
      organisationId: OTHER_FSP,
      status: "QUALIFIED",
      checks: CHECKS,
      validFrom: "2026-01-01T00:00:00Z",
      validTo: "2027-01-01T00:00:00Z",
    };
    expect(errorCodes(await run(ASSESS_COUNTERPARTY, { i: input }, AS_OTHER))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await run(ASSESS_COUNTERPARTY, { i: { ...input, checks: CHECKS.slice(0, 2) } }, as.admin))).toEqual([
      "BAD_USER_INPUT",
    ]);
    expect(errorCodes(await run(ASSESS_COUNTERPARTY, { i: { ...input, validTo: input.validFrom } }, as.admin))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await run(ASSESS_COUNTERPARTY, { i: { organisationId: OTHER_FSP, status: "FAILED" } }, as.admin))).toEqual([
      "BAD_USER_INPUT",
    ]);
    const unverified = await run(ASSESS_COUNTERPARTY, { i: { ...input, organisationId: UNVERIFIED } }, as.admin);
    expect(errorCodes(unverified)).toEqual(["RULE_VIOLATION"]);
    expect(unverified.errors?.[0]?.extensions).toMatchObject({
      reason: "ORGANISATION_NOT_ACTIVE",
      organisationStatus: "PENDING_VERIFICATION",
    });
    const request = `mutation ($o: ID!) { requestCommercialQualification(input: { organisationId: $o }) { commercialQualification { status } } }`;
    expect(errorCodes(await run(request, { o: LOUIS }, AS_OTHER))).toEqual(["FORBIDDEN"]);
    expect(await count("counterparty_qualifications")).toBe(before);
    // Its own request opens the assessment; asking while qualified is a CONFLICT.
    expect((await ok(request, { o: OTHER_FSP }, AS_OTHER)).requestCommercialQualification.commercialQualification).toEqual({
      status: "UNDER_ASSESSMENT",
    });
    expect(errorCodes(await run(request, { o: LOUIS }, AS_LOUIS))).toEqual(["CONFLICT"]);
  });
});

describe("one application for two products", () => {
  let neso: string;
  let ukpn: string;
  let applicationId: string;
  let nesoAssessment: string;
  let ukpnAssessment: string;

  let nesoVersion: string;
  let ukpnVersion: string;

  beforeAll(async () => {
    ({ id: neso, versionId: nesoVersion } = await product(NESO, "QR"));
    ({ id: ukpn, versionId: ukpnVersion } = await product(UKPN, "SAOU"));
  });

  it("each SO declares its draft version's requirements; bad ones, another SO's and a published version's are refused", async () => {
    await declare(AS_NESO, nesoVersion, { level: "COUNTERPARTY", kind: "INSURANCE", commonKey: "company.insurance" });
    await declare(AS_NESO, nesoVersion, { level: "UNIT", kind: "DATA_FIELD", valueType: "NUMBER", commonKey: "unit.response_seconds" });
    await declare(AS_UKPN, ukpnVersion, { level: "COUNTERPARTY", kind: "INSURANCE", commonKey: "company.insurance" });
    await declare(AS_UKPN, ukpnVersion, { level: "UNIT", kind: "DOCUMENT", description: "Single-line diagram" });
    await declare(AS_UKPN, ukpnVersion, { level: "UNIT", kind: "TEST", mandatory: false, canBeDoneOnSfe: false });
    const before = await count("prequalification_requirements");
    const refused = (input: Record<string, unknown>, caller: Parameters<typeof execute>[3] = AS_NESO) =>
      run(DECLARE, { i: { productVersionId: nesoVersion, description: "x", ...input } }, caller).then(errorCodes);
    expect(await refused({ level: "UNIT", kind: "DATA_FIELD" })).toEqual(["BAD_USER_INPUT"]);
    expect(await refused({ level: "UNIT", kind: "DOCUMENT", valueType: "TEXT" })).toEqual(["BAD_USER_INPUT"]);
    expect(await refused({ level: "UNIT", kind: "DOCUMENT", commonKey: "Not A Key" })).toEqual(["BAD_USER_INPUT"]);
    // Another SO does not even see NESO's draft; a hub administrator could declare, an FSP may not.
    expect(await refused({ level: "UNIT", kind: "DOCUMENT" }, AS_UKPN)).toEqual(["NOT_FOUND"]);
    expect(await refused({ level: "UNIT", kind: "DOCUMENT" }, AS_LOUIS)).toEqual(["FORBIDDEN"]);
    expect(await refused({ level: "COUNTERPARTY", kind: "INSURANCE", commonKey: "company.insurance" })).toEqual(["CONFLICT"]);
    expect(await count("prequalification_requirements")).toBe(before);

    await publish(neso);
    await publish(ukpn);
    // Published, the version is immutable: a change of requirements is a new version.
    expect(await refused({ level: "UNIT", kind: "DOCUMENT" })).toEqual(["CONFLICT"]);
    const listed = await ok(
      `query ($id: ID!) { product(id: $id) { currentVersion { prequalificationRequirements { commonKey kind productVersion { id } } } } }`,
      { id: neso },
      as.investor,
    );
    expect(listed.product.currentVersion.prequalificationRequirements).toEqual([
      { commonKey: "company.insurance", kind: "INSURANCE", productVersion: { id: nesoVersion } },
      { commonKey: "unit.response_seconds", kind: "DATA_FIELD", productVersion: { id: nesoVersion } },
    ]);
  });

  it("Louis applies once for both; the shared commonKey is one line asked by both products", async () => {
    const { applyForQualification } = await ok(
      APPLY,
      { i: { subjectType: "MARKET_UNIT", subjectId: UNIT, productIds: [neso, ukpn] } },
      AS_LOUIS,
    );
    const application = applyForQualification.application;
    applicationId = application.id;
    expect(application).toMatchObject({
      status: "DRAFT",
      subjectType: "MARKET_UNIT",
      subjectId: UNIT,
      applicant: { id: LOUIS },
      assessments: [],
    });
    expect(application.requirements).toHaveLength(4);
    const shared = application.requirements.find((r: any) => r.key === "company.insurance");
    expect(shared.requirements.map((r: any) => r.product.id).sort()).toEqual([neso, ukpn].sort());
    expect(shared).toMatchObject({ kind: "INSURANCE", mandatory: true, answer: null });
  });

  it("refuses a wrong-typed answer and a missing mandatory one, writing nothing", async () => {
    const before = await counts();
    const wrong = await run(
      ANSWER,
      {
        i: {
          applicationId,
          answers: [
            { key: "company.insurance", evidenceRef: "ins-1" },
            { key: "unit.response_seconds", value: "fast" },
          ],
        },
      },
      AS_LOUIS,
    );
    expect(errorCodes(wrong)).toEqual(["BAD_USER_INPUT"]);
    expect(wrong.errors?.[0]?.message).toContain("must be a NUMBER");
    const document = await run(ANSWER, { i: { applicationId, answers: [{ key: "company.insurance", value: "yes" }] } }, AS_LOUIS);
    expect(errorCodes(document)).toEqual(["BAD_USER_INPUT"]);
    const missing = await run(SUBMIT, { i: { applicationId } }, AS_LOUIS);
    expect(errorCodes(missing)).toEqual(["BAD_USER_INPUT"]);
    expect(missing.errors?.[0]?.extensions?.missing).toHaveLength(3);
    expect(await counts()).toEqual(before);
  });

  it("answers the common requirement once; submitting makes one assessment per product, each SO seeing its own", async () => {
    const { answerQualificationRequirements } = await ok(
      ANSWER,
      { i: { applicationId, answers: [{ key: "company.insurance", evidenceRef: "insurance:cert-77" }] } },
      AS_LOUIS,
    );
    const lines = answerQualificationRequirements.application.requirements;
    expect(lines.find((r: any) => r.key === "company.insurance").answer).toEqual({
      key: "company.insurance",
      value: null,
      evidenceRef: "insurance:cert-77",
    });
    const sld = lines.find((r: any) => r.kind === "DOCUMENT").key;
    await ok(
      ANSWER,
      {
        i: {
          applicationId,
          answers: [
            { key: "unit.response_seconds", value: " 30 " },
            { key: sld, evidenceRef: "sld:v2" },
          ],
        },
      },
      AS_LOUIS,
    );
    expect(await count("qualification_answers")).toBe(3);

    const { submitQualificationApplication } = await ok(SUBMIT, { i: { applicationId } }, AS_LOUIS);
    expect(submitQualificationApplication.application.status).toBe("SUBMITTED");
    expect(submitQualificationApplication.application.assessments.map((a: any) => a.status)).toEqual([
      "UNDER_ASSESSMENT",
      "UNDER_ASSESSMENT",
    ]);
    expect(errorCodes(await run(SUBMIT, { i: { applicationId } }, AS_LOUIS))).toEqual(["CONFLICT"]);

    const nesoSees = (await ok(ASSESSMENTS, {}, AS_NESO)).qualificationAssessments;
    expect(nesoSees).toHaveLength(1);
    expect(nesoSees[0]).toMatchObject({ product: { id: neso }, assessor: { id: NESO }, applicant: { id: LOUIS }, application: null });
    expect(nesoSees[0].requirements).toEqual([
      { key: "company.insurance", answer: { value: null, evidenceRef: "insurance:cert-77" } },
      { key: "unit.response_seconds", answer: { value: "30", evidenceRef: null } },
    ]);
    nesoAssessment = nesoSees[0].id;
    const ukpnSees = (await ok(ASSESSMENTS, {}, AS_UKPN)).qualificationAssessments;
    expect(ukpnSees.map((a: any) => a.product.id)).toEqual([ukpn]);
    expect(ukpnSees[0].requirements.find((r: any) => r.key === "company.insurance").answer.evidenceRef).toBe("insurance:cert-77");
    ukpnAssessment = ukpnSees[0].id;
  });

  it("an SO cannot assess another SO's product, an FSP cannot assess, and another FSP cannot read the application", async () => {
    const before = await counts();
    expect(errorCodes(await run(ASSESS, { i: { assessmentId: nesoAssessment, status: "FAILED", reason: "no" } }, AS_UKPN))).toEqual([
      "NOT_FOUND",
    ]);
    expect(errorCodes(await run(ASSESS, { i: { assessmentId: nesoAssessment, status: "FAILED", reason: "no" } }, AS_LOUIS))).toEqual([
      "FORBIDDEN",
    ]);
    expect(errorCodes(await run(ASSESS, { i: { assessmentId: nesoAssessment, status: "FAILED" } }, AS_NESO))).toEqual(["BAD_USER_INPUT"]);
    expect(
      (await ok(`query ($id: ID!) { qualificationApplication(id: $id) { id } }`, { id: applicationId }, AS_OTHER)).qualificationApplication,
    ).toBeNull();
    expect((await ok(ASSESSMENTS, {}, AS_OTHER)).qualificationAssessments).toEqual([]);
    expect(
      errorCodes(await run(ANSWER, { i: { applicationId, answers: [{ key: "company.insurance", evidenceRef: "x" }] } }, AS_OTHER)),
    ).toEqual(["NOT_FOUND"]);
    // Under assessment, answers are frozen until an SO asks for more.
    expect(
      errorCodes(await run(ANSWER, { i: { applicationId, answers: [{ key: "company.insurance", evidenceRef: "x" }] } }, AS_LOUIS)),
    ).toEqual(["CONFLICT"]);
    expect(await counts()).toEqual(before);
  });

  it("NESO requests information, Louis answers, NESO qualifies (the hook runs once); UKPN qualifies", async () => {
    const asked = await ok(
      ASSESS,
      { i: { assessmentId: nesoAssessment, status: "INFO_REQUESTED", reason: "Give the response time measured in the test" } },
      AS_NESO,
    );
    expect(asked.assessQualification.assessment).toMatchObject({
      status: "INFO_REQUESTED",
      reason: "Give the response time measured in the test",
    });
    // Only NESO's keys are open: UKPN's single-line diagram is not.
    const sld = (
      await ok(`query ($id: ID!) { qualificationApplication(id: $id) { requirements { key kind } } }`, { id: applicationId }, AS_LOUIS)
    ).qualificationApplication.requirements.find((r: any) => r.kind === "DOCUMENT").key;
    expect(errorCodes(await run(ANSWER, { i: { applicationId, answers: [{ key: sld, evidenceRef: "sld:v3" }] } }, AS_LOUIS))).toEqual([
      "BAD_USER_INPUT",
    ]);
    const answered = await ok(ANSWER, { i: { applicationId, answers: [{ key: "unit.response_seconds", value: "28.5" }] } }, AS_LOUIS);
    const statuses = Object.fromEntries(
      answered.answerQualificationRequirements.application.assessments.map((a: any) => [a.product.id, a.status]),
    );
    expect(statuses).toEqual({ [neso]: "UNDER_ASSESSMENT", [ukpn]: "UNDER_ASSESSMENT" });

    const validity = { validFrom: new Date(Date.now() - DAY).toISOString(), validTo: new Date(Date.now() + 365 * DAY).toISOString() };
    const done = await ok(ASSESS, { i: { assessmentId: nesoAssessment, status: "QUALIFIED", ...validity } }, AS_NESO);
    expect(done.assessQualification.assessment).toMatchObject({ status: "QUALIFIED", validTo: new Date(validity.validTo) });
    await ok(ASSESS, { i: { assessmentId: ukpnAssessment, status: "QUALIFIED", ...validity } }, AS_UKPN);
    // Renewing the validity is an update, not a second QUALIFIED: the hook ran once per assessment.
    await ok(
      ASSESS,
      { i: { assessmentId: ukpnAssessment, status: "QUALIFIED", ...validity, validTo: new Date(Date.now() + 400 * DAY).toISOString() } },
      AS_UKPN,
    );
    expect(qualified.sort()).toEqual([nesoAssessment, ukpnAssessment].sort());

    expect((await ok(STATUS, { s: UNIT, p: neso }, AS_LOUIS)).qualificationStatus).toMatchObject({
      qualified: true,
      counterpartyQualified: true,
    });
    expect(
      (await ok(STATUS, { s: UNIT, p: neso, at: new Date(Date.now() + 500 * DAY).toISOString() }, AS_NESO)).qualificationStatus.qualified,
    ).toBe(false);
    expect((await ok(STATUS, { s: UNIT, p: neso }, AS_OTHER)).qualificationStatus).toEqual({
      qualified: false,
      counterpartyQualified: false,
      assessment: null,
    });

    const check = await internal("/internal/qualifications/check", {
      checks: [
        { subjectId: UNIT, productId: ukpn },
        { subjectId: OTHER_UNIT, productId: ukpn },
      ],
    });
    expect(check.status).toBe(200);
    expect(check.body.results.map((r: any) => [r.qualified, r.status])).toEqual([
      [true, "QUALIFIED"],
      [false, null],
    ]);
  });

  it("refuses illegal moves with CONFLICT naming both statuses", async () => {
    const back = await run(ASSESS, { i: { assessmentId: nesoAssessment, status: "INFO_REQUESTED", reason: "more" } }, AS_NESO);
    expect(errorCodes(back)).toEqual(["CONFLICT"]);
    expect(back.errors?.[0]?.extensions).toMatchObject({ currentStatus: "QUALIFIED", requestedStatus: "INFO_REQUESTED" });
  });

  it("a member change of the unit makes both REASSESSMENT_REQUIRED; the FSP and each SO see why", async () => {
    const audits = await count("audit_events");
    expect((await internal("/internal/market-units/reassessment", { marketUnitIds: [UNIT, "nope"] })).status).toBe(400);
    expect((await internal("/internal/market-units/reassessment", { marketUnitIds: [UNIT] }, AS_LOUIS, "forged")).status).toBe(401);
    // A unit the assets subgraph does not show as REASSESSMENT_REQUIRED changes nothing.
    expect((await internal("/internal/market-units/reassessment", { marketUnitIds: [OTHER_UNIT] })).body).toEqual({ assessments: [] });
    const marked = await internal("/internal/market-units/reassessment", { marketUnitIds: [UNIT] });
    expect(marked.status).toBe(200);
    expect(marked.body.assessments.map((a: any) => a.soOrgId).sort()).toEqual([NESO, UKPN].sort());
    expect(await count("audit_events")).toBe(audits + 2);

    const louisSees = (await ok(ASSESSMENTS, { needs: true }, AS_LOUIS)).qualificationAssessments;
    expect(louisSees.map((a: any) => a.status)).toEqual(["REASSESSMENT_REQUIRED", "REASSESSMENT_REQUIRED"]);
    expect(louisSees[0].reassessmentReason).toContain(UNIT);
    expect(louisSees[0].reassessmentRequiredAt).toBeTruthy();
    const nesoSees = (await ok(ASSESSMENTS, { needs: true }, AS_NESO)).qualificationAssessments;
    expect(nesoSees.map((a: any) => a.id)).toEqual([nesoAssessment]);
    // Its trail tells the story, for the FSP and the SO alike.
    const trail = `query ($p: ID) { qualificationAssessments(productId: $p) { auditEvents { action after } } }`;
    for (const caller of [AS_LOUIS, AS_NESO]) {
      const [events] = (await ok(trail, { p: neso }, caller)).qualificationAssessments.map((a: any) => a.auditEvents);
      expect(events.map((e: any) => `${e.action} ${e.after.status}`)).toEqual([
        "CREATE UNDER_ASSESSMENT",
        "STATUS_CHANGE INFO_REQUESTED",
        "STATUS_CHANGE UNDER_ASSESSMENT",
        "STATUS_CHANGE QUALIFIED",
        "STATUS_CHANGE REASSESSMENT_REQUIRED",
      ]);
    }
    expect((await ok(STATUS, { s: UNIT, p: neso }, AS_NESO)).qualificationStatus.qualified).toBe(false);
    // Sent again, nothing more changes.
    expect((await internal("/internal/market-units/reassessment", { marketUnitIds: [UNIT] })).body).toEqual({ assessments: [] });
  });
});

describe("refusals before an application exists", () => {
  let open: string;
  let draft: string;
  beforeAll(async () => {
    ({ id: open } = await product(NESO, "DFS"));
    await publish(open);
    ({ id: draft } = await product(UKPN, "SECURE"));
    await publish(draft, "IN_CONSULTATION");
  });

  it("an organisation that is not commercially qualified cannot apply (RULE_VIOLATION, COUNTERPARTY_NOT_QUALIFIED)", async () => {
    const before = await counts();
    const refused = await run(APPLY, { i: { subjectType: "MARKET_UNIT", subjectId: OTHER_UNIT, productIds: [open] } }, AS_OTHER);
    expect(errorCodes(refused)).toEqual(["RULE_VIOLATION"]);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ reason: "COUNTERPARTY_NOT_QUALIFIED", rule: "R-ELG-8" });
    expect(await counts()).toEqual(before);
  });

  it("refuses a product that is not PUBLISHED, another organisation's unit, and an unknown product", async () => {
    const before = await counts();
    const apply = (subjectType: string, subjectId: string, productIds: string[]) =>
      run(APPLY, { i: { subjectType, subjectId, productIds } }, AS_LOUIS);
    expect(errorCodes(await apply("MARKET_UNIT", UNIT, [open, draft]))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await apply("MARKET_UNIT", OTHER_UNIT, [open]))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await apply("ORGANISATION", OTHER_FSP, [open]))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await apply("MARKET_UNIT", UNIT, [MISSING_ID]))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await run(APPLY, { i: { subjectType: "ORGANISATION", subjectId: LOUIS, productIds: [open] } }, AS_NESO))).toEqual([
      "FORBIDDEN",
    ]);
    expect(await counts()).toEqual(before);
  });

  it("a qualification past its validity reads EXPIRED and no longer qualifies", async () => {
    const { applyForQualification } = await ok(
      APPLY,
      { i: { subjectType: "ORGANISATION", subjectId: LOUIS, productIds: [open] } },
      AS_LOUIS,
    );
    const applicationId = applyForQualification.application.id;
    expect(errorCodes(await run(APPLY, { i: { subjectType: "ORGANISATION", subjectId: LOUIS, productIds: [open] } }, AS_LOUIS))).toEqual([
      "CONFLICT",
    ]);
    const { submitQualificationApplication } = await ok(SUBMIT, { i: { applicationId } }, AS_LOUIS); // DFS asks nothing
    const assessmentId = submitQualificationApplication.application.assessments[0].id;
    const lapsed = { validFrom: new Date(Date.now() - 30 * DAY).toISOString(), validTo: new Date(Date.now() - DAY).toISOString() };
    const done = await ok(ASSESS, { i: { assessmentId, status: "QUALIFIED", ...lapsed } }, AS_NESO);
    expect(done.assessQualification.assessment.status).toBe("EXPIRED");
    expect((await ok(ASSESSMENTS, { status: "EXPIRED" }, AS_LOUIS)).qualificationAssessments.map((a: any) => a.id)).toEqual([assessmentId]);
    expect((await ok(STATUS, { s: LOUIS, p: open }, AS_LOUIS)).qualificationStatus).toMatchObject({
      qualified: false,
      assessment: { status: "EXPIRED" },
    });
    expect(
      (await ok(STATUS, { s: LOUIS, p: open, at: new Date(Date.now() - 2 * DAY).toISOString() }, AS_LOUIS)).qualificationStatus.qualified,
    ).toBe(true);
    // Expired, it is applied for anew.
    const again = await ok(APPLY, { i: { subjectType: "ORGANISATION", subjectId: LOUIS, productIds: [open] } }, AS_LOUIS);
    expect(again.applyForQualification.application.status).toBe("DRAFT");
  });

  it("a commercial qualification past its validity reads EXPIRED and stops applications", async () => {
    const fspC = testIdentity({ roles: ["FSP"], organisationId: orgs.fspC });
    await ok(
      ASSESS_COUNTERPARTY,
      {
        i: {
          organisationId: orgs.fspC,
          status: "QUALIFIED",
          checks: CHECKS,
          validFrom: "2024-01-01T00:00:00Z",
          validTo: "2025-01-01T00:00:00Z",
        },
      },
      as.admin,
    );
    const read = `query ($o: ID!) { commercialQualification(organisationId: $o) { status } }`;
    expect((await ok(read, { o: orgs.fspC }, fspC)).commercialQualification).toEqual({ status: "EXPIRED" });
    expect(errorCodes(await run(APPLY, { i: { subjectType: "ORGANISATION", subjectId: orgs.fspC, productIds: [open] } }, fspC))).toEqual([
      "RULE_VIOLATION",
    ]);
  });

  it("a refusal of the onQualified hook (the contracts module's, later) rolls the decision back", async () => {
    const { applyForQualification } = await ok(APPLY, { i: { subjectType: "ASSET", subjectId: ASSET, productIds: [open] } }, AS_LOUIS);
    const { submitQualificationApplication } = await ok(SUBMIT, { i: { applicationId: applyForQualification.application.id } }, AS_LOUIS);
    const assessmentId = submitQualificationApplication.application.assessments[0].id;
    const refusing = createProductsSubgraph({
      db: handle.db,
      references,
      onQualified: async () => {
        throw conflict("No agreement template for this product");
      },
    });
    const before = await counts();
    const validity = { validFrom: new Date().toISOString(), validTo: new Date(Date.now() + DAY).toISOString() };
    const refused = await execute(refusing, ASSESS, { i: { assessmentId, status: "QUALIFIED", ...validity } }, AS_NESO);
    expect(errorCodes(refused)).toEqual(["CONFLICT"]);
    expect(await counts()).toEqual(before);
    const [row] = (await ok(ASSESSMENTS, { productId: open }, AS_NESO)).qualificationAssessments.filter((a: any) => a.id === assessmentId);
    expect(row.status).toBe("UNDER_ASSESSMENT");
  });
});

describe("market rules on submission (issue 11: QUALIFICATION_APPLICATION)", () => {
  const SUBMIT_RULES = `mutation ($i: SubmitQualificationApplicationInput!) { submitQualificationApplication(input: $i) {
    application { id status assessments { id } } warnings { ruleId message values } } }`;
  const STATUS = `query ($id: ID!) { qualificationApplication(id: $id) { status assessments { id } } }`;
  let dcl: string;
  let su: string;
  /** The application BLOCK left a DRAFT (one open application per subject and product). */
  let blocked: string;
  beforeAll(async () => {
    ({ id: dcl } = await product(NESO, "DCL"));
    await publish(dcl);
    ({ id: su } = await product(UKPN, "SU"));
    await publish(su);
    // As stack/src/demo/rules.ts seeds R-ELG-1-QA-DCL; a NOTIFY rule on SU.
    rules.engine.add({
      code: "R-ELG-1-QA-DCL",
      subjectKind: "QUALIFICATION_APPLICATION",
      productId: dcl,
      expression: { ">=": [{ var: "unitCapacityMw" }, { var: "params.minimumMw" }] },
      parameters: { minimumMw: 1 },
    });
    rules.engine.add({
      code: "SU-QA-REVIEW",
      subjectKind: "QUALIFICATION_APPLICATION",
      productId: su,
      severity: "WARN",
      mode: "NOTIFY",
      expression: { ">=": [{ var: "unitCapacityMw" }, { var: "params.reviewBelowMw" }] },
      parameters: { reviewBelowMw: 1 },
    });
  });
  const apply = async (productId: string) =>
    (await ok(APPLY, { i: { subjectType: "ASSET", subjectId: SMALL_ASSET, productIds: [productId] } }, AS_LOUIS)).applyForQualification
      .application.id as string;

  it("BLOCK: RULE_VIOLATION naming the rule and the values compared; nothing written, the application stays a DRAFT", async () => {
    const id = await apply(dcl);
    blocked = id;
    const [before, evaluated] = [await counts(), rules.engine.recorded.length];
    const refused = await run(SUBMIT_RULES, { i: { applicationId: id } }, AS_LOUIS);
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: "RULE_VIOLATION",
      rule: "R-ELG-1-QA-DCL",
      rules: [{ code: "R-ELG-1-QA-DCL", values: { unitCapacityMw: 0.5, "params.minimumMw": 1 } }],
      subjectKind: "QUALIFICATION_APPLICATION",
      subject: { type: "QualificationApplication", id },
    });
    expect(await counts()).toEqual(before);
    expect((await ok(STATUS, { id }, AS_LOUIS)).qualificationApplication).toEqual({ status: "DRAFT", assessments: [] });
    // Recorded for the applicant and the product's SO to read (rules' ruleEvaluations).
    expect(rules.engine.recorded.slice(evaluated)).toEqual([
      expect.objectContaining({ ruleCode: "R-ELG-1-QA-DCL", outcome: "FAIL", subjectId: id, partyIds: [LOUIS, NESO] }),
    ]);
  });

  it("NOTIFY: submitted with the warning in the payload, and a RULE_WARNING event to the applicant (outbox → rules)", async () => {
    const id = await apply(su);
    const { submitQualificationApplication: submitted } = await ok(SUBMIT_RULES, { i: { applicationId: id } }, AS_LOUIS);
    expect(submitted.application).toMatchObject({ id, status: "SUBMITTED", assessments: [{ id: expect.any(String) }] });
    expect(submitted.warnings).toEqual([
      {
        ruleId: "SU-QA-REVIEW",
        message: expect.stringContaining("SU-QA-REVIEW"),
        values: { unitCapacityMw: 0.5, "params.reviewBelowMw": 1 },
      },
    ]);
    const [event] = await handle.db.select().from(outboxEvents).where(eq(outboxEvents.subjectId, id));
    expect(event).toMatchObject({ type: "RULE_WARNING", subjectType: "QualificationApplication", recipients: { organisations: [LOUIS] } });
    // The relay hands it to the rules subgraph, which makes it a notification (tests/rule-points.e2e.test.ts).
    await vi.waitFor(() => expect(rules.events.map((e) => e.subject.id)).toContain(id), { timeout: 20_000, interval: 100 });
  });

  it("fail closed: references with no route to the rules subgraph refuse UPSTREAM_UNAVAILABLE; still a DRAFT", async () => {
    const id = blocked;
    const unwired = createProductsSubgraph({ db: handle.db, references: staticReferences(known) });
    const before = await counts();
    const refused = await execute(unwired, SUBMIT_RULES, { i: { applicationId: id } }, AS_LOUIS);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", subgraph: "rules" });
    expect(await counts()).toEqual(before);
    expect((await ok(STATUS, { id }, AS_LOUIS)).qualificationApplication.status).toBe("DRAFT");
  });

  it("another FSP's application is NOT_FOUND, and no rule is evaluated for it", async () => {
    const evaluated = rules.engine.recorded.length;
    expect(errorCodes(await run(SUBMIT_RULES, { i: { applicationId: blocked } }, AS_OTHER))).toEqual(["NOT_FOUND"]);
    expect(rules.engine.recorded.length).toBe(evaluated);
  });

  it("POST /internal/qualifications/products: the products a subject is qualified or assessed for (R-MU-2's scope)", async () => {
    const answer = await internal("/internal/qualifications/products", { subjectIds: [SMALL_ASSET, OTHER_UNIT] });
    expect(answer).toEqual({
      status: 200,
      body: {
        subjects: [
          { subjectId: SMALL_ASSET, productIds: [su] }, // the DCL one is a DRAFT, never assessed
          { subjectId: OTHER_UNIT, productIds: [] },
        ],
      },
    });
    expect((await internal("/internal/qualifications/products", { subjectIds: ["nope"] })).status).toBe(400);
    expect((await internal("/internal/qualifications/products", { subjectIds: [SMALL_ASSET] }, AS_LOUIS, "forged")).status).toBe(401);
    expect((await internal("/internal/market-units/reassessment", { marketUnitIds: [UNIT], reason: "" })).status).toBe(400);
  });
});
