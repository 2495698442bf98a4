/**
 * A member change of an ACTIVE market unit makes it REASSESSMENT_REQUIRED: after the commit the assets subgraph tells
 * the products subgraph (POST /internal/market-units/reassessment), whose qualifications of the unit then need
 * reassessment. A DRAFT unit's change tells nobody; a products subgraph that cannot be told does not undo the change.
 */
import type { DatabaseHandle, EntityReferences } from "@sfe/kit";
import { staticReferences } from "@sfe/kit";
import { as, execute, orgs, setUpSubgraph } from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { createAssetsSubgraph, createRepositories } from "../src/server.js";
import { assetsSubgraph, mpan, ruleRoutes } from "./helpers.js";

const calls: { subgraph: string; path: string; payload: unknown }[] = [];
let failing = false;
// The member change's market rules: the real engine with no rule in force (helpers.ts ruleRoutes).
const rules = staticReferences({}, ruleRoutes().routes);
const references: EntityReferences = {
  ...staticReferences({ Organisation: [orgs.fspA] }),
  async call<T>(subgraph: string, path: string, payload: unknown) {
    if (path !== "/internal/market-units/reassessment") return rules.call!<T>(subgraph, path, payload);
    calls.push({ subgraph, path, payload });
    if (failing) throw new Error("products is down");
    return { status: 200, body: { assessments: [] } as T };
  },
};

let handle: DatabaseHandle;
let repos: ReturnType<typeof createRepositories>;
let subgraph: ReturnType<typeof createAssetsSubgraph>;
const assetIds: string[] = [];

beforeAll(async () => {
  ({ handle, repos, subgraph } = await setUpSubgraph(assetsSubgraph, references));
  for (const serial of [1, 2, 3, 4]) {
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

describe("telling products that a unit needs reassessment", () => {
  it("a DRAFT unit's member change tells nobody; an ACTIVE one's tells products once, after the commit", async () => {
    const unit = await repos.marketUnits.create(
      { ownerId: orgs.fspA, name: "SPG-1", unitType: "SPG", status: "DRAFT" },
      assetIds.slice(0, 2),
      null,
    );
    const added = await execute(subgraph, ADD, { i: { unitId: unit.id, assetIds: [assetIds[2]] } }, as.fspA);
    expect(added.data?.addMarketUnitMembers.marketUnit.status).toBe("DRAFT");
    expect(calls).toEqual([]);

    await repos.marketUnits.update(unit.id, { status: "ACTIVE" }, () => {}, null);
    const removed = await execute(subgraph, REMOVE, { i: { unitId: unit.id, assetIds: [assetIds[2]] } }, as.fspA);
    expect(removed.data?.removeMarketUnitMembers.marketUnit.status).toBe("REASSESSMENT_REQUIRED");
    expect(calls).toEqual([{ subgraph: "products", path: "/internal/market-units/reassessment", payload: { marketUnitIds: [unit.id] } }]);
  });

  it("a products subgraph that cannot be told leaves the change standing (logged)", async () => {
    const unit = await repos.marketUnits.create(
      { ownerId: orgs.fspA, name: "SPG-2", unitType: "SPG", status: "ACTIVE" },
      assetIds.slice(0, 2),
      null,
    );
    failing = true;
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const added = await execute(subgraph, ADD, { i: { unitId: unit.id, assetIds: [assetIds[3]] } }, as.fspA);
      expect(added.errors).toBeUndefined();
      expect(added.data?.addMarketUnitMembers.marketUnit.status).toBe("REASSESSMENT_REQUIRED");
      expect(logged).toHaveBeenCalledOnce();
    } finally {
      failing = false;
      logged.mockRestore();
    }
    expect(calls.at(-1)?.payload).toEqual({ marketUnitIds: [unit.id] });
  });
});
