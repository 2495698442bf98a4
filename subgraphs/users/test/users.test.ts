import { apiKeyOf, as, errorCodes, MISSING_ID } from "@sfe/kit/testing";
import { applyPolicy } from "@sfe/kit";
import { parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { policy as accounts } from "../src/modules/accounts/policy.js";
import { policy as apiKeys } from "../src/modules/api-keys/policy.js";
import { policy as organisations } from "../src/modules/organisations/policy.js";
import { policy as sessions } from "../src/modules/sessions/policy.js";
import { policy as audit } from "../src/modules/audit/policy.js";
import { typeDefs } from "../src/server.js";
import { account, member, type Setup, setUp } from "./helpers.js";

let t: Setup;
const { admin: ADMIN } = as;

beforeAll(async () => {
  t = await setUp();
});
afterAll(() => t.handle.close());

const REGISTER = /* GraphQL */ `
  mutation ($input: RegisterOrganisationInput!) {
    registerOrganisation(input: $input) { organisation { id name companyNumber roles areas status } }
  }`;
const CREATE_USER = /* GraphQL */ `
  mutation ($input: CreateUserInput!) { createUser(input: $input) { user { id email organisation { id name } } } }`;
const ORGANISATION = /* GraphQL */ `query ($id: ID!) { organisation(id: $id) { id name roles status users { id } } }`;
const USER = /* GraphQL */ `query ($id: ID!) { user(id: $id) { id email } }`;

async function register(name: string, companyNumber: string | null, roles = ["FSP"], areas?: string[]) {
  const data = await t.ok(REGISTER, { input: { name, companyNumber, roles, ...(areas && { areas }) } }, ADMIN);
  return data.registerOrganisation.organisation as { id: string; name: string; companyNumber: string | null; areas: string[] };
}

describe("organisations (hub administrators)", () => {
  it("registers an organisation with normalised company number and audits it", async () => {
    const auditBefore = await t.count("audit_events");
    const org = await register("UK Power Networks (Operations) Ltd", "03870728", ["SYSTEM_OPERATOR"], ["_c", "_A", "_J"]);
    expect(org).toMatchObject({ name: "UK Power Networks (Operations) Ltd", companyNumber: "03870728", areas: ["_A", "_C", "_J"] });
    const found = await t.run(`query ($id: ID!) { organisation(id: $id) { id roles status } }`, { id: org.id }, as.fspA);
    expect(found.data?.organisation).toEqual({ id: org.id, roles: ["SYSTEM_OPERATOR"], status: "ACTIVE" });
    expect(await t.count("audit_events")).toBe(auditBefore + 1);
  });

  it("refuses a second organisation with the same company number as CONFLICT, writing nothing", async () => {
    await register("Axle Energy Limited", "12345678");
    const before = await t.counts();
    const duplicate = await t.run(REGISTER, { input: { name: "Axle Again", companyNumber: "12345678", roles: ["FSP"] } }, ADMIN);
    expect(errorCodes(duplicate)).toEqual(["CONFLICT"]);
    expect(duplicate.errors?.[0]?.message).toMatch(/company number/);
    expect(await t.counts()).toEqual(before);
  });

  it.each([
    ["malformed company number", { name: "X", companyNumber: "12-34", roles: ["FSP"] }, "BAD_USER_INPUT"],
    ["empty name", { name: "   ", companyNumber: null, roles: ["FSP"] }, "BAD_USER_INPUT"],
    ["no roles", { name: "X", companyNumber: null, roles: [] }, "BAD_USER_INPUT"],
    ["unknown role", { name: "X", companyNumber: null, roles: ["KING"] }, "BAD_USER_INPUT"],
    ["missing name", { companyNumber: null, roles: ["FSP"] }, "BAD_USER_INPUT"],
    ["areas for a non-SO", { name: "X", roles: ["FSP"], areas: ["_A"] }, "BAD_USER_INPUT"],
    ["an unknown GSP group", { name: "X", roles: ["SYSTEM_OPERATOR"], areas: ["_I"] }, "BAD_USER_INPUT"],
  ])("rejects %s with %s and writes nothing", async (_case, input, code) => {
    const before = await t.counts();
    const result = await t.run(REGISTER, { input }, ADMIN);
    expect(errorCodes(result)).toEqual([code]);
    expect(await t.counts()).toEqual(before);
  });

  it("answers null for unknown and malformed ids, and NOT_FOUND when updating one", async () => {
    const q = `query ($id: ID!) { organisation(id: $id) { id } }`;
    expect((await t.run(q, { id: MISSING_ID }, ADMIN)).data).toEqual({ organisation: null });
    expect((await t.run(q, { id: "not-an-id" }, ADMIN)).data).toEqual({ organisation: null });
    const update = await t.run(
      `mutation { updateOrganisation(input: { id: "${MISSING_ID}", name: "Y" }) { organisation { id } } }`,
      {},
      ADMIN,
    );
    expect(errorCodes(update)).toEqual(["NOT_FOUND"]);
  });
});

describe("users (hub administrators)", () => {
  it("creates a user in an organisation; duplicate e-mail is CONFLICT; unknown organisation is refused", async () => {
    const org = await register("NewFlex Ltd", "11111111");
    const input = { organisationId: org.id, email: " Louis@NewFlex.co.uk ", name: "Louis Martin", role: "FSP" };
    const created = await t.run(CREATE_USER, { input }, ADMIN);
    expect(created.data?.createUser.user).toMatchObject({
      email: "louis@newflex.co.uk",
      organisation: { id: org.id, name: "NewFlex Ltd" },
    });
    const before = await t.counts();
    expect(errorCodes(await t.run(CREATE_USER, { input }, ADMIN))).toEqual(["CONFLICT"]);
    expect(errorCodes(await t.run(CREATE_USER, { input: { ...input, email: "not-an-email" } }, ADMIN))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await t.run(CREATE_USER, { input: { ...input, email: "x@y.uk", organisationId: MISSING_ID } }, ADMIN))).toEqual([
      "BAD_USER_INPUT",
    ]);
    expect(await t.counts()).toEqual(before);
  });

  it("never keeps a password hash in the audit trail", async () => {
    await account(t, { email: "hash@audit.example" });
    const rows = await t.handle.db.execute("select count(*)::int as n from users.audit_events where after::text like '%scrypt$%'");
    const n = Array.isArray(rows) ? rows[0].n : (rows as { rows: { n: number }[] }).rows[0]!.n;
    expect(Number(n)).toBe(0);
  });
});

describe("who may call the older operations", () => {
  let org: { id: string };
  let other: { id: string };
  beforeAll(async () => {
    org = await register("Policy Org", null);
    other = await register("Other Org", null);
  });

  it("lets only anonymous callers in through sign-up and sign-in: everything else is UNAUTHENTICATED", async () => {
    const before = await t.counts();
    expect(errorCodes(await t.run(ORGANISATION, { id: org.id }))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await t.run(`{ organisations { id } }`))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await t.run(USER, { id: MISSING_ID }))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await t.run(`{ me { id } }`))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await t.run(REGISTER, { input: { name: "Anon Ltd", roles: ["FSP"] } }))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await t.run(CREATE_USER, { input: { organisationId: org.id, email: "a@b.uk", name: "A", role: "FSP" } }))).toEqual([
      "UNAUTHENTICATED",
    ]);
    expect(await t.counts()).toEqual(before);
  });

  it("refuses registerOrganisation and createUser to anyone but a hub administrator, writing nothing", async () => {
    const before = await t.counts();
    const orgAdmin = member(org.id, ["FSP"], { orgAdmin: true });
    expect(errorCodes(await t.run(REGISTER, { input: { name: "Mine Ltd", roles: ["ADMIN"] } }, orgAdmin))).toEqual(["FORBIDDEN"]);
    const input = { organisationId: org.id, email: "new@policy.example", name: "New", role: "FSP" };
    expect(errorCodes(await t.run(CREATE_USER, { input }, orgAdmin))).toEqual(["FORBIDDEN"]);
    expect(await t.counts()).toEqual(before);
  });

  it("lets an organisation's administrator rename it, but not change its roles or status, nor touch another one", async () => {
    const orgAdmin = member(org.id, ["FSP"], { orgAdmin: true });
    const rename = `mutation ($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) { organisation { name roles status } } }`;
    const renamed = await t.ok(rename, { input: { id: org.id, name: "Policy Org Renamed" } }, orgAdmin);
    expect(renamed.updateOrganisation.organisation).toEqual({ name: "Policy Org Renamed", roles: ["FSP"], status: "ACTIVE" });
    const before = await t.counts();
    for (const input of [
      { id: org.id, roles: ["FSP", "ADMIN"] },
      { id: org.id, status: "SUSPENDED" },
      { id: other.id, name: "Hijacked" },
    ]) {
      expect(errorCodes(await t.run(rename, { input }, orgAdmin))).toEqual(["FORBIDDEN"]);
    }
    expect(errorCodes(await t.run(rename, { input: { id: org.id, name: "Not admin" } }, member(org.id)))).toEqual(["FORBIDDEN"]);
    expect(await t.counts()).toEqual(before);
    const byHub = await t.ok(rename, { input: { id: org.id, status: "SUSPENDED" } }, ADMIN);
    expect(byHub.updateOrganisation.organisation.status).toBe("SUSPENDED");
    await t.ok(rename, { input: { id: org.id, status: "ACTIVE" } }, ADMIN);
  });

  it("updateUser: yourself your name, your organisation's administrator also the role, hub administrators also the status", async () => {
    const louis = await account(t, { email: "louis@update.example" });
    const q = `mutation ($input: UpdateUserInput!) { updateUser(input: $input) { user { name role status } } }`;
    expect((await t.ok(q, { input: { id: louis.userId, name: "Louis M." } }, louis.identity)).updateUser.user.name).toBe("Louis M.");
    const before = await t.counts();
    expect(errorCodes(await t.run(q, { input: { id: louis.userId, status: "ACTIVE" } }, louis.identity))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await t.run(q, { input: { id: louis.userId, name: "X" } }, member(louis.organisationId)))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await t.run(q, { input: { id: louis.userId, name: "X" } }, member(other.id, ["FSP"], { orgAdmin: true })))).toEqual([
      "FORBIDDEN",
    ]);
    expect(errorCodes(await t.run(q, { input: { id: louis.userId, status: "VERIFIED_SO" } }, ADMIN))).toEqual(["BAD_USER_INPUT"]);
    expect(await t.counts()).toEqual(before);
    const suspended = await t.ok(q, { input: { id: louis.userId, status: "SUSPENDED" } }, ADMIN);
    expect(suspended.updateUser.user.status).toBe("SUSPENDED");
  });

  it("moves a user's and an organisation's status only as their lifecycles allow: CONFLICT otherwise; the same status writes nothing", async () => {
    const nina = await account(t, { email: "nina@lifecycle.example" });
    const setUser = `mutation ($input: UpdateUserInput!) { updateUser(input: $input) { user { status } } }`;
    const setOrganisation = `mutation ($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) { organisation { status } } }`;
    await t.ok(setUser, { input: { id: nina.userId, status: "DEACTIVATED" } }, ADMIN);
    await t.ok(setOrganisation, { input: { id: nina.organisationId, status: "ACTIVE" } }, ADMIN);
    const before = await t.counts();
    const refused = await t.run(setUser, { input: { id: nina.userId, status: "SUSPENDED" } }, ADMIN);
    expect(refused.errors?.[0]).toMatchObject({
      message: `User ${nina.userId} is DEACTIVATED: it cannot become SUSPENDED; from DEACTIVATED it may become ACTIVE`,
      extensions: { code: "CONFLICT", currentStatus: "DEACTIVATED", requestedStatus: "SUSPENDED" },
    });
    expect(errorCodes(await t.run(setUser, { input: { id: nina.userId, status: "PENDING_EMAIL_VERIFICATION" } }, ADMIN))).toEqual([
      "CONFLICT",
    ]);
    expect(
      (await t.run(setOrganisation, { input: { id: nina.organisationId, status: "PENDING_VERIFICATION" } }, ADMIN)).errors?.[0]?.extensions,
    ).toEqual({ code: "CONFLICT", currentStatus: "ACTIVE", requestedStatus: "PENDING_VERIFICATION" });
    expect((await t.ok(setUser, { input: { id: nina.userId, status: "DEACTIVATED" } }, ADMIN)).updateUser.user.status).toBe("DEACTIVATED");
    expect(await t.counts()).toEqual(before);
    expect((await t.ok(setUser, { input: { id: nina.userId, status: "ACTIVE" } }, ADMIN)).updateUser.user.status).toBe("ACTIVE");
  });

  it("shows a user to themselves, their organisation and hub administrators; null to anyone else", async () => {
    const emma = await account(t, { email: "emma@visible.example", role: "INVESTOR" });
    expect((await t.ok(USER, { id: emma.userId }, emma.identity)).user.id).toBe(emma.userId);
    expect((await t.ok(USER, { id: emma.userId }, member(emma.organisationId, ["INVESTOR"]))).user.id).toBe(emma.userId);
    expect((await t.ok(USER, { id: emma.userId }, ADMIN)).user.id).toBe(emma.userId);
    expect(await t.ok(USER, { id: emma.userId }, member(other.id))).toEqual({ user: null });
    expect((await t.ok(`{ me { id email } }`, {}, emma.identity)).me).toEqual({ id: emma.userId, email: "emma@visible.example" });
  });

  it("answers Organisation.users with null and FORBIDDEN to non-members, keeping the rest of the organisation", async () => {
    const result = await t.run(ORGANISATION, { id: org.id }, member(other.id));
    expect(result.data?.organisation).toMatchObject({ id: org.id, users: null });
    expect(errorCodes(result)).toEqual(["FORBIDDEN"]);
    expect(result.errors?.[0]?.path).toEqual(["organisation", "users"]);
    expect((await t.ok(ORGANISATION, { id: org.id }, member(org.id))).organisation.users).toEqual([]);
  });
});

describe("entities", () => {
  it("resolves Organisation and User references, collapsing duplicates into one batched read", async () => {
    const a = await register("Org A", null);
    const b = await register("Org B", null);
    const spy = vi.spyOn(t.repos.organisations, "byIds");
    const representations = [a, b, a, a, b].map(({ id }) => ({ __typename: "Organisation", id }));
    representations.push({ __typename: "Organisation", id: MISSING_ID });
    const result = await t.run(
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Organisation { id name } } }`,
      { r: representations },
      member(a.id),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities).toEqual([
      { id: a.id, name: "Org A" },
      { id: b.id, name: "Org B" },
      { id: a.id, name: "Org A" },
      { id: a.id, name: "Org A" },
      { id: b.id, name: "Org B" },
      null,
    ]);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]?.[0]).toHaveLength(3);
    spy.mockRestore();
  });

  it("reads an Organisation reference's fields only with the users read rule; its id resolves for anyone (D11)", async () => {
    const org = await register("Secretive Org", "87654321");
    const r = [{ __typename: "Organisation", id: org.id }];
    const fields = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Organisation { id name companyNumber roles status } } }`;
    const assetsOnly = apiKeyOf(org.id, ["FSP"], ["assets:read"]);
    for (const [caller, code] of [
      [assetsOnly, "FORBIDDEN"],
      [null, "UNAUTHENTICATED"],
    ] as const) {
      const refused = await t.run(fields, { r }, caller);
      expect(refused.data?._entities).toEqual([null]);
      expect(new Set(errorCodes(refused))).toEqual(new Set([code]));
      expect(JSON.stringify(refused)).not.toContain("Secretive");
      expect(JSON.stringify(refused)).not.toContain("87654321");
      // What federation needs (the key) and what other subgraphs' existence checks ask for still resolves.
      const ids = await t.run(`query ($r: [_Any!]!) { _entities(representations: $r) { ... on Organisation { id } } }`, { r }, caller);
      expect(ids).toEqual({ data: { _entities: [{ id: org.id }] } });
    }
    const usersRead = { ...assetsOnly, scopes: ["assets:read", "users:read"] };
    expect((await t.ok(fields, { r }, usersRead))._entities).toEqual([
      { id: org.id, name: "Secretive Org", companyNumber: "87654321", roles: ["FSP"], status: "ACTIVE" },
    ]);
  });

  it("resolves User references only for callers who may see them, in one batched read", async () => {
    const one = await account(t, { email: "ref1@entities.example" });
    const two = await account(t, { email: "ref2@entities.example", organisationId: one.organisationId, invitedBy: one.identity });
    const stranger = await account(t, { email: "ref3@entities.example" });
    const spy = vi.spyOn(t.repos.users, "byIds");
    const r = [one, two, stranger, one].map(({ userId }) => ({ __typename: "User", id: userId }));
    const q = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id } } }`;
    const result = await t.run(q, { r }, one.identity);
    expect(result.data?._entities).toEqual([{ id: one.userId }, { id: two.userId }, null, { id: one.userId }]);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    expect((await t.run(q, { r })).data?._entities).toEqual([null, null, null, null]);
  });
});

describe("the policy", () => {
  it("refuses to build when an operation has no rule, or a rule names no field", () => {
    const sdl = parse(`type Query { a: Int b: Int }`);
    expect(() => applyPolicy(sdl, {}, { "Query.a": () => true })).toThrow(/No policy rule for Query.b/);
    expect(() => applyPolicy(sdl, {}, { "Query.a": () => true, "Query.b": () => true, "Query.c": () => true })).toThrow(/Query.c/);
    expect(() => applyPolicy(typeDefs, {}, { ...organisations, ...accounts, ...sessions, ...apiKeys, ...audit })).not.toThrow();
  });
});
