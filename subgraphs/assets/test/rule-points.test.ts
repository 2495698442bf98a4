/**
 * Market rules on asset changes (issue 11 item 2; domain §8.2 R-AST-7): a capacity change is evaluated once against the
 * ASSET_CHANGE rules by the real rules engine (in process). A change over R-AST-7's threshold (its parameter, 10% as
 * stack/src/demo/rules.ts seeds it) is written with the rule's warning, its ACTIVE units become
 * REASSESSMENT_REQUIRED (products told once, the unit ids batched) and the owner is sent a RULE_WARNING; a BLOCK rule
 * refuses with RULE_VIOLATION and writes nothing; with no route to the rules subgraph the change is refused
 * (UPSTREAM_UNAVAILABLE), never let through. A RULE_WARNING is recorded in assets' outbox with its write and relayed
 * to rules' /internal/events: never for a write that rolled back, and retried while rules refuses it.
 */
import type { DatabaseHandle, DeliveredEvent, EntityReferences } from "@sfe/kit";
import { staticReferences } from "@sfe/kit";
import { as, countRows, execute, orgs, setUpSubgraph } from "@sfe/kit/testing";
import { inProcessRulesEngine } from "@sfe/rules/in-process";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { outboxEvents } from "../src/db/schema.js";
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
/** While above 0, rules' /internal/events refuses (503) that many more deliveries: the relay must try again. */
let eventsRefused = 0;
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
      if (eventsRefused > 0) {
        eventsRefused--;
        return { status: 503, body: { error: "down" } };
      }
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
afterAll(async () => {
  await subgraph.close();
  await handle.close();
});

/** The RULE_WARNINGs relayed about `id`, once the relay delivered `count` of them. */
const delivered = async (id: string, count = 1) => {
  await vi.waitFor(() => expect(events.filter((e) => e.subject.id === id)).toHaveLength(count), { timeout: 20_000, interval: 50 });
  return events.filter((e) => e.subject.id === id);
};
const outboxOf = (id: string) => handle.db.select().from(outboxEvents).where(eq(outboxEvents.subjectId, id));

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
    // Through the outbox: the event recorded with the change, relayed to products once it committed.
    await vi.waitFor(
      () => expect(reassessments).toEqual([{ marketUnitIds: [active.id, also.id].sort(), reason: expect.stringContaining("R-AST-7") }]),
      { timeout: 20_000, interval: 50 },
    );
    expect(await delivered(first)).toEqual([
      expect.objectContaining({
        type: "RULE_WARNING",
        subject: { type: "Asset", id: first },
        recipients: { users: [], organisations: [orgs.fspA] },
        payload: expect.objectContaining({ warnings: result.data?.updateAsset.warnings }),
        source: "assets",
      }),
    ]);
    expect(engine.recorded.at(-1)).toMatchObject({ ruleCode: "TEST-MAX-5MW", subjectId: first, partyIds: [orgs.fspA] });
  });

  it("a change within the threshold (500 → 520 kW, +4%): written, no warning, no unit touched, nobody told", async () => {
    const third = assetIds[2] as string;
    const unit = await repos.marketUnits.create({ ownerId: orgs.fspA, name: "SPG-D", unitType: "SPG", status: "ACTIVE" }, [third], null);
    const calls = reassessments.length;
    const result = await execute(subgraph, UPDATE, { i: { id: third, exportCapacityKw: 520 } }, as.fspA);
    expect(result.errors).toBeUndefined();
    expect(result.data?.updateAsset.warnings).toEqual([]);
    expect(await unitStatus(unit.id)).toBe("ACTIVE");
    expect(reassessments.length).toBe(calls);
    expect(await outboxOf(third)).toEqual([]);
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
    expect(await outboxOf(second)).toEqual([]);
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
    expect(await delivered(unit.id)).toEqual([
      expect.objectContaining({
        type: "RULE_WARNING",
        subject: { type: "MarketUnit", id: unit.id },
        recipients: { users: [], organisations: [orgs.fspA] },
      }),
    ]);
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

describe("R-MU-2 on a unit's creation and on a member's removal", () => {
  const QR = "9d0c0000-0000-4000-8000-0000000000a1"; // R-MU-2-PQR (BLOCK over one GSP group), added above
  const SU = "9d0c0000-0000-4000-8000-0000000000a2"; // R-MU-2-SU (NOTIFY over one GSP group)
  const CREATE = `mutation ($i: CreateMarketUnitInput!) { createMarketUnit(input: $i) { marketUnit { id members { id } } warnings { ruleId values } } }`;
  const REMOVE = `mutation ($i: MarketUnitMembersInput!) { removeMarketUnitMembers(input: $i) {
    marketUnit { id members { id } } warnings { ruleId values } } }`;
  const spread: Record<string, string> = {};
  beforeAll(async () => {
    for (const [serial, group] of [
      [1, "_B"],
      [2, "_D"],
      [3, "_E"],
    ] as const) {
      const row = await repos.assets.create(
        {
          ownerId: orgs.fspA,
          name: `spread ${group}`,
          categoryCode: "BESS",
          importCapacityKw: 100,
          exportCapacityKw: 100,
          meterPointId: mpan(12, 9300 + serial),
          gspGroup: group,
        },
        null,
      );
      spread[group] = row.id;
    }
    // Rules for every product (none named): a unit over three GSP groups is flagged, over four refused.
    engine.add({
      code: "TEST-MU-SPREAD",
      subjectKind: "MARKET_UNIT",
      expression: { "<=": [{ var: "memberGspGroupCount" }, 2] },
      severity: "WARN",
      mode: "NOTIFY",
    });
    engine.add({ code: "TEST-MU-MAX", subjectKind: "MARKET_UNIT", expression: { "<=": [{ var: "memberGspGroupCount" }, 3] } });
  });
  it("creation, BLOCK: members in four GSP groups are refused (RULE_VIOLATION with the count), no unit written", async () => {
    const evaluated = engine.recorded.length;
    const refused = await execute(
      subgraph,
      CREATE,
      { i: { ownerId: orgs.fspA, name: "WIDE", unitType: "SPG", assetIds: [assetIds[0], assetIds[3], spread._B, spread._D] } },
      as.fspA,
    );
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: "RULE_VIOLATION",
      rule: "TEST-MU-MAX",
      rules: [{ code: "TEST-MU-MAX", values: { memberGspGroupCount: 4 } }],
      subjectKind: "MARKET_UNIT",
    });
    expect(await countRows(handle, "assets.market_units where name = 'WIDE'")).toBe(0);
    // A new unit is in no product yet: only the rules for every product applied (products was not asked).
    expect(new Set(engine.recorded.slice(evaluated).map((e) => e.ruleCode))).toEqual(new Set(["TEST-MU-SPREAD", "TEST-MU-MAX"]));
  });

  it("creation, NOTIFY: three GSP groups are written with the warning; the evaluation's subject is the unit written", async () => {
    const created = await execute(
      subgraph,
      CREATE,
      { i: { ownerId: orgs.fspA, name: "WIDE-3", unitType: "SPG", assetIds: [assetIds[0], assetIds[3], spread._B] } },
      as.fspA,
    );
    expect(created.errors).toBeUndefined();
    const { marketUnit, warnings } = created.data?.createMarketUnit ?? {};
    expect(marketUnit.members).toHaveLength(3);
    expect(warnings).toEqual([{ ruleId: "TEST-MU-SPREAD", values: { memberGspGroupCount: 3 } }]);
    expect(engine.recorded.at(-1)).toMatchObject({ subjectId: marketUnit.id, partyIds: [orgs.fspA] });
    expect(await delivered(marketUnit.id)).toEqual([expect.objectContaining({ type: "RULE_WARNING", source: "assets" })]);
  });

  it("removal: the unit as it would be is evaluated — still two groups for QR is refused, one group is let through", async () => {
    const unit = await repos.marketUnits.create(
      { ownerId: orgs.fspA, name: "QR-2", unitType: "SPG", status: "DRAFT" },
      [assetIds[1]!, assetIds[2]!, spread._D!, spread._E!],
      null,
    );
    productsOf[unit.id] = [QR];
    const audits = await countRows(handle, "assets.audit_events");
    const refused = await execute(subgraph, REMOVE, { i: { unitId: unit.id, assetIds: [spread._E] } }, as.fspA);
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: "RULE_VIOLATION",
      rules: [{ code: "R-MU-2-PQR", values: { memberGspGroupCount: 2 } }],
      subject: { type: "MarketUnit", id: unit.id },
    });
    expect(await countRows(handle, "assets.audit_events")).toBe(audits);
    const removed = await execute(subgraph, REMOVE, { i: { unitId: unit.id, assetIds: [spread._D, spread._E] } }, as.fspA);
    expect(removed.errors).toBeUndefined();
    expect(removed.data?.removeMarketUnitMembers.marketUnit.members).toHaveLength(2);
    expect(removed.data?.removeMarketUnitMembers.warnings).toEqual([]);
  });

  it("removal, NOTIFY: a unit in SU left in two groups is changed with the warning and the owner told", async () => {
    const unit = await repos.marketUnits.create(
      { ownerId: orgs.fspA, name: "SU-2", unitType: "SPG", status: "DRAFT" },
      [assetIds[2]!, spread._D!, spread._E!],
      null,
    );
    productsOf[unit.id] = [SU];
    const removed = await execute(subgraph, REMOVE, { i: { unitId: unit.id, assetIds: [spread._E] } }, as.fspA);
    expect(removed.errors).toBeUndefined();
    expect(removed.data?.removeMarketUnitMembers.warnings).toEqual([{ ruleId: "R-MU-2-SU", values: { memberGspGroupCount: 2 } }]);
    expect(await delivered(unit.id)).toEqual([expect.objectContaining({ subject: { type: "MarketUnit", id: unit.id } })]);
  });

  it("removal fails closed: no route to products or rules refuses it (UPSTREAM_UNAVAILABLE), the member stays", async () => {
    const unit = await repos.marketUnits.create(
      { ownerId: orgs.fspA, name: "FREE-2", unitType: "SPG", status: "DRAFT" },
      [assetIds[2]!, spread._D!],
      null,
    );
    const unwired = assetsSubgraph.createSubgraph({ db: handle.db, references: staticReferences({ Organisation: [orgs.fspA] }), repos });
    const refused = await execute(unwired, REMOVE, { i: { unitId: unit.id, assetIds: [spread._D] } }, as.fspA);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", subgraph: "products" });
    const created = await execute(
      unwired,
      CREATE,
      { i: { ownerId: orgs.fspA, name: "FREE-3", unitType: "SPG", assetIds: [spread._D, spread._E] } },
      as.fspA,
    );
    expect(created.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", subgraph: "rules" });
  });

  it("another FSP cannot remove a member of A's unit (NOT_FOUND), and nothing is evaluated for it", async () => {
    const unit = await repos.marketUnits.create(
      { ownerId: orgs.fspA, name: "A-ONLY", unitType: "SPG", status: "DRAFT" },
      [assetIds[2]!, spread._D!],
      null,
    );
    const evaluated = engine.recorded.length;
    const refused = await execute(subgraph, REMOVE, { i: { unitId: unit.id, assetIds: [spread._D] } }, as.fspB);
    expect(refused.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect(engine.recorded.length).toBe(evaluated);
  });
});

describe("RULE_WARNING through assets' outbox", () => {
  const asset = async (serial: number) =>
    (
      await repos.assets.create(
        {
          ownerId: orgs.fspA,
          name: `outbox battery ${serial}`,
          categoryCode: "BESS",
          importCapacityKw: 500,
          exportCapacityKw: 500,
          meterPointId: mpan(12, 9200 + serial),
          gspGroup: "_C",
        },
        null,
      )
    ).id;

  it("a write that rolls back at its commit (after the event was recorded) leaves no event and sends nothing", async () => {
    const id = await asset(1);
    // Refuses the commit of any transaction that renamed an asset "roll back": the whole write is undone, event included.
    await handle.db.execute(
      sql.raw(`create function assets.test_refuse_commit() returns trigger language plpgsql as $$
        begin if new.name = 'roll back' then raise exception 'refused at commit'; end if; return new; end $$`),
    );
    await handle.db.execute(
      sql.raw(`create constraint trigger test_refuse_commit after update on assets.assets deferrable initially deferred
        for each row execute function assets.test_refuse_commit()`),
    );
    try {
      const audits = await countRows(handle, "assets.audit_events");
      const refused = await execute(subgraph, UPDATE, { i: { id, name: "roll back", exportCapacityKw: 800 } }, as.fspA);
      expect(refused.errors?.[0]?.extensions?.code).toBe("INTERNAL_SERVER_ERROR");
      const [row] = await repos.assets.byIds([id]);
      expect([row?.name, row?.exportCapacityKw]).toEqual(["outbox battery 1", 500]);
      expect(await countRows(handle, "assets.audit_events")).toBe(audits);
      expect(await outboxOf(id)).toEqual([]);
      // The same change committed: its warning is relayed (so the refused one was not merely slow).
      const written = await execute(subgraph, UPDATE, { i: { id, name: "kept", exportCapacityKw: 800 } }, as.fspA);
      expect(written.data?.updateAsset.warnings).toHaveLength(1);
      expect(await delivered(id)).toHaveLength(1);
    } finally {
      await handle.db.execute(sql.raw("drop trigger test_refuse_commit on assets.assets"));
      await handle.db.execute(sql.raw("drop function assets.test_refuse_commit()"));
    }
  });

  it("a committed write's event is delivered though rules refuses it at first: retried, delivered once", async () => {
    const id = await asset(2);
    eventsRefused = 2;
    const result = await execute(subgraph, UPDATE, { i: { id, exportCapacityKw: 800 } }, as.fspA);
    expect(result.errors).toBeUndefined();
    expect(result.data?.updateAsset.warnings).toEqual([expect.objectContaining({ ruleId: "R-AST-7" })]);
    const [event] = await delivered(id);
    expect(event).toMatchObject({ type: "RULE_WARNING", subject: { type: "Asset", id }, source: "assets" });
    expect(eventsRefused).toBe(0);
    // The relay marks the row delivered after the rules subgraph has answered: wait for that mark, not the POST.
    const row = await vi.waitFor(
      async () => {
        const [marked] = await outboxOf(id);
        expect(marked?.deliveredAt).toBeInstanceOf(Date);
        return marked;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(row).toMatchObject({ id: event?.id, attempts: 3, lastError: null });
  });
});
