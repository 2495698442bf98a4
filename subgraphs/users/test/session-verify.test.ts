import { IDENTITY_HEADER, type RunningSubgraph } from "@sfe/kit";
import { as, MISSING_ID, testGateway } from "@sfe/kit/testing";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { account, type HttpSetup, PASSWORD, REFRESH, type Session, SIGN_IN, setUpOverHttp } from "./helpers.js";

let t: HttpSetup;
beforeAll(async () => {
  t = await setUpOverHttp();
});
afterAll(() => t.close());

const CHANGE_PASSWORD = /* GraphQL */ `
  mutation ($input: ChangePasswordInput!) { changePassword(input: $input) { user { id } } }`;
const UPDATE_USER = /* GraphQL */ `mutation ($input: UpdateUserInput!) { updateUser(input: $input) { user { status } } }`;

/** POST /internal/sessions/verify as the gateway would (or with another token, null: none). */
async function verifySession(body: unknown, options: { server?: RunningSubgraph; token?: string | null; raw?: string } = {}) {
  const server = options.server ?? t.http;
  const token = options.token === undefined ? (await testGateway.headers("users"))[IDENTITY_HEADER] : options.token;
  const response = await fetch(server.url.replace(/\/graphql$/, "/internal/sessions/verify"), {
    method: "POST",
    headers: { "content-type": "application/json", ...(token != null && { [IDENTITY_HEADER]: token }) },
    body: options.raw ?? JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** What the gateway sends for an access token: its sub, sid and iat. */
const claimsOf = (session: Pick<Session, "accessToken">) => {
  const claims = decodeJwt(session.accessToken);
  return { userId: claims.sub, sessionId: (claims.sid as string | undefined) ?? null, issuedAt: claims.iat };
};
const check = (session: Pick<Session, "accessToken">) => verifySession(claimsOf(session));
const VALID = { status: 200, body: { valid: true } };
const invalid = (reason: string) => ({ status: 200, body: { valid: false, reason } });
const signIn = async (email: string, password = PASSWORD) => (await t.ok(SIGN_IN, { input: { email, password } })).signIn as Session;

describe("access tokens name their session", () => {
  it("carry sid, the refresh-token family they were issued for, kept by refreshes; sign-ins start new ones", async () => {
    const ann = await account(t, { email: "ann@sessions.example" });
    const { sid } = decodeJwt(ann.session.accessToken);
    const families = (await t.handle.db.execute(
      `select distinct family_id from users.refresh_tokens where user_id = '${ann.userId}'`,
    )) as unknown;
    const rows = (Array.isArray(families) ? families : (families as { rows: unknown[] }).rows) as { family_id: string }[];
    expect(rows.map((row) => row.family_id)).toEqual([sid]);
    const refreshed = (await t.ok(REFRESH, { token: ann.session.refreshToken })).refreshSession as Session;
    expect(decodeJwt(refreshed.accessToken)).toMatchObject({ sid, sub: ann.userId, iss: "sfe-hub", aud: "sfe-hub" });
    expect(decodeJwt((await signIn("ann@sessions.example")).accessToken).sid).not.toBe(sid);
    expect(await check(ann.session)).toEqual(VALID);
    expect(await check(refreshed)).toEqual(VALID);
  });
});

describe("POST /internal/sessions/verify", () => {
  it("SIGNED_OUT after signing out, for that session only", async () => {
    const bo = await account(t, { email: "bo@sessions.example" });
    const laptop = await signIn("bo@sessions.example");
    await t.ok(`mutation ($token: String!) { signOut(refreshToken: $token) { signedOut } }`, { token: bo.session.refreshToken });
    expect(await check(bo.session)).toEqual(invalid("SIGNED_OUT"));
    expect(await check(laptop)).toEqual(VALID);
  });

  it("SIGNED_OUT once a stolen refresh token's reuse revoked the family", async () => {
    const cy = await account(t, { email: "cy@sessions.example" });
    const rotated = (await t.ok(REFRESH, { token: cy.session.refreshToken })).refreshSession as Session;
    expect((await t.run(REFRESH, { token: cy.session.refreshToken })).errors?.[0]?.extensions?.reason).toBe("REUSED");
    expect(await check(rotated)).toEqual(invalid("SIGNED_OUT"));
  });

  it("PASSWORD_CHANGED for tokens issued before a password change, with or without a session id", async () => {
    const di = await account(t, { email: "di@sessions.example" });
    t.clock.advance(5_000);
    await t.ok(CHANGE_PASSWORD, { input: { currentPassword: PASSWORD, newPassword: "Brand-New-Pass-7" } }, di.identity);
    expect(await check(di.session)).toEqual(invalid("PASSWORD_CHANGED"));
    expect(await verifySession({ ...claimsOf(di.session), sessionId: null })).toEqual(invalid("PASSWORD_CHANGED"));
    const fresh = await signIn("di@sessions.example", "Brand-New-Pass-7");
    expect(await check(fresh)).toEqual(VALID);
    expect(await verifySession({ ...claimsOf(fresh), sessionId: null })).toEqual(VALID); // an older token without sid
  });

  it("SUSPENDED while the user is suspended or deactivated", async () => {
    const ed = await account(t, { email: "ed@sessions.example" });
    for (const status of ["SUSPENDED", "DEACTIVATED"]) {
      await t.ok(UPDATE_USER, { input: { id: ed.userId, status } }, as.admin);
      expect(await check(ed.session)).toEqual(invalid("SUSPENDED"));
      expect(await verifySession({ ...claimsOf(ed.session), sessionId: null })).toEqual(invalid("SUSPENDED"));
    }
  });

  it("ORGANISATION_CLOSED once the organisation is de-registered", async () => {
    const fi = await account(t, { email: "fi@sessions.example" });
    await t.ok(`mutation ($id: ID!) { deregisterOrganisation(id: $id) { organisation { id } } }`, { id: fi.organisationId }, fi.identity);
    expect(await check(fi.session)).toEqual(invalid("ORGANISATION_CLOSED"));
  });

  it("UNKNOWN for an unknown user, an unknown session, or another user's session", async () => {
    const gus = await account(t, { email: "gus@sessions.example" });
    const hal = await account(t, { email: "hal@sessions.example" });
    const claims = claimsOf(gus.session);
    expect(await verifySession({ ...claims, userId: MISSING_ID })).toEqual(invalid("UNKNOWN"));
    expect(await verifySession({ ...claims, userId: MISSING_ID, sessionId: null })).toEqual(invalid("UNKNOWN"));
    expect(await verifySession({ ...claims, sessionId: MISSING_ID })).toEqual(invalid("UNKNOWN"));
    expect(await verifySession({ ...claims, sessionId: claimsOf(hal.session).sessionId })).toEqual(invalid("UNKNOWN"));
  });

  it.each<[string, unknown, string?]>([
    ["not JSON", undefined, "{nope"],
    ["no userId", { sessionId: null, issuedAt: 1 }],
    ["a userId that is not an id", { userId: "x", sessionId: null, issuedAt: 1 }],
    ["a sessionId that is not an id", { userId: MISSING_ID, sessionId: 42, issuedAt: 1 }],
    ["no sessionId (null must be said)", { userId: MISSING_ID, issuedAt: 1 }],
    ["no issuedAt", { userId: MISSING_ID, sessionId: null }],
    ["an issuedAt that is no time", { userId: MISSING_ID, sessionId: null, issuedAt: "yesterday" }],
    ["an array", [1, 2]],
  ])("answers 400 for %s", async (_case, body, raw) => {
    const answer = await verifySession(body, raw === undefined ? {} : { raw });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatch(/userId/);
  });

  it("answers only the gateway: 401 without its token, 404 when no gateway key is configured", async () => {
    const { session } = await account(t, { email: "ivy@sessions.example" });
    expect((await verifySession(claimsOf(session), { token: null })).status).toBe(401);
    expect((await verifySession(claimsOf(session), { token: (await testGateway.headers("assets"))[IDENTITY_HEADER] })).status).toBe(401);
    expect((await verifySession(claimsOf(session), { server: t.open })).status).toBe(404);
  });
});
