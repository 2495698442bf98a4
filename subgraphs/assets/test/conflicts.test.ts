/**
 * Conflict.assets (D18): the rules subgraph records a conflict's asset ids; this subgraph answers the
 * assets among them that the caller may see, leaving the others out instead of nulling the list.
 */
import { type DatabaseHandle, staticReferences } from "@sfe/kit";
import { execute, orgs, setUpSubgraph, testIdentity } from "@sfe/kit/testing";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import type { createAssetsSubgraph, createRepositories } from "../src/server.js";
import { assetsSubgraph, mpan } from "./helpers.js";

const { fspA: ORG_A, fspB: ORG_B } = orgs;
let handle: DatabaseHandle;
let repos: ReturnType<typeof createRepositories>;
let subgraph: ReturnType<typeof createAssetsSubgraph>;
const ids: Record<string, string> = {};

beforeAll(async () => {
  ({ handle, repos, subgraph } = await setUpSubgraph(assetsSubgraph, staticReferences({ Organisation: [ORG_A, ORG_B] })));
  for (const [key, owner, serial] of [
    ["a1", ORG_A, 1],
    ["a2", ORG_A, 2],
    ["b1", ORG_B, 3],
  ] as const) {
    const row = await repos.assets.create(
      {
        ownerId: owner,
        name: key,
        categoryCode: "BESS",
        importCapacityKw: 10,
        exportCapacityKw: 10,
        energyCapacityKwh: 20,
        gspGroup: "_C",
        meterPointId: mpan(12, serial),
        status: "REGISTERED",
      },
      null,
    );
    ids[key] = row.id;
  }
});
afterAll(() => handle.close());

const ENTITIES = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Conflict { id assets { id name } } } }`;
const conflict = (id: string, assetIds: string[]) => ({ __typename: "Conflict", id, assetIds });

it("gives each caller the conflict's assets it may see, in one batched read for many conflicts", async () => {
  const spy = vi.spyOn(repos.assets, "byIds");
  const representations = [conflict("c1", [ids.a1!, ids.b1!]), conflict("c2", [ids.b1!]), conflict("c3", [ids.a2!, ids.a1!])];
  const asA = await execute(subgraph, ENTITIES, { r: representations }, testIdentity({ roles: ["FSP"], organisationId: ORG_A }));
  expect(asA.errors).toBeUndefined();
  expect(asA.data?._entities).toEqual([
    { id: "c1", assets: [{ id: ids.a1, name: "a1" }] },
    { id: "c2", assets: [] },
    {
      id: "c3",
      assets: [
        { id: ids.a2, name: "a2" },
        { id: ids.a1, name: "a1" },
      ],
    },
  ]);
  expect(spy).toHaveBeenCalledTimes(1);
  const asAdmin = await execute(subgraph, ENTITIES, { r: representations.slice(0, 1) }, testIdentity({ roles: ["ADMIN"] }));
  expect(asAdmin.data?._entities[0].assets.map((a: { id: string }) => a.id)).toEqual([ids.a1, ids.b1]);
  const anonymous = await execute(subgraph, ENTITIES, { r: representations.slice(0, 1) }, null);
  expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
});
