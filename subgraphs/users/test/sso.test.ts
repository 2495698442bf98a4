import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { account, identityOf, MINUTE, type Session, SIGN_UP, type Setup, setUp, signUpInput } from "./helpers.js";

/** A local OpenID Connect issuer: a key pair, its JWKS served over HTTP on a free port, ID tokens signed with it. */
async function startIssuer() {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const kid = "issuer-key-1";
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" }] };
  const server: Server = createServer((req, res) => {
    if (req.url !== "/jwks") return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer: `${base}/`,
    jwksUrl: `${base}/jwks`,
    kid,
    privateKey,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let t: Setup;
let idp: Awaited<ReturnType<typeof startIssuer>>;
const AUDIENCE = "sfe-hub-client";

beforeAll(async () => {
  idp = await startIssuer();
  t = await setUp({
    oidcIssuers: [
      { issuer: idp.issuer, jwksUrl: idp.jwksUrl, audience: AUDIENCE },
      { issuer: "https://down.example/", jwksUrl: "http://127.0.0.1:9/jwks", audience: AUDIENCE },
    ],
  });
});
afterAll(async () => {
  await idp.close();
  await t.handle.close();
});

/** An ID token as the issuer would sign it, valid for 5 minutes from the test clock, unless overridden. */
async function idToken(
  claims: JWTPayload & { email?: string; email_verified?: unknown },
  options: { key?: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"]; issuer?: string; audience?: string; expiresAt?: Date } = {},
) {
  const now = Math.floor(t.clock.now().getTime() / 1000);
  return new SignJWT({ email_verified: true, ...claims })
    .setProtectedHeader({ alg: "RS256", kid: idp.kid })
    .setIssuer(options.issuer ?? idp.issuer)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(options.expiresAt ? Math.floor(options.expiresAt.getTime() / 1000) : now + 300)
    .sign(options.key ?? idp.privateKey);
}

const SSO = /* GraphQL */ `
  mutation ($token: String!) { signInWithIdToken(idToken: $token) { accessToken refreshToken user { id email status } } }`;
const sso = (token: string) => t.run<{ signInWithIdToken: Session }>(SSO, { token });

describe("single sign-on with an ID token", () => {
  it("links the account with that e-mail on first use, then finds it by (issuer, subject)", async () => {
    const louis = await account(t, { email: "louis@sso.example" });
    const first = await sso(await idToken({ sub: "idp-user-1", email: "Louis@SSO.example" }));
    expect(first.errors).toBeUndefined();
    expect(first.data?.signInWithIdToken.user).toMatchObject({ id: louis.userId, email: "louis@sso.example" });
    expect(identityOf(first.data!.signInWithIdToken)).toMatchObject({ userId: louis.userId, organisationId: louis.organisationId });
    const row = (await t.repos.users.byIds([louis.userId]))[0]!;
    expect(row).toMatchObject({ ssoIssuer: idp.issuer, ssoSubject: "idp-user-1" });

    // The provider's e-mail may change; the link holds.
    const again = await sso(await idToken({ sub: "idp-user-1", email: "louis.martin@elsewhere.example" }));
    expect(again.data?.signInWithIdToken.user.id).toBe(louis.userId);
  });

  it("verifies a pending e-mail, the issuer having verified it", async () => {
    await t.ok(SIGN_UP, { input: signUpInput({ email: "pending@sso.example" }) });
    const result = await sso(await idToken({ sub: "idp-user-2", email: "pending@sso.example" }));
    expect(result.data?.signInWithIdToken.user.status).toBe("ACTIVE");
  });

  it.each([
    ["an unregistered e-mail", async () => idToken({ sub: "idp-new", email: "stranger@sso.example" }), "NOT_REGISTERED", /sign up first/],
    [
      "email_verified false",
      async () => idToken({ sub: "idp-x", email: "louis@sso.example", email_verified: false }),
      "EMAIL_NOT_VERIFIED",
    ],
    ["no e-mail", async () => idToken({ sub: "idp-x" }), "EMAIL_NOT_VERIFIED"],
    [
      "an issuer not configured",
      async () => idToken({ sub: "idp-x", email: "louis@sso.example" }, { issuer: "https://evil.example/" }),
      "UNKNOWN_ISSUER",
    ],
    [
      "a token signed by another key",
      async () => idToken({ sub: "idp-x", email: "louis@sso.example" }, { key: (await generateKeyPair("RS256")).privateKey }),
      "BAD_SIGNATURE",
    ],
    [
      "an expired token",
      async () => idToken({ sub: "idp-user-1", email: "louis@sso.example" }, { expiresAt: new Date(t.clock.now().getTime() - 5 * MINUTE) }),
      "EXPIRED",
    ],
    [
      "a token for another audience",
      async () => idToken({ sub: "idp-user-1", email: "louis@sso.example" }, { audience: "other-app" }),
      "WRONG_AUDIENCE",
    ],
    ["something that is not a JWT", async () => "not.a.jwt", "MALFORMED"],
    [
      "an issuer whose keys cannot be fetched",
      async () => idToken({ sub: "idp-x", email: "louis@sso.example" }, { issuer: "https://down.example/" }),
      "ISSUER_UNAVAILABLE",
    ],
    ["an account linked to another subject", async () => idToken({ sub: "idp-impostor", email: "louis@sso.example" }), "LINKED_ELSEWHERE"],
  ])("refuses %s as UNAUTHENTICATED (%s), writing nothing", async (_case, make, reason, message?: RegExp) => {
    const token = await make();
    const before = await t.counts();
    const result = await sso(token);
    expect(result.data).toBeNull();
    expect(result.errors?.[0]?.extensions).toEqual({ code: "UNAUTHENTICATED", reason });
    if (message) expect(result.errors?.[0]?.message).toMatch(message);
    expect(await t.counts()).toEqual(before);
  });
});
