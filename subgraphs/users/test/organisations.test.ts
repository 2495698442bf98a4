import type { Identity } from "@sfe/kit";
import { as, errorCodes } from "@sfe/kit/testing";
import { Kind } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { account, DAY, identityOf, PASSWORD, PUBLIC_URL, type Session, SIGN_IN, type Setup, setUp } from "./helpers.js";

let t: Setup;
beforeAll(async () => {
  t = await setUp();
});
afterAll(() => t.handle.close());

const INVITE = /* GraphQL */ `
  mutation ($input: InviteMemberInput!) { inviteMember(input: $input) { invitation { id email role expiresAt organisation { id } } } }`;
const ACCEPT = /* GraphQL */ `
  mutation ($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { user { id email role status orgAdmin emailVerifiedAt } } }`;
const CHANGE_ROLE = /* GraphQL */ `
  mutation ($input: ChangeMemberRoleInput!) { changeMemberRole(input: $input) { user { id role orgAdmin status } } }`;
const DEREGISTER = /* GraphQL */ `mutation ($id: ID!) { deregisterOrganisation(id: $id) { organisation { id status } } }`;
const REINSTATE = /* GraphQL */ `mutation ($id: ID!) { reinstateOrganisation(id: $id) { organisation { id status } } }`;
const AUDIT = /* GraphQL */ `
  query ($o: ID!, $first: Int, $offset: Int) {
    auditEvents(organisationId: $o, first: $first, offset: $offset) { id action entityType entityId organisationId actorUserId before after }
  }`;

const signIn = async (email: string, password = PASSWORD) => (await t.ok(SIGN_IN, { input: { email, password } })).signIn as Session;

describe("invitations", () => {
  it("lets the administrator invite a member, who joins by the mailed link with the e-mail verified", async () => {
    const admin = await account(t, { email: "admin@invite.example", newOrganisation: { name: "Invite Ltd" } });
    const invited = await t.ok(
      INVITE,
      { input: { organisationId: admin.organisationId, email: "New@Invite.example", role: "FSP" } },
      admin.identity,
    );
    expect(invited.inviteMember.invitation).toMatchObject({
      email: "new@invite.example",
      role: "FSP",
      organisation: { id: admin.organisationId },
    });
    expect(invited.inviteMember.invitation.expiresAt.getTime() - t.clock.now().getTime()).toBe(7 * DAY);
    expect(JSON.stringify(invited)).not.toMatch(/token/i);
    expect(t.mailer.sent.at(-1)!.text).toContain(`${PUBLIC_URL}/accept-invitation?token=`);
    const token = t.tokenMailedTo("new@invite.example");

    const accepted = await t.ok(ACCEPT, { input: { token, name: "Nina New", password: "Joining-Now-2025" } });
    expect(accepted.acceptInvitation.user).toMatchObject({
      email: "new@invite.example",
      role: "FSP",
      status: "ACTIVE",
      orgAdmin: false,
      emailVerifiedAt: expect.any(Date),
    });
    const session = await signIn("new@invite.example", "Joining-Now-2025");
    expect(identityOf(session)).toMatchObject({ organisationId: admin.organisationId, roles: ["FSP"], orgAdmin: false });

    const before = await t.counts();
    const reused = await t.run(ACCEPT, { input: { token, name: "Again", password: "Joining-Now-2025" } });
    expect(reused.errors?.[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", reason: "INVALID" });
    expect(await t.counts()).toEqual(before);
  });

  it("refuses an expired invitation, a weak password, and invitations by anyone but the administrator", async () => {
    const admin = await account(t, { email: "admin@invite2.example" });
    await t.ok(INVITE, { input: { organisationId: admin.organisationId, email: "late@invite2.example", role: "FSP" } }, admin.identity);
    const token = t.tokenMailedTo("late@invite2.example");
    const plain = await account(t, { email: "plain@invite2.example", organisationId: admin.organisationId, invitedBy: admin.identity });
    const before = await t.counts();
    const weak = await t.run(ACCEPT, { input: { token, name: "Late", password: "123456789012" } });
    expect(weak.errors?.[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", field: "password" });
    t.clock.advance(7 * DAY + 1000);
    const expired = await t.run(ACCEPT, { input: { token, name: "Late", password: "Joining-Now-2025" } });
    expect(expired.errors?.[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", reason: "EXPIRED" });

    const input = { organisationId: admin.organisationId, email: "someone@invite2.example", role: "FSP" };
    expect(errorCodes(await t.run(INVITE, { input }, plain.identity))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await t.run(INVITE, { input }))).toEqual(["UNAUTHENTICATED"]);
    const after = await t.counts();
    expect(after.invitations).toBe(before.invitations);
    expect(errorCodes(await t.run(INVITE, { input: { ...input, role: "SYSTEM_OPERATOR" } }, admin.identity))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await t.run(INVITE, { input: { ...input, role: "ADMIN" } }, admin.identity))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await t.run(INVITE, { input: { ...input, email: "nope" } }, admin.identity))).toEqual(["BAD_USER_INPUT"]);
    expect(await t.count("invitations")).toBe(before.invitations);
  });

  it("does not reveal that an invited address has an account: same answer, a notice mailed instead of a link", async () => {
    const admin = await account(t, { email: "admin@invite3.example" });
    await account(t, { email: "taken@invite3.example" });
    const result = await t.ok(
      INVITE,
      { input: { organisationId: admin.organisationId, email: "taken@invite3.example", role: "FSP" } },
      admin.identity,
    );
    expect(result.inviteMember.invitation.email).toBe("taken@invite3.example");
    const mail = t.mailer.sent.at(-1)!;
    expect(mail.to).toBe("taken@invite3.example");
    expect(mail.text).not.toMatch(/token=/);
  });
});

describe("members' roles", () => {
  it("changes a member's role and admin flag, but never removes the last administrator", async () => {
    const admin = await account(t, { email: "admin@roles.example", newOrganisation: { name: "Roles Ltd" } });
    await t.ok(
      `mutation ($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) { organisation { roles } } }`,
      { input: { id: admin.organisationId, roles: ["FSP", "INVESTOR"] } },
      as.admin,
    );
    const bob = await account(t, { email: "bob@roles.example", organisationId: admin.organisationId, invitedBy: admin.identity });

    const before = await t.counts();
    const last = await t.run(CHANGE_ROLE, { input: { userId: admin.userId, orgAdmin: false } }, admin.identity);
    expect(last.errors?.[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", field: "orgAdmin" });
    expect(errorCodes(await t.run(CHANGE_ROLE, { input: { userId: bob.userId, role: "REGULATOR" } }, admin.identity))).toEqual([
      "BAD_USER_INPUT",
    ]);
    expect(errorCodes(await t.run(CHANGE_ROLE, { input: { userId: admin.userId, orgAdmin: false } }, bob.identity))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await t.run(CHANGE_ROLE, { input: { userId: bob.userId, orgAdmin: true } }, bob.identity))).toEqual(["FORBIDDEN"]);
    expect(await t.counts()).toEqual(before);

    const promoted = await t.ok(CHANGE_ROLE, { input: { userId: bob.userId, role: "INVESTOR", orgAdmin: true } }, admin.identity);
    expect(promoted.changeMemberRole.user).toMatchObject({ role: "INVESTOR", orgAdmin: true });
    // Now there are two administrators: the first may step down.
    const stepped = await t.ok(CHANGE_ROLE, { input: { userId: admin.userId, orgAdmin: false } }, admin.identity);
    expect(stepped.changeMemberRole.user.orgAdmin).toBe(false);
    const bobNow = identityOf(await signIn("bob@roles.example"));
    expect(bobNow.orgAdmin).toBe(true);
    expect(errorCodes(await t.run(CHANGE_ROLE, { input: { userId: bob.userId, orgAdmin: false } }, bobNow))).toEqual(["BAD_USER_INPUT"]);

    const audit = await t.ok(AUDIT, { o: admin.organisationId }, bobNow);
    const changes = audit.auditEvents.filter((e: { action: string }) => e.action === "ROLE_CHANGED");
    expect(changes).toHaveLength(2);
    expect(changes.find((e: { entityId: string }) => e.entityId === bob.userId)).toMatchObject({
      actorUserId: admin.userId,
      before: { role: "FSP", orgAdmin: false },
      after: { role: "INVESTOR", orgAdmin: true },
    });
  });
});

describe("de-registration and reinstatement", () => {
  it("lets the administrator de-register (INACTIVE, audited) and only a hub administrator reinstate", async () => {
    const admin = await account(t, { email: "admin@dereg.example" });
    const plain = await account(t, { email: "plain@dereg.example", organisationId: admin.organisationId, invitedBy: admin.identity });
    const before = await t.counts();
    expect(errorCodes(await t.run(DEREGISTER, { id: admin.organisationId }, plain.identity))).toEqual(["FORBIDDEN"]);
    expect(await t.counts()).toEqual(before);

    expect((await t.ok(DEREGISTER, { id: admin.organisationId }, admin.identity)).deregisterOrganisation.organisation.status).toBe(
      "INACTIVE",
    );
    expect((await t.run(DEREGISTER, { id: admin.organisationId }, admin.identity)).errors?.[0]?.extensions).toEqual({
      code: "CONFLICT",
      currentStatus: "INACTIVE",
      requestedStatus: "INACTIVE",
    });
    const afterDeregistration = await t.counts();
    expect(errorCodes(await t.run(REINSTATE, { id: admin.organisationId }, admin.identity))).toEqual(["FORBIDDEN"]);
    expect(await t.counts()).toEqual(afterDeregistration);
    expect((await t.ok(REINSTATE, { id: admin.organisationId }, as.admin)).reinstateOrganisation.organisation.status).toBe("ACTIVE");
    expect((await t.run(REINSTATE, { id: admin.organisationId }, as.admin)).errors?.[0]?.extensions).toEqual({
      code: "CONFLICT",
      currentStatus: "ACTIVE",
      requestedStatus: "ACTIVE",
    });

    const actions = (await t.ok(AUDIT, { o: admin.organisationId }, as.admin)).auditEvents.map((e: { action: string }) => e.action);
    expect(actions.slice(0, 2)).toEqual(["ORGANISATION_REINSTATED", "ORGANISATION_DEREGISTERED"]);
    // A hub administrator may de-register any organisation.
    expect((await t.ok(DEREGISTER, { id: admin.organisationId }, as.admin)).deregisterOrganisation.organisation.status).toBe("INACTIVE");
  });
});

describe("the audit trail", () => {
  it("is readable by the organisation's members and hub administrators, page by page, newest first", async () => {
    const a = await account(t, { email: "a@audit.example" });
    const events = (await t.ok(AUDIT, { o: a.organisationId }, a.identity)).auditEvents as { action: string; organisationId: string }[];
    expect(events.map((e) => e.action)).toEqual(["SIGN_IN", "EMAIL_VERIFIED", "SIGN_UP", "CREATE"]);
    expect(events.every((e) => e.organisationId === a.organisationId)).toBe(true);
    expect((await t.ok(AUDIT, { o: a.organisationId }, as.admin)).auditEvents).toEqual(events);
    const page = (await t.ok(AUDIT, { o: a.organisationId, first: 2, offset: 1 }, a.identity)).auditEvents;
    expect(page).toEqual(events.slice(1, 3));
    expect(errorCodes(await t.run(AUDIT, { o: a.organisationId, first: 501 }, a.identity))).toEqual(["BAD_USER_INPUT"]);
  });

  it("has no operation that writes or deletes it", async () => {
    const { typeDefs } = await import("../src/server.js");
    const mutation = typeDefs.definitions.find((d) => d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === "Mutation");
    if (mutation?.kind !== Kind.OBJECT_TYPE_DEFINITION) throw new Error("no Mutation type");
    expect((mutation.fields ?? []).map((f) => f.name.value).filter((name) => /audit/i.test(name))).toEqual([]);
  });
});

describe("one organisation cannot reach into another", () => {
  let a: Awaited<ReturnType<typeof account>>;
  let b: Awaited<ReturnType<typeof account>>;
  let bKey: string;
  beforeAll(async () => {
    a = await account(t, { email: "admin@org-a.example", newOrganisation: { name: "Org A" } });
    b = await account(t, { email: "admin@org-b.example", newOrganisation: { name: "Org B" } });
    const created = await t.ok(
      `mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id } } }`,
      { input: { organisationId: b.organisationId, name: "B's key", scopes: ["assets:read"] } },
      b.identity,
    );
    bKey = created.createApiKey.apiKey.id;
  });

  const attempts: [string, string, (x: { b: typeof b; bKey: string }) => Record<string, unknown>][] = [
    ["read B's users", `query ($id: ID!) { organisation(id: $id) { name users { id } } }`, ({ b }) => ({ id: b.organisationId })],
    ["read B's user", `query ($id: ID!) { user(id: $id) { id } }`, ({ b }) => ({ id: b.userId })],
    ["list B's API keys", `query ($id: ID!) { apiKeys(organisationId: $id) { id } }`, ({ b }) => ({ id: b.organisationId })],
    ["read B's audit trail", `query ($id: ID!) { auditEvents(organisationId: $id) { id } }`, ({ b }) => ({ id: b.organisationId })],
    [
      "rename B",
      `mutation ($id: ID!) { updateOrganisation(input: { id: $id, name: "Taken" }) { organisation { id } } }`,
      ({ b }) => ({ id: b.organisationId }),
    ],
    [
      "rename B's admin",
      `mutation ($id: ID!) { updateUser(input: { id: $id, name: "X" }) { user { id } } }`,
      ({ b }) => ({ id: b.userId }),
    ],
    [
      "demote B's admin",
      `mutation ($id: ID!) { changeMemberRole(input: { userId: $id, orgAdmin: false }) { user { id } } }`,
      ({ b }) => ({ id: b.userId }),
    ],
    [
      "invite into B",
      `mutation ($id: ID!) { inviteMember(input: { organisationId: $id, email: "mole@a.example", role: FSP }) { invitation { id } } }`,
      ({ b }) => ({ id: b.organisationId }),
    ],
    [
      "create a key for B",
      `mutation ($id: ID!) { createApiKey(input: { organisationId: $id, name: "k", scopes: ["assets:read"] }) { secret } }`,
      ({ b }) => ({ id: b.organisationId }),
    ],
    ["revoke B's key", `mutation ($id: ID!) { revokeApiKey(id: $id) { apiKey { id } } }`, ({ bKey }) => ({ id: bKey })],
    [
      "de-register B",
      `mutation ($id: ID!) { deregisterOrganisation(id: $id) { organisation { id } } }`,
      ({ b }) => ({ id: b.organisationId }),
    ],
  ];

  it.each(attempts)("A's administrator cannot %s, and nothing is written", async (_case, query, variables) => {
    const before = await t.counts();
    const result = await t.run(query, variables({ b, bKey }), a.identity);
    if (_case === "read B's user") expect(result).toEqual({ data: { user: null } });
    else expect(errorCodes(result)).toEqual(["FORBIDDEN"]);
    if (_case === "read B's users") expect(result.data?.organisation).toEqual({ name: "Org B", users: null });
    expect(await t.counts()).toEqual(before);
  });

  it("nor can an identity claiming B's id without being its member (a forged orgAdmin for another org)", async () => {
    const forged: Identity = { ...a.identity, orgAdmin: true };
    const result = await t.run(`query ($id: ID!) { apiKeys(organisationId: $id) { id } }`, { id: b.organisationId }, forged);
    expect(errorCodes(result)).toEqual(["FORBIDDEN"]);
  });
});
