/**
 * Market rules at the new points of action (issue 11 item 2), through the gateway with every subgraph real: an asset's
 * capacity change over R-AST-7's threshold is written with the rule's warning, its ACTIVE unit becomes
 * REASSESSMENT_REQUIRED, and the owner's inbox gets a RULE_WARNING notification (the rules subgraph's notifications);
 * a pre-qualification application blocked by a QUALIFICATION_APPLICATION rule is refused and stays a DRAFT; the
 * evaluations are read by the FSP concerned, not by a rival.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { activeBatteryUnit, codes, gql, gqlOk, startTestStack } from "./helpers.js";

let stack: Awaited<ReturnType<typeof startTestStack>>;
type Account = Awaited<ReturnType<typeof stack.signUp>>;
let louis: Account;
let rival: Account;
let unitId: string;
let assetIds: string[];

const RULE = `mutation ($i: CreateMarketRuleInput!) { createMarketRule(input: $i) { marketRule { id code } } }`;
const UPDATE = `mutation ($i: UpdateAssetInput!) { updateAsset(input: $i) { asset { id exportCapacityKw } warnings { ruleId values } } }`;
const EVALUATIONS = `query ($s: ID!) { ruleEvaluations(subjectId: $s) { ruleCode outcome subjectType } }`;

beforeAll(async () => {
  stack = await startTestStack();
  louis = await stack.signUp("louis@rule-points.test", "FSP", "Rule Points Flex Ltd");
  rival = await stack.signUp("rival@rule-points-other.test", "FSP", "Rule Points Other Ltd");
  ({ unitId, assetIds } = await activeBatteryUnit(stack.url, louis, "LOUIS-POINTS-01", [8301, 8302]));
  // R-AST-7 as stack/src/demo/rules.ts seeds it: market-wide, NOTIFY, the threshold its parameter.
  await gqlOk(
    stack.url,
    RULE,
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
}, 180_000);
afterAll(() => stack?.stop());

describe("R-AST-7 through the gateway", () => {
  it("1000 → 750 kW: written with the warning, the unit REASSESSMENT_REQUIRED, a RULE_WARNING in the owner's inbox", async () => {
    const [assetId] = assetIds as [string];
    const updated = await gqlOk(stack.url, UPDATE, { i: { id: assetId, importCapacityKw: 750, exportCapacityKw: 750 } }, louis.as);
    expect(updated.updateAsset.asset.exportCapacityKw).toBe(750);
    expect(updated.updateAsset.warnings).toEqual([{ ruleId: "R-AST-7", values: { capacityChangePct: 25, "params.thresholdPct": 10 } }]);
    const unit = await gqlOk(stack.url, `query ($id: ID!) { marketUnit(id: $id) { status } }`, { id: unitId }, louis.as);
    expect(unit.marketUnit.status).toBe("REASSESSMENT_REQUIRED");
    const INBOX = `{ notifications(type: "RULE_WARNING") { type title subject { type id } } }`;
    // Relayed from assets' outbox once the change committed: it arrives within the relay's interval.
    await vi.waitFor(
      async () =>
        expect((await gqlOk(stack.url, INBOX, {}, louis.as)).notifications).toEqual([
          { type: "RULE_WARNING", title: expect.stringContaining("R-AST-7"), subject: { type: "Asset", id: assetId } },
        ]),
      { timeout: 20_000, interval: 200 },
    );
    expect((await gqlOk(stack.url, INBOX, {}, rival.as)).notifications).toEqual([]);
    expect((await gqlOk(stack.url, EVALUATIONS, { s: assetId }, louis.as)).ruleEvaluations).toEqual([
      { ruleCode: "R-AST-7", outcome: "WARN", subjectType: "Asset" },
    ]);
    expect((await gqlOk(stack.url, EVALUATIONS, { s: assetId }, rival.as)).ruleEvaluations).toEqual([]);
  });

  it("a rival's capacity change of Louis's asset is NOT_FOUND (nothing evaluated)", async () => {
    const [, other] = assetIds as [string, string];
    const refused = await gql(stack.url, UPDATE, { i: { id: other, exportCapacityKw: 100 } }, rival.as);
    expect(codes(refused)).toEqual(["NOT_FOUND"]);
    expect((await gqlOk(stack.url, EVALUATIONS, { s: other }, louis.as)).ruleEvaluations).toEqual([]);
  });
});
