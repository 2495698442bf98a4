import { type DatabaseHandle, IDENTITY_HEADER, type RunningSubgraph, staticReferences, startSubgraph } from "@sfe/kit";
import { as, execute, orgs, setUpSubgraph, testGateway } from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { METER_POINTS_PATH } from "../src/modules/assets/meter-points.js";
import { createAssetsSubgraph } from "../src/server.js";
import { assetsSubgraph, mpan } from "./helpers.js";

/**
 * `POST /internal/assets/meter-points`: a meter point (MPAN) → its asset and owner, as the caller may see it; another
 * organisation's meter point is only "registered"; an unknown one null. Many in one call, in the order asked.
 */
const { fspA: OWNER, fspB: OTHER } = orgs;
const MINE = mpan(12, 7001);
const THEIRS = mpan(12, 7002);
const UNKNOWN = mpan(12, 7003);

let handle: DatabaseHandle;
let running: RunningSubgraph;
const ids: Record<string, string> = {};

beforeAll(async () => {
  const references = staticReferences({ Organisation: [OWNER, OTHER] });
  ({ handle } = await setUpSubgraph(assetsSubgraph, references));
  const subgraph = createAssetsSubgraph({ db: handle.db, references, verifier: testGateway.verifier("assets") });
  running = await startSubgraph(subgraph, { port: 0, host: "127.0.0.1", verifier: testGateway.verifier("assets") });
  for (const [meterPointId, ownerId, identity] of [
    [MINE, OWNER, as.fspA],
    [THEIRS, OTHER, as.fspB],
  ] as const) {
    const result = await execute(
      subgraph,
      `mutation ($input: RegisterAssetInput!) { registerAsset(input: $input) { asset { id } } }`,
      {
        input: {
          ownerId,
          name: `battery ${meterPointId}`,
          categoryCode: "BESS",
          importCapacityKw: 500,
          exportCapacityKw: 500,
          energyCapacityKwh: 1000,
          meterPointId,
        },
      },
      identity,
    );
    expect(result.errors).toBeUndefined();
    ids[meterPointId] = (result.data as any).registerAsset.asset.id;
  }
});
afterAll(async () => {
  await running?.stop();
  await handle?.close();
});

async function post(body: unknown, identity: Parameters<typeof testGateway.headers>[1], headers?: Record<string, string>) {
  const response = await fetch(running.url.replace(/\/graphql$/, METER_POINTS_PATH), {
    method: "POST",
    headers: headers ?? { "content-type": "application/json", ...(await testGateway.headers("assets", identity)) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

describe("assets by meter point", () => {
  it("answers the caller's own asset, only 'registered' for another organisation's, null for an unknown one, in order", async () => {
    // Spaces in an MPAN are dropped, as registerAsset drops them.
    const spaced = `${MINE.slice(0, 4)} ${MINE.slice(4)}`;
    expect(await post({ meterPointIds: [THEIRS, UNKNOWN, spaced, MINE] }, as.fspA)).toEqual({
      status: 200,
      body: {
        assets: [
          { meterPointId: THEIRS, registered: true },
          null,
          { meterPointId: MINE, assetId: ids[MINE], ownerId: OWNER },
          { meterPointId: MINE, assetId: ids[MINE], ownerId: OWNER },
        ],
      },
    });
    // The other FSP sees the mirror image; an administrator sees both owners.
    expect((await post({ meterPointIds: [MINE, THEIRS] }, as.fspB)).body.assets).toEqual([
      { meterPointId: MINE, registered: true },
      { meterPointId: THEIRS, assetId: ids[THEIRS], ownerId: OTHER },
    ]);
    expect((await post({ meterPointIds: [MINE, THEIRS] }, as.admin)).body.assets).toEqual([
      { meterPointId: MINE, assetId: ids[MINE], ownerId: OWNER },
      { meterPointId: THEIRS, assetId: ids[THEIRS], ownerId: OTHER },
    ]);
  });

  it("refuses a malformed body (400) and a caller without the gateway's token (401)", async () => {
    for (const body of [{}, { meterPointIds: [7] }, { meterPointIds: Array(5001).fill(MINE) }]) {
      const answer = await post(body, as.admin);
      expect(answer.status).toBe(400);
      expect(JSON.stringify(answer.body)).toMatch(/BAD_USER_INPUT/);
    }
    const forged = await post({ meterPointIds: [MINE] }, null, { "content-type": "application/json", [IDENTITY_HEADER]: "forged" });
    expect(forged.status).toBe(401);
  });
});
