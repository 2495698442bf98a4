import { IDENTITY_HEADER, type RunningSubgraph } from "@sfe/kit";
import { as, MISSING_ID, testGateway } from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { account, type HttpSetup, setUpOverHttp } from "./helpers.js";

/**
 * POST /internal/users/contacts: the addresses the rules subgraph mails a batch of notifications to, in one call.
 * Each id answers only its own (a person's address, an organisation's members'); only the gateway's tokens open it.
 */
let t: HttpSetup;
beforeAll(async () => {
  t = await setUpOverHttp();
});
afterAll(() => t.close());

async function contacts(body: unknown, options: { server?: RunningSubgraph; token?: string | null; raw?: string } = {}) {
  const server = options.server ?? t.http;
  const token = options.token === undefined ? (await testGateway.headers("users"))[IDENTITY_HEADER] : options.token;
  const response = await fetch(server.url.replace(/\/graphql$/, "/internal/users/contacts"), {
    method: "POST",
    headers: { "content-type": "application/json", ...(token != null && { [IDENTITY_HEADER]: token }) },
    body: options.raw ?? JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe("POST /internal/users/contacts", () => {
  it("answers many people and organisations at once, each with only its own addresses and statuses", async () => {
    const ann = await account(t, { email: "ann@contacts-a.example" });
    const ben = await account(t, { email: "ben@contacts-a.example", organisationId: ann.organisationId, invitedBy: ann.identity });
    const cat = await account(t, { email: "cat@contacts-b.example" });
    const suspended = await t.ok(
      `mutation ($input: UpdateUserInput!) { updateUser(input: $input) { user { status } } }`,
      {
        input: { id: ben.userId, status: "SUSPENDED" },
      },
      as.admin,
    );
    expect(suspended.updateUser.user.status).toBe("SUSPENDED");
    const { status, body } = await contacts({
      userIds: [cat.userId, MISSING_ID, cat.userId],
      organisationIds: [ann.organisationId, MISSING_ID],
    });
    expect(status).toBe(200);
    expect(body.users).toEqual([{ id: cat.userId, email: "cat@contacts-b.example", status: "ACTIVE" }]);
    expect(body.organisations).toEqual([
      {
        id: ann.organisationId,
        members: expect.arrayContaining([
          { id: ann.userId, email: "ann@contacts-a.example", status: "ACTIVE" },
          { id: ben.userId, email: "ben@contacts-a.example", status: "SUSPENDED" },
        ]),
      },
      { id: MISSING_ID, members: [] },
    ]);
    expect(body.organisations[0].members).toHaveLength(2); // not cat, of another organisation
  });

  it("refuses a malformed or oversized body (400), a caller without the gateway's token (401), and is absent without a verifier (404)", async () => {
    expect((await contacts({ userIds: ["not-a-uuid"] })).status).toBe(400);
    expect((await contacts({ userIds: "x" })).status).toBe(400);
    expect((await contacts([])).status).toBe(400);
    expect((await contacts(null, { raw: "{" })).status).toBe(400);
    const many = Array.from({ length: 1001 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
    expect((await contacts({ userIds: many })).status).toBe(400);
    expect((await contacts({ userIds: [] }, { token: null })).status).toBe(401);
    expect((await contacts({ userIds: [] }, { token: "forged" })).status).toBe(401);
    expect((await contacts({ userIds: [] }, { server: t.open })).status).toBe(404);
  });
});
