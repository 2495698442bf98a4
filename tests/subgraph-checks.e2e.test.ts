/**
 * What the gateway checks on adding a subgraph, besides composition, over real HTTP: the ownership policy
 * (no @override, no redefining or shadowing a hub subgraph's field) and no breaking change to the served
 * graph. A refusal is named in the log and at /readyz, and the last good supergraph keeps serving.
 */
import { buildSubgraphSchema } from "@apollo/subgraph";
import { ApolloServer } from "@apollo/server";
import { close, createHttpServer, listen } from "@sfe/kit";
import { parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, gql as gqlAs, gqlOk as gqlOkAs, startTestStack } from "./helpers.js";

type Stack = Awaited<ReturnType<typeof startTestStack>>;
type SoSubgraph = Awaited<ReturnType<typeof startSoSubgraph>>;

/** A System Operator's own subgraph: a real Apollo subgraph on a free port. */
async function startSoSubgraph(sdl: string, resolvers: Record<string, any> = {}) {
  const apollo = new ApolloServer({ schema: buildSubgraphSchema({ typeDefs: parse(sdl), resolvers }) });
  await apollo.start();
  const server = createHttpServer(apollo, { context: async () => ({}) });
  const url = `${await listen(server, 0, "127.0.0.1")}/graphql`;
  return {
    url,
    stop: async () => {
      await close(server);
      await apollo.stop();
    },
  };
}

const LINK = (imports: string[]) =>
  `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ${JSON.stringify(imports)})`;

/** Takes `Product.name` from the products subgraph. */
const OVERRIDE_SDL = `${LINK(["@key", "@override"])}
  type Product @key(fields: "id") { id: ID! name: String! @override(from: "products") }`;

/** Shadows `Asset.name` (owned by the assets subgraph) as if it were shared. */
const SHADOW_SDL = `${LINK(["@key", "@shareable"])}
  type Asset @key(fields: "id") { id: ID! name: String! @shareable }`;

/** Defines the root field `Query.asset`, which the assets subgraph owns. */
const ROOT_SDL = `${LINK(["@key", "@shareable"])}
  type Asset @key(fields: "id") { id: ID! }
  type Query { asset(id: ID!): Asset @shareable }`;

/** Well-behaved: a new type, a new root field, a new field on a hub entity. */
const NOTE_SDL = `${LINK(["@key"])}
  type SoNotice { text: String! }
  type Query { soNotices: [SoNotice!]! }
  type Product @key(fields: "id") { id: ID! soNote: String }`;

/** The same subgraph's next version, without `Product.soNote`: breaking for clients of the served graph. */
const NOTE_V2_SDL = `${LINK(["@key"])}
  type SoNotice { text: String! }
  type Query { soNotices: [SoNotice!]! }
  type Product @key(fields: "id") { id: ID! soRegion: String }`;

describe("the gateway's checks on adding a subgraph", () => {
  let stack: Stack;
  const started: SoSubgraph[] = [];
  const configured: { name: string; url: string }[] = [];
  const logged: string[] = [];
  let productId: string;
  const asAdmin = {
    gql: (query: string, variables: Record<string, unknown> = {}) => gqlAs(stack.url, query, variables, stack.admin),
    gqlOk: (query: string, variables: Record<string, unknown> = {}) => gqlOkAs(stack.url, query, variables, stack.admin),
  };
  const start = async (sdl: string, resolvers?: Record<string, any>) => {
    const subgraph = await startSoSubgraph(sdl, resolvers);
    started.push(subgraph);
    return subgraph;
  };
  const readyz = async (): Promise<any> => (await fetch(stack.url.replace(/graphql$/, "readyz"))).json();

  /** Configures one extra subgraph, expects it refused with `reason`, then takes it out again. */
  async function expectRefused(name: string, url: string, reason: RegExp) {
    configured.push({ name, url });
    const result = await stack.gateway.supergraph.refresh();
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(reason);
    expect(logged.at(-1)).toMatch(reason);
    expect(await readyz()).toMatchObject({ ready: true, lastError: expect.stringMatching(reason) });
    expect((await readyz()).subgraphs).not.toContain(name);
    configured.pop();
    expect((await stack.gateway.supergraph.refresh()).ok).toBe(true);
    expect((await readyz()).lastError).toBeNull();
  }

  beforeAll(async () => {
    stack = await startTestStack({
      gateway: { extraSubgraphs: () => configured, log: (message: string) => logged.push(message) },
    });
    const so = await asAdmin.gqlOk(
      `mutation { registerOrganisation(input: { name: "UKPN", roles: [SYSTEM_OPERATOR] }) { organisation { id } } }`,
    );
    const created = await asAdmin.gqlOk(
      `mutation ($o: ID!) { createProduct(input: { ownerId: $o, code: "PR", name: "Peak Reduction", serviceType: UTILISATION_ONLY,
        directions: [DEMAND_TURN_DOWN], minimumCapacityKw: 10 }) { product { id } } }`,
      { o: so.registerOrganisation.organisation.id },
    );
    productId = created.createProduct.product.id;
  });
  afterAll(async () => {
    await stack?.stop();
    for (const subgraph of started) await subgraph.stop();
  });

  it("refuses a subgraph that @overrides a hub field, naming the field and its owner", async () => {
    const so = await start(OVERRIDE_SDL);
    await expectRefused("so_override", so.url, /so_override.*@override Product\.name.*"products"/);
    const data = await asAdmin.gqlOk(`query ($id: ID!) { product(id: $id) { name } }`, { id: productId });
    expect(data).toEqual({ product: { name: "Peak Reduction" } });
  });

  it("refuses a subgraph that shadows a hub field, even as @shareable", async () => {
    const so = await start(SHADOW_SDL);
    await expectRefused("so_shadow", so.url, /so_shadow.*Asset\.name.*owned by hub subgraph "assets"/);
  });

  it("refuses a subgraph that defines a root Query field a hub subgraph owns", async () => {
    const so = await start(ROOT_SDL);
    await expectRefused("so_root", so.url, /so_root.*Query\.asset.*owned by hub subgraph "assets"/);
  });

  it("composes a well-behaved subgraph: new types, root fields and fields on hub entities", async () => {
    const so = await start(NOTE_SDL, {
      Query: { soNotices: () => [{ text: "Tender opens Monday" }] },
      Product: { __resolveReference: ({ id }: { id: string }) => ({ id, soNote: "watch list" }) },
    });
    configured.push({ name: "so_note", url: so.url });
    const result = await stack.gateway.supergraph.refresh();
    expect(result.ok && [...result.serving].sort()).toEqual(["assets", "products", "rules", "so_note", "transactions", "users"]);
    const data = await asAdmin.gqlOk(`query ($id: ID!) { soNotices { text } product(id: $id) { name soNote } }`, {
      id: productId,
    });
    expect(data).toEqual({ soNotices: [{ text: "Tender opens Monday" }], product: { name: "Peak Reduction", soNote: "watch list" } });
    expect(await readyz()).toMatchObject({ lastError: null, subgraphs: expect.arrayContaining(["so_note"]) });
  });

  it("refuses a reconfiguration that would remove a field the served graph has, and keeps serving it", async () => {
    const v2 = await start(NOTE_V2_SDL, {
      Query: { soNotices: () => [] },
      Product: { __resolveReference: ({ id }: { id: string }) => ({ id, soRegion: "London" }) },
    });
    const v1 = configured.pop()!;
    configured.push({ name: "so_note", url: v2.url });
    const result = await stack.gateway.supergraph.refresh();
    expect(result.ok).toBe(false);
    const reason = /breaking change: .*Product\.soNote.*removed.*so_note/;
    expect(!result.ok && result.error).toMatch(reason);
    expect(logged.at(-1)).toMatch(reason);
    expect(await readyz()).toMatchObject({ lastError: expect.stringMatching(reason) });
    // The last good supergraph keeps serving soNote; the new field is not served.
    const data = await asAdmin.gqlOk(`query ($id: ID!) { product(id: $id) { soNote } }`, { id: productId });
    expect(data).toEqual({ product: { soNote: "watch list" } });
    expect(codes(await asAdmin.gql(`query ($id: ID!) { product(id: $id) { soRegion } }`, { id: productId }))).toEqual([
      "GRAPHQL_VALIDATION_FAILED",
    ]);
    // Back to the served version: accepted again.
    configured[configured.length - 1] = v1;
    expect((await stack.gateway.supergraph.refresh()).ok).toBe(true);
    expect((await readyz()).lastError).toBeNull();
  });
});
