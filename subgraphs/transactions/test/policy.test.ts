import { type DatabaseHandle, staticReferences } from "@sfe/kit";
import { countRows, createMigratedDatabase, execute, testIdentity } from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createRepositories, createTransactionsSubgraph, transactionsModule } from "../src/server.js";
import { ruleRoutes } from "./helpers.js";

/**
 * The write rules in policy.ts: in whose name a bid or instruction may be written, and who may move a record's
 * status. Their refusals and messages, which error a request that is both malformed and refused gets (the input
 * is read as the resolver reads it, BAD_USER_INPUT first), and that a refused move never reaches the repository.
 */
const fspA = "0f5a0000-0000-4000-8000-00000000000a";
const fspB = "0f5b0000-0000-4000-8000-00000000000b";
const soA = "050a0000-0000-4000-8000-00000000000a";
const soB = "050b0000-0000-4000-8000-00000000000b";
const assetA = "a55e0000-0000-4000-8000-00000000000a";
const productA = "9d0c0000-0000-4000-8000-00000000000a";
const UNKNOWN = "00000000-0000-4000-8000-000000000000";

const FSP_A = testIdentity({ roles: ["FSP"], organisationId: fspA });
const FSP_B = testIdentity({ roles: ["FSP"], organisationId: fspB });
const SO_A = testIdentity({ roles: ["SYSTEM_OPERATOR"], organisationId: soA });
const SO_B = testIdentity({ roles: ["SYSTEM_OPERATOR"], organisationId: soB });

let handle: DatabaseHandle;
let repos: ReturnType<typeof createRepositories>;
let subgraph: ReturnType<typeof createTransactionsSubgraph>;

beforeAll(async () => {
  handle = await createMigratedDatabase(transactionsModule);
  repos = createRepositories(handle.db);
  subgraph = createTransactionsSubgraph({
    db: handle.db,
    references: staticReferences(
      {
        Asset: { [assetA]: { owner: { id: fspA }, status: "REGISTERED" } },
        Product: { [productA]: { owner: { id: soA }, status: "PUBLISHED" } },
        Organisation: [fspA, fspB, soA, soB],
      },
      ruleRoutes(),
    ),
    repos,
  });
});
afterAll(() => handle.close());

const window = { start: "2025-07-01T10:00:00Z", end: "2025-07-01T11:00:00Z" };
const bid = (overrides: Record<string, unknown> = {}) => ({
  assetId: assetA,
  productId: productA,
  bidderId: fspA,
  direction: "DEMAND_TURN_DOWN",
  quantityMw: 2,
  utilisationPriceGbpPerMwh: "150",
  ...window,
  ...overrides,
});
const dispatch = (overrides: Record<string, unknown> = {}) => ({
  assetId: assetA,
  productId: productA,
  issuedById: soA,
  direction: "DEMAND_TURN_DOWN",
  setPointMw: 1,
  ...window,
  ...overrides,
});

const SUBMIT = /* GraphQL */ `mutation ($input: SubmitBidInput!) { submitBid(input: $input) { bid { id status } } }`;
const ISSUE = /* GraphQL */ `mutation ($input: IssueDispatchInstructionInput!) { issueDispatchInstruction(input: $input) { dispatchInstruction { id } } }`;
const BID_STATUS = /* GraphQL */ `mutation ($input: UpdateBidStatusInput!) { updateBidStatus(input: $input) { bid { id status } } }`;

const refusal = (result: Awaited<ReturnType<typeof execute>>) => {
  expect(result.errors).toHaveLength(1);
  return { code: result.errors?.[0]?.extensions?.code, message: result.errors?.[0]?.message };
};

describe("in whose name", () => {
  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ["another FSP's name", { bidderId: fspB }, "FORBIDDEN", /^An FSP may bid only in its own organisation's name \(bidderId\)$/],
    ["a malformed bidder", { bidderId: "nope" }, "BAD_USER_INPUT", /^bidderId must be an id/],
    ["another FSP's name and an impossible quantity", { bidderId: fspB, quantityMw: 1e9 }, "BAD_USER_INPUT", /^quantityMw/],
    [
      "another FSP's name and no price",
      { bidderId: fspB, utilisationPriceGbpPerMwh: null },
      "BAD_USER_INPUT",
      /^Give availabilityPriceGbpPerMwH, utilisationPriceGbpPerMwh or both$/,
    ],
  ])("an FSP bidding in %s", async (_case, overrides, code, message) => {
    const before = await countRows(handle, "transactions.bids");
    expect(refusal(await execute(subgraph, SUBMIT, { input: bid(overrides) }, FSP_A))).toMatchObject({
      code,
      message: expect.stringMatching(message),
    });
    expect(await countRows(handle, "transactions.bids")).toBe(before);
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    [
      "another SO's name",
      { issuedById: soB },
      "FORBIDDEN",
      /^A system operator may dispatch only in its own organisation's name \(issuedById\)$/,
    ],
    ["another SO's name and a negative set point", { issuedById: soB, setPointMw: -1 }, "BAD_USER_INPUT", /^setPointMw/],
  ])("an SO dispatching in %s", async (_case, overrides, code, message) => {
    expect(refusal(await execute(subgraph, ISSUE, { input: dispatch(overrides) }, SO_A))).toMatchObject({
      code,
      message: expect.stringMatching(message),
    });
  });

  it("another SO's product: FORBIDDEN once its owner is known", async () => {
    const result = await execute(subgraph, ISSUE, { input: dispatch({ issuedById: soB }) }, SO_B);
    expect(refusal(result)).toEqual({ code: "FORBIDDEN", message: "A system operator may dispatch only for products it owns" });
  });
});

describe("status changes", () => {
  let id: string;
  beforeAll(async () => {
    const result = await execute(subgraph, SUBMIT, { input: bid({ externalId: "policy-test" }) }, FSP_A);
    id = result.data?.submitBid.bid.id;
  });

  it.each<[string, ReturnType<typeof testIdentity>, Record<string, unknown>, string, string | RegExp]>([
    ["another FSP (cannot see it)", FSP_B, { status: "WITHDRAWN" }, "NOT_FOUND", /not found|does not exist/i],
    ["another SO (cannot see it)", SO_B, { status: "ACCEPTED" }, "NOT_FOUND", /not found|does not exist/i],
    ["its bidder accepting it", FSP_A, { status: "ACCEPTED" }, "FORBIDDEN", /^The bidder may only submit its draft or withdraw a bid/],
    ["its buyer withdrawing it", SO_A, { status: "WITHDRAWN" }, "FORBIDDEN", /^The bidder may only submit its draft or withdraw a bid/],
    ["a malformed id", FSP_A, { id: "nope", status: "WITHDRAWN" }, "BAD_USER_INPUT", /^id must be an id/],
    ["an unknown id", FSP_A, { id: UNKNOWN, status: "WITHDRAWN" }, "NOT_FOUND", UNKNOWN],
  ])("%s: refused, and the repository is never asked", async (_case, identity, input, code, message) => {
    const update = vi.spyOn(repos.bids, "updateStatus");
    try {
      const result = await execute(subgraph, BID_STATUS, { input: { id, ...input } }, identity);
      expect(refusal(result)).toMatchObject({ code, message: expect.stringMatching(message) });
      expect(update).not.toHaveBeenCalled();
    } finally {
      update.mockRestore();
    }
  });

  it("its buyer accepts it, reading it once", async () => {
    const byIds = vi.spyOn(repos.bids, "byIds");
    try {
      const result = await execute(subgraph, BID_STATUS, { input: { id, status: "ACCEPTED" } }, SO_A);
      expect(result.errors).toBeUndefined();
      expect(result.data?.updateBidStatus.bid).toEqual({ id, status: "ACCEPTED" });
      expect(byIds).toHaveBeenCalledTimes(1);
    } finally {
      byIds.mockRestore();
    }
  });
});
