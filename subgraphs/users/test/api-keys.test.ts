import { type Identity, IDENTITY_HEADER, type RunningSubgraph } from "@sfe/kit";
import { as, errorCodes, testGateway } from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { account, type HttpSetup, member, MINUTE, setUpOverHttp } from "./helpers.js";

let t: HttpSetup;
beforeAll(async () => {
  t = await setUpOverHttp();
});
afterAll(() => t.close());

const CREATE = /* GraphQL */ `
  mutation ($input: CreateApiKeyInput!) {
    createApiKey(input: $input) { secret apiKey { id name prefix scopes createdAt lastUsedAt revokedAt organisation { id } } }
  }`;
const LIST = /* GraphQL */ `query ($o: ID!) { apiKeys(organisationId: $o) { id name prefix scopes lastUsedAt revokedAt } }`;
const REVOKE = /* GraphQL */ `mutation ($id: ID!) { revokeApiKey(id: $id) { apiKey { id revokedAt } } }`;

/** The gateway's identity token for the users subgraph, unless a test sends another (null: none). */
async function verify(key: unknown, options: { server?: RunningSubgraph; token?: string | null; body?: string } = {}) {
  const server = options.server ?? t.http;
  const token = options.token === undefined ? (await testGateway.headers("users"))[IDENTITY_HEADER] : options.token;
  const response = await fetch(server.url.replace(/\/graphql$/, "/internal/api-keys/verify"), {
    method: "POST",
    headers: { "content-type": "application/json", ...(token !== null && { [IDENTITY_HEADER]: token }) },
    body: options.body ?? JSON.stringify({ key }),
  });
  return { status: response.status, body: (await response.json()) as { identity?: Identity; error?: string } };
}

describe("API keys", () => {
  let admin: Awaited<ReturnType<typeof account>>;
  beforeAll(async () => {
    admin = await account(t, { email: "admin@platform.example", role: "THIRD_PARTY", newOrganisation: { name: "Piclo-like Platform" } });
  });

  it("creates a key shown once, keeps only its hash, and lists it without the secret", async () => {
    const created = await t.ok(
      CREATE,
      { input: { organisationId: admin.organisationId, name: " Bid bot ", scopes: ["assets:read", "transactions:write", "assets:read"] } },
      admin.identity,
    );
    const { secret, apiKey } = created.createApiKey;
    expect(secret).toMatch(/^sfe_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
    expect(secret.startsWith(`sfe_${apiKey.prefix}_`)).toBe(true);
    expect(apiKey).toMatchObject({
      name: "Bid bot",
      scopes: ["assets:read", "transactions:write"],
      lastUsedAt: null,
      revokedAt: null,
      organisation: { id: admin.organisationId },
    });
    const stored = JSON.stringify(await t.handle.db.execute("select * from users.api_keys"));
    expect(stored).not.toContain(secret.slice("sfe_12345678_".length));
    const audited = JSON.stringify(await t.handle.db.execute("select after from users.audit_events where action = 'API_KEY_CREATED'"));
    expect(audited).not.toContain("secret");

    const listed = await t.ok(LIST, { o: admin.organisationId }, admin.identity);
    expect(listed.apiKeys).toEqual([
      { id: apiKey.id, name: "Bid bot", prefix: apiKey.prefix, scopes: apiKey.scopes, lastUsedAt: null, revokedAt: null },
    ]);
    expect(JSON.stringify(listed)).not.toContain(secret);
    expect((await t.ok(LIST, { o: admin.organisationId }, as.admin)).apiKeys).toHaveLength(1);
  });

  it.each([
    ["no scopes", { scopes: [] }],
    ["an unknown area", { scopes: ["bids:read"] }],
    ["an unknown mode", { scopes: ["assets:admin"] }],
    ["a wildcard", { scopes: ["*"] }],
    ["an empty name", { name: "  " }],
  ])("refuses %s with BAD_USER_INPUT, writing nothing", async (_case, overrides) => {
    const before = await t.counts();
    const input = { organisationId: admin.organisationId, name: "k", scopes: ["assets:read"], ...overrides };
    expect(errorCodes(await t.run(CREATE, { input }, admin.identity))).toEqual(["BAD_USER_INPUT"]);
    expect(await t.counts()).toEqual(before);
  });

  it("is managed by the organisation's administrators only", async () => {
    const plain = await account(t, {
      email: "plain@platform.example",
      role: "THIRD_PARTY",
      organisationId: admin.organisationId,
      invitedBy: admin.identity,
    });
    const before = await t.counts();
    const input = { organisationId: admin.organisationId, name: "k", scopes: ["assets:read"] };
    expect(errorCodes(await t.run(CREATE, { input }, plain.identity))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await t.run(CREATE, { input }, as.admin))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await t.run(CREATE, { input }))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await t.run(LIST, { o: admin.organisationId }, plain.identity))).toEqual(["FORBIDDEN"]);
    expect(await t.counts()).toEqual(before);
  });

  it("verifies a key over HTTP for the gateway: its organisation's roles and scopes, stamping its last use", async () => {
    const { secret, apiKey } = (
      await t.ok(
        CREATE,
        { input: { organisationId: admin.organisationId, name: "verify", scopes: ["users:read", "assets:read"] } },
        admin.identity,
      )
    ).createApiKey;
    t.clock.advance(MINUTE);
    const answer = await verify(secret);
    expect(answer).toEqual({
      status: 200,
      body: {
        identity: {
          kind: "apiKey",
          userId: null,
          organisationId: admin.organisationId,
          roles: ["THIRD_PARTY"],
          orgAdmin: false,
          scopes: ["assets:read", "users:read"],
          areas: [],
        },
      },
    });
    const lastUsed = async () =>
      (await t.ok(LIST, { o: admin.organisationId }, admin.identity)).apiKeys.find((k: { id: string }) => k.id === apiKey.id).lastUsedAt;
    const firstUse = t.clock.now();
    expect(await lastUsed()).toEqual(firstUse);
    // A busy key is stamped at most once a minute.
    t.clock.advance(10_000);
    expect((await verify(secret)).status).toBe(200);
    expect(await lastUsed()).toEqual(firstUse);
    t.clock.advance(MINUTE);
    expect((await verify(secret)).status).toBe(200);
    expect(await lastUsed()).toEqual(t.clock.now());

    // The identity acts in this subgraph within its scopes: users:read reads the directory and its own members.
    const identity = answer.body.identity!;
    expect((await t.ok(`{ organisations { id } }`, {}, identity)).organisations.length).toBeGreaterThan(0);
    expect(errorCodes(await t.run(LIST, { o: admin.organisationId }, identity))).toEqual(["FORBIDDEN"]);
    const assetsOnly = { ...identity, scopes: ["assets:read"] };
    expect(errorCodes(await t.run(`{ organisations { id } }`, {}, assetsOnly))).toEqual(["FORBIDDEN"]);
  });

  it("stops a revoked key at once", async () => {
    const { secret, apiKey } = (
      await t.ok(CREATE, { input: { organisationId: admin.organisationId, name: "short-lived", scopes: ["rules:read"] } }, admin.identity)
    ).createApiKey;
    expect((await verify(secret)).status).toBe(200);
    const revoked = await t.ok(REVOKE, { id: apiKey.id }, admin.identity);
    expect(revoked.revokeApiKey.apiKey.revokedAt).toEqual(t.clock.now());
    expect(await verify(secret)).toEqual({ status: 401, body: { error: "Unknown or revoked API key" } });
    const actions = (
      await t.ok(`query ($o: ID!) { auditEvents(organisationId: $o) { action } }`, { o: admin.organisationId }, admin.identity)
    ).auditEvents as { action: string }[];
    expect(actions.map((a) => a.action)).toEqual(expect.arrayContaining(["API_KEY_CREATED", "API_KEY_REVOKED"]));
  });

  it("answers 401 for unknown or malformed keys, 400 for a bad body", async () => {
    expect((await verify("sfe_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")).status).toBe(401);
    expect((await verify("nonsense")).status).toBe(401);
    expect((await verify(42)).status).toBe(400);
    expect((await verify(null, { body: "{not json" })).status).toBe(400);
  });

  it("answers only the gateway: 401 without its token for this audience, 404 when no gateway key is configured", async () => {
    const { secret } = (
      await t.ok(CREATE, { input: { organisationId: admin.organisationId, name: "guarded", scopes: ["assets:read"] } }, admin.identity)
    ).createApiKey;
    expect((await verify(secret, { token: null })).status).toBe(401);
    expect((await verify(secret, { token: "not-a-token" })).status).toBe(401);
    // A token the gateway signed for another subgraph (an SO's own, say) is worth nothing here.
    const elsewhere = (await testGateway.headers("so_ukpn"))[IDENTITY_HEADER];
    expect((await verify(secret, { token: elsewhere })).status).toBe(401);
    expect((await verify(secret, { server: t.open, token: null })).status).toBe(404);
    expect((await verify(secret, { server: t.open })).status).toBe(404);
  });

  it("gives an SO organisation's key SYSTEM_OPERATOR (and its areas) only once the organisation is ACTIVE, and never ADMIN", async () => {
    const ed = await account(t, { email: "ed@so-keys.example", role: "SYSTEM_OPERATOR", newOrganisation: { name: "SO Keys Ltd" } });
    await t.ok(
      `mutation ($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) { organisation { id } } }`,
      { input: { id: ed.organisationId, areas: ["_C"], status: "PENDING_VERIFICATION" } },
      as.admin,
    );
    const { secret } = (
      await t.ok(CREATE, { input: { organisationId: ed.organisationId, name: "so", scopes: ["products:write"] } }, ed.identity)
    ).createApiKey;
    expect((await verify(secret)).body.identity).toMatchObject({ roles: [], areas: [] });
    await t.ok(`mutation ($id: ID!) { verifySystemOperator(userId: $id) { user { id } } }`, { id: ed.userId }, as.admin);
    expect((await verify(secret)).body.identity).toMatchObject({ roles: ["SYSTEM_OPERATOR"], areas: ["_C"] });

    const hub = await account(t, { email: "ops@hub.example", role: "REGULATOR", newOrganisation: { name: "Hub Ops" } });
    await t.ok(
      `mutation ($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) { organisation { id } } }`,
      { input: { id: hub.organisationId, roles: ["ADMIN", "REGULATOR"], status: "ACTIVE" } },
      as.admin,
    );
    const hubKey = (
      await t.ok(CREATE, { input: { organisationId: hub.organisationId, name: "hub", scopes: ["users:write"] } }, hub.identity)
    ).createApiKey.secret;
    expect((await verify(hubKey)).body.identity?.roles).toEqual(["REGULATOR"]);
  });

  it("refuses keys of a de-registered organisation until it is reinstated", async () => {
    const org = await account(t, { email: "admin@closing.example", role: "THIRD_PARTY" });
    const { secret } = (
      await t.ok(CREATE, { input: { organisationId: org.organisationId, name: "k", scopes: ["assets:read"] } }, org.identity)
    ).createApiKey;
    await t.ok(`mutation ($id: ID!) { deregisterOrganisation(id: $id) { organisation { id } } }`, { id: org.organisationId }, org.identity);
    expect((await verify(secret)).status).toBe(401);
    await t.ok(`mutation ($id: ID!) { reinstateOrganisation(id: $id) { organisation { id } } }`, { id: org.organisationId }, as.admin);
    expect((await verify(secret)).status).toBe(200);
  });

  it("carries no more than its creator may do: an unverified SO admin's key has no SYSTEM_OPERATOR (D2)", async () => {
    const ed = await account(t, { email: "ed@so-members.example", role: "SYSTEM_OPERATOR", newOrganisation: { name: "SO Members" } });
    await t.ok(
      `mutation ($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) { organisation { id } } }`,
      { input: { id: ed.organisationId, areas: ["_B"] } },
      as.admin,
    );
    await t.ok(`mutation ($id: ID!) { verifySystemOperator(userId: $id) { user { id } } }`, { id: ed.userId }, as.admin);
    // Sue joins the (now ACTIVE) SO and is made an administrator, but nobody has verified her as an SO.
    const sue = await account(t, {
      email: "sue@so-members.example",
      role: "SYSTEM_OPERATOR",
      organisationId: ed.organisationId,
      invitedBy: ed.identity,
    });
    expect(sue.status).toBe("PENDING_ROLE_VERIFICATION");
    await t.ok(
      `mutation ($input: ChangeMemberRoleInput!) { changeMemberRole(input: $input) { user { orgAdmin } } }`,
      { input: { userId: sue.userId, orgAdmin: true } },
      ed.identity,
    );
    const create = async (by: typeof ed.identity) =>
      (await t.ok(CREATE, { input: { organisationId: ed.organisationId, name: "so", scopes: ["products:write"] } }, by)).createApiKey
        .secret as string;
    const suesKey = await create({ ...sue.identity, orgAdmin: true });
    expect((await verify(suesKey)).body.identity).toMatchObject({ roles: [], areas: [] });
    // The verified SO's key acts as an SO in its area, and follows its creator: verifying Sue later lifts hers.
    expect((await verify(await create(ed.identity))).body.identity).toMatchObject({ roles: ["SYSTEM_OPERATOR"], areas: ["_B"] });
    await t.ok(`mutation ($id: ID!) { verifySystemOperator(userId: $id) { user { id } } }`, { id: sue.userId }, as.admin);
    expect((await verify(suesKey)).body.identity).toMatchObject({ roles: ["SYSTEM_OPERATOR"], areas: ["_B"] });
  });

  it("stops working while its creator is suspended or deactivated, or once they left the organisation (D21)", async () => {
    const creator = await account(t, { email: "creator@keys.example", role: "THIRD_PARTY" });
    const other = await account(t, { email: "other@keys.example", role: "THIRD_PARTY" });
    const { secret } = (
      await t.ok(CREATE, { input: { organisationId: creator.organisationId, name: "k", scopes: ["assets:read"] } }, creator.identity)
    ).createApiKey;
    const setStatus = (status: string) =>
      t.ok(
        `mutation ($input: UpdateUserInput!) { updateUser(input: $input) { user { status } } }`,
        {
          input: { id: creator.userId, status },
        },
        as.admin,
      );
    expect((await verify(secret)).status).toBe(200);
    for (const status of ["SUSPENDED", "DEACTIVATED"]) {
      await setStatus(status);
      expect(await verify(secret)).toEqual({ status: 401, body: { error: "Unknown or revoked API key" } });
    }
    await setStatus("ACTIVE");
    expect((await verify(secret)).status).toBe(200);
    // No operation moves a person between organisations; should one ever, the key stays behind, dead.
    await t.handle.exec(`update users.users set organisation_id = '${other.organisationId}' where id = '${creator.userId}'`);
    expect((await verify(secret)).status).toBe(401);
  });

  it("refuses revocation by anyone but the organisation's administrators (or a hub administrator)", async () => {
    const { apiKey } = (
      await t.ok(CREATE, { input: { organisationId: admin.organisationId, name: "keep", scopes: ["assets:read"] } }, admin.identity)
    ).createApiKey;
    const before = await t.counts();
    expect(errorCodes(await t.run(REVOKE, { id: apiKey.id }, member(admin.organisationId, ["THIRD_PARTY"])))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await t.run(REVOKE, { id: apiKey.id }))).toEqual(["UNAUTHENTICATED"]);
    expect(await t.counts()).toEqual(before);
    expect((await t.ok(REVOKE, { id: apiKey.id }, as.admin)).revokeApiKey.apiKey.revokedAt).not.toBeNull();
  });
});
