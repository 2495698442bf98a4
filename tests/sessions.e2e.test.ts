/**
 * An access token stops writing the moment what it stands for ends (D8): sign-out, a password change,
 * a suspended user, a de-registered organisation. Through the gateway, over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, gql, gqlOk, mpan, PASSWORD, startTestStack } from "./helpers.js";

let stack: Awaited<ReturnType<typeof startTestStack>>;
let meter = 7000;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.stop());

/** A fresh FSP (signed up, verified, signed in): its ids, access token and refresh token. */
const freshFsp = (email: string) => stack.signUp(email, "FSP", `${email} Ltd`);

type Fsp = Awaited<ReturnType<typeof freshFsp>>;

const register = (fsp: Fsp) =>
  gql(
    stack.url,
    `mutation ($o: ID!, $m: String!) { registerAsset(input: { ownerId: $o, name: "Battery", categoryCode: "BESS",
      importCapacityKw: 5, exportCapacityKw: 5, energyCapacityKwh: 10, meterPointId: $m }) { asset { id } } }`,
    { o: fsp.organisationId, m: mpan(12, meter++) },
    fsp.as,
  );

describe("an access token's writes stop at once", () => {
  it.each([
    [
      "after sign-out",
      (fsp: Fsp) => gqlOk(stack.url, `mutation ($r: String!) { signOut(refreshToken: $r) { signedOut } }`, { r: fsp.refreshToken }, fsp.as),
    ],
    [
      "after a password change",
      (fsp: Fsp) =>
        gqlOk(
          stack.url,
          `mutation ($i: ChangePasswordInput!) { changePassword(input: $i) { user { id } } }`,
          { i: { currentPassword: PASSWORD, newPassword: "Another-Password-2026" } },
          fsp.as,
        ),
    ],
    [
      "after the user is suspended",
      (fsp: Fsp) =>
        gqlOk(
          stack.url,
          `mutation ($i: UpdateUserInput!) { updateUser(input: $i) { user { status } } }`,
          { i: { id: fsp.userId, status: "SUSPENDED" } },
          stack.admin,
        ),
    ],
    [
      "after the organisation is de-registered",
      (fsp: Fsp) =>
        gqlOk(
          stack.url,
          `mutation ($id: ID!) { deregisterOrganisation(id: $id) { organisation { status } } }`,
          { id: fsp.organisationId },
          stack.admin,
        ),
    ],
  ])("%s", async (what, end) => {
    const fsp = await freshFsp(`${what.replaceAll(/\W+/g, "-")}@sessions.test`);
    expect((await register(fsp)).errors).toBeUndefined();
    await end(fsp);
    const refused = await register(fsp);
    expect(codes(refused)).toEqual(["UNAUTHENTICATED"]);
    expect(refused.errors?.[0]?.message).toMatch(/session has ended/);
    // The CSV import is a write too.
    const upload = await fetch(stack.url.replace(/graphql$/, "assets/import"), {
      method: "POST",
      headers: { authorization: `Bearer ${fsp.as.token}`, "content-type": "text/csv" },
      body: "name,categoryCode,importCapacityKw,exportCapacityKw\nx,BESS,1,1\n",
    });
    expect(upload.status).toBe(401);
  });

  it("keeps writing while the session is current", async () => {
    const fsp = await freshFsp("current@sessions.test");
    for (let i = 0; i < 3; i++) expect((await register(fsp)).errors).toBeUndefined();
  });
});
