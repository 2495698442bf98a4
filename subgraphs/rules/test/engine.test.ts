import { randomUUID } from "node:crypto";
import { createRulesApi, type ExternalRule, type RulesApi } from "@sfe/rules-api-registry";
import { type DatabaseHandle, IDENTITY_HEADER, type RunningSubgraph, staticReferences, startSubgraph } from "@sfe/kit";
import { as, countRows, errorCodes, execute, orgs, setUpSubgraph, testGateway } from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRulesApis } from "../src/modules/evaluation/external.js";
import { RULES_EVALUATE_PATH } from "../src/modules/evaluation/index.js";
import { type createRepositories, createRulesSubgraph } from "../src/server.js";
import { rulesSubgraph } from "./helpers.js";

/**
 * The rules engine (issue 11 items 1–2): rules as JSONLogic over declared facts, checked when saved; evaluated
 * through the gateway-only route and the `checkRules` dry run; every outcome recorded with the rule's version;
 * rules of an SO's own rules API (the stand-in, over real HTTP) evaluated with the hub's.
 */
const dcl = randomUUID(); // NESO Dynamic Containment Low
const ukpnSecure = randomUUID();
const { soA: ukpn, soB: neso, fspA } = orgs;
const references = staticReferences({
  Product: { [dcl]: { owner: { id: neso } }, [ukpnSecure]: { owner: { id: ukpn } } },
});

let handle: DatabaseHandle;
let repos: ReturnType<typeof createRepositories>;
let subgraph: ReturnType<typeof createRulesSubgraph>;
let running: RunningSubgraph;
let rulesApi: RulesApi;
const verifier = testGateway.verifier("rules");

const externalRule = (overrides: Partial<ExternalRule> = {}): ExternalRule => ({
  ruleId: "UKPN-SAOU-MIN-50KW",
  title: "UKPN Secure minimum 50 kW",
  subjectKind: "BID",
  expression: { ">=": [{ var: "capacityMw" }, { var: "params.minimumMw" }] },
  parameters: { minimumMw: 0.05 },
  severity: "BLOCK",
  mode: "BLOCKING",
  version: 3,
  productIds: [ukpnSecure],
  effectiveFrom: "2025-01-01T00:00:00Z",
  effectiveTo: null,
  documentRef: "UKPN Flexibility Services Agreement, schedule 2",
  ...overrides,
});

beforeAll(async () => {
  rulesApi = await createRulesApi({
    rules: [externalRule(), externalRule({ ruleId: "UKPN-BROKEN", expression: { ">=": [{ var: "capcityMw" }, 1] } })],
  });
  ({ handle, repos } = await setUpSubgraph(rulesSubgraph, references));
  subgraph = createRulesSubgraph({
    db: handle.db,
    references,
    repos,
    verifier,
    rulesApis: createRulesApis({ apis: [{ name: "ukpn-rules", operatorId: ukpn, url: rulesApi.url }], cacheTtlMs: 0 }),
  });
  running = await startSubgraph(subgraph, { port: 0, host: "127.0.0.1", verifier });
});
afterAll(async () => {
  await running?.stop();
  await rulesApi?.stop();
  await handle?.close();
});

const CREATE = `mutation ($input: CreateMarketRuleInput!) {
  createMarketRule(input: $input) { marketRule { id code version severity enforcement subjectKind expression owner { id } versions { version } } } }`;
const UPDATE = `mutation ($input: UpdateMarketRuleInput!) { updateMarketRule(input: $input) { marketRule { id version versions { version snapshot } } } }`;
const CHECK = `query ($k: SubjectKind!, $p: [ID!]!, $f: JSONObject!, $s: RuleSubjectInput) {
  checkRules(subjectKind: $k, productIds: $p, facts: $f, subject: $s) {
    evaluationId decision inputHash outcomes { rule { id } code ruleVersion outcome severity mode source message valuesCompared } } }`;
const EVALUATIONS = `query ($s: ID!) { ruleEvaluations(subjectId: $s) { ruleCode ruleVersion outcome subjectKind subjectType inputHash rule { id } } }`;

const dclMinimum = {
  code: "NESO-DCL-MIN-1MW",
  name: "NESO DCL minimum 1 MW",
  productId: dcl,
  kind: "ELIGIBILITY",
  parameters: { minimumMw: 1 },
  mode: "BLOCK",
  severity: "BLOCK",
  subjectKind: "BID",
  expression: { ">=": [{ var: "capacityMw" }, { var: "params.minimumMw" }] },
  documentRef: "R-ELG-1; NESO Dynamic Containment service terms",
  effectiveFrom: "2025-01-01T00:00:00Z",
};
let dclRuleId: string;

async function internal(body: unknown, token?: string | null) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== null) headers[IDENTITY_HEADER] = token ?? (await testGateway.headers("rules", as.admin))[IDENTITY_HEADER]!;
  const response = await fetch(running.url.replace(/\/graphql$/, RULES_EVALUATE_PATH), {
    method: "POST",
    headers,
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

describe("rules as data, checked when saved", () => {
  it("NESO writes its DCL minimum as an expression over BID facts: version 1, BLOCKING, owned by NESO", async () => {
    const result = await execute(subgraph, CREATE, { input: dclMinimum }, as.nationalSo);
    expect(result.errors).toBeUndefined();
    const rule = (result.data as any).createMarketRule.marketRule;
    expect(rule).toMatchObject({ code: "NESO-DCL-MIN-1MW", version: 1, severity: "BLOCK", enforcement: "BLOCKING", owner: { id: neso } });
    expect(rule.versions).toEqual([{ version: 1 }]);
    dclRuleId = rule.id;
  });

  it.each([
    ["does not parse (two operators in one node)", { ">=": [{ var: "capacityMw" }, 1], "<": [1, 2] }, /does not parse/],
    ["uses an unknown operator", { eval: ["process.exit()"] }, /unknown operator "eval"/],
    ["names an unknown field", { ">=": [{ var: "capcityMw" }, 1] }, /unknown field "capcityMw" for BID/],
    ["names an unknown parameter", { ">=": [{ var: "capacityMw" }, { var: "params.minimumKw" }] }, /unknown field "params.minimumKw"/],
    ["compares a boolean as a number", { ">=": [{ var: "qualified" }, 1] }, /"qualified" is a boolean, but number is needed/],
  ])("an expression that %s is BAD_USER_INPUT naming it, nothing written", async (_, expression, message) => {
    const before = await countRows(handle, "rules.market_rules");
    const result = await execute(
      subgraph,
      CREATE,
      { input: { ...dclMinimum, code: `BAD-${randomUUID().slice(0, 8)}`, expression } },
      as.admin,
    );
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.message).toMatch(message);
    expect(result.errors?.[0]?.extensions?.field).toBe("expression");
    expect(await countRows(handle, "rules.market_rules")).toBe(before);
  });

  it("an expression without a subject kind is BAD_USER_INPUT naming subjectKind", async () => {
    const result = await execute(subgraph, CREATE, { input: { ...dclMinimum, code: "NO-KIND", subjectKind: null } }, as.admin);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "subjectKind" });
  });

  it("another SO may neither create a rule for NESO's product nor change NESO's rule (FORBIDDEN, nothing changed)", async () => {
    const created = await execute(subgraph, CREATE, { input: { ...dclMinimum, code: "UKPN-ON-DCL" } }, as.soA);
    expect(errorCodes(created)).toEqual(["FORBIDDEN"]);
    const changed = await execute(subgraph, UPDATE, { input: { id: dclRuleId, parameters: { minimumMw: 0.1 } } }, as.soA);
    expect(errorCodes(changed)).toEqual(["FORBIDDEN"]);
    const versions = await repos.marketRules.versionsOf([dclRuleId]);
    expect(versions.map((v) => v.version)).toEqual([1]);
  });

  it("a changed expression is checked against the rule's subject kind (BAD_USER_INPUT, still version 1)", async () => {
    const result = await execute(
      subgraph,
      UPDATE,
      { input: { id: dclRuleId, expression: { "<": [{ var: "awardedMw" }, 1] } } },
      as.nationalSo,
    );
    expect(result.errors?.[0]?.message).toMatch(/unknown field "awardedMw" for BID/);
    expect((await repos.marketRules.byIds([dclRuleId]))[0]?.version).toBe(1);
  });
});

describe("evaluation", () => {
  const bid = { type: "Bid", id: randomUUID() };

  it("the route requires the gateway: no token 401, nothing recorded", async () => {
    const before = await countRows(handle, "rules.rule_evaluations");
    const response = await internal({ subjectKind: "BID", subject: bid, facts: { capacityMw: 0.5 }, productIds: [dcl] }, null);
    expect(response.status).toBe(401);
    expect(await countRows(handle, "rules.rule_evaluations")).toBe(before);
  });

  it("a 0.5 MW bid into DCL through the route: BLOCK, naming NESO DCL minimum 1 MW and the values compared, recorded", async () => {
    const response = await internal({
      subjectKind: "BID",
      subject: bid,
      facts: { capacityMw: 0.5 },
      productIds: [dcl],
      partyIds: [fspA, neso],
      at: "2025-06-23T14:00:00Z",
    });
    expect(response.status).toBe(200);
    expect(response.body.decision).toBe("BLOCK");
    expect(response.body.outcomes).toEqual([
      expect.objectContaining({
        ruleId: dclRuleId,
        ruleVersion: 1,
        code: "NESO-DCL-MIN-1MW",
        outcome: "FAIL",
        mode: "BLOCKING",
        valuesCompared: { capacityMw: 0.5, "params.minimumMw": 1 },
        message: expect.stringContaining("NESO DCL minimum 1 MW"),
      }),
    ]);
    expect(response.body.inputHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("a route request with an undeclared fact is 400 BAD_USER_INPUT naming it", async () => {
    const response = await internal({ subjectKind: "BID", subject: bid, facts: { capacityKw: 500 }, productIds: [dcl] });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].extensions).toEqual({ code: "BAD_USER_INPUT", field: "facts.capacityKw" });
  });

  it("many subjects in one call ({ requests }): each its own decision and evaluation, in order, every outcome recorded", async () => {
    const small = { type: "Bid", id: randomUUID() };
    const large = { type: "Bid", id: randomUUID() };
    const before = await countRows(handle, "rules.rule_evaluations");
    const one = (subject: { type: string; id: string }, capacityMw: number) => ({
      subjectKind: "BID",
      subject,
      facts: { capacityMw },
      productIds: [dcl],
      partyIds: [fspA],
      at: "2025-06-23T14:00:00Z",
    });
    const response = await internal({ requests: [one(small, 0.5), one(large, 2)] });
    expect(response.status).toBe(200);
    expect(response.body.results.map((r: any) => [r.subject.id, r.decision, r.outcomes.map((o: any) => o.outcome)])).toEqual([
      [small.id, "BLOCK", ["FAIL"]],
      [large.id, "ALLOW", ["PASS"]],
    ]);
    expect(response.body.results[0].evaluationId).not.toBe(response.body.results[1].evaluationId);
    expect(await countRows(handle, "rules.rule_evaluations")).toBe(before + 2);
    const seen = await execute(subgraph, EVALUATIONS, { s: large.id }, as.fspA);
    expect((seen.data as any).ruleEvaluations.map((e: any) => e.outcome)).toEqual(["PASS"]);
  });

  it("a batch spanning a rule's effective date: each request is held to the rules in force at its own time", async () => {
    const created = await execute(
      subgraph,
      CREATE,
      {
        input: {
          ...dclMinimum,
          code: "NESO-DCL-MIN-5MW-2030",
          name: "DCL minimum 5 MW from 2030",
          parameters: { minimumMw: 5 },
          effectiveFrom: "2030-01-01T00:00:00Z",
        },
      },
      as.nationalSo,
    );
    expect(created.errors).toBeUndefined();
    const at = (time: string) => ({
      subjectKind: "BID",
      subject: { type: "Bid", id: randomUUID() },
      facts: { capacityMw: 2 },
      productIds: [dcl],
      partyIds: [fspA],
      at: time,
    });
    const response = await internal({ requests: [at("2029-12-31T23:30:00Z"), at("2030-01-01T00:00:00Z"), at("2030-06-01T12:00:00Z")] });
    expect(response.status).toBe(200);
    // Before 2030 only the 1 MW minimum applies (2 MW passes); from 2030 the 5 MW one too, and 2 MW fails it.
    expect(response.body.results.map((r: any) => [r.decision, r.outcomes.map((o: any) => `${o.code} ${o.outcome}`).sort()])).toEqual([
      ["ALLOW", ["NESO-DCL-MIN-1MW PASS"]],
      ["BLOCK", ["NESO-DCL-MIN-1MW PASS", "NESO-DCL-MIN-5MW-2030 FAIL"]],
      ["BLOCK", ["NESO-DCL-MIN-1MW PASS", "NESO-DCL-MIN-5MW-2030 FAIL"]],
    ]);
  });

  it("a batch with one malformed request is 400 naming its place (requests.1.facts.capacityKw); none of it recorded", async () => {
    const before = await countRows(handle, "rules.rule_evaluations");
    const good = { subjectKind: "BID", subject: bid, facts: { capacityMw: 0.5 }, productIds: [dcl] };
    const response = await internal({ requests: [good, { ...good, facts: { capacityKw: 500 } }] });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].extensions).toEqual({ code: "BAD_USER_INPUT", field: "requests.1.facts.capacityKw" });
    expect(await countRows(handle, "rules.rule_evaluations")).toBe(before);
    for (const requests of [[], "all", [1], Array(1001).fill(good)]) {
      const refused = await internal({ requests });
      expect(refused.status).toBe(400);
      expect(refused.body.errors[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "requests" });
    }
    expect(await countRows(handle, "rules.rule_evaluations")).toBe(before);
  });

  it("a new version is recorded and named by the next evaluation; the old evaluation keeps version 1", async () => {
    const updated = await execute(subgraph, UPDATE, { input: { id: dclRuleId, parameters: { minimumMw: 0.4 } } }, as.nationalSo);
    expect(updated.errors).toBeUndefined();
    const rule = (updated.data as any).updateMarketRule.marketRule;
    expect(rule.version).toBe(2);
    expect(rule.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(rule.versions[1].snapshot.parameters).toEqual({ minimumMw: 1 });
    const response = await internal({ subjectKind: "BID", subject: bid, facts: { capacityMw: 0.5 }, productIds: [dcl], partyIds: [fspA] });
    expect(response.body).toMatchObject({ decision: "ALLOW", outcomes: [{ ruleVersion: 2, outcome: "PASS" }] });
    const seen = await execute(subgraph, EVALUATIONS, { s: bid.id }, as.fspA);
    expect((seen.data as any).ruleEvaluations.map((e: any) => [e.ruleVersion, e.outcome])).toEqual([
      [2, "PASS"],
      [1, "FAIL"],
    ]);
    // Back to 1 MW for the tests below (version 3).
    await execute(subgraph, UPDATE, { input: { id: dclRuleId, parameters: { minimumMw: 1 } } }, as.nationalSo);
  });

  it("ruleEvaluations: the parties see them, another FSP sees none, an investor is FORBIDDEN", async () => {
    expect((await execute(subgraph, EVALUATIONS, { s: bid.id }, as.nationalSo)).data).toMatchObject({ ruleEvaluations: [{}] });
    expect((await execute(subgraph, EVALUATIONS, { s: bid.id }, as.fspB)).data).toEqual({ ruleEvaluations: [] });
    expect(errorCodes(await execute(subgraph, EVALUATIONS, { s: bid.id }, as.investor))).toEqual(["FORBIDDEN"]);
  });

  it("checkRules (dry run) as an FSP: the DCL rule FAILs at version 3; a rule reading a fact not given is NOT_APPLICABLE", async () => {
    await execute(
      subgraph,
      CREATE,
      {
        input: {
          ...dclMinimum,
          code: "NESO-DCL-QUALIFIED",
          name: "Qualified for DCL (R-ELG-7)",
          parameters: {},
          expression: { "==": [{ var: "qualified" }, true] },
        },
      },
      as.nationalSo,
    );
    const result = await execute(subgraph, CHECK, { k: "BID", p: [dcl], f: { capacityMw: 0.5 }, s: { type: "Bid", id: "dry-1" } }, as.fspB);
    expect(result.errors).toBeUndefined();
    const check = (result.data as any).checkRules;
    expect(check.decision).toBe("BLOCK");
    expect(check.outcomes.map((o: any) => [o.code, o.outcome, o.ruleVersion])).toEqual([
      ["NESO-DCL-MIN-1MW", "FAIL", 3],
      ["NESO-DCL-QUALIFIED", "NOT_APPLICABLE", 1],
    ]);
    // Recorded for the caller's organisation: FSP B now sees its dry run, FSP A does not.
    expect((await execute(subgraph, EVALUATIONS, { s: "dry-1" }, as.fspB)).data).toMatchObject({ ruleEvaluations: [{}, {}] });
    expect((await execute(subgraph, EVALUATIONS, { s: "dry-1" }, as.fspA)).data).toEqual({ ruleEvaluations: [] });
  });

  it("checkRules with an unknown fact is BAD_USER_INPUT naming it; investors are FORBIDDEN", async () => {
    const bad = await execute(subgraph, CHECK, { k: "BID", p: [dcl], f: { capacity: 1 } }, as.fspA);
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "facts.capacity" });
    expect(errorCodes(await execute(subgraph, CHECK, { k: "BID", p: [dcl], f: {} }, as.investor))).toEqual(["FORBIDDEN"]);
  });

  it("an SO's rules API (the stand-in, over HTTP): its valid rule is evaluated for its product, the broken one dropped", async () => {
    const before = rulesApi.requestCount();
    const result = await execute(subgraph, CHECK, { k: "BID", p: [ukpnSecure], f: { capacityMw: 0.02 } }, as.fspA);
    expect(result.errors).toBeUndefined();
    const check = (result.data as any).checkRules;
    expect(check.outcomes).toEqual([
      expect.objectContaining({
        rule: null,
        code: "UKPN-SAOU-MIN-50KW",
        ruleVersion: 3,
        source: "EXTERNAL_API",
        outcome: "FAIL",
        mode: "BLOCKING",
      }),
    ]);
    expect(check.decision).toBe("BLOCK");
    expect(rulesApi.requestCount()).toBeGreaterThan(before);
    // Not asked for a product it does not name: the DCL bid is evaluated on the hub's rules only.
    const dclOnly = await execute(subgraph, CHECK, { k: "BID", p: [dcl], f: { capacityMw: 2 } }, as.fspA);
    expect((dclOnly.data as any).checkRules.outcomes.map((o: any) => o.source)).not.toContain("EXTERNAL_API");
  });

  it("an SO rules API that is down: UPSTREAM_UNAVAILABLE naming it, nothing recorded", async () => {
    const before = await countRows(handle, "rules.rule_evaluations");
    rulesApi.setDown(true);
    try {
      const result = await execute(subgraph, CHECK, { k: "BID", p: [ukpnSecure], f: { capacityMw: 1 } }, as.fspA);
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", registry: "ukpn-rules" });
    } finally {
      rulesApi.setDown(false);
    }
    expect(await countRows(handle, "rules.rule_evaluations")).toBe(before);
  });
});
