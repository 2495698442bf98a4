import { createServer, type IncomingMessage, type Server } from "node:http";
import { close, listen, SfeError } from "@sfe/kit";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthenticator, TOKEN_AUDIENCE, TOKEN_ISSUER } from "../src/auth.js";

/** A stand-in for the users subgraph's JWKS and API-key routes, over real HTTP. */
let server: Server;
let base: string;
type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
let signingKey: PrivateKey;
let foreignKey: PrivateKey;
const SERVICE_TOKEN = "the-gateway-identity-token-for-users";
const GOOD_KEY = "sfe_abcdefgh_good";
const identityOfKey = {
  kind: "apiKey",
  userId: null,
  organisationId: "org-1",
  roles: ["THIRD_PARTY"],
  orgAdmin: false,
  scopes: ["assets:read"],
};

beforeAll(async () => {
  const pair = await generateKeyPair("ES256");
  signingKey = pair.privateKey;
  foreignKey = (await generateKeyPair("ES256")).privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "ES256", use: "sig" };
  server = createServer(async (req, res) => {
    if (req.url === "/.well-known/jwks.json") return res.end(JSON.stringify({ keys: [jwk] }));
    if (req.url === "/internal/api-keys/verify" && req.headers["x-sfe-identity"] === SERVICE_TOKEN) {
      let body = "";
      for await (const chunk of req) body += chunk;
      const good = JSON.parse(body).key === GOOD_KEY;
      res.statusCode = good ? 200 : 401;
      return res.end(JSON.stringify(good ? { identity: identityOfKey } : { error: "invalid" }));
    }
    res.statusCode = 404;
    res.end();
  });
  base = await listen(server, 0, "127.0.0.1");
});
afterAll(() => close(server));

const authenticator = () =>
  createAuthenticator({
    jwksUrl: `${base}/.well-known/jwks.json`,
    apiKeyVerifyUrl: `${base}/internal/api-keys/verify`,
    sessionVerifyUrl: `${base}/internal/sessions/verify`,
    identityHeaders: async () => ({ "x-sfe-identity": SERVICE_TOKEN }),
  });
const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const token = (claims: Record<string, unknown>, options: { key?: PrivateKey; issuer?: string; expires?: string | number } = {}) =>
  new SignJWT({ org: "org-1", roles: ["FSP", "KING"], adm: true, ...claims })
    .setProtectedHeader({ alg: "ES256", kid: "k1" })
    .setSubject("user-1")
    .setIssuer(options.issuer ?? TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expires ?? "15m")
    .sign(options.key ?? signingKey);

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e) => e,
  );
  expect(error).toBeInstanceOf(SfeError);
  return (error as SfeError).extensions;
}

describe("gateway authentication", () => {
  it("treats a request without credentials as anonymous", async () => {
    expect(await authenticator().authenticate(request({}))).toBeNull();
  });

  it("turns a valid access token into the identity it names (unknown roles dropped)", async () => {
    const identity = await authenticator().authenticate(request({ authorization: `Bearer ${await token({})}` }));
    expect(identity).toEqual({
      kind: "user",
      userId: "user-1",
      organisationId: "org-1",
      roles: ["FSP"],
      orgAdmin: true,
      scopes: ["*"],
      areas: [],
    });
  });

  it.each([
    ["forged (signed by another key)", () => token({}, { key: foreignKey }), "INVALID"],
    ["from another issuer", () => token({}, { issuer: "https://evil.example" }), "INVALID"],
    ["expired", () => token({}, { expires: Math.floor(Date.now() / 1000) - 60 }), "EXPIRED"],
    ["not a JWT", async () => "not.a.jwt", "INVALID"],
  ])("refuses an access token %s with UNAUTHENTICATED", async (_case, make, reason) => {
    const extensions = await failure(authenticator().authenticate(request({ authorization: `Bearer ${await make()}` })));
    expect(extensions).toMatchObject({ code: "UNAUTHENTICATED", reason });
  });

  it("checks an API key with the users subgraph on every request", async () => {
    const auth = authenticator();
    expect(await auth.authenticate(request({ "x-api-key": GOOD_KEY }))).toEqual(identityOfKey);
    expect(await auth.authenticate(request({ authorization: `ApiKey ${GOOD_KEY}` }))).toEqual(identityOfKey);
    expect(await failure(auth.authenticate(request({ "x-api-key": "sfe_revoked" })))).toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("refuses malformed Authorization headers", async () => {
    expect(await failure(authenticator().authenticate(request({ authorization: "Basic abc" })))).toMatchObject({ reason: "MALFORMED" });
    expect(await failure(authenticator().authenticate(request({ authorization: "Bearer" })))).toMatchObject({ reason: "MALFORMED" });
    const good = await token({});
    expect(await failure(authenticator().authenticate(request({ authorization: `Bearer ${good} junk` })))).toMatchObject({
      reason: "MALFORMED",
    });
  });

  it("says UPSTREAM_UNAVAILABLE when the users subgraph cannot be reached", async () => {
    const down = createAuthenticator({
      jwksUrl: "http://127.0.0.1:9/jwks",
      apiKeyVerifyUrl: "http://127.0.0.1:9/verify",
      sessionVerifyUrl: "http://127.0.0.1:9/sessions",
    });
    expect(await failure(down.authenticate(request({ "x-api-key": GOOD_KEY })))).toMatchObject({ code: "UPSTREAM_UNAVAILABLE" });
    expect(await failure(down.authenticate(request({ authorization: `Bearer ${await token({})}` })))).toMatchObject({
      code: "UPSTREAM_UNAVAILABLE",
    });
  });
});
