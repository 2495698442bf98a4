/**
 * Issue 9's closing story, end to end through the gateway over real HTTP, on whichever database the run uses:
 *
 *   "Ed creates a product, runs a consultation, Louis answers, Ed publishes version 2; Louis checks eligibility for
 *    his unit, applies once for two products, is qualified by both SOs, signs the contract Ed issued."
 *
 * Governance in this hub: a system operator proposes, a hub administrator publishes. So "Ed publishes version 2"
 * reads here as: Ed revises the product and proposes it, the administrator publishes it. Likewise "the contract Ed
 * issued" is the agreement the hub issues from Ed's template when Ed's assessment becomes QUALIFIED (the products
 * subgraph's onQualified hook, README "Contracts").
 *
 * Cast: Ed (NESO, system operator), Uma (UK Power Networks, the second system operator), Louis (NewFlex, an FSP with
 * a market unit of two batteries), Rita (OtherFlex, another FSP who must see nothing of Louis's).
 *
 * The `it` blocks run in order and share state: each step builds on the one before.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, type Credential, gql, gqlOk, mpan, startTestStack } from "./helpers.js";

let stack: Awaited<ReturnType<typeof startTestStack>>;
type Account = Awaited<ReturnType<typeof stack.signUp>>;
let ed: Account & { verified: Credential };
let uma: Account & { verified: Credential };
let louis: Account;
let rita: Account;
let unitId: string;

const DAY = 86_400_000;
const validity = { validFrom: new Date(Date.now() - DAY).toISOString(), validTo: new Date(Date.now() + 365 * DAY).toISOString() };

/** What the story hands from one step to the next. */
const story = {
  product: "", // Ed's product (NESO, PQR)
  version1: "",
  version2: "",
  consultation: "",
  ukpnProduct: "", // Uma's product (UKPN, SAOU)
  ukpnVersion: "",
  application: "",
  nesoAssessment: "",
  ukpnAssessment: "",
  contract: "",
};

const PUBLISH = `mutation ($id: ID!) { updateProduct(input: { id: $id, status: PUBLISHED }) { product { status version } } }`;
const SUBMIT_FEEDBACK = `mutation ($i: SubmitProductFeedbackInput!) { submitProductFeedback(input: $i) { feedback { id author { id name } } } }`;
const READ_CONSULTATION = `query ($id: ID!) { consultation(id: $id) { summary responses { author { id } answers { attribute verdict suggestedValue } }
  aggregate { responses wouldParticipate indicativeMwTotal attributes { attribute agree change suggestedValues } } } }`;
const DECLARE = `mutation ($i: DeclarePrequalificationRequirementInput!) { declarePrequalificationRequirement(input: $i) { requirement { id } } }`;
const CHECKS = "product { code } outcome indicative checks { requirement verdict reason ruleId }";
const UNIT_ELIGIBILITY = `query ($id: ID!, $p: [ID!]) { marketUnit(id: $id) { importCapacityKw eligibility(productIds: $p) { ${CHECKS} } } }`;
const APPLICATION = `query ($id: ID!) { qualificationApplication(id: $id) { id status } }`;
const ASSESSMENTS = `{ qualificationAssessments { id status application { id } product { code owner { name } } productVersion { version }
  requirements { key answer { evidenceRef value } } } }`;
const ASSESS = `mutation ($i: AssessQualificationInput!) { assessQualification(input: $i) { assessment { status } } }`;
const CONTRACT = `id status qualificationId templateVersion liabilityCapGbp company { name } provider { name } product { code }
  signatures { side userName organisation { name } } documentUrl`;
const SIGN = `mutation ($id: ID!) { signContract(input: { contractId: $id }) { contract { status signatures { side } } } }`;

type Check = { requirement: string; verdict: string; reason: string; ruleId: string };
type Eligibility = { product: { code: string }; outcome: string; indicative: boolean; checks: Check[] };
const byCode = (eligibility: Eligibility[]) => Object.fromEntries(eligibility.map((e) => [e.product.code, e]));
const check = (e: Eligibility | undefined, requirement: string) => e?.checks.find((c) => c.requirement === requirement);

const gatewayBase = () => stack.url.replace(/\/graphql$/, "");
const download = (path: string, token: string) => fetch(`${gatewayBase()}${path}`, { headers: { authorization: `Bearer ${token}` } });

beforeAll(async () => {
  stack = await startTestStack();
  ed = await stack.signUpVerifiedSo("ed@neso.test", "National Energy System Operator");
  uma = await stack.signUpVerifiedSo("uma@ukpn.test", "UK Power Networks");
  louis = await stack.signUp("louis@newflex.test", "FSP", "NewFlex Ltd");
  rita = await stack.signUp("rita@otherflex.test", "FSP", "OtherFlex Ltd");

  // Louis's market unit: two 300 kW / 600 kWh batteries in London (GSP group _C, distributor 12), 600 kW together.
  const assetIds: string[] = [];
  for (const n of [7101, 7102]) {
    const registered = await gqlOk(
      stack.url,
      `mutation ($o: ID!, $m: String!, $name: String!) { registerAsset(input: { ownerId: $o, name: $name, categoryCode: "BESS",
        importCapacityKw: 300, exportCapacityKw: 300, energyCapacityKwh: 600, meterPointId: $m }) { asset { id } } }`,
      { o: louis.organisationId, m: mpan(12, n), name: `Battery ${n}` },
      louis.as,
    );
    assetIds.push(registered.registerAsset.asset.id);
  }
  const unit = await gqlOk(
    stack.url,
    `mutation ($i: CreateMarketUnitInput!) { createMarketUnit(input: $i) { marketUnit { id } } }`,
    { i: { ownerId: louis.organisationId, name: "SPG-NEWFLEX-01", unitType: "SPG", assetIds } },
    louis.as,
  );
  unitId = unit.createMarketUnit.marketUnit.id;
  await gqlOk(
    stack.url,
    `mutation ($i: UpdateMarketUnitInput!) { updateMarketUnit(input: $i) { marketUnit { status } } }`,
    { i: { id: unitId, status: "ACTIVE" } },
    louis.as,
  );
}, 180_000);
afterAll(() => stack?.stop());

describe("issue 9's story: from a draft product to a signed contract", () => {
  it("Ed creates a DRAFT product and opens a consultation; Louis (and Rita) answer with structured feedback", async () => {
    const created = await gqlOk(
      stack.url,
      `mutation ($o: ID!) { createProduct(input: { ownerId: $o, code: "PQR", name: "Positive Quick Reserve",
        serviceType: AVAILABILITY_AND_UTILISATION, directions: [GENERATION_TURN_UP, DEMAND_TURN_DOWN], minimumCapacityKw: 1000,
        responseTimeSeconds: 60, durationMinutes: 15, needType: RESERVE, locations: ["GB"],
        pricingUnits: { availability: GBP_PER_MW_PER_H, utilisation: GBP_PER_MWH } })
        { product { id status version currentVersion { id version status } } } }`,
      { o: ed.organisationId },
      ed.verified,
    );
    const product = created.createProduct.product;
    expect(product).toMatchObject({ status: "DRAFT", version: 1, currentVersion: { version: 1, status: "DRAFT" } });
    story.product = product.id;
    story.version1 = product.currentVersion.id;
    // A draft is its owner's (and administrators') only.
    const asLouis = await gqlOk(stack.url, `query ($id: ID!) { product(id: $id) { id } }`, { id: story.product }, louis.as);
    expect(asLouis.product).toBeNull();

    const closesAt = new Date(Date.now() + 14 * DAY).toISOString();
    const opened = await gqlOk(
      stack.url,
      `mutation ($p: ID!, $c: DateTime!) { openConsultation(input: { productId: $p, closesAt: $c }) { consultation { id open productVersion { status } } } }`,
      { p: story.product, c: closesAt },
      ed.verified,
    );
    expect(opened.openConsultation.consultation).toMatchObject({ open: true, productVersion: { status: "IN_CONSULTATION" } });
    story.consultation = opened.openConsultation.consultation.id;

    // Louis's aggregated sites reach 0.6 MW, under the 1 MW minimum: he asks for 500 kW.
    const louisAnswered = await gqlOk(
      stack.url,
      SUBMIT_FEEDBACK,
      {
        i: {
          consultationId: story.consultation,
          answers: [
            { attribute: "minimumCapacityKw", verdict: "CHANGE", suggestedValue: "500", comment: "Our unit is 0.6 MW" },
            { attribute: "responseTimeSeconds", verdict: "AGREE" },
          ],
          wouldParticipate: true,
          indicativeMw: 0.6,
        },
      },
      louis.as,
    );
    expect(louisAnswered.submitProductFeedback.feedback.author).toEqual({ id: louis.organisationId, name: "NewFlex Ltd" });
    // A second respondent, so that "every response" and "only his own" differ.
    await gqlOk(
      stack.url,
      SUBMIT_FEEDBACK,
      {
        i: {
          consultationId: story.consultation,
          answers: [{ attribute: "minimumCapacityKw", verdict: "AGREE" }],
          wouldParticipate: false,
        },
      },
      rita.as,
    );
  });

  it("Ed sees every response and the aggregate, Louis only his own; Ed publishes a summary; the administrator publishes v1", async () => {
    const seenByEd = (await gqlOk(stack.url, READ_CONSULTATION, { id: story.consultation }, ed.verified)).consultation;
    expect(seenByEd.responses.map((r: { author: { id: string } }) => r.author.id).sort()).toEqual(
      [louis.organisationId, rita.organisationId].sort(),
    );
    expect(seenByEd.aggregate).toEqual({
      responses: 2,
      wouldParticipate: 1,
      indicativeMwTotal: 0.6,
      attributes: [
        { attribute: "minimumCapacityKw", agree: 1, change: 1, suggestedValues: ["500"] },
        { attribute: "responseTimeSeconds", agree: 1, change: 0, suggestedValues: [] },
      ],
    });
    const seenByLouis = (await gqlOk(stack.url, READ_CONSULTATION, { id: story.consultation }, louis.as)).consultation;
    expect(seenByLouis).toEqual({
      summary: null,
      responses: [
        {
          author: { id: louis.organisationId },
          answers: [
            { attribute: "minimumCapacityKw", verdict: "CHANGE", suggestedValue: "500" },
            { attribute: "responseTimeSeconds", verdict: "AGREE", suggestedValue: null },
          ],
        },
      ],
      aggregate: null,
    });

    const summary = "One FSP asked for 500 kW so that aggregated units can take part; version 2 lowers the minimum to 500 kW.";
    await gqlOk(
      stack.url,
      `mutation ($c: ID!, $s: String!) { publishConsultationSummary(input: { consultationId: $c, summary: $s }) { consultation { id } } }`,
      { c: story.consultation, s: summary },
      ed.verified,
    );
    expect((await gqlOk(stack.url, READ_CONSULTATION, { id: story.consultation }, louis.as)).consultation.summary).toBe(summary);

    // The SO proposes, a hub administrator publishes.
    expect(codes(await gql(stack.url, PUBLISH, { id: story.product }, ed.verified))).toEqual(["FORBIDDEN"]);
    expect((await gqlOk(stack.url, PUBLISH, { id: story.product }, stack.admin)).updateProduct.product).toEqual({
      status: "PUBLISHED",
      version: 1,
    });
  });

  it("Louis's unit is not eligible for v1 (600 kW under 1,000 kW): the feedback matters", async () => {
    const data = await gqlOk(stack.url, UNIT_ELIGIBILITY, { id: unitId, p: [story.product] }, louis.as);
    expect(data.marketUnit.importCapacityKw).toBe(600);
    const [pqr] = data.marketUnit.eligibility as Eligibility[];
    expect(pqr?.outcome).toBe("NOT_ELIGIBLE");
    expect(check(pqr, "MINIMUM_CAPACITY")).toMatchObject({ verdict: "NOT_MET", ruleId: "R-ELG-1" });
  });

  it("Ed revises to v2 with the 500 kW the feedback asked for and declares its requirements; the administrator publishes v2", async () => {
    const revised = await gqlOk(
      stack.url,
      `mutation ($id: ID!) { reviseProduct(input: { productId: $id, minimumCapacityKw: 500 })
        { version { id version status minimumCapacityKw supersedes { id version } } product { version status } } }`,
      { id: story.product },
      ed.verified,
    );
    expect(revised.reviseProduct).toMatchObject({
      version: { version: 2, status: "DRAFT", minimumCapacityKw: 500, supersedes: { id: story.version1, version: 1 } },
      product: { version: 1, status: "PUBLISHED" }, // v1 stays current until v2 is published
    });
    story.version2 = revised.reviseProduct.version.id;

    // Requirements are declared on a DRAFT or IN_CONSULTATION version (a published one is immutable): v2's, before
    // its publication. company.insurance is the key UKPN's product shares.
    await gqlOk(
      stack.url,
      DECLARE,
      {
        i: {
          productVersionId: story.version2,
          level: "COUNTERPARTY",
          kind: "INSURANCE",
          commonKey: "company.insurance",
          description: "Public liability insurance of at least £5m",
        },
      },
      ed.verified,
    );
    await gqlOk(
      stack.url,
      DECLARE,
      {
        i: {
          productVersionId: story.version2,
          level: "UNIT",
          kind: "DATA_FIELD",
          valueType: "NUMBER",
          commonKey: "unit.response_seconds",
          description: "Measured time to full delivery, in seconds",
        },
      },
      ed.verified,
    );
    // v1 is published: it cannot be given requirements.
    const onV1 = await gql(
      stack.url,
      DECLARE,
      { i: { productVersionId: story.version1, level: "COUNTERPARTY", kind: "CREDIT", description: "Credit check" } },
      ed.verified,
    );
    expect(codes(onV1)).toEqual(["CONFLICT"]);

    expect(codes(await gql(stack.url, PUBLISH, { id: story.product }, ed.verified))).toEqual(["FORBIDDEN"]);
    expect((await gqlOk(stack.url, PUBLISH, { id: story.product }, stack.admin)).updateProduct.product).toEqual({
      status: "PUBLISHED",
      version: 2,
    });

    const history = await gqlOk(
      stack.url,
      `query ($id: ID!) { product(id: $id) { status version minimumCapacityKw currentVersion { id version minimumCapacityKw
        prequalificationRequirements { commonKey } } versions { id version status superseded minimumCapacityKw } } }`,
      { id: story.product },
      louis.as,
    );
    expect(history.product).toEqual({
      status: "PUBLISHED",
      version: 2,
      minimumCapacityKw: 500,
      currentVersion: {
        id: story.version2,
        version: 2,
        minimumCapacityKw: 500,
        prequalificationRequirements: [{ commonKey: "company.insurance" }, { commonKey: "unit.response_seconds" }],
      },
      versions: [
        { id: story.version1, version: 1, status: "PUBLISHED", superseded: true, minimumCapacityKw: 1000 },
        { id: story.version2, version: 2, status: "PUBLISHED", superseded: false, minimumCapacityKw: 500 },
      ],
    });
  });

  it("the second SO (UKPN) has its own product, declaring the shared company.insurance, published by the administrator", async () => {
    const created = await gqlOk(
      stack.url,
      `mutation ($o: ID!) { createProduct(input: { ownerId: $o, code: "SAOU", name: "London Scheduled Availability",
        serviceType: AVAILABILITY_ONLY, directions: [DEMAND_TURN_DOWN], minimumCapacityKw: 100, eligibleTechnologies: ["BESS"],
        locations: ["_C"] }) { product { id status currentVersion { id } } } }`,
      { o: uma.organisationId },
      uma.verified,
    );
    expect(created.createProduct.product.status).toBe("DRAFT");
    story.ukpnProduct = created.createProduct.product.id;
    story.ukpnVersion = created.createProduct.product.currentVersion.id;
    await gqlOk(
      stack.url,
      DECLARE,
      {
        i: {
          productVersionId: story.ukpnVersion,
          level: "COUNTERPARTY",
          kind: "INSURANCE",
          commonKey: "company.insurance",
          description: "Public liability insurance",
        },
      },
      uma.verified,
    );
    await gqlOk(
      stack.url,
      DECLARE,
      {
        i: {
          productVersionId: story.ukpnVersion,
          level: "UNIT",
          kind: "DOCUMENT",
          commonKey: "unit.single_line_diagram",
          description: "Single line diagram of the connection",
        },
      },
      uma.verified,
    );
    // Ed cannot declare on UKPN's product: it does not exist for him.
    const foreign = await gql(
      stack.url,
      DECLARE,
      { i: { productVersionId: story.ukpnVersion, level: "COUNTERPARTY", kind: "CREDIT", description: "x" } },
      ed.verified,
    );
    expect(codes(foreign)).toEqual(["NOT_FOUND"]);
    await gqlOk(stack.url, PUBLISH, { id: story.ukpnProduct }, stack.admin);

    const published = await gqlOk(
      stack.url,
      `query ($id: ID!) { product(id: $id) { code status version owner { name } currentVersion { prequalificationRequirements { commonKey } } } }`,
      { id: story.ukpnProduct },
      louis.as,
    );
    expect(published.product).toEqual({
      code: "SAOU",
      status: "PUBLISHED",
      version: 1,
      owner: { name: "UK Power Networks" },
      currentVersion: { prequalificationRequirements: [{ commonKey: "company.insurance" }, { commonKey: "unit.single_line_diagram" }] },
    });
  });

  it("Louis asks his unit's eligibility for both products: indicative verdicts with their checks", async () => {
    const data = await gqlOk(stack.url, UNIT_ELIGIBILITY, { id: unitId, p: [story.product, story.ukpnProduct] }, louis.as);
    const verdicts = byCode(data.marketUnit.eligibility);
    expect(Object.keys(verdicts).sort()).toEqual(["PQR", "SAOU"]);
    expect(Object.values(verdicts).every((e) => e.indicative)).toBe(true);
    // v2's 500 kW minimum: the 600 kW unit meets it now; its response time is not recorded, so there is a gap.
    expect(verdicts.PQR?.outcome).toBe("ELIGIBLE_WITH_GAPS");
    expect(check(verdicts.PQR, "MINIMUM_CAPACITY")).toMatchObject({
      verdict: "MET",
      ruleId: "R-ELG-1",
      reason: expect.stringContaining("500"),
    });
    expect(check(verdicts.PQR, "RESPONSE_TIME")).toMatchObject({ verdict: "UNKNOWN", ruleId: "R-ELG-2" });
    expect(check(verdicts.PQR, "DIRECTION")?.verdict).toBe("MET");
    expect(check(verdicts.PQR, "DURATION_ENERGY")?.verdict).toBe("MET");
    expect(check(verdicts.PQR, "LOCATION")).toMatchObject({ verdict: "MET", ruleId: "R-ELG-4" }); // GB: national
    // Response time is the only gap.
    expect(verdicts.PQR?.checks.filter((c) => c.verdict !== "MET").map((c) => c.requirement)).toEqual(["RESPONSE_TIME"]);
    expect(verdicts.SAOU?.outcome).toBe("ELIGIBLE");
    expect(verdicts.SAOU?.checks.every((c) => c.verdict === "MET")).toBe(true);
    expect(check(verdicts.SAOU, "TECHNOLOGY")?.verdict).toBe("MET");
    expect(check(verdicts.SAOU, "LOCATION")?.verdict).toBe("MET");
    // Rita cannot ask about Louis's unit.
    expect((await gqlOk(stack.url, UNIT_ELIGIBILITY, { id: unitId }, rita.as)).marketUnit).toBeNull();
  });

  it("Louis's organisation is verified and commercially qualified; he applies once for both, answers the common key once, submits", async () => {
    const APPLY = `mutation ($i: ApplyForQualificationInput!) { applyForQualification(input: $i) {
      application { id status products { code } requirements { key requirements { product { code } } } } } }`;
    const applyForBoth = () =>
      gql(
        stack.url,
        APPLY,
        { i: { subjectType: "MARKET_UNIT", subjectId: unitId, productIds: [story.product, story.ukpnProduct] } },
        louis.as,
      );
    // Q.1 before Q.2: signed up, the organisation awaits verification.
    const unverified = await applyForBoth();
    expect([codes(unverified), unverified.errors?.[0]?.extensions?.reason]).toEqual([["RULE_VIOLATION"], "ORGANISATION_NOT_ACTIVE"]);
    await gqlOk(
      stack.url,
      `mutation ($i: UpdateOrganisationInput!) { updateOrganisation(input: $i) { organisation { status } } }`,
      { i: { id: louis.organisationId, status: "ACTIVE" } },
      stack.admin,
    );
    const unqualified = await applyForBoth();
    expect([codes(unqualified), unqualified.errors?.[0]?.extensions?.reason]).toEqual([["RULE_VIOLATION"], "COUNTERPARTY_NOT_QUALIFIED"]);
    // Commercial qualification is the hub administrator's, once for the whole market.
    await gqlOk(
      stack.url,
      `mutation ($i: AssessCommercialQualificationInput!) { assessCommercialQualification(input: $i) { commercialQualification { status } } }`,
      {
        i: {
          organisationId: louis.organisationId,
          status: "QUALIFIED",
          checks: ["COMPANY", "CREDIT", "INSURANCE"].map((kind) => ({
            kind,
            passed: true,
            evidenceRef: `${kind.toLowerCase()}:newflex-1`,
          })),
          ...validity,
        },
      },
      stack.admin,
    );
    const standing = await gqlOk(stack.url, `{ me { organisation { status commercialQualification { status } } } }`, {}, louis.as);
    expect(standing.me.organisation).toEqual({ status: "ACTIVE", commercialQualification: { status: "QUALIFIED" } });

    // One application, two products: company.insurance is one line standing for both products' requirements.
    const applied = await applyForBoth();
    expect(applied.errors).toBeUndefined();
    const application = applied.data?.applyForQualification.application;
    story.application = application.id;
    expect(application.status).toBe("DRAFT");
    expect(application.products.map((p: { code: string }) => p.code).sort()).toEqual(["PQR", "SAOU"]);
    const lines = Object.fromEntries(
      application.requirements.map((r: { key: string; requirements: { product: { code: string } }[] }) => [
        r.key,
        r.requirements.map((q) => q.product.code).sort(),
      ]),
    );
    expect(lines).toEqual({
      "company.insurance": ["PQR", "SAOU"],
      "unit.response_seconds": ["PQR"],
      "unit.single_line_diagram": ["SAOU"],
    });
    // A second application for the same unit and product while this one is open is refused.
    expect(codes(await applyForBoth())).toEqual(["CONFLICT"]);

    await gqlOk(
      stack.url,
      `mutation ($i: AnswerQualificationRequirementsInput!) { answerQualificationRequirements(input: $i) { application { id } } }`,
      {
        i: {
          applicationId: story.application,
          answers: [
            { key: "company.insurance", evidenceRef: "insurance:newflex-pl-2026" }, // once, for both products
            { key: "unit.response_seconds", value: "45" },
            { key: "unit.single_line_diagram", evidenceRef: "sld:spg-newflex-01-v1" },
          ],
        },
      },
      louis.as,
    );
    const submitted = await gqlOk(
      stack.url,
      `mutation ($i: SubmitQualificationApplicationInput!) { submitQualificationApplication(input: $i) {
        application { status assessments { status product { code owner { name } } } } } }`,
      { i: { applicationId: story.application } },
      louis.as,
    );
    const { status, assessments } = submitted.submitQualificationApplication.application;
    expect(status).toBe("SUBMITTED");
    expect(
      assessments
        .map((a: { status: string; product: { code: string; owner: { name: string } } }) => [a.product.owner.name, a.status])
        .sort(),
    ).toEqual([
      ["National Energy System Operator", "UNDER_ASSESSMENT"],
      ["UK Power Networks", "UNDER_ASSESSMENT"],
    ]);
    // Rita sees nothing of it.
    expect((await gqlOk(stack.url, APPLICATION, { id: story.application }, rita.as)).qualificationApplication).toBeNull();
  });

  it("each SO sees only its own assessment, with the one shared answer; Ed saves a template; both qualify", async () => {
    const edSees = (await gqlOk(stack.url, ASSESSMENTS, {}, ed.verified)).qualificationAssessments;
    const umaSees = (await gqlOk(stack.url, ASSESSMENTS, {}, uma.verified)).qualificationAssessments;
    expect(edSees.map((a: { product: { code: string } }) => a.product.code)).toEqual(["PQR"]);
    expect(umaSees.map((a: { product: { code: string } }) => a.product.code)).toEqual(["SAOU"]);
    const [nesoPart] = edSees;
    const [ukpnPart] = umaSees;
    story.nesoAssessment = nesoPart.id;
    story.ukpnAssessment = ukpnPart.id;
    // Ed's assessment is on version 2, the one in force when Louis applied; an SO never reads the whole application.
    expect(nesoPart).toMatchObject({ status: "UNDER_ASSESSMENT", application: null, productVersion: { version: 2 } });
    expect(nesoPart.requirements.map((r: { key: string }) => r.key).sort()).toEqual(["company.insurance", "unit.response_seconds"]);
    expect(ukpnPart.requirements.map((r: { key: string }) => r.key).sort()).toEqual(["company.insurance", "unit.single_line_diagram"]);
    for (const part of [nesoPart, ukpnPart]) {
      expect(part.requirements.find((r: { key: string }) => r.key === "company.insurance").answer).toEqual({
        evidenceRef: "insurance:newflex-pl-2026",
        value: null,
      });
    }
    // Another SO's assessment does not exist for Uma.
    expect(
      codes(await gql(stack.url, ASSESS, { i: { assessmentId: story.nesoAssessment, status: "QUALIFIED", ...validity } }, uma.verified)),
    ).toEqual(["NOT_FOUND"]);

    // Ed keeps a template for PQR, so that QUALIFIED issues Louis the agreement from it. UKPN keeps none.
    const saved = await gqlOk(
      stack.url,
      `mutation ($i: SaveContractTemplateInput!) { saveContractTemplate(input: $i) { contractTemplate { version agreementVersion } } }`,
      {
        i: {
          productId: story.product,
          serviceTermsRef: "NESO Quick Reserve Service Terms",
          procurementRulesRef: "NESO Procurement Rules",
          liabilityCapGbp: "1000000",
        },
      },
      ed.verified,
    );
    expect(saved.saveContractTemplate.contractTemplate).toEqual({ version: 1, agreementVersion: "ENA-SA-3.0" });
    expect((await gqlOk(stack.url, `{ contracts { id } }`, {}, louis.as)).contracts).toEqual([]); // nothing issued before QUALIFIED

    const qualify = (assessmentId: string, as: Credential) =>
      gqlOk(stack.url, ASSESS, { i: { assessmentId, status: "QUALIFIED", ...validity } }, as);
    expect((await qualify(story.nesoAssessment, ed.verified)).assessQualification.assessment.status).toBe("QUALIFIED");
    expect((await qualify(story.ukpnAssessment, uma.verified)).assessQualification.assessment.status).toBe("QUALIFIED");

    const STATUS = `query ($s: ID!, $p: ID!) { qualificationStatus(subjectId: $s, productId: $p) { qualified counterpartyQualified } }`;
    for (const productId of [story.product, story.ukpnProduct]) {
      expect((await gqlOk(stack.url, STATUS, { s: unitId, p: productId }, louis.as)).qualificationStatus).toEqual({
        qualified: true,
        counterpartyQualified: true,
      });
    }
  });

  it("QUALIFIED issued Louis the agreement from Ed's template; Ed and Louis sign it: SIGNED", async () => {
    const louisContracts = (await gqlOk(stack.url, `{ contracts { ${CONTRACT} } }`, {}, louis.as)).contracts;
    expect(louisContracts).toHaveLength(1); // UKPN has no template: no agreement for SAOU
    const [contract] = louisContracts;
    story.contract = contract.id;
    expect(contract).toEqual({
      id: story.contract,
      status: "ISSUED",
      qualificationId: story.nesoAssessment,
      templateVersion: 1,
      liabilityCapGbp: "1000000.00",
      company: { name: "National Energy System Operator" },
      provider: { name: "NewFlex Ltd" },
      product: { code: "PQR" },
      signatures: [],
      documentUrl: `/documents/contracts/${story.contract}.html`,
    });
    // It is the one standing agreement: Ed cannot issue a second.
    const again = await gql(
      stack.url,
      `mutation ($i: IssueContractInput!) { issueContract(input: $i) { contract { id } } }`,
      { i: { productId: story.product, providerId: louis.organisationId } },
      ed.verified,
    );
    expect(codes(again)).toEqual(["CONFLICT"]);
    expect((await gqlOk(stack.url, `{ contracts { id } }`, {}, uma.verified)).contracts).toEqual([]);

    expect((await gqlOk(stack.url, SIGN, { id: story.contract }, ed.verified)).signContract.contract).toEqual({
      status: "ISSUED",
      signatures: [{ side: "SO" }],
    });
    expect((await gqlOk(stack.url, SIGN, { id: story.contract }, louis.as)).signContract.contract.status).toBe("SIGNED");
    const signed = (await gqlOk(stack.url, `query ($id: ID!) { contract(id: $id) { ${CONTRACT} } }`, { id: story.contract }, ed.verified))
      .contract;
    expect(signed.status).toBe("SIGNED");
    expect(
      signed.signatures
        .map((s: { side: string; userName: string; organisation: { name: string } }) => [s.side, s.userName, s.organisation.name])
        .sort(),
    ).toEqual([
      ["FSP", "louis", "NewFlex Ltd"],
      ["SO", "ed", "National Energy System Operator"],
    ]);
  });

  it("the document downloads through the gateway with both parties' names; Rita sees neither application nor contract", async () => {
    for (const token of [louis.as.token, (ed.verified as { token: string }).token]) {
      const response = await download(`/documents/contracts/${story.contract}.html`, token);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
      const html = await response.text();
      expect(html).toContain("National Energy System Operator");
      expect(html).toContain("NewFlex Ltd");
      expect(html).toContain("NESO Quick Reserve Service Terms");
    }

    expect((await gqlOk(stack.url, APPLICATION, { id: story.application }, rita.as)).qualificationApplication).toBeNull();
    expect((await gqlOk(stack.url, `query ($id: ID!) { contract(id: $id) { id } }`, { id: story.contract }, rita.as)).contract).toBeNull();
    expect((await gqlOk(stack.url, `{ contracts { id } }`, {}, rita.as)).contracts).toEqual([]);
    expect(codes(await gql(stack.url, SIGN, { id: story.contract }, rita.as))).toEqual(["NOT_FOUND"]);
    const theirs = await download(`/documents/contracts/${story.contract}.html`, rita.as.token);
    expect(theirs.status).toBe(404);
    await theirs.body?.cancel();
  });
});
