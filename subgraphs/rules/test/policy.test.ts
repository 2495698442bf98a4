import { randomUUID } from "node:crypto";
import { type DatabaseHandle, type Identity, staticReferences } from "@sfe/kit";
import { countRows, createMigratedDatabase, execute, testIdentity } from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createRepositories, createRulesSubgraph, rulesModule } from "../src/server.js";

/**
 * The rules subgraph's rules in policy.ts: a market-wide rule is a hub administrator's (a malformed input still
 * BAD_USER_INPUT first); a conflict is moved only by its parties (NOT_FOUND for anyone else, before any other
 * refusal), an FSP party only acknowledging it; callers party to no conflict see none without a query.
 */
const fspA = randomUUID();
const fspB = randomUUID();
const soA = randomUUID();
const assetA = randomUUID();
const instructionA = randomUUID();
const productA = randomUUID();

const admin = testIdentity({ roles: ["ADMIN"] });
const fspAUser = testIdentity({ roles: ["FSP"], organisationId: fspA });
const fspBUser = testIdentity({ roles: ["FSP"], organisationId: fspB });
const soAUser = testIdentity({ roles: ["SYSTEM_OPERATOR"], organisationId: soA });
const investor = testIdentity({ roles: ["INVESTOR"], organisationId: randomUUID() });

let handle: DatabaseHandle;
let repos: ReturnType<typeof createRepositories>;
let subgraph: ReturnType<typeof createRulesSubgraph>;
let conflictId: string;

const CREATE_RULE = /* GraphQL */ `mutation ($input: CreateMarketRuleInput!) { createMarketRule(input: $input) { marketRule { id } } }`;
const RECORD = /* GraphQL */ `mutation ($input: RecordConflictInput!) { recordConflict(input: $input) { conflict { id } } }`;
const UPDATE_STATUS = /* GraphQL */ `
  mutation ($input: UpdateConflictStatusInput!) { updateConflictStatus(input: $input) { conflict { id status } } }`;

beforeAll(async () => {
  handle = await createMigratedDatabase(rulesModule);
  repos = createRepositories(handle.db);
  subgraph = createRulesSubgraph({
    db: handle.db,
    references: staticReferences({
      Asset: { [assetA]: { owner: { id: fspA } } },
      DispatchInstruction: { [instructionA]: { issuedBy: { id: soA } } },
      Product: { [productA]: { owner: { id: soA } } },
    }),
    repos,
  });
  const recorded = await execute(
    subgraph,
    RECORD,
    {
      input: {
        kind: "OPPOSING_INSTRUCTIONS",
        assetIds: [assetA],
        instructionIds: [instructionA],
        overlapStart: "2025-06-23T16:30:00Z",
        overlapEnd: "2025-06-23T16:45:00Z",
      },
    },
    admin,
  );
  conflictId = recorded.data?.recordConflict.conflict.id;
});
afterAll(() => handle.close());

const only = (result: Awaited<ReturnType<typeof execute>>) => {
  expect(result.errors).toHaveLength(1);
  return { code: result.errors?.[0]?.extensions?.code, message: result.errors?.[0]?.message };
};

describe("createMarketRule", () => {
  const rule = (overrides: Record<string, unknown>) => ({
    code: "POLICY-1",
    name: "A rule",
    kind: "STACKING",
    mode: "NOTIFY",
    parameters: {},
    ...overrides,
  });

  it.each<[string, Identity, Record<string, unknown>, string, RegExp]>([
    ["an SO, market-wide", soAUser, {}, "FORBIDDEN", /^Only a hub administrator may create a market-wide rule/],
    ["an SO, market-wide with a malformed code", soAUser, { code: "x" }, "BAD_USER_INPUT", /^code must be/],
    ["an SO, market-wide with an out-of-bounds parameter", soAUser, { parameters: { sharePct: 101 } }, "BAD_USER_INPUT", /sharePct/],
    [
      "an SO for a product it does not own",
      testIdentity({ roles: ["SYSTEM_OPERATOR"], organisationId: randomUUID() }),
      { productId: productA },
      "FORBIDDEN",
      /^Only the system operator that owns the product/,
    ],
    ["an SO for an unknown product", soAUser, { productId: randomUUID() }, "BAD_USER_INPUT", /does not exist/],
  ])("%s: refused", async (_case, identity, overrides, code, message) => {
    const before = await countRows(handle, "rules.market_rules");
    expect(only(await execute(subgraph, CREATE_RULE, { input: rule(overrides) }, identity))).toMatchObject({
      code,
      message: expect.stringMatching(message),
    });
    expect(await countRows(handle, "rules.market_rules")).toBe(before);
  });
});

describe("updateConflictStatus", () => {
  it.each<[string, Identity, Record<string, unknown>, string, RegExp]>([
    ["an FSP that is not a party, settling it", fspBUser, { status: "RESOLVED", resolution: "Done" }, "NOT_FOUND", /Conflict/],
    ["an investor", investor, { status: "ACKNOWLEDGED" }, "FORBIDDEN", /./],
    [
      "its FSP party, settling it",
      fspAUser,
      { status: "RESOLVED", resolution: "Done" },
      "FORBIDDEN",
      /^An FSP may only acknowledge a conflict/,
    ],
    ["its FSP party, a malformed id", fspAUser, { id: "nope", status: "ACKNOWLEDGED" }, "BAD_USER_INPUT", /^id must be an id/],
  ])("%s: refused before the conflict is locked", async (_case, identity, input, code, message) => {
    const update = vi.spyOn(repos.conflicts, "updateStatus");
    try {
      const result = await execute(subgraph, UPDATE_STATUS, { input: { id: conflictId, ...input } }, identity);
      expect(only(result)).toMatchObject({ code, message: expect.stringMatching(message) });
      expect(update).not.toHaveBeenCalled();
    } finally {
      update.mockRestore();
    }
  });

  it("its FSP party acknowledges it", async () => {
    const result = await execute(subgraph, UPDATE_STATUS, { input: { id: conflictId, status: "ACKNOWLEDGED" } }, fspAUser);
    expect(result.errors).toBeUndefined();
    expect(result.data?.updateConflictStatus.conflict).toEqual({ id: conflictId, status: "ACKNOWLEDGED" });
  });
});

describe("callers party to no conflict", () => {
  it("see none, and no conflict is read for them", async () => {
    const byIds = vi.spyOn(repos.conflicts, "byIds");
    try {
      const single = await execute(subgraph, `query ($id: ID!) { conflict(id: $id) { id } }`, { id: conflictId }, investor);
      expect(single.errors).toBeUndefined();
      expect(single.data?.conflict).toBeNull();
      const refs = await execute(
        subgraph,
        `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Conflict { id } } }`,
        { r: [{ __typename: "Conflict", id: conflictId }] },
        investor,
      );
      expect(refs.errors).toBeUndefined();
      expect(refs.data?._entities).toEqual([null]);
      expect(byIds).not.toHaveBeenCalled();
    } finally {
      byIds.mockRestore();
    }
  });
});
