import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { ApolloServer } from "@apollo/server";
import { close, createHttpServer, type Identity, listen, SfeError } from "@sfe/kit";
import { testGateway } from "@sfe/kit/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CONTRACT_DOCUMENTS_PREFIX, documentRoutes } from "../src/documents.js";

const CONTRACT = "c0ffee00-0000-4000-8000-000000000001";
const louis: Identity = {
  kind: "user",
  userId: "a1000000-0000-4000-8000-000000000001",
  organisationId: "a0000000-0000-4000-8000-00000000000a",
  roles: ["FSP"],
  orgAdmin: true,
  scopes: ["*"],
  areas: [],
};

/** What the stand-in products subgraph received. */
let received: { url: string; headers: IncomingHttpHeaders; identity: Identity | null }[] = [];
let products: Server;
let gateway: Server;
let apollo: ApolloServer;
let gatewayUrl: string;
let productsUrl: string;

beforeAll(async () => {
  // The products subgraph's document route, as far as the gateway can tell: it checks the identity token.
  products = createServer(async (req, res) => {
    const caller = await testGateway
      .verifier("products")
      .verify(req.headers)
      .catch(() => null);
    received.push({ url: req.url ?? "", headers: req.headers, identity: caller?.identity ?? null });
    if (!caller) return res.writeHead(401).end();
    if (!req.url?.endsWith(CONTRACT)) return res.writeHead(404, { "content-type": "application/json" }).end('{"errors":[]}');
    res.writeHead(200, {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": "default-src 'none'",
      "x-internal": "not for clients",
    });
    res.end("<!doctype html><p>the agreement</p>");
  });
  productsUrl = `${await listen(products, 0, "127.0.0.1")}/graphql`;

  apollo = new ApolloServer({ typeDefs: "type Query { ok: Boolean }" });
  await apollo.start();
  const routes = documentRoutes({
    productsUrl: () => productsUrl,
    // The gateway's authenticator, as far as these routes see it: a good token, a bad one, or none.
    authenticate: async (req) => {
      const header = req.headers.authorization;
      if (!header) return null;
      if (header === "Bearer good") return louis;
      throw new SfeError("UNAUTHENTICATED", "The access token is not valid");
    },
    identityHeaders: (identity) => testGateway.headers("products", identity),
  });
  gateway = createHttpServer(apollo, { context: async () => ({}), routes });
  gatewayUrl = await listen(gateway, 0, "127.0.0.1");
});
afterAll(async () => {
  await close(gateway);
  await apollo.stop();
  await close(products);
});
beforeEach(() => {
  received = [];
});

const get = (name: string, authorization?: string) =>
  fetch(`${gatewayUrl}${CONTRACT_DOCUMENTS_PREFIX}${name}`, { headers: authorization ? { authorization } : {} });

describe("the gateway's contract documents", () => {
  it("forward to the products subgraph with the caller signed for its audience, and pass the page back", async () => {
    const response = await get(`${CONTRACT}.html`, "Bearer good");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("content-security-policy")).toBe("default-src 'none'");
    expect(response.headers.get("x-internal")).toBeNull();
    expect(await response.text()).toBe("<!doctype html><p>the agreement</p>");
    expect(received).toEqual([{ url: `/internal/contracts/document?id=${CONTRACT}`, headers: expect.anything(), identity: louis }]);
  });

  it("answer 401 without a credential or with a bad one, before anything is forwarded", async () => {
    const none = await get(`${CONTRACT}.html`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as any).errors[0].extensions.code).toBe("UNAUTHENTICATED");
    expect((await get(`${CONTRACT}.html`, "Bearer bad")).status).toBe(401);
    expect(received).toEqual([]);
  });

  it("answer 404 for a name that is not <uuid>.html without asking, and pass the subgraph's 404 on", async () => {
    for (const name of [CONTRACT, `${CONTRACT}.pdf`, "x.html", "..%2F..%2Fetc.html", `${CONTRACT}.html/more`]) {
      const response = await get(name, "Bearer good");
      expect(response.status).toBe(404);
      await response.body?.cancel();
    }
    expect(received).toEqual([]);
    const unknown = await get("c0ffee00-0000-4000-8000-000000000002.html", "Bearer good");
    expect(unknown.status).toBe(404);
    await unknown.body?.cancel();
    expect(received).toHaveLength(1);
  });

  it("answer 503 naming the products subgraph when it is down", async () => {
    const down = documentRoutes({
      productsUrl: () => "http://127.0.0.1:1/graphql",
      authenticate: async () => louis,
      identityHeaders: (identity) => testGateway.headers("products", identity),
    });
    const server = createHttpServer(apollo, { context: async () => ({}), routes: down });
    const url = await listen(server, 0, "127.0.0.1");
    const response = await fetch(`${url}${CONTRACT_DOCUMENTS_PREFIX}${CONTRACT}.html`);
    expect(response.status).toBe(503);
    expect(((await response.json()) as any).errors[0].extensions).toEqual({ code: "UPSTREAM_UNAVAILABLE", subgraph: "products" });
    await close(server);
  });
});
