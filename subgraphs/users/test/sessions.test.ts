import { type RunningSubgraph, startSubgraph } from "@sfe/kit";
import { as, errorCodes } from "@sfe/kit/testing";
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUsersSubgraph } from "../src/server.js";
import {
  account,
  DAY,
  identityOf,
  MINUTE,
  PASSWORD,
  REFRESH,
  type Session,
  SIGN_IN,
  SIGN_UP,
  type Setup,
  setUp,
  signUpInput,
} from "./helpers.js";

let t: Setup;
let http: RunningSubgraph;
beforeAll(async () => {
  t = await setUp();
  // A second instance (a replica) over the same database, served over HTTP for its JWKS.
  http = await startSubgraph(createUsersSubgraph({ ...t.deps, repos: undefined }), { port: 0, host: "127.0.0.1" });
});
afterAll(async () => {
  await http.stop();
  await t.handle.close();
});

const jwksUrl = () => http.url.replace(/\/graphql$/, "/.well-known/jwks.json");
const SIGN_IN_FAILED = "E-mail or password is wrong, or the e-mail is not verified yet";
const CHANGE_PASSWORD = /* GraphQL */ `
  mutation ($input: ChangePasswordInput!) { changePassword(input: $input) { user { id } } }`;
const SIGN_OUT = /* GraphQL */ `mutation ($token: String!) { signOut(refreshToken: $token) { signedOut } }`;

const signIn = (email: string, password = PASSWORD) => t.run<{ signIn: Session }>(SIGN_IN, { input: { email, password } });

describe("sign-in", () => {
  it("issues an ES256 access token for 15 minutes that verifies against the published JWKS, with the effective roles", async () => {
    const louis = await account(t, { email: "louis@signin.example" });
    const { session } = louis;
    const response = await fetch(jwksUrl());
    expect(response.status).toBe(200);
    const jwks = (await response.json()) as JSONWebKeySet;
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    expect(jwks.keys[0]).not.toHaveProperty("d"); // never the private half

    const { payload, protectedHeader } = await jwtVerify(session.accessToken, createLocalJWKSet(jwks), {
      issuer: "sfe-hub",
      audience: "sfe-hub",
      algorithms: ["ES256"],
      currentDate: t.clock.now(),
    });
    expect(protectedHeader.kid).toBe(jwks.keys[0]!.kid);
    expect(payload).toMatchObject({ sub: louis.userId, org: louis.organisationId, roles: ["FSP"], adm: true, kind: "user", areas: [] });
    expect(payload.exp! - payload.iat!).toBe(15 * 60);
    expect(new Date(session.accessTokenExpiresAt).getTime()).toBe(payload.exp! * 1000);
    expect(Buffer.from(session.refreshToken, "base64url")).toHaveLength(32);
    expect(new Date(session.refreshTokenExpiresAt).getTime() - t.clock.now().getTime()).toBe(30 * DAY);
  });

  it("keeps one signing key in the database: every replica and restart signs with it", async () => {
    const replica = createUsersSubgraph({ ...t.deps, repos: undefined });
    expect(replica).not.toBe(t.subgraph);
    const session = (await signIn("louis@signin.example")).data!.signIn;
    const keys = (await (await fetch(jwksUrl())).json()) as JSONWebKeySet;
    expect(keys.keys.map((k) => k.kid)).toEqual([decodeProtectedHeader(session.accessToken).kid]);
    expect(await t.count("signing_keys")).toBe(1);
  });

  it("answers a wrong password, an unknown e-mail and an unverified e-mail alike, issuing nothing", async () => {
    await t.ok(SIGN_UP, { input: signUpInput({ email: "pending@signin.example" }) });
    const before = await t.counts();
    for (const [email, password] of [
      ["louis@signin.example", "Wrong-Password-1"],
      ["nobody@signin.example", PASSWORD],
      ["pending@signin.example", PASSWORD],
    ] as const) {
      const result = await signIn(email, password);
      expect(result.errors).toEqual([
        { message: SIGN_IN_FAILED, path: ["signIn"], locations: expect.any(Array), extensions: { code: "UNAUTHENTICATED" } },
      ]);
      expect(result.data).toBeNull();
    }
    expect(await t.counts()).toEqual(before);
  });

  it("refuses suspended and deactivated users, and users of a de-registered organisation", async () => {
    const sam = await account(t, { email: "sam@signin.example" });
    const update = `mutation ($input: UpdateUserInput!) { updateUser(input: $input) { user { status } } }`;
    for (const status of ["SUSPENDED", "DEACTIVATED"]) {
      await t.ok(update, { input: { id: sam.userId, status } }, as.admin);
      expect((await signIn("sam@signin.example")).errors?.[0]?.message).toBe(SIGN_IN_FAILED);
    }
    await t.ok(update, { input: { id: sam.userId, status: "ACTIVE" } }, as.admin);
    expect((await signIn("sam@signin.example")).errors).toBeUndefined();
    await t.ok(
      `mutation ($id: ID!) { deregisterOrganisation(id: $id) { organisation { status } } }`,
      { id: sam.organisationId },
      sam.identity,
    );
    expect((await signIn("sam@signin.example")).errors?.[0]?.message).toBe(SIGN_IN_FAILED);
    // Refreshing the session it had is refused too.
    expect((await t.run(REFRESH, { token: sam.session.refreshToken })).errors?.[0]?.extensions).toMatchObject({
      code: "UNAUTHENTICATED",
      reason: "INVALID",
    });
  });
});

describe("throttling", () => {
  it("refuses a sixth attempt within 15 minutes after five failures, even with the right password, then lets it in", async () => {
    await account(t, { email: "target@throttle.example" });
    for (let i = 0; i < 5; i++) {
      expect(errorCodes(await signIn("target@throttle.example", `Wrong-Guess-${i}`))).toEqual(["UNAUTHENTICATED"]);
      t.clock.advance(MINUTE);
    }
    const refreshTokens = await t.count("refresh_tokens");
    const refused = await signIn("TARGET@throttle.example ", PASSWORD);
    expect(refused.errors?.[0]).toMatchObject({
      message: "Too many failed attempts; try again in 600 seconds",
      extensions: { code: "TOO_MANY_REQUESTS", retryAfterSeconds: 600 },
    });
    expect(await t.count("refresh_tokens")).toBe(refreshTokens);
    t.clock.advance(9 * MINUTE); // 14 minutes after the first failure: still inside the window
    expect(errorCodes(await signIn("target@throttle.example"))).toEqual(["TOO_MANY_REQUESTS"]);
    t.clock.advance(2 * MINUTE); // the first failure has left the window
    expect((await signIn("target@throttle.example")).errors).toBeUndefined();
    // A success resets the count.
    expect(errorCodes(await signIn("target@throttle.example", "Wrong-Again-1"))).toEqual(["UNAUTHENTICATED"]);
    expect((await signIn("target@throttle.example")).errors).toBeUndefined();
  });

  it("throttles an unknown e-mail the same way, with the same message", async () => {
    for (let i = 0; i < 5; i++)
      expect(errorCodes(await signIn("ghost@throttle.example", `Guess-Number-${i}`))).toEqual(["UNAUTHENTICATED"]);
    expect((await signIn("ghost@throttle.example")).errors?.[0]?.extensions).toEqual({
      code: "TOO_MANY_REQUESTS",
      retryAfterSeconds: 900,
    });
    // Other e-mails are not affected.
    expect((await signIn("louis@signin.example")).errors).toBeUndefined();
  });
});

describe("refresh tokens", () => {
  it("rotates: the old token is spent, the new one works, in the same family", async () => {
    const { session } = await account(t, { email: "rotate@refresh.example" });
    const first = await t.ok(REFRESH, { token: session.refreshToken });
    const next = first.refreshSession as Session;
    expect(next.refreshToken).not.toBe(session.refreshToken);
    expect(next.user.email).toBe("rotate@refresh.example");
    expect(identityOf(next)).toMatchObject({ roles: ["FSP"], orgAdmin: true });
    const second = await t.ok(REFRESH, { token: next.refreshToken });
    expect(second.refreshSession.refreshToken).not.toBe(next.refreshToken);
  });

  it("detects reuse of a rotated token: the whole family is revoked and the call fails", async () => {
    const { session } = await account(t, { email: "theft@refresh.example" });
    const rotated = (await t.ok(REFRESH, { token: session.refreshToken })).refreshSession as Session;
    const stolen = await t.run(REFRESH, { token: session.refreshToken });
    expect(stolen.errors?.[0]?.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "REUSED" });
    // The legitimate holder's newer token is dead too.
    expect((await t.run(REFRESH, { token: rotated.refreshToken })).errors?.[0]?.extensions).toMatchObject({ reason: "INVALID" });
  });

  it("refuses unknown and expired tokens", async () => {
    const { session } = await account(t, { email: "old@refresh.example" });
    const before = await t.counts();
    expect((await t.run(REFRESH, { token: "nonsense" })).errors?.[0]?.extensions).toEqual({ code: "UNAUTHENTICATED", reason: "INVALID" });
    t.clock.advance(30 * DAY + 1000);
    expect((await t.run(REFRESH, { token: session.refreshToken })).errors?.[0]?.extensions).toEqual({
      code: "UNAUTHENTICATED",
      reason: "EXPIRED",
    });
    expect(await t.counts()).toEqual(before);
  });

  it("signs out: the token's family is revoked; an unknown token gets the same answer", async () => {
    const { session } = await account(t, { email: "bye@refresh.example" });
    const other = (await signIn("bye@refresh.example")).data!.signIn; // a second device
    expect(await t.ok(SIGN_OUT, { token: session.refreshToken })).toEqual({ signOut: { signedOut: true } });
    expect((await t.run(REFRESH, { token: session.refreshToken })).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect((await t.run(REFRESH, { token: other.refreshToken })).errors).toBeUndefined(); // the other device stays signed in
    expect(await t.ok(SIGN_OUT, { token: "never-issued" })).toEqual({ signOut: { signedOut: true } });
  });
});

describe("changing the password", () => {
  it("checks the current password, refuses a weak one, and signs every session out", async () => {
    const kim = await account(t, { email: "kim@password.example" });
    const laptop = (await signIn("kim@password.example")).data!.signIn;
    const before = await t.counts();
    const wrong = await t.run(
      CHANGE_PASSWORD,
      { input: { currentPassword: "Not-My-Password-1", newPassword: "Brand-New-Pass-7" } },
      kim.identity,
    );
    expect(wrong.errors?.[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", field: "currentPassword" });
    const weak = await t.run(CHANGE_PASSWORD, { input: { currentPassword: PASSWORD, newPassword: "aaaaaaaaaaaaaaaa" } }, kim.identity);
    expect(weak.errors?.[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", field: "newPassword" });
    expect(errorCodes(await t.run(CHANGE_PASSWORD, { input: { currentPassword: PASSWORD, newPassword: "Brand-New-Pass-7" } }))).toEqual([
      "UNAUTHENTICATED",
    ]);
    expect(await t.counts()).toEqual(before);

    await t.ok(CHANGE_PASSWORD, { input: { currentPassword: PASSWORD, newPassword: "Brand-New-Pass-7" } }, kim.identity);
    for (const token of [kim.session.refreshToken, laptop.refreshToken]) {
      expect((await t.run(REFRESH, { token })).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    }
    expect((await signIn("kim@password.example")).errors?.[0]?.message).toBe(SIGN_IN_FAILED);
    expect((await signIn("kim@password.example", "Brand-New-Pass-7")).errors).toBeUndefined();
    const audit = await t.ok(`query ($o: ID!) { auditEvents(organisationId: $o) { action } }`, { o: kim.organisationId }, kim.identity);
    expect(audit.auditEvents.map((e: { action: string }) => e.action)).toContain("PASSWORD_CHANGED");
  });
});
