import { as, errorCodes, MISSING_ID } from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  account,
  DAY,
  identityOf,
  member,
  PASSWORD,
  PUBLIC_URL,
  SIGN_IN,
  SIGN_UP,
  type Setup,
  setUp,
  signUpInput,
  VERIFY_EMAIL,
} from "./helpers.js";

let t: Setup;
beforeAll(async () => {
  t = await setUp();
});
afterAll(() => t.handle.close());

const RESEND = /* GraphQL */ `mutation ($email: String!) { resendVerification(email: $email) { message } }`;
const VERIFY_SO = /* GraphQL */ `
  mutation ($id: ID!) { verifySystemOperator(userId: $id) { user { id status organisation { id status } } } }`;
const ME = /* GraphQL */ `{ me { id email name role status orgAdmin emailVerifiedAt organisation { id name roles status } } }`;

describe("sign-up", () => {
  it("creates a PENDING_VERIFICATION organisation with the user as its administrator, and mails a one-time link", async () => {
    const before = await t.counts();
    const data = await t.ok(SIGN_UP, {
      input: signUpInput({ email: " Louis@NewFlex.co.uk ", newOrganisation: { name: "NewFlex Ltd", companyNumber: "11014226" } }),
    });
    expect(data.signUp).toEqual({ email: "louis@newflex.co.uk", message: expect.stringMatching(/link/) });
    expect(JSON.stringify(data)).not.toMatch(/token/i);
    const after = await t.counts();
    expect(after).toMatchObject({
      organisations: before.organisations + 1,
      users: before.users + 1,
      email_verifications: before.email_verifications + 1,
      audit_events: before.audit_events + 2, // the organisation and SIGN_UP
    });

    const mail = t.mailer.sent.at(-1)!;
    expect(mail.to).toBe("louis@newflex.co.uk");
    expect(mail.text).toContain(`${PUBLIC_URL}/verify-email?token=`);
    const token = t.tokenMailedTo("louis@newflex.co.uk");
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
    // Only the token's SHA-256 is stored.
    const stored = await t.handle.db.execute(`select token_hash from users.email_verifications`);
    expect(JSON.stringify(stored)).not.toContain(token);

    const verified = await t.ok(VERIFY_EMAIL, { token });
    expect(verified.verifyEmail.user).toMatchObject({
      status: "ACTIVE",
      orgAdmin: true,
      emailVerifiedAt: expect.any(Date),
      organisation: { status: "PENDING_VERIFICATION" },
    });
    const session = (await t.ok(SIGN_IN, { input: { email: "louis@newflex.co.uk", password: PASSWORD } })).signIn;
    const me = await t.ok(ME, {}, identityOf(session));
    expect(me.me).toMatchObject({
      email: "louis@newflex.co.uk",
      name: "Louis Martin",
      role: "FSP",
      orgAdmin: true,
      organisation: { name: "NewFlex Ltd", roles: ["FSP"], status: "PENDING_VERIFICATION" },
    });
  });

  it("cannot join an existing organisation by its id: membership is by its admin's invitation only", async () => {
    const founder = await account(t, { email: "founder@join.example" });
    const before = await t.counts();
    const input = { ...signUpInput({ email: "stranger@join.example" }), organisationId: founder.organisationId };
    const result = await t.run(SIGN_UP, { input });
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]); // the field does not exist
    expect(await t.counts()).toEqual(before);
    const joiner = await account(t, { email: "joiner@join.example", organisationId: founder.organisationId, invitedBy: founder.identity });
    expect(joiner.organisationId).toBe(founder.organisationId);
    expect(joiner.identity).toMatchObject({ orgAdmin: false, roles: ["FSP"] });
    expect(founder.identity.orgAdmin).toBe(true);
  });

  it.each([
    ["a malformed e-mail", { email: "not-an-email" }, "email"],
    ["a short password", { email: "short@pw.example", password: "Abc123!" }, "password"],
    ["a password of one character class (letters)", { email: "a@pw.example", password: "aaaaaaaaaaaa" }, "password"],
    ["a password of one character class (digits)", { email: "d@pw.example", password: "123456789012" }, "password"],
    ["the ADMIN role", { email: "admin@pw.example", role: "ADMIN" as const }, "role"],
    ["an empty name", { email: "n@pw.example", name: "  " }, "name"],
    ["a malformed company number", { email: "c@pw.example", newOrganisation: { name: "C Ltd", companyNumber: "12-34" } }, "companyNumber"],
  ])("refuses %s with BAD_USER_INPUT, writing and mailing nothing", async (_case, options, field) => {
    const before = await t.counts();
    const mails = t.mailer.sent.length;
    const result = await t.run(SIGN_UP, { input: signUpInput(options) });
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors?.[0]?.extensions?.field).toBe(field);
    expect(await t.counts()).toEqual(before);
    expect(t.mailer.sent).toHaveLength(mails);
  });

  it("refuses a sign-up without an organisation to register", async () => {
    const before = await t.counts();
    const { newOrganisation: _dropped, ...neither } = signUpInput({ email: "none@pw.example" });
    expect(errorCodes(await t.run(SIGN_UP, { input: neither }))).toEqual(["BAD_USER_INPUT"]);
    expect(await t.counts()).toEqual(before);
  });

  it("refuses a new organisation whose company number is taken as CONFLICT (whoever signs up)", async () => {
    await t.ok(SIGN_UP, { input: signUpInput({ email: "first@cn.example", newOrganisation: { name: "CN", companyNumber: "SC123456" } }) });
    const before = await t.counts();
    const second = await t.run(SIGN_UP, {
      input: signUpInput({ email: "second@cn.example", newOrganisation: { name: "CN 2", companyNumber: "sc123456" } }),
    });
    expect(errorCodes(second)).toEqual(["CONFLICT"]);
    expect(await t.counts()).toEqual(before);
  });

  it("does not reveal a registered e-mail: same answer, nothing created, a warning mailed to the owner instead", async () => {
    const first = await t.ok(SIGN_UP, { input: signUpInput({ email: "taken@dup.example" }) });
    const before = await t.counts();
    const again = await t.ok(SIGN_UP, {
      input: signUpInput({ email: "TAKEN@dup.example", password: "Another-Pass-99", newOrganisation: { name: "Someone Else Ltd" } }),
    });
    expect(again).toEqual(first);
    expect(await t.counts()).toEqual(before);
    const mail = t.mailer.sent.at(-1)!;
    expect(mail).toMatchObject({ to: "taken@dup.example", subject: expect.stringMatching(/tried to register/) });
    expect(mail.text).not.toMatch(/token=/);
  });
});

describe("e-mail verification", () => {
  it("refuses an unknown token as INVALID and a reused one as INVALID, changing nothing", async () => {
    await t.ok(SIGN_UP, { input: signUpInput({ email: "reuse@verify.example" }) });
    const token = t.tokenMailedTo("reuse@verify.example");
    await t.ok(VERIFY_EMAIL, { token });
    const before = await t.counts();
    for (const bad of [token, "not-a-token", "A".repeat(43)]) {
      const result = await t.run(VERIFY_EMAIL, { token: bad });
      expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
      expect(result.errors?.[0]).toMatchObject({
        message: "This verification link is not valid (it may have been used already)",
        extensions: { reason: "INVALID" },
      });
    }
    expect(await t.counts()).toEqual(before);
  });

  it("refuses a link after 24 hours as EXPIRED, leaving the user pending; a resent link works", async () => {
    await t.ok(SIGN_UP, { input: signUpInput({ email: "late@verify.example" }) });
    const token = t.tokenMailedTo("late@verify.example");
    t.clock.advance(DAY + 1000);
    const before = await t.counts();
    const result = await t.run(VERIFY_EMAIL, { token });
    expect(result.errors?.[0]).toMatchObject({
      message: "This verification link has expired; ask for a new one",
      extensions: { code: "BAD_USER_INPUT", reason: "EXPIRED" },
    });
    expect(await t.counts()).toEqual(before);
    const signIn = await t.run(SIGN_IN, { input: { email: "late@verify.example", password: PASSWORD } });
    expect(errorCodes(signIn)).toEqual(["UNAUTHENTICATED"]);

    const resent = await t.ok(RESEND, { email: "late@verify.example" });
    const fresh = t.tokenMailedTo("late@verify.example");
    expect(fresh).not.toBe(token);
    expect((await t.ok(VERIFY_EMAIL, { token: fresh })).verifyEmail.user.status).toBe("ACTIVE");
    // The same answer for an unknown address and a verified one, and no mail.
    const mails = t.mailer.sent.length;
    expect(await t.ok(RESEND, { email: "nobody@verify.example" })).toEqual(resent);
    expect(await t.ok(RESEND, { email: "late@verify.example" })).toEqual(resent);
    expect(t.mailer.sent).toHaveLength(mails);
  });

  it("spends every outstanding link once one is used", async () => {
    await t.ok(SIGN_UP, { input: signUpInput({ email: "two@verify.example" }) });
    const first = t.tokenMailedTo("two@verify.example");
    await t.ok(RESEND, { email: "two@verify.example" });
    const second = t.tokenMailedTo("two@verify.example");
    await t.ok(VERIFY_EMAIL, { token: second });
    expect((await t.run(VERIFY_EMAIL, { token: first })).errors?.[0]?.extensions?.reason).toBe("INVALID");
  });
});

describe("system operator verification", () => {
  it("keeps a self-registered SO pending, without SYSTEM_OPERATOR in its roles, until a hub administrator verifies it", async () => {
    const ed = await account(t, {
      email: "ed@ukpn.example",
      role: "SYSTEM_OPERATOR",
      newOrganisation: { name: "UK Power Networks", companyNumber: "03870728" },
    });
    expect(ed.status).toBe("PENDING_ROLE_VERIFICATION");
    expect(ed.identity.roles).toEqual([]);
    await t.ok(
      `mutation ($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) { organisation { areas } } }`,
      { input: { id: ed.organisationId, areas: ["_C", "_A", "_J"] } },
      as.admin,
    );
    const unverified = (await t.ok(SIGN_IN, { input: { email: "ed@ukpn.example", password: PASSWORD } })).signIn;
    expect(identityOf(unverified)).toMatchObject({ roles: [], areas: [] });

    const before = await t.counts();
    for (const caller of [ed.identity, member(ed.organisationId, ["SYSTEM_OPERATOR"], { orgAdmin: true }), as.fspA]) {
      expect(errorCodes(await t.run(VERIFY_SO, { id: ed.userId }, caller))).toEqual(["FORBIDDEN"]);
    }
    expect(errorCodes(await t.run(VERIFY_SO, { id: ed.userId }))).toEqual(["UNAUTHENTICATED"]);
    expect(await t.counts()).toEqual(before);

    const verified = await t.ok(VERIFY_SO, { id: ed.userId }, as.admin);
    expect(verified.verifySystemOperator.user).toEqual({
      id: ed.userId,
      status: "VERIFIED_SO",
      organisation: { id: ed.organisationId, status: "ACTIVE" },
    });
    const session = (await t.ok(SIGN_IN, { input: { email: "ed@ukpn.example", password: PASSWORD } })).signIn;
    expect(identityOf(session)).toMatchObject({ roles: ["SYSTEM_OPERATOR"], areas: ["_A", "_C", "_J"] });

    const events = await t.ok(
      `query ($o: ID!) { auditEvents(organisationId: $o) { action entityType } }`,
      { o: ed.organisationId },
      identityOf(session),
    );
    expect(events.auditEvents.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(["SIGN_UP", "EMAIL_VERIFIED", "SO_VERIFIED", "STATUS_CHANGE", "SIGN_IN"]),
    );
  });

  it("refuses to verify a user who did not claim SYSTEM_OPERATOR, or (CONFLICT) has not verified the e-mail", async () => {
    const fsp = await account(t, { email: "fsp@so.example" });
    await t.ok(SIGN_UP, { input: signUpInput({ email: "unverified@so.example", role: "SYSTEM_OPERATOR" }) });
    const unverified = (await t.repos.users.byEmail("unverified@so.example"))!.user;
    const before = await t.counts();
    expect(errorCodes(await t.run(VERIFY_SO, { id: fsp.userId }, as.admin))).toEqual(["BAD_USER_INPUT"]);
    expect((await t.run(VERIFY_SO, { id: unverified.id }, as.admin)).errors?.[0]?.extensions).toEqual({
      code: "CONFLICT",
      currentStatus: "PENDING_EMAIL_VERIFICATION",
      requestedStatus: "VERIFIED_SO",
    });
    expect(errorCodes(await t.run(VERIFY_SO, { id: MISSING_ID }, as.admin))).toEqual(["NOT_FOUND"]);
    expect(await t.counts()).toEqual(before);
  });

  it("refuses, as CONFLICT naming both statuses, a system operator verified already, suspended, or of a closed organisation", async () => {
    const so = (email: string, name: string) => account(t, { email, role: "SYSTEM_OPERATOR", newOrganisation: { name } });
    const conflictOf = async (id: string) => (await t.run(VERIFY_SO, { id }, as.admin)).errors?.[0]?.extensions;

    const twice = await so("twice@so.example", "Twice SO");
    await t.ok(VERIFY_SO, { id: twice.userId }, as.admin);
    const suspended = await so("suspended@so.example", "Suspended SO");
    await t.ok(
      `mutation ($input: UpdateUserInput!) { updateUser(input: $input) { user { id } } }`,
      {
        input: { id: suspended.userId, status: "SUSPENDED" },
      },
      as.admin,
    );
    const closed = await so("closed@so.example", "Closed SO");
    await t.ok(
      `mutation ($id: ID!) { deregisterOrganisation(id: $id) { organisation { id } } }`,
      { id: closed.organisationId },
      closed.identity,
    );

    const before = await t.counts();
    expect(await conflictOf(twice.userId)).toEqual({ code: "CONFLICT", currentStatus: "VERIFIED_SO", requestedStatus: "VERIFIED_SO" });
    expect(await conflictOf(suspended.userId)).toEqual({ code: "CONFLICT", currentStatus: "SUSPENDED", requestedStatus: "VERIFIED_SO" });
    expect(await conflictOf(closed.userId)).toEqual({ code: "CONFLICT", currentStatus: "INACTIVE", requestedStatus: "ACTIVE" });
    expect(await t.counts()).toEqual(before);
  });
});
