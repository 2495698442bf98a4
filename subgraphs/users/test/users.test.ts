import type { DatabaseHandle } from "@sfe/kit";
import { countRows, createMigratedDatabase, errorCodes, execute } from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createRepositories, createUsersSubgraph, usersModule } from "../src/server.js";

let handle: DatabaseHandle;
let repos: ReturnType<typeof createRepositories>;
let subgraph: ReturnType<typeof createUsersSubgraph>;

beforeAll(async () => {
  handle = await createMigratedDatabase(usersModule);
  repos = createRepositories(handle.db);
  subgraph = createUsersSubgraph({ db: handle.db, repos });
});
afterAll(() => handle.close());

const REGISTER = /* GraphQL */ `
  mutation ($input: RegisterOrganisationInput!) {
    registerOrganisation(input: $input) { organisation { id name companyNumber roles status } }
  }`;
const CREATE_USER = /* GraphQL */ `
  mutation ($input: CreateUserInput!) { createUser(input: $input) { user { id email organisation { id name } } } }`;

async function register(name: string, companyNumber: string | null, roles = ["FSP"]) {
  const result = await execute(subgraph, REGISTER, { input: { name, companyNumber, roles } });
  expect(result.errors).toBeUndefined();
  return result.data!.registerOrganisation.organisation as { id: string; name: string; companyNumber: string | null };
}

const count = (table: string) => countRows(handle, `users.${table}`);

describe("organisations", () => {
  it("registers an organisation with normalised company number and audits it", async () => {
    const org = await register("UK Power Networks (Operations) Ltd", "03870728", ["SYSTEM_OPERATOR"]);
    expect(org).toMatchObject({ name: "UK Power Networks (Operations) Ltd", companyNumber: "03870728" });
    const found = await execute(subgraph, `query ($id: ID!) { organisation(id: $id) { id roles status } }`, { id: org.id });
    expect(found.data?.organisation).toEqual({ id: org.id, roles: ["SYSTEM_OPERATOR"], status: "ACTIVE" });
    expect(await count("audit_events")).toBeGreaterThan(0);
  });

  it("refuses a second organisation with the same company number as CONFLICT, writing nothing", async () => {
    await register("Axle Energy Limited", "12345678");
    const before = await count("organisations");
    const duplicate = await execute(subgraph, REGISTER, { input: { name: "Axle Again", companyNumber: "12345678", roles: ["FSP"] } });
    expect(errorCodes(duplicate)).toEqual(["CONFLICT"]);
    expect(duplicate.errors?.[0]?.message).toMatch(/company number/);
    expect(await count("organisations")).toBe(before);
  });

  it.each([
    ["malformed company number", { name: "X", companyNumber: "12-34", roles: ["FSP"] }, "BAD_USER_INPUT"],
    ["empty name", { name: "   ", companyNumber: null, roles: ["FSP"] }, "BAD_USER_INPUT"],
    ["no roles", { name: "X", companyNumber: null, roles: [] }, "BAD_USER_INPUT"],
    ["unknown role", { name: "X", companyNumber: null, roles: ["KING"] }, "BAD_USER_INPUT"],
    ["missing name", { companyNumber: null, roles: ["FSP"] }, "BAD_USER_INPUT"],
  ])("rejects %s with %s and writes nothing", async (_case, input, code) => {
    const before = await count("organisations");
    const result = await execute(subgraph, REGISTER, { input });
    expect(errorCodes(result)).toEqual([code]);
    expect(await count("organisations")).toBe(before);
  });

  it("answers null for unknown and malformed ids, and NOT_FOUND when updating one", async () => {
    const q = `query ($id: ID!) { organisation(id: $id) { id } }`;
    expect((await execute(subgraph, q, { id: "00000000-0000-4000-8000-000000000000" })).data).toEqual({ organisation: null });
    expect((await execute(subgraph, q, { id: "not-an-id" })).data).toEqual({ organisation: null });
    const update = await execute(
      subgraph,
      `mutation { updateOrganisation(input: { id: "00000000-0000-4000-8000-000000000000", name: "Y" }) { organisation { id } } }`,
    );
    expect(errorCodes(update)).toEqual(["NOT_FOUND"]);
  });
});

describe("users", () => {
  it("creates a user in an organisation; duplicate e-mail is CONFLICT; unknown organisation is refused", async () => {
    const org = await register("NewFlex Ltd", "11111111");
    const input = { organisationId: org.id, email: " Louis@NewFlex.co.uk ", name: "Louis Martin", role: "FSP" };
    const created = await execute(subgraph, CREATE_USER, { input });
    expect(created.data?.createUser.user).toMatchObject({
      email: "louis@newflex.co.uk",
      organisation: { id: org.id, name: "NewFlex Ltd" },
    });
    expect(errorCodes(await execute(subgraph, CREATE_USER, { input }))).toEqual(["CONFLICT"]);
    expect(errorCodes(await execute(subgraph, CREATE_USER, { input: { ...input, email: "not-an-email" } }))).toEqual(["BAD_USER_INPUT"]);
    expect(
      errorCodes(
        await execute(subgraph, CREATE_USER, {
          input: { ...input, email: "x@y.uk", organisationId: "00000000-0000-4000-8000-000000000000" },
        }),
      ),
    ).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("entities", () => {
  it("resolves Organisation and User references, collapsing duplicates into one batched read", async () => {
    const a = await register("Org A", null);
    const b = await register("Org B", null);
    const spy = vi.spyOn(repos.organisations, "byIds");
    const representations = [a, b, a, a, b].map(({ id }) => ({ __typename: "Organisation", id }));
    representations.push({ __typename: "Organisation", id: "00000000-0000-4000-8000-000000000000" });
    const result = await execute(subgraph, `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Organisation { id name } } }`, {
      r: representations,
    });
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
});
