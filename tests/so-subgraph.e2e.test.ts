/**
 * The example SO subgraph (registries/so-subgraph) composed by configuration, over real HTTP: its fields
 * join the graph for a signed-in caller, and it verifies the gateway's identity token for its own name.
 */
import { createIdentitySigner, generateIdentityKeyPem, IDENTITY_HEADER, type Identity, loadIdentityKey } from "@sfe/kit";
import { createSoSubgraph, illustrativeConstraint, illustrativeRequirements, jwksUrlOf } from "@sfe/so-subgraph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, gql, gqlOk, startTestStack } from "./helpers.js";

const NAME = "so_example";

describe("the example SO subgraph", () => {
  const identityKey = loadIdentityKey(generateIdentityKeyPem());
  const configured: { name: string; url: string }[] = [];
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  let so: Awaited<ReturnType<typeof createSoSubgraph>>;
  let productId: string;
  let assetId: string;

  /** POSTs to the SO subgraph directly, with the given identity token (or none). */
  const callSo = async (query: string, token?: string, variables: Record<string, unknown> = {}) => {
    const response = await fetch(so.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token && { [IDENTITY_HEADER]: token }) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] } };
  };
  const ENTITIES = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { soRequirements { notes } } } }`;

  beforeAll(async () => {
    stack = await startTestStack({ identityKey, gateway: { extraSubgraphs: () => configured } });
    so = await createSoSubgraph({ name: NAME, port: 0, jwks: jwksUrlOf(stack.url) });
    configured.push({ name: NAME, url: so.url });
    const composed = await stack.gateway.supergraph.refresh();
    expect(composed.ok && composed.serving).toContain(NAME);

    const admin = (query: string, variables: Record<string, unknown>) => gqlOk(stack.url, query, variables, stack.admin);
    const soOrg = await admin(
      `mutation { registerOrganisation(input: { name: "Example DNO", roles: [SYSTEM_OPERATOR] }) { organisation { id } } }`,
      {},
    );
    const product = await admin(
      `mutation ($o: ID!) { createProduct(input: { ownerId: $o, code: "PR", name: "Peak Reduction", serviceType: UTILISATION_ONLY,
        directions: [DEMAND_TURN_DOWN], minimumCapacityKw: 10 }) { product { id } } }`,
      { o: soOrg.registerOrganisation.organisation.id },
    );
    productId = product.createProduct.product.id;
    const fsp = await admin(`mutation { registerOrganisation(input: { name: "NewFlex Ltd", roles: [FSP] }) { organisation { id } } }`, {});
    const asset = await admin(
      `mutation ($o: ID!) { registerAsset(input: { ownerId: $o, name: "Hendon Way battery", categoryCode: "BESS",
        importCapacityKw: 2000, exportCapacityKw: 2000, energyCapacityKwh: 4000 }) { asset { id } } }`,
      { o: fsp.registerOrganisation.organisation.id },
    );
    assetId = asset.registerAsset.asset.id;
  });
  afterAll(async () => {
    await stack?.stop();
    await so?.stop();
  });

  it("answers a signed-in caller through the gateway: its fields on Product and Asset", async () => {
    const data = await gqlOk(
      stack.url,
      `query ($p: ID!, $a: ID!) {
        product(id: $p) { name soRequirements { notes minimumAvailabilityPct maxResponseSeconds updatedAt } }
        asset(id: $a) { name networkConstraint { maxExportKw reason } }
      }`,
      { p: productId, a: assetId },
      stack.admin,
    );
    expect(data).toEqual({
      product: { name: "Peak Reduction", soRequirements: illustrativeRequirements(productId) },
      asset: { name: "Hendon Way battery", networkConstraint: illustrativeConstraint(assetId) },
    });
  });

  it("never answers an anonymous caller", async () => {
    const result = await gql(stack.url, `query ($p: ID!) { product(id: $p) { soRequirements { notes } } }`, { p: productId });
    expect(result.data?.product ?? null).toBeNull();
    expect(codes(result)).toContain("UNAUTHENTICATED");
    // A valid token for this subgraph that names nobody (the gateway's anonymous caller): refused at field level.
    const anonymous = await createIdentitySigner(identityKey).sign(NAME, null);
    const direct = await callSo(ENTITIES, anonymous, { r: [{ __typename: "Product", id: productId }] });
    expect(direct.status).toBe(200);
    expect(direct.body.data?._entities).toEqual([{ soRequirements: null }]);
    expect(direct.body.errors?.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
  });

  it("answers only a token the gateway signed for its own name: none, forged or another audience is HTTP 401", async () => {
    const person: Identity = {
      kind: "user",
      userId: "00000000-0000-4000-8000-000000000001",
      organisationId: null,
      roles: ["ADMIN"],
      orgAdmin: false,
      scopes: ["*"],
      areas: [],
    };
    const forgedKey = { ...loadIdentityKey(generateIdentityKeyPem()), kid: identityKey.kid };
    const refused = [
      undefined,
      "not-a-token",
      await createIdentitySigner(forgedKey).sign(NAME, person),
      await createIdentitySigner(identityKey).sign("assets", person),
    ];
    for (const token of refused) {
      const { status, body } = await callSo(ENTITIES, token, { r: [{ __typename: "Product", id: productId }] });
      expect(status).toBe(401);
      expect(body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
      expect(body.data ?? null).toBeNull();
    }
    // The same caller, signed by the gateway's key for this subgraph: answered.
    const valid = await createIdentitySigner(identityKey).sign(NAME, person);
    const answered = await callSo(ENTITIES, valid, { r: [{ __typename: "Product", id: productId }] });
    expect(answered).toEqual({
      status: 200,
      body: { data: { _entities: [{ soRequirements: { notes: illustrativeRequirements(productId).notes } }] } },
    });
  });
});
