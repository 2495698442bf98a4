/**
 * A member change of an ACTIVE market unit makes it REASSESSMENT_REQUIRED and records, in the same transaction, an
 * outbox event that the relay hands to the products subgraph (POST /internal/market-units/reassessment), whose
 * qualifications of the unit then need reassessment. A DRAFT unit's change records nothing; while products cannot be
 * told the event stays in the outbox and is delivered once it can (nothing lost); a change that is refused records none.
 */
import type { DatabaseHandle, EntityReferences, Identity } from "@sfe/kit";
import { scopeIdentity, staticReferences } from "@sfe/kit";
import { as, execute, orgs, setUpSubgraph } from "@sfe/kit/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { outboxEvents } from "../src/db/schema.js";
import { UNIT_REASSESSMENT_EVENT } from "../src/modules/market-units/reassessment.js";
import type { createAssetsSubgraph, createRepositories } from "../src/server.js";
import { assetsSubgraph, mpan, ruleRoutes } from "./helpers.js";

const calls: { subgraph: string; path: string; payload: unknown; as: Identity | null }[] = [];
/** While above 0, products refuses (503) that many more calls; -1: products unreachable until set otherwise. */
let refusals = 0;
// The member change's market rules: the real engine with no rule in force (helpers.ts ruleRoutes).
const rules = staticReferences({}, ruleRoutes().routes);
const references: EntityReferences = {
  ...staticReferences({ Organisation: [orgs.fspA] }),
  async call<T>(subgraph: string, path: string, payload: unknown) {
    if (path !== "/internal/market-units/reassessment") return rules.call!<T>(subgraph, path, payload);
    calls.push({ subgraph, path, payload, as: scopeIdentity() });
    if (refusals === -1) throw new Error("products is down");
    if (refusals > 0) {
      refusals--;
      return { status: 503, body: null as T };
    }
    return { status: 200, body: { assessments: [] } as T };
  },
};

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
        importCapacityKw: 100,
        exportCapacityKw: 100,
        meterPointId: mpan(12, 9000 + serial),
        gspGroup: "_C",
      },
      null,
    );
    assetIds.push(row.id);
  }
});
afterAll(() => handle.close());

const ADD = `mutation ($i: MarketUnitMembersInput!) { addMarketUnitMembers(input: $i) { marketUnit { id status } } }`;
const REMOVE = `mutation ($i: MarketUnitMembersInput!) { removeMarketUnitMembers(input: $i) { marketUnit { id status } } }`;
const eventsOf = (unitId: string) =>
  handle.db
    .select()
    .from(outboxEvents)
    .where(eq(outboxEvents.subjectId, unitId))
    .then((rows) => rows.filter((row) => row.type === UNIT_REASSESSMENT_EVENT));
const callsFor = (unitId: string) => calls.filter((c) => (c.payload as { marketUnitIds: string[] }).marketUnitIds.includes(unitId));

describe("telling products that a unit needs reassessment, through the outbox", () => {
  it("a DRAFT unit's member change records nothing; an ACTIVE one's one event, delivered once, as the changer", async () => {
    const unit = await repos.marketUnits.create(
      { ownerId: orgs.fspA, name: "SPG-1", unitType: "SPG", status: "DRAFT" },
      assetIds.slice(0, 2),
      null,
    );
    const added = await execute(subgraph, ADD, { i: { unitId: unit.id, assetIds: [assetIds[2]] } }, as.fspA);
    expect(added.data?.addMarketUnitMembers.marketUnit.status).toBe("DRAFT");
    expect(await eventsOf(unit.id)).toEqual([]);

    await repos.marketUnits.update(unit.id, { status: "ACTIVE" }, () => {}, null);
    const removed = await execute(subgraph, REMOVE, { i: { unitId: unit.id, assetIds: [assetIds[2]] } }, as.fspA);
    expect(removed.data?.removeMarketUnitMembers.marketUnit.status).toBe("REASSESSMENT_REQUIRED");
    const [event, ...more] = await eventsOf(unit.id);
    expect(more).toEqual([]);
    expect(event).toMatchObject({ recipients: { users: [], organisations: [orgs.fspA] } });
    await vi.waitFor(async () => expect((await eventsOf(unit.id))[0]?.deliveredAt).not.toBeNull(), { timeout: 20_000, interval: 50 });
    expect(callsFor(unit.id).map(({ subgraph, path, payload }) => ({ subgraph, path, payload }))).toEqual([
      { subgraph: "products", path: "/internal/market-units/reassessment", payload: { marketUnitIds: [unit.id] } },
    ]);
    // Products asks assets back for the unit's status as the caller: the relay calls as the one who changed it.
    expect(callsFor(unit.id)[0]?.as).toMatchObject({ organisationId: orgs.fspA, roles: ["FSP"] });
  });

  it("while products is down or refuses, the change stands and the event stays in the outbox; delivered once products is back", async () => {
    const unit = await repos.marketUnits.create(
      { ownerId: orgs.fspA, name: "SPG-2", unitType: "SPG", status: "ACTIVE" },
      assetIds.slice(0, 2),
      null,
    );
    refusals = -1;
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const added = await execute(subgraph, ADD, { i: { unitId: unit.id, assetIds: [assetIds[3]] } }, as.fspA);
      expect(added.errors).toBeUndefined();
      expect(added.data?.addMarketUnitMembers.marketUnit.status).toBe("REASSESSMENT_REQUIRED");
      // Tried and failed twice, and still waiting (products is down the whole time): not delivered, not dropped.
      await vi.waitFor(() => expect(callsFor(unit.id).length).toBeGreaterThanOrEqual(2), { timeout: 20_000, interval: 50 });
      const [waiting] = await eventsOf(unit.id);
      expect(waiting).toMatchObject({ deliveredAt: null, lastError: "products is down" });
      expect(waiting!.attempts).toBeGreaterThanOrEqual(2);
      // Back, but refusing once (503): retried again, then accepted.
      refusals = 1;
      await vi.waitFor(async () => expect((await eventsOf(unit.id))[0]?.deliveredAt).not.toBeNull(), { timeout: 30_000, interval: 50 });
    } finally {
      refusals = 0;
      logged.mockRestore();
    }
    expect(refusals).toBe(0); // the 503 was answered before the accepted call
    expect(callsFor(unit.id).length).toBeGreaterThanOrEqual(4); // down twice or more, the 503, the accepted one
    expect(callsFor(unit.id).at(-1)?.payload).toEqual({ marketUnitIds: [unit.id] });
  });

  it("a refused member change records no event", async () => {
    const unit = await repos.marketUnits.create(
      { ownerId: orgs.fspA, name: "SPG-3", unitType: "SPG", status: "ACTIVE" },
      [assetIds[4]!],
      null,
    );
    const refused = await execute(subgraph, ADD, { i: { unitId: unit.id, assetIds: [assetIds[4]] } }, as.fspA);
    expect(refused.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT"); // already a member
    expect(await eventsOf(unit.id)).toEqual([]);
  });
});
