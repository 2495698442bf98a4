import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { ApolloServer } from "@apollo/server";
import { close, createHttpServer, IDENTITY_HEADER, type Identity, listen } from "@sfe/kit";
import { testGateway } from "@sfe/kit/testing";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ASSET_EXPORT_PATH, ASSET_IMPORT_PATH, assetFileRoutes } from "../src/asset-files.js";
import { createAuthenticator, TOKEN_AUDIENCE, TOKEN_ISSUER, usersAuthEndpoints } from "../src/auth.js";

const ORG = "a0000000-0000-4000-8000-00000000000a";
const GOOD_KEY = "sfe_abcdefgh_good";
const keyIdentity: Identity = {
  kind: "apiKey",
  userId: null,
  organisationId: ORG,
  roles: ["FSP"],
  orgAdmin: false,
  scopes: ["assets:write"],
  areas: [],
};

/** What the stand-in assets subgraph received. */
interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}
let received: Received[] = [];

let users: Server;
let assets: Server;
let gateway: Server;
let apollo: ApolloServer;
let gatewayUrl: string;
let assetsUrl: string;
let signingKey: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

const EXPORT_CHUNKS = ["id,name\r\n", '1,"Comma, Ltd"\r\n', '2,"Two\nlines"\r\n'];

beforeAll(async () => {
  // The users subgraph, as far as authentication goes: its JWKS and API-key check.
  const pair = await generateKeyPair("ES256");
  signingKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "ES256", use: "sig" };
  users = createServer(async (req, res) => {
    if (req.url === "/.well-known/jwks.json") return res.end(JSON.stringify({ keys: [jwk] }));
    if (
      req.url === "/internal/api-keys/verify" &&
      (await testGateway
        .verifier("users")
        .verify(req.headers)
        .catch(() => null))
    ) {
      let body = "";
      for await (const chunk of req) body += chunk;
      const good = JSON.parse(body).key === GOOD_KEY;
      res.statusCode = good ? 200 : 401;
      return res.end(JSON.stringify(good ? { identity: keyIdentity } : { error: "invalid" }));
    }
    res.statusCode = 404;
    res.end();
  });
  const usersUrl = await listen(users, 0, "127.0.0.1");

  // The assets subgraph: records each request; an import answers 422 with a report, an export streams.
  assets = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    received.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
    if (req.url?.startsWith(ASSET_IMPORT_PATH)) {
      res.writeHead(422, { "content-type": "application/json; charset=utf-8", "x-internal": "not for clients" });
      return res.end(JSON.stringify({ mode: "all-or-nothing", received: 2, accepted: 0, rejected: [{ row: 2 }], assetIds: [] }));
    }
    res.writeHead(200, { "content-type": "text/csv; charset=utf-8", "content-disposition": 'attachment; filename="assets.csv"' });
    for (const chunk of EXPORT_CHUNKS) {
      res.write(chunk);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    res.end();
  });
  assetsUrl = `${await listen(assets, 0, "127.0.0.1")}/graphql`;

  // The gateway's HTTP server, with only these routes beside a trivial GraphQL schema.
  const authenticator = createAuthenticator({
    ...usersAuthEndpoints(`${usersUrl}/graphql`),
    identityHeaders: () => testGateway.headers("users"),
  });
  apollo = new ApolloServer({ typeDefs: "type Query { ok: Boolean }" });
  await apollo.start();
  const routes = assetFileRoutes({
    assetsUrl: () => assetsUrl,
    authenticate: (req) => authenticator.authenticate(req),
    identityHeaders: (identity) => testGateway.headers("assets", identity),
    maxBytes: 64 * 1024,
  });
  gateway = createHttpServer(apollo, { context: async () => ({}), routes });
  gatewayUrl = await listen(gateway, 0, "127.0.0.1");
});
afterAll(async () => {
  await close(gateway);
  await apollo.stop();
  await close(assets);
  await close(users);
});
beforeEach(() => {
  received = [];
});

const token = (claims: Record<string, unknown> = {}, key = signingKey) =>
  new SignJWT({ org: ORG, roles: ["FSP"], ...claims })
    .setProtectedHeader({ alg: "ES256", kid: "k1" })
    .setSubject("user-1")
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime("15m")
    .sign(key);

const upload = (
  headers: Record<string, string>,
  body: string | Uint8Array = "name,categoryCode\nx,BESS\n",
  query = "?mode=all-or-nothing",
) => fetch(`${gatewayUrl}${ASSET_IMPORT_PATH}${query}`, { method: "POST", headers: { "content-type": "text/csv", ...headers }, body });

describe("the gateway's asset file routes", () => {
  it("forward an import with the caller's identity signed for the assets subgraph, and pass the subgraph's status and body back", async () => {
    const response = await upload({ authorization: `Bearer ${await token()}` });
    expect(response.status).toBe(422);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("x-internal")).toBeNull();
    expect(await response.json()).toEqual({ mode: "all-or-nothing", received: 2, accepted: 0, rejected: [{ row: 2 }], assetIds: [] });
    expect(received).toHaveLength(1);
    const [forwarded] = received;
    expect(forwarded).toMatchObject({
      method: "POST",
      url: `${ASSET_IMPORT_PATH}?mode=all-or-nothing`,
      body: "name,categoryCode\nx,BESS\n",
    });
    expect(forwarded!.headers["content-type"]).toBe("text/csv");
    expect((await testGateway.verifier("assets").verify(forwarded!.headers)).identity).toEqual({
      kind: "user",
      userId: "user-1",
      organisationId: ORG,
      roles: ["FSP"],
      orgAdmin: false,
      scopes: ["*"],
      areas: [],
    });
  });

  it("forward an API key's identity, never one the client claims", async () => {
    const response = await upload({
      "x-api-key": GOOD_KEY,
      [IDENTITY_HEADER]: JSON.stringify({ roles: ["ADMIN"] }),
    });
    expect(response.status).toBe(422);
    expect((await testGateway.verifier("assets").verify(received[0]!.headers)).identity).toEqual(keyIdentity);
  });

  it("stream an export back with its query, type and file name", async () => {
    const response = await fetch(`${gatewayUrl}${ASSET_EXPORT_PATH}?ownerId=${ORG}&gspGroup=_C`, {
      headers: { authorization: `ApiKey ${GOOD_KEY}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="assets.csv"');
    expect(await response.text()).toBe(EXPORT_CHUNKS.join(""));
    expect(received).toMatchObject([{ method: "GET", url: `${ASSET_EXPORT_PATH}?ownerId=${ORG}&gspGroup=_C`, body: "" }]);
  });

  it.each([
    [
      "a forged token",
      async () => ({ authorization: `Bearer ${await token({}, (await generateKeyPair("ES256")).privateKey)}` }),
      "The access token is not valid",
    ],
    ["a revoked API key", async () => ({ "x-api-key": "sfe_abcdefgh_revoked" }), "The API key is not valid or has been revoked"],
    ["an unknown scheme", async () => ({ authorization: "Basic dXNlcjpwYXNz" }), /Unsupported Authorization scheme/],
    ["no credential", async () => ({}), /Sign in first/],
  ])("refuse %s with 401 before forwarding anything", async (_what, headers, message) => {
    for (const send of [
      () => headers().then((h) => upload(h)),
      () => headers().then((h) => fetch(`${gatewayUrl}${ASSET_EXPORT_PATH}`, { headers: h })),
    ]) {
      const response = await send();
      expect(response.status).toBe(401);
      const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0]!.extensions.code).toBe("UNAUTHENTICATED");
      expect(body.errors[0]!.message).toMatch(message);
    }
    expect(received).toEqual([]);
  });

  it("refuse an upload over the limit with 413 without forwarding it, declared or streamed", async () => {
    const auth = { authorization: `Bearer ${await token()}` };
    const declared = await upload(auth, "x".repeat(64 * 1024 + 1));
    expect(declared.status).toBe(413);
    const chunk = new TextEncoder().encode("y".repeat(16 * 1024));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    const streamed = await fetch(`${gatewayUrl}${ASSET_IMPORT_PATH}`, {
      method: "POST",
      headers: { "content-type": "text/csv", ...auth },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe("BAD_USER_INPUT");
    expect(received).toEqual([]);
  });

  it("answer 503 naming the assets subgraph when it cannot be reached", async () => {
    const before = assetsUrl;
    const stopped = createServer();
    assetsUrl = `${await listen(stopped, 0, "127.0.0.1")}/graphql`;
    await close(stopped);
    try {
      const response = await upload({ authorization: `Bearer ${await token()}` });
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({
        errors: [{ message: "The assets subgraph is unavailable", extensions: { subgraph: "assets", code: "UPSTREAM_UNAVAILABLE" } }],
      });
    } finally {
      assetsUrl = before;
    }
  });
});
