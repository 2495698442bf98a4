import { type DatabaseHandle, IDENTITY_HEADER, type RunningSubgraph, staticReferences, startSubgraph } from "@sfe/kit";
import { execute, orgs, setUpSubgraph, testGateway, testIdentity } from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVICE_AREAS_PATH, serviceAreas } from "../src/modules/zones/routes.js";
import { createProductsSubgraph } from "../src/server.js";
import { productsSubgraph } from "./helpers.js";

/**
 * `POST /internal/service-areas`: a system operator's area is the GSP groups of the zones it operates plus the
 * locations of its PUBLISHED or SUSPENDED products (GB: the whole of GB); drafts never widen it. Many SOs in one call.
 */
const { soA: UKPN, soB: NESO, unverifiedSo: NGED, fspA } = orgs;
const ADMIN = testIdentity({ roles: ["ADMIN"] });

let handle: DatabaseHandle;
let running: RunningSubgraph;

beforeAll(async () => {
  const references = staticReferences({ Organisation: [UKPN, NESO, NGED, fspA] });
  ({ handle } = await setUpSubgraph(productsSubgraph, references));
  const subgraph = createProductsSubgraph({ db: handle.db, references, verifier: testGateway.verifier("products") });
  running = await startSubgraph(subgraph, { port: 0, host: "127.0.0.1", verifier: testGateway.verifier("products") });
  const run = async (query: string, variables: Record<string, unknown>) => {
    const result = await execute(subgraph, query, variables, ADMIN);
    expect(result.errors).toBeUndefined();
  };
  await run(
    `mutation ($o: ID!) { createConstraintManagedZone(input: { operatorId: $o, code: "UKPN_HENDON_WAY", name: "Hendon Way",
      licenceArea: "London", gspGroups: ["_C"] }) { constraintManagedZone { id } } }`,
    { o: UKPN },
  );
  const product = `mutation ($o: ID!, $c: String!, $l: [String!], $s: ProductStatus) { createProduct(input: { ownerId: $o, code: $c, name: $c,
    serviceType: AVAILABILITY_ONLY, directions: [DEMAND_TURN_DOWN], minimumCapacityKw: 10, locations: $l, status: $s }) { product { id } } }`;
  await run(product, { o: UKPN, c: "SAOU", l: ["UKPN_HENDON_WAY", "_D"], s: "PUBLISHED" });
  await run(product, { o: UKPN, c: "DRAFT_GB", l: ["GB"], s: "DRAFT" }); // a draft: never widens the area
  await run(product, { o: NESO, c: "NQR", l: ["GB"], s: "PUBLISHED" });
});
afterAll(async () => {
  await running?.stop();
  await handle?.close();
});

async function post(body: unknown, identity: Parameters<typeof testGateway.headers>[1] = ADMIN, headers?: Record<string, string>) {
  const response = await fetch(running.url.replace(/\/graphql$/, SERVICE_AREAS_PATH), {
    method: "POST",
    headers: headers ?? { "content-type": "application/json", ...(await testGateway.headers("products", identity)) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

describe("system operators' service areas", () => {
  it("answers each SO's area in one call, in the order asked", async () => {
    const answer = await post({ organisationIds: [NESO, UKPN, NGED, UKPN] });
    expect(answer).toEqual({
      status: 200,
      body: {
        areas: [
          { organisationId: NESO, wholeGb: true, gspGroups: [] },
          { organisationId: UKPN, wholeGb: false, gspGroups: ["_C", "_D"] },
          { organisationId: NGED, wholeGb: false, gspGroups: [] },
          { organisationId: UKPN, wholeGb: false, gspGroups: ["_C", "_D"] },
        ],
      },
    });
    expect(await serviceAreas(handle.db, [])).toEqual([]);
  });

  it("refuses a malformed body (400) and a caller without the gateway's token (401)", async () => {
    for (const body of [{}, { organisationIds: ["nope"] }, { organisationIds: Array(1001).fill(UKPN) }]) {
      const answer = await post(body);
      expect(answer.status).toBe(400);
      expect(answer.body.code ?? answer.body.error?.code ?? JSON.stringify(answer.body)).toMatch(/BAD_USER_INPUT/);
    }
    const anonymous = await post({ organisationIds: [UKPN] }, null, { "content-type": "application/json", [IDENTITY_HEADER]: "forged" });
    expect(anonymous.status).toBe(401);
  });
});
