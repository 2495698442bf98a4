/**
 * Market rules on asset changes (issue 11 item 2; domain §8.2 R-AST-7): a capacity change is evaluated once against the
 * ASSET_CHANGE rules by the real rules engine (in process). A change over R-AST-7's threshold (its parameter, 10% as
 * stack/src/demo/rules.ts seeds it) is written with the rule's warning, its ACTIVE units become
 * REASSESSMENT_REQUIRED (products told once, the unit ids batched) and the owner is sent a RULE_WARNING; a BLOCK rule
 * refuses with RULE_VIOLATION and writes nothing; with no route to the rules subgraph the change is refused
 * (UPSTREAM_UNAVAILABLE), never let through.
 */
import type { DatabaseHandle, DeliveredEvent, EntityReferences } from "@sfe/kit";
import { staticReferences } from "@sfe/kit";
import { as, countRows, execute, orgs, setUpSubgraph } from "@sfe/kit/testing";
import { inProcessRulesEngine } from "@sfe/rules/in-process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { createAssetsSubgraph, createRepositories } from "../src/server.js";
import { assetsSubgraph, mpan } from "./helpers.js";

const engine = inProcessRulesEngine([
  {
    code: "R-AST-7",
    subjectKind: "ASSET_CHANGE",
    expression: { "<=": [{ var: "capacityChangePct" }, { var: "params.thresholdPct" }] },
    parameters: { thresholdPct: 10 },
    severity: "WARN",
    mode: "NOTIFY",
  },
  // A BLOCK rule for the refusal: no asset grows past 5 MW here.
  { code: "TEST-MAX-5MW", subjectKind: "ASSET_CHANGE", expression: { "<=": [{ var: "newCapacityKw" }, 5000] } },
]);
const reassessments: unknown[] = [];
/** The products each unit is qualified or being assessed for, as the products subgraph would answer. */
const productsOf: Record<string, string[]> = {};
const events: DeliveredEvent[] = [];
const references: EntityReferences = staticReferences(
  { Organisation: [orgs.fspA, orgs.fspB] },
  {
    ...engine.routes,
    "products /internal/qualifications/products": (body: { subjectIds: string[] }) => ({
      status: 200,
      body: { subjects: body.subjectIds.map((subjectId) => ({ subjectId, productIds: productsOf[subjectId] ?? [] })) },
    }),
    "products /internal/market-units/reassessment": (body) => {
      reassessments.push(body);
      return { status: 200, body: { assessments: [] } };
    },
    "rules /internal/events": (body: { events: DeliveredEvent[] }) => {
      events.push(...body.events);
      return { status: 200, body: {} };
    },
  },
);

let handle: DatabaseHandle;
let repos: ReturnType<typeof createRepositories>;
let subgraph: ReturnType<typeof createAssetsSubgraph>;
const assetIds: string[] = [];

beforeAll(async () => {
  ({ handle, repos, subgraph } = await setUpSubgraph(assetsSubgraph, references));
  for (const serial of [1, 2, 3, 4, 5]) {
    const row = await repos.assets.create(
      {
        ownerId: orgs.fspA,
        name: `battery ${serial}`,
        categoryCode: "BESS",
        importCapacityKw: 500,
        exportCapacityKw: 500,
        meterPointId: mpan(12, 9100 + serial),
        gspGroup: serial <= 3 ? "_C" : "_A",
      },
      null,
    );
    assetIds.push(row.id);
  }
});
afterAll(() => handle.close());

const UPDATE = `mutation ($i: UpdateAssetInput!) { updateAsset(input: $i) { asset { id exportCapacityKw } warnings { ruleId message values } } }`;
const UNIT = `query ($id: ID!) { marketUnit(id: $id) { status } }`;
const unitStatus = async (id: string) => (await execute(subgraph, UNIT, { id }, as.fspA)).data?.marketUnit.status;

describe("R-AST-7: a material capacity change", () => {
  it("500 → 400 kW (−20%): written with the warning; the ACTIVE units need reassessment, products told once; the owner notified", async () => {
    const [first, second] = assetIds as [string, string];
    const active = await repos.marketUnits.create(
      { ownerId: orgs.fspA, name: "SPG-A", unitType: "SPG", status: "ACTIVE" },
      [first, second],
      null,
    );
    const also = await repos.marketUnits.create({ ownerId: orgs.fspA, name: "SPG-B", unitType: "SPG", status: "ACTIVE" }, [first], null);
    const draft = await repos.marketUnits.create({ ownerId: orgs.fspA, name: "SPG-C", unitType: "SPG", status: "DRAFT" }, [first], null);
    const result = await execute(subgraph, UPDATE, { i: { id: first, importCapacityKw: 400, exportCapacityKw: 400 } }, as.fspA);
    expect(result.errors).toBeUndefined();
    expect(result.data?.updateAsset.asset.exportCapacityKw).toBe(400);
    expect(result.data?.updateAsset.warnings).toEqual([
      {
        ruleId: "R-AST-7",
        message: expect.stringContaining("R-AST-7"),
        values: { capacityChangePct: 20, "params.thresholdPct": 10 },
      },
    ]);
    expect(await unitStatus(active.id)).toBe("REASSESSMENT_REQUIRED");
    expect(await unitStatus(also.id)).toBe("REASSESSMENT_REQUIRED");
    expect(await unitStatus(draft.id)).toBe("DRAFT");
    expect(reassessments).toEqual([{ marketUnitIds: [active.id, also.id].sort(), reason: expect.stringContaining("R-AST-7") }]);
    expect(events).toEqual([
      expect.objectContaining({
        type: "RULE_WARNING",
        subject: { type: "Asset", id: first },
        recipients: { users: [], organisations: [orgs.fspA] },
        source: "assets",
      }),
    ]);
    expect(engine.recorded.at(-1)).toMatchObject({ ruleCode: "TEST-MAX-5MW", subjectId: first, partyIds: [orgs.fspA] });
  });

  it("a change within the threshold (500 → 520 kW, +4%): written, no warning, no unit touched, nobody told", async () => {
    const third = assetIds[2] as string;
    const unit = await repos.marketUnits.create({ ownerId: orgs.fspA, name: "SPG-D", unitType: "SPG", status: "ACTIVE" }, [third], null);
    const [calls, told] = [reassessments.length, events.length];
    const result = await execute(subgraph, UPDATE, { i: { id: third, exportCapacityKw: 520 } }, as.fspA);
    expect(result.errors).toBeUndefined();
    expect(result.data?.updateAsset.warnings).toEqual([]);
    expect(await unitStatus(unit.id)).toBe("ACTIVE");
    expect([reassessments.length, events.length]).toEqual([calls, told]);
  });

  it("a BLOCK rule failed: RULE_VIOLATION naming it with the values compared; nothing written", async () => {
    const second = assetIds[1] as string;
    const audits = await countRows(handle, "assets.audit_events");
    const refused = await execute(subgraph, UPDATE, { i: { id: second, exportCapacityKw: 6000 } }, as.fspA);
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: "RULE_VIOLATION",
      rule: "TEST-MAX-5MW",
      rules: [{ code: "TEST-MAX-5MW", values: { newCapacityKw: 6000 } }],
      subjectKind: "ASSET_CHANGE",
      subject: { type: "Asset", id: second },
    });
    expect((await repos.assets.byIds([second]))[0]?.exportCapacityKw).toBe(500);
    expect(await countRows(handle, "assets.audit_events")).toBe(audits);
  });

  it("fail closed: no route to the rules subgraph refuses a capacity change (UPSTREAM_UNAVAILABLE); a rename needs no rules", async () => {
    const unwired = assetsSubgraph.createSubgraph({ db: handle.db, references: staticReferences({ Organisation: [orgs.fspA] }), repos });
    const second = assetIds[1] as string;
    const refused = await execute(unwired, UPDATE, { i: { id: second, importCapacityKw: 100, exportCapacityKw: 100 } }, as.fspA);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", subgraph: "rules" });
    const renamed = await execute(unwired, UPDATE, { i: { id: second, name: "battery two" } }, as.fspA);
    expect(renamed.errors).toBeUndefined();
    expect(renamed.data?.updateAsset.asset.exportCapacityKw).toBe(500);
  });

  it("another FSP's asset is NOT_FOUND, and nothing is evaluated for it", async () => {
    const evaluated = engine.recorded.length;
    const refused = await execute(subgraph, UPDATE, { i: { id: assetIds[0], exportCapacityKw: 100 } }, as.fspB);
    expect(refused.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect(engine.recorded.length).toBe(evaluated);
  });
});

describe("R-MU-2: a member outside a product's aggregation scope", () => {
  const QR = "9d0c0000-0000-4000-8000-0000000000a1";
  const SU = "9d0c0000-0000-4000-8000-0000000000a2";
  const ADD = `mutation ($i: MarketUnitMembersInput!) { addMarketUnitMembers(input: $i) {
    marketUnit { id status members { id } } warnings { ruleId values } } }`;
  const members = async (id: string) =>
    (await execute(subgraph, `query ($id: ID!) { marketUnit(id: $id) { members { id } } }`, { id }, as.fspA)).data?.marketUnit.members
      .length;
  beforeAll(() => {
    // As stack/src/demo/rules.ts seeds R-MU-2-PQR (BLOCK); a NOTIFY rule of the same shape on SU.
    engine.add({
      code: "R-MU-2-PQR",
      subjectKind: "MARKET_UNIT",
      productId: QR,
      expression: { "<=": [{ var: "memberGspGroupCount" }, 1] },
    });
    engine.add({
      code: "R-MU-2-SU",
      subjectKind: "MARKET_UNIT",
      productId: SU,
      expression: { "<=": [{ var: "memberGspGroupCount" }, 1] },
      severity: "WARN",
      mode: "NOTIFY",
    });
  });

  it("BLOCK: a unit qualified for Quick Reserve (one GSP group) refuses a member in _A: RULE_VIOLATION with the count, nothing written", async () => {
    const unit = await repos.marketUnits.create(
      { ownerId: orgs.fspA, name: "QR-1", unitType: "SPG", status: "ACTIVE" },
      [assetIds[2]!],
      null,
    );
    productsOf[unit.id] = [QR];
    const [audits, told] = [await countRows(handle, "assets.audit_events"), reassessments.length];
    const refused = await execute(subgraph, ADD, { i: { unitId: unit.id, assetIds: [assetIds[3]] } }, as.fspA);
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: "RULE_VIOLATION",
      rule: "R-MU-2-PQR",
      rules: [{ code: "R-MU-2-PQR", values: { memberGspGroupCount: 2 } }],
      subjectKind: "MARKET_UNIT",
      subject: { type: "MarketUnit", id: unit.id },
    });
    expect(await members(unit.id)).toBe(1);
    expect(await unitStatus(unit.id)).toBe("ACTIVE");
    expect(await countRows(handle, "assets.audit_events")).toBe(audits);
    expect(reassessments.length).toBe(told);
  });

  it("NOTIFY: the same change for a unit in SU is written with the warning, and the owner notified", async () => {
    const unit = await repos.marketUnits.create(
      { ownerId: orgs.fspA, name: "SU-1", unitType: "SPG", status: "DRAFT" },
      [assetIds[2]!],
      null,
    );
    productsOf[unit.id] = [SU];
    const added = await execute(subgraph, ADD, { i: { unitId: unit.id, assetIds: [assetIds[4]] } }, as.fspA);
    expect(added.errors).toBeUndefined();
    expect(added.data?.addMarketUnitMembers.marketUnit.members).toHaveLength(2);
    expect(added.data?.addMarketUnitMembers.warnings).toEqual([{ ruleId: "R-MU-2-SU", values: { memberGspGroupCount: 2 } }]);
    expect(events.at(-1)).toMatchObject({
      type: "RULE_WARNING",
      subject: { type: "MarketUnit", id: unit.id },
      recipients: { organisations: [orgs.fspA] },
    });
  });

  it("a unit in no product: no product rule applies; fail closed without a route to products or rules", async () => {
    const unit = await repos.marketUnits.create(
      { ownerId: orgs.fspA, name: "FREE-1", unitType: "SPG", status: "DRAFT" },
      [assetIds[0]!],
      null,
    );
    const unwired = assetsSubgraph.createSubgraph({ db: handle.db, references: staticReferences({ Organisation: [orgs.fspA] }), repos });
    const refused = await execute(unwired, ADD, { i: { unitId: unit.id, assetIds: [assetIds[3]] } }, as.fspA);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", subgraph: "products" });
    expect(await members(unit.id)).toBe(1);
    const added = await execute(subgraph, ADD, { i: { unitId: unit.id, assetIds: [assetIds[3]] } }, as.fspA);
    expect(added.data?.addMarketUnitMembers.warnings).toEqual([]);
  });
});
