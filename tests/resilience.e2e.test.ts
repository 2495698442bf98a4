/**
 * Composition by configuration and partial failure, over real HTTP.
 */
import { buildSubgraphSchema } from "@apollo/subgraph";
import { ApolloServer } from "@apollo/server";
import { close, createHttpServer, createIdentityVerifier, IDENTITY_HEADER, listen } from "@sfe/kit";
import { parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, gql as gqlAs, gqlOk as gqlOkAs, startTestStack } from "./helpers.js";

type Stack = Awaited<ReturnType<typeof startTestStack>>;
// As a hub administrator, who sees the whole graph; access rules are tested in access.e2e.test.ts.
const asAdmin = (stack: Stack) => ({
  gql: (query: string, variables: Record<string, unknown> = {}) => gqlAs(stack.url, query, variables, stack.admin),
  gqlOk: (query: string, variables: Record<string, unknown> = {}) => gqlOkAs(stack.url, query, variables, stack.admin),
});

/** A System Operator's own subgraph: a real Apollo subgraph on a free port, recording what it is sent. */
async function startSoSubgraph(sdl: string, resolvers: Record<string, any>) {
  const apollo = new ApolloServer({ schema: buildSubgraphSchema({ typeDefs: parse(sdl), resolvers }) });
  await apollo.start();
  const identityTokens: string[] = [];
  const server = createHttpServer(apollo, {
    context: async (req) => {
      identityTokens.push(String(req.headers[IDENTITY_HEADER]));
      return {};
    },
  });
  const url = `${await listen(server, 0, "127.0.0.1")}/graphql`;
  return {
    url,
    identityTokens,
    stop: async () => {
      await close(server);
      await apollo.stop();
    },
  };
}

const UKPN_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type FlexibilityZone { name: String! licenceArea: String! }
  type Query { ukpnFlexibilityZones: [FlexibilityZone!]! }
  type Product @key(fields: "id") { id: ID! ukpnTenderRound: String }`;

/** Breaks composition: `Asset.name` is already a String! owned (unshared) by the assets subgraph. */
const CONFLICTING_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Asset @key(fields: "id") { id: ID! name: Int }
  type Query { rogue: Int }`;

describe("adding a subgraph by configuration", () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  let ukpn: Awaited<ReturnType<typeof startSoSubgraph>>;
  let rogue: Awaited<ReturnType<typeof startSoSubgraph>>;
  const configured: { name: string; url: string }[] = [];

  beforeAll(async () => {
    ukpn = await startSoSubgraph(UKPN_SDL, {
      Query: { ukpnFlexibilityZones: () => [{ name: "Hendon Way", licenceArea: "London" }] },
      Product: { __resolveReference: ({ id }: { id: string }) => ({ id, ukpnTenderRound: "2025-H2" }) },
    });
    rogue = await startSoSubgraph(CONFLICTING_SDL, { Query: { rogue: () => 1 } });
    stack = await startTestStack({ gateway: { extraSubgraphs: () => configured } });
  });
  afterAll(async () => {
    await stack?.stop();
    await ukpn?.stop();
    await rogue?.stop();
  });

  it("composes an SO's subgraph given only its name and URL, and its fields join the graph", async () => {
    configured.push({ name: "so_ukpn", url: ukpn.url });
    const refreshed = await stack.gateway.supergraph.refresh();
    expect(refreshed.ok && [...refreshed.serving].sort()).toEqual(["assets", "products", "rules", "so_ukpn", "transactions", "users"]);
    const so = await asAdmin(stack).gqlOk(
      `mutation { registerOrganisation(input: { name: "UKPN", roles: [SYSTEM_OPERATOR] }) { organisation { id } } }`,
    );
    const created = await asAdmin(stack).gqlOk(
      `mutation ($o: ID!) { createProduct(input: { ownerId: $o, code: "PR", name: "Peak Reduction", serviceType: UTILISATION_ONLY,
        directions: [DEMAND_TURN_DOWN], minimumCapacityKw: 10 }) { product { id } } }`,
      { o: so.registerOrganisation.organisation.id },
    );
    const data = await asAdmin(stack).gqlOk(
      `query ($id: ID!) { ukpnFlexibilityZones { name } product(id: $id) { name ukpnTenderRound } }`,
      {
        id: created.createProduct.product.id,
      },
    );
    expect(data).toEqual({
      ukpnFlexibilityZones: [{ name: "Hendon Way" }],
      product: { name: "Peak Reduction", ukpnTenderRound: "2025-H2" },
    });
  });

  it("gives an SO's subgraph an identity token it can verify and no hub subgraph accepts", async () => {
    const received = ukpn.identityTokens.filter((t) => t !== "undefined");
    expect(received.length).toBeGreaterThan(0);
    // The SO verifies who is calling against the gateway's published JWKS.
    const jwks = new URL(stack.url.replace(/graphql$/, ".well-known/jwks.json"));
    const soVerifier = createIdentityVerifier({ audience: "so_ukpn", jwks });
    const caller = await soVerifier.verify({ [IDENTITY_HEADER]: received.at(-1)! });
    expect(caller.identity).toMatchObject({ roles: ["ADMIN"] });
    // Replayed against every hub subgraph, what the SO received is worth nothing.
    for (const [name, subgraph] of stack.subgraphs) {
      const response = await fetch(subgraph.url, {
        method: "POST",
        headers: { "content-type": "application/json", [IDENTITY_HEADER]: received.at(-1)! },
        body: JSON.stringify({ query: "{ _service { sdl } }" }),
      });
      expect([name, response.status]).toEqual([name, 401]);
      const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
      expect(body.errors[0]!.extensions.code).toBe("UNAUTHENTICATED");
    }
    const assets = stack.subgraphs.get("assets")!.url;
    // Nor does the old plain identity header, or none at all.
    const headers: Record<string, string>[] = [{ [IDENTITY_HEADER]: JSON.stringify(caller.identity) }, {}];
    for (const header of headers) {
      const response = await fetch(assets, {
        method: "POST",
        headers: { "content-type": "application/json", ...header },
        body: JSON.stringify({ query: "{ assets { id } }" }),
      });
      expect(response.status).toBe(401);
    }
  });

  it("refuses a subgraph that breaks composition, naming the conflict, and keeps serving the last good supergraph", async () => {
    configured.push({ name: "rogue", url: rogue.url });
    const result = await stack.gateway.supergraph.refresh();
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/Asset\.name/);
    expect(await asAdmin(stack).gqlOk(`{ ukpnFlexibilityZones { name } }`)).toEqual({ ukpnFlexibilityZones: [{ name: "Hendon Way" }] });
    expect(codes(await asAdmin(stack).gql(`{ rogue }`))).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    const ready = await (await fetch(stack.url.replace(/graphql$/, "readyz"))).json();
    expect(ready).toMatchObject({
      ready: true,
      subgraphs: expect.arrayContaining(["so_ukpn"]),
      lastError: expect.stringMatching(/Asset\.name/),
    });
    configured.pop();
    expect((await stack.gateway.supergraph.refresh()).ok).toBe(true);
  });
});

describe("one subgraph down", () => {
  let stack: Awaited<ReturnType<typeof startTestStack>>;

  beforeAll(async () => {
    stack = await startTestStack();
    const org = await asAdmin(stack).gqlOk(
      `mutation { registerOrganisation(input: { name: "NewFlex Ltd", roles: [FSP] }) { organisation { id } } }`,
    );
    await asAdmin(stack).gqlOk(
      `mutation ($o: ID!) { registerAsset(input: { ownerId: $o, name: "Hendon Way battery", categoryCode: "BESS",
        importCapacityKw: 2000, exportCapacityKw: 2000, energyCapacityKwh: 4000 }) { asset { id } } }`,
      { o: org.registerOrganisation.organisation.id },
    );
    await stack.subgraphs.get("rules")!.stop();
  });
  afterAll(() => stack?.stop());

  it("still answers from the other subgraphs, with an UPSTREAM_UNAVAILABLE error naming the missing one", async () => {
    const result = await asAdmin(stack).gql(`{ assets { name owner { name } conflicts { id } } }`);
    expect(result.data?.assets).toEqual([{ name: "Hendon Way battery", owner: { name: "NewFlex Ltd" }, conflicts: null }]);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", subgraph: "rules" });
    expect(JSON.stringify(result.errors)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
  });
});
