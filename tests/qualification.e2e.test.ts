/**
 * Pre-qualification through the gateway, over real HTTP (UC15; domain §4.8, §7.5): Louis's organisation is
 * commercially qualified by the hub; he applies once for a NESO and a UKPN product that both ask for
 * company.insurance, answers it once, both SOs assess their part; a member change of his unit (assets subgraph)
 * makes both REASSESSMENT_REQUIRED in the products subgraph, told through the assets subgraph's outbox; requalified, a
 * member's material capacity change (R-AST-7) makes them REASSESSMENT_REQUIRED again the same way.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { codes, type Credential, gql, gqlOk, mpan, startTestStack } from "./helpers.js";

let stack: Awaited<ReturnType<typeof startTestStack>>;
type Account = Awaited<ReturnType<typeof stack.signUp>>;
let louis: Account;
let rival: Account;
let neso: Account & { verified: Credential };
let ukpn: Account & { verified: Credential };
let assets: string[];
let unitId: string;
const DAY = 86_400_000;

const REGISTER_ASSET = `mutation ($o: ID!, $m: String!) { registerAsset(input: { ownerId: $o, name: "Home battery", categoryCode: "BESS",
  importCapacityKw: 500, exportCapacityKw: 500, energyCapacityKwh: 1000, meterPointId: $m }) { asset { id } } }`;
const CREATE_PRODUCT = `mutation ($i: CreateProductInput!) { createProduct(input: $i) { product { id currentVersion { id } } } }`;
const DECLARE = `mutation ($i: DeclarePrequalificationRequirementInput!) { declarePrequalificationRequirement(input: $i) { requirement { id } } }`;
const APPLY = `mutation ($i: ApplyForQualificationInput!) { applyForQualification(input: $i) { application { id requirements { key } } } }`;
const ANSWER = `mutation ($i: AnswerQualificationRequirementsInput!) { answerQualificationRequirements(input: $i) { application { id } } }`;
const SUBMIT = `mutation ($i: SubmitQualificationApplicationInput!) {
  submitQualificationApplication(input: $i) { application { status assessments { status product { code owner { name } } } } } }`;
const ASSESS = `mutation ($i: AssessQualificationInput!) { assessQualification(input: $i) { assessment { status } } }`;
const MINE = `query ($needs: Boolean) { qualificationAssessments(needsReassessment: $needs) {
  id status reassessmentReason product { code } requirements { key answer { evidenceRef value } } } }`;

beforeAll(async () => {
  stack = await startTestStack();
  louis = await stack.signUp("louis@pq-flex.test", "FSP", "PQ Flex Ltd");
  rival = await stack.signUp("rival@pq-other.test", "FSP", "PQ Other Ltd");
  neso = await stack.signUpVerifiedSo("ed@pq-neso.test", "NESO");
  ukpn = await stack.signUpVerifiedSo("ed@pq-ukpn.test", "UK Power Networks");
  assets = [];
  for (const n of [7001, 7002, 7003]) {
    assets.push((await gqlOk(stack.url, REGISTER_ASSET, { o: louis.organisationId, m: mpan(12, n) }, louis.as)).registerAsset.asset.id);
  }
  const unit = await gqlOk(
    stack.url,
    `mutation ($i: CreateMarketUnitInput!) { createMarketUnit(input: $i) { marketUnit { id } } }`,
    { i: { ownerId: louis.organisationId, name: "SPG-LOUIS-01", unitType: "SPG", assetIds: assets.slice(0, 2) } },
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

/** Louis's assessments needing reassessment, once `count` of them do (products is told after the commit, by the relay). */
async function needingReassessment(count: number): Promise<any[]> {
  let found: any[] = [];
  await vi.waitFor(
    async () => {
      found = (await gqlOk(stack.url, MINE, { needs: true }, louis.as)).qualificationAssessments;
      expect(found).toHaveLength(count);
    },
    { timeout: 30_000, interval: 200 },
  );
  return found;
}

describe("pre-qualification through the gateway", () => {
  it("Louis, commercially qualified, applies once for NESO's and UKPN's products; both SOs assess; a member change makes both REASSESSMENT_REQUIRED", async () => {
    const validity = { validFrom: new Date(Date.now() - DAY).toISOString(), validTo: new Date(Date.now() + 365 * DAY).toISOString() };
    // Q.1 before Q.2: an organisation signed up is PENDING_VERIFICATION until a hub administrator verifies it.
    const verify = (organisationId: string) =>
      gqlOk(
        stack.url,
        `mutation ($i: UpdateOrganisationInput!) { updateOrganisation(input: $i) { organisation { status } } }`,
        { i: { id: organisationId, status: "ACTIVE" } },
        stack.admin,
      );
    await verify(louis.organisationId);
    const checks = ["COMPANY", "CREDIT", "INSURANCE"].map((kind) => ({
      kind,
      passed: true,
      evidenceRef: `${kind.toLowerCase()}:evidence-1`,
    }));
    await gqlOk(
      stack.url,
      `mutation ($i: AssessCommercialQualificationInput!) { assessCommercialQualification(input: $i) { commercialQualification { status } } }`,
      { i: { organisationId: louis.organisationId, status: "QUALIFIED", checks, ...validity } },
      stack.admin,
    );
    const standing = await gqlOk(stack.url, `{ me { organisation { name commercialQualification { status } } } }`, {}, louis.as);
    expect(standing.me.organisation).toEqual({ name: "PQ Flex Ltd", commercialQualification: { status: "QUALIFIED" } });

    // Each SO drafts its product and declares what its version 1 asks; a hub administrator publishes it.
    const product = async (so: typeof neso, code: string) => {
      const input = {
        ownerId: so.organisationId,
        code,
        name: code,
        serviceType: "AVAILABILITY_AND_UTILISATION",
        directions: ["DEMAND_TURN_DOWN"],
        minimumCapacityKw: 100,
      };
      const { createProduct } = await gqlOk(stack.url, CREATE_PRODUCT, { i: input }, so.verified);
      return { id: createProduct.product.id as string, versionId: createProduct.product.currentVersion.id as string };
    };
    const qrProduct = await product(neso, "QR");
    const saouProduct = await product(ukpn, "SAOU");
    const declare = (so: typeof neso, productVersionId: string, fields: Record<string, unknown>) =>
      gqlOk(stack.url, DECLARE, { i: { productVersionId, description: "Per the product's rules", ...fields } }, so.verified);
    await declare(neso, qrProduct.versionId, { level: "COUNTERPARTY", kind: "INSURANCE", commonKey: "company.insurance" });
    await declare(neso, qrProduct.versionId, {
      level: "UNIT",
      kind: "DATA_FIELD",
      valueType: "NUMBER",
      commonKey: "unit.response_seconds",
    });
    await declare(ukpn, saouProduct.versionId, { level: "COUNTERPARTY", kind: "INSURANCE", commonKey: "company.insurance" });
    await declare(ukpn, saouProduct.versionId, { level: "UNIT", kind: "DOCUMENT", commonKey: "unit.single_line_diagram" });
    const qr = qrProduct.id;
    const saou = saouProduct.id;
    // Not yet published: no application.
    const early = await gql(stack.url, APPLY, { i: { subjectType: "MARKET_UNIT", subjectId: unitId, productIds: [qr] } }, louis.as);
    expect(codes(early)).toEqual(["BAD_USER_INPUT"]);
    for (const id of [qr, saou]) {
      await gqlOk(
        stack.url,
        `mutation ($i: UpdateProductInput!) { updateProduct(input: $i) { product { status } } }`,
        { i: { id, status: "PUBLISHED" } },
        stack.admin,
      );
    }

    // The rival is neither verified nor, once verified, commercially qualified: refused with stable codes.
    const rivalApplies = () =>
      gql(stack.url, APPLY, { i: { subjectType: "ORGANISATION", subjectId: rival.organisationId, productIds: [qr] } }, rival.as);
    const unverified = await rivalApplies();
    expect([codes(unverified), unverified.errors?.[0]?.extensions?.reason]).toEqual([["RULE_VIOLATION"], "ORGANISATION_NOT_ACTIVE"]);
    await verify(rival.organisationId);
    const unqualified = await rivalApplies();
    expect([codes(unqualified), unqualified.errors?.[0]?.extensions?.reason]).toEqual([["RULE_VIOLATION"], "COUNTERPARTY_NOT_QUALIFIED"]);

    const applied = await gqlOk(
      stack.url,
      APPLY,
      { i: { subjectType: "MARKET_UNIT", subjectId: unitId, productIds: [qr, saou] } },
      louis.as,
    );
    const application = applied.applyForQualification.application;
    expect(application.requirements.map((r: { key: string }) => r.key).sort()).toEqual([
      "company.insurance",
      "unit.response_seconds",
      "unit.single_line_diagram",
    ]);
    const answer = (answers: unknown[]) => gql(stack.url, ANSWER, { i: { applicationId: application.id, answers } }, louis.as);
    expect(codes(await answer([{ key: "unit.response_seconds", value: "quick" }]))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await gql(stack.url, SUBMIT, { i: { applicationId: application.id } }, louis.as))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await answer([{ key: "company.insurance", evidenceRef: "insurance:cert-77" }]))).toEqual([]);
    expect(
      codes(
        await answer([
          { key: "unit.response_seconds", value: "30" },
          { key: "unit.single_line_diagram", evidenceRef: "sld:v1" },
        ]),
      ),
    ).toEqual([]);
    // The rival reads nothing of it.
    const peek = await gqlOk(stack.url, `query ($id: ID!) { qualificationApplication(id: $id) { id } }`, { id: application.id }, rival.as);
    expect(peek.qualificationApplication).toBeNull();

    const submitted = await gqlOk(stack.url, SUBMIT, { i: { applicationId: application.id } }, louis.as);
    expect(submitted.submitQualificationApplication.application.status).toBe("SUBMITTED");
    expect(submitted.submitQualificationApplication.application.assessments.map((a: any) => a.product.owner.name).sort()).toEqual([
      "NESO",
      "UK Power Networks",
    ]);

    const [nesoPart] = (await gqlOk(stack.url, MINE, {}, neso.verified)).qualificationAssessments;
    const [ukpnPart] = (await gqlOk(stack.url, MINE, {}, ukpn.verified)).qualificationAssessments;
    // Both see the one answer to the shared key.
    for (const part of [nesoPart, ukpnPart]) {
      expect(part.requirements.find((r: any) => r.key === "company.insurance").answer).toEqual({
        evidenceRef: "insurance:cert-77",
        value: null,
      });
    }
    expect(
      codes(await gql(stack.url, ASSESS, { i: { assessmentId: nesoPart.id, status: "FAILED", reason: "no" } }, ukpn.verified)),
    ).toEqual(["NOT_FOUND"]);

    await gqlOk(
      stack.url,
      ASSESS,
      { i: { assessmentId: nesoPart.id, status: "INFO_REQUESTED", reason: "Response time from the handshake test?" } },
      neso.verified,
    );
    expect(codes(await answer([{ key: "unit.response_seconds", value: "28" }]))).toEqual([]);
    await gqlOk(stack.url, ASSESS, { i: { assessmentId: nesoPart.id, status: "QUALIFIED", ...validity } }, neso.verified);
    await gqlOk(stack.url, ASSESS, { i: { assessmentId: ukpnPart.id, status: "QUALIFIED", ...validity } }, ukpn.verified);
    expect(
      codes(await gql(stack.url, ASSESS, { i: { assessmentId: ukpnPart.id, status: "INFO_REQUESTED", reason: "x" } }, ukpn.verified)),
    ).toEqual(["CONFLICT"]);
    const status = `query ($s: ID!, $p: ID!) { qualificationStatus(subjectId: $s, productId: $p) { qualified counterpartyQualified } }`;
    expect((await gqlOk(stack.url, status, { s: unitId, p: qr }, louis.as)).qualificationStatus).toEqual({
      qualified: true,
      counterpartyQualified: true,
    });

    // A new member: the assets subgraph makes the unit REASSESSMENT_REQUIRED and tells products (its outbox's relay).
    const changed = await gqlOk(
      stack.url,
      `mutation ($i: MarketUnitMembersInput!) { addMarketUnitMembers(input: $i) { marketUnit { status } } }`,
      { i: { unitId, assetIds: [assets[2]] } },
      louis.as,
    );
    expect(changed.addMarketUnitMembers.marketUnit.status).toBe("REASSESSMENT_REQUIRED");
    const needing = await needingReassessment(2);
    expect(needing.map((a: any) => [a.product.code, a.status]).sort()).toEqual([
      ["QR", "REASSESSMENT_REQUIRED"],
      ["SAOU", "REASSESSMENT_REQUIRED"],
    ]);
    expect(needing[0].reassessmentReason).toContain(unitId);
    expect((await gqlOk(stack.url, MINE, { needs: true }, ukpn.verified)).qualificationAssessments.map((a: any) => a.product.code)).toEqual(
      ["SAOU"],
    );
    expect((await gqlOk(stack.url, status, { s: unitId, p: qr }, louis.as)).qualificationStatus.qualified).toBe(false);
  });

  it("requalified, a member's capacity change over R-AST-7's threshold marks both for reassessment again, through the outbox", async () => {
    const validity = { validFrom: new Date(Date.now() - DAY).toISOString(), validTo: new Date(Date.now() + 365 * DAY).toISOString() };
    for (const so of [neso, ukpn]) {
      const [part] = (await gqlOk(stack.url, MINE, { needs: true }, so.verified)).qualificationAssessments;
      await gqlOk(stack.url, ASSESS, { i: { assessmentId: part.id, status: "QUALIFIED", ...validity } }, so.verified);
    }
    expect((await gqlOk(stack.url, MINE, { needs: true }, louis.as)).qualificationAssessments).toEqual([]);
    await gqlOk(
      stack.url,
      `mutation ($i: UpdateMarketUnitInput!) { updateMarketUnit(input: $i) { marketUnit { status } } }`,
      { i: { id: unitId, status: "ACTIVE" } },
      louis.as,
    );
    // R-AST-7 as stack/src/demo/rules.ts seeds it: market-wide, NOTIFY, the threshold its parameter.
    await gqlOk(
      stack.url,
      `mutation ($i: CreateMarketRuleInput!) { createMarketRule(input: $i) { marketRule { id } } }`,
      {
        i: {
          code: "R-AST-7",
          name: "Material capacity change (over 10%) triggers reassessment",
          kind: "DATA_QUALITY",
          subjectKind: "ASSET_CHANGE",
          severity: "WARN",
          mode: "NOTIFY",
          parameters: { thresholdPct: 10 },
          expression: { "<=": [{ var: "capacityChangePct" }, { var: "params.thresholdPct" }] },
        },
      },
      stack.admin,
    );
    // 500 → 400 kW (−20%), domain §8.2's example.
    const updated = await gqlOk(
      stack.url,
      `mutation ($i: UpdateAssetInput!) { updateAsset(input: $i) { warnings { ruleId } } }`,
      { i: { id: assets[0], importCapacityKw: 400, exportCapacityKw: 400 } },
      louis.as,
    );
    expect(updated.updateAsset.warnings).toEqual([{ ruleId: "R-AST-7" }]);
    // The warning reaches Louis's organisation by e-mail too: its members' addresses in one call to the users subgraph.
    await vi.waitFor(
      () => expect(stack.mailsTo("louis@pq-flex.test").map((m) => m.subject)).toContain("SFE Hub: Market rule warning on Asset: R-AST-7"),
      { timeout: 30_000, interval: 200 },
    );
    const needing = await needingReassessment(2);
    expect(needing.map((a: any) => [a.product.code, a.status]).sort()).toEqual([
      ["QR", "REASSESSMENT_REQUIRED"],
      ["SAOU", "REASSESSMENT_REQUIRED"],
    ]);
    for (const a of needing) expect(a.reassessmentReason).toContain(`capacity changed materially (asset ${assets[0]}, R-AST-7)`);
    expect((await gqlOk(stack.url, MINE, { needs: true }, rival.as)).qualificationAssessments).toEqual([]);
  });
});
