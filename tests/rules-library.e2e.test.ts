/**
 * Market rules and the rules library through the gateway, over real HTTP (issue 11 items 1–3): NESO's DCL with the
 * demo's §8 rules seeded as data; a 0.5 MW bid dry run is BLOCKed naming "NESO DCL minimum 1 MW"; the evaluation is
 * recorded for the FSP (not another FSP, not an investor); UKPN cannot change NESO's rule; the library is searched
 * (Postgres text search) and "what applies to a battery in DCL on this date" answers rules and documents.
 */
import { seedRules } from "@sfe/stack/demo-rules";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, type Credential, gql, gqlOk, startTestStack } from "./helpers.js";

let stack: Awaited<ReturnType<typeof startTestStack>>;
type Account = Awaited<ReturnType<typeof stack.signUp>>;
let louis: Account;
let rival: Account;
let emma: Account;
let neso: Account & { verified: Credential };
let ukpn: Account & { verified: Credential };
let dcl: string;

const CHECK = `query ($p: [ID!]!, $f: JSONObject!, $s: RuleSubjectInput) {
  checkRules(subjectKind: BID, productIds: $p, facts: $f, subject: $s) {
    decision outcomes { code name outcome mode ruleVersion valuesCompared message rule { id code title owner { id } product { id code } } } } }`;

beforeAll(async () => {
  stack = await startTestStack();
  louis = await stack.signUp("louis@rl-flex.test", "FSP", "RL Flex Ltd");
  rival = await stack.signUp("rival@rl-other.test", "FSP", "RL Other Ltd");
  emma = await stack.signUp("emma@rl-capital.test", "INVESTOR", "RL Capital");
  neso = await stack.signUpVerifiedSo("ed@rl-neso.test", "NESO");
  ukpn = await stack.signUpVerifiedSo("uma@rl-ukpn.test", "UK Power Networks");
  const created = await gqlOk(
    stack.url,
    `mutation ($o: ID!) { createProduct(input: { ownerId: $o, code: "DCL", name: "Dynamic Containment Low",
      serviceType: AVAILABILITY_ONLY, directions: [GENERATION_TURN_UP, DEMAND_TURN_DOWN], minimumCapacityKw: 1000,
      responseTimeSeconds: 1, durationMinutes: 15, needType: FREQUENCY_RESPONSE, locations: ["GB"] }) { product { id } } }`,
    { o: neso.organisationId },
    neso.verified,
  );
  dcl = created.createProduct.product.id;
  await gqlOk(
    stack.url,
    `mutation ($id: ID!) { updateProduct(input: { id: $id, status: PUBLISHED }) { product { status } } }`,
    { id: dcl },
    stack.admin,
  );
  // The demo's rules and library, as `npm start` seeds them, resolved against this stack's products.
  await seedRules(stack.database.db);
}, 180_000);
afterAll(() => stack?.stop());

describe("market rules evaluated through the gateway", () => {
  let ruleId: string;

  it("a 0.5 MW bid into DCL: BLOCK, the seeded rule NESO DCL minimum 1 MW FAILs with the values compared", async () => {
    const result = await gqlOk(stack.url, CHECK, { p: [dcl], f: { capacityMw: 0.5 }, s: { type: "Bid", id: "rl-bid-1" } }, louis.as);
    expect(result.checkRules.decision).toBe("BLOCK");
    const failed = result.checkRules.outcomes.filter((o: { outcome: string }) => o.outcome === "FAIL");
    expect(failed).toEqual([
      expect.objectContaining({
        code: "R-ELG-1-DCL",
        name: "NESO DCL minimum 1 MW",
        mode: "BLOCKING",
        ruleVersion: 1,
        valuesCompared: { capacityMw: 0.5, "params.minimumMw": 1 },
        rule: expect.objectContaining({
          title: "NESO DCL minimum 1 MW",
          owner: { id: neso.organisationId },
          product: { id: dcl, code: "DCL" },
        }),
      }),
    ]);
    ruleId = failed[0].rule.id;
    // A 2 MW bid, qualified, within the gate: the eligibility rules PASS (ALLOW unless a rule WARNs).
    const fine = await gqlOk(
      stack.url,
      CHECK,
      { p: [dcl], f: { capacityMw: 2, qualified: true, counterpartyQualified: true, withinGateWindow: true, baselineSubmitted: true } },
      louis.as,
    );
    expect(fine.checkRules.decision).toBe("ALLOW");
  });

  it("the evaluation is recorded for Louis's organisation: he sees it, a rival FSP does not, an investor is FORBIDDEN", async () => {
    const READ = `query { ruleEvaluations(subjectId: "rl-bid-1") { ruleCode ruleVersion outcome subjectType inputHash } }`;
    const mine = await gqlOk(stack.url, READ, {}, louis.as);
    expect(mine.ruleEvaluations).toContainEqual(
      expect.objectContaining({ ruleCode: "R-ELG-1-DCL", ruleVersion: 1, outcome: "FAIL", subjectType: "Bid" }),
    );
    expect((await gqlOk(stack.url, READ, {}, rival.as)).ruleEvaluations).toEqual([]);
    expect(codes(await gql(stack.url, READ, {}, emma.as))).toEqual(["FORBIDDEN"]);
  });

  it("UKPN may not change NESO's rule (FORBIDDEN); NESO's change makes version 2, which the next evaluation names", async () => {
    const UPDATE = `mutation ($i: UpdateMarketRuleInput!) { updateMarketRule(input: $i) { marketRule { version versions { version } } } }`;
    expect(codes(await gql(stack.url, UPDATE, { i: { id: ruleId, parameters: { minimumMw: 0.1 } } }, ukpn.verified))).toEqual([
      "FORBIDDEN",
    ]);
    const bad = await gql(stack.url, UPDATE, { i: { id: ruleId, expression: { ">=": [{ var: "capacityKw" }, 1000] } } }, neso.verified);
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "expression" });
    const changed = await gqlOk(stack.url, UPDATE, { i: { id: ruleId, parameters: { minimumMw: 0.5 } } }, neso.verified);
    expect(changed.updateMarketRule.marketRule).toEqual({ version: 2, versions: [{ version: 2 }, { version: 1 }] });
    const again = await gqlOk(stack.url, CHECK, { p: [dcl], f: { capacityMw: 0.5 } }, louis.as);
    expect(again.checkRules.outcomes).toContainEqual(expect.objectContaining({ code: "R-ELG-1-DCL", ruleVersion: 2, outcome: "PASS" }));
  });
});

describe("the rules library through the gateway", () => {
  it("full-text search, ranked: primacy rules are found by their words, in force from 1 April 2026 only", async () => {
    const SEARCH = `query ($q: String!, $on: DateTime) { ruleDocuments(search: $q, on: $on) { code title kind sourceUrl licence rank } }`;
    const found = await gqlOk(stack.url, SEARCH, { q: "DSO primacy thermal constraint", on: "2026-06-01T00:00:00Z" }, emma.as);
    expect(found.ruleDocuments[0]).toMatchObject({ code: "FMR-PRIMACY", kind: "PRIMACY", sourceUrl: expect.stringMatching(/^https:/) });
    expect(found.ruleDocuments[0].rank).toBeGreaterThan(0);
    const before = await gqlOk(stack.url, SEARCH, { q: "primacy", on: "2025-06-01T00:00:00Z" }, emma.as);
    expect(before.ruleDocuments.map((d: { code: string }) => d.code)).not.toContain("FMR-PRIMACY");
  });

  it("what applies to a battery in DCL on a date: DCL's and market-wide rules in force, and the documents tagged for it", async () => {
    const APPLICABLE = `query ($p: ID!, $on: DateTime) { applicableRules(technology: "BESS", productId: $p, on: $on) {
      rules { code product { id } } documents { code version { title } } } }`;
    const result = await gqlOk(stack.url, APPLICABLE, { p: dcl, on: "2025-06-01T00:00:00Z" }, louis.as);
    const ruleCodes = result.applicableRules.rules.map((r: { code: string }) => r.code);
    expect(ruleCodes).toEqual(expect.arrayContaining(["R-ELG-1-DCL", "R-ELG-2-DCL", "R-ELG-3-DCL", "R-ELG-7", "R-STK-1"]));
    expect(ruleCodes).not.toContain("R-ELG-10-SAOU");
    const documentCodes = result.applicableRules.documents.map((d: { code: string }) => d.code);
    expect(documentCodes).toEqual(expect.arrayContaining(["NESO-DYNAMIC-SERVICES-TERMS", "STACKING-GUIDANCE", "SA-V3"]));
    expect(documentCodes).not.toContain("FMR-PRIMACY"); // not yet in force
    expect(documentCodes).not.toContain("NESO-QUICK-RESERVE"); // another product's
  });
});
