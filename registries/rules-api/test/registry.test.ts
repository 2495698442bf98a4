import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRulesApi, type ExternalRule, type RulesApi } from "../src/server.js";

const rule: ExternalRule = {
  ruleId: "UKPN-SAOU-MIN-50KW",
  title: "UKPN Secure minimum 50 kW",
  subjectKind: "BID",
  expression: { ">=": [{ var: "capacityMw" }, 0.05] },
  parameters: {},
  severity: "BLOCK",
  mode: "BLOCKING",
  version: 1,
  productIds: ["5a000000-0000-4000-8000-00000000005a"],
  effectiveFrom: "2025-01-01T00:00:00Z",
  effectiveTo: null,
  documentRef: null,
};

let api: RulesApi;
beforeAll(async () => {
  api = await createRulesApi({ rules: [rule] });
});
afterAll(() => api?.stop());

describe("the stand-in SO rules API (CONTRACT.md)", () => {
  it("lists its rules, reads one by id (404 for another), and replaces one put again", async () => {
    expect(await (await fetch(`${api.url}/v1/rules`)).json()).toEqual({ rules: [rule] });
    expect(await (await fetch(`${api.url}/v1/rules/UKPN-SAOU-MIN-50KW`)).json()).toEqual(rule);
    expect((await fetch(`${api.url}/v1/rules/NOPE`)).status).toBe(404);
    api.put({ ...rule, version: 2 });
    expect(((await (await fetch(`${api.url}/v1/rules`)).json()) as { rules: ExternalRule[] }).rules.map((r) => r.version)).toEqual([2]);
  });

  it("answers 503 while down", async () => {
    api.setDown(true);
    expect((await fetch(`${api.url}/v1/rules`)).status).toBe(503);
    api.setDown(false);
  });
});
