import { type DatabaseHandle, type Identity, staticReferences } from "@sfe/kit";
import { apiKeyOf, countRows, errorCodes, execute, orgs, setUpSubgraph, as as who } from "@sfe/kit/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { awardLifecycle, awards, bidLifecycle, bids, dispatchInstructions, dispatchLifecycle } from "../src/db/schema.js";
import type { createRepositories, createTransactionsSubgraph } from "../src/server.js";
import { transactionsSubgraph, ruleRoutes } from "./helpers.js";

// Organisations: two FSPs that own assets, a third for the statistics, two system operators that own products.
const { fspA, fspB, fspC, soA, soB } = orgs;
// Assets (owner) and products (owner).
const assetA = "a55e0000-0000-4000-8000-00000000000a"; // FSP A
const assetB = "a55e0000-0000-4000-8000-00000000000b"; // FSP B
const assetC = "a55e0000-0000-4000-8000-00000000000c"; // FSP C
const productA = "9d0c0000-0000-4000-8000-00000000000a"; // SO A
const productB = "9d0c0000-0000-4000-8000-00000000000b"; // SO B
const productTwo = "9d0c0000-0000-4000-8000-000000000002"; // SO A: awards to 2 providers, then 3
const productThree = "9d0c0000-0000-4000-8000-000000000003"; // SO A: awards to 3 providers

let handle: DatabaseHandle;
let repos: ReturnType<typeof createRepositories>;
let subgraph: ReturnType<typeof createTransactionsSubgraph>;

beforeAll(async () => {
  ({ handle, repos, subgraph } = await setUpSubgraph(
    transactionsSubgraph,
    staticReferences(
      {
        Asset: {
          [assetA]: { owner: { id: fspA }, status: "REGISTERED" },
          [assetB]: { owner: { id: fspB }, status: "REGISTERED" },
          [assetC]: { owner: { id: fspC }, status: "REGISTERED" },
        },
        Product: {
          [productA]: { owner: { id: soA }, status: "PUBLISHED" },
          [productB]: { owner: { id: soB }, status: "PUBLISHED" },
          [productTwo]: { owner: { id: soA }, status: "PUBLISHED" },
          [productThree]: { owner: { id: soA }, status: "PUBLISHED" },
        },
        Organisation: [fspA, fspB, fspC, soA, soB],
      },
      ruleRoutes(),
    ),
  ));
});
afterAll(() => handle.close());

// ------------------------------------------------------------------------------------------ callers

const key = (scopes: string[]) => apiKeyOf(fspA, ["FSP"], scopes);
const callers = {
  anonymous: who.anonymous,
  "FSP A": who.fspA,
  "FSP B": who.fspB,
  "SO A": who.soA,
  "SO B": who.nationalSo,
  /** SO A before a hub administrator verified it: no effective SYSTEM_OPERATOR role. */
  "unverified SO A": who.unverifiedSoA,
  INVESTOR: who.investor,
  REGULATOR: who.regulator,
  ADMIN: who.admin,
  /** FSP A's API keys. */
  "key transactions:read": key(["transactions:read"]),
  "key transactions:write": key(["transactions:write"]),
  "key assets:read": key(["assets:read"]),
} satisfies Record<string, Identity | null>;
type Caller = keyof typeof callers;
const as = (caller: Caller, query: string, variables: Record<string, unknown> = {}) => execute(subgraph, query, variables, callers[caller]);

const count = (table: string) => countRows(handle, `transactions.${table}`);
const counts = async () => ({
  bids: await count("bids"),
  awards: await count("awards"),
  dispatches: await count("dispatch_instructions"),
  audit: await count("audit_events"),
});

// ------------------------------------------------------------------------------------------ records

const SUBMIT_BID = `mutation ($input: SubmitBidInput!) { submitBid(input: $input) { bid { id provider { id } buyer { id } } } }`;
const RECORD_AWARD = `mutation ($input: RecordAwardInput!) { recordAward(input: $input) { award { id provider { id } buyer { id } } } }`;
const ISSUE_DISPATCH = `mutation ($input: IssueDispatchInstructionInput!) {
  issueDispatchInstruction(input: $input) { dispatchInstruction { id provider { id } buyer { id } } } }`;

// The fixture's windows are in January 2029; writes made by the tests below are elsewhere.
const JAN_2029 = { start: "2029-01-10T00:00:00Z", end: "2029-01-11T00:00:00Z" };
const bidInput = (assetId: string, productId: string, bidderId: string, extra: Record<string, unknown> = {}) => ({
  assetId,
  productId,
  bidderId,
  direction: "GENERATION_TURN_UP",
  quantityMw: 5,
  availabilityPriceGbpPerMwH: "12.5",
  ...JAN_2029,
  ...extra,
});
const awardInput = (assetId: string, productId: string, extra: Record<string, unknown> = {}) => ({
  assetId,
  productId,
  awardedMw: 5,
  availabilityPriceGbpPerMwH: "12.5",
  ...JAN_2029,
  ...extra,
});
const dispatchInput = (assetId: string | null, productId: string, issuedById: string, extra: Record<string, unknown> = {}) => ({
  assetId,
  unitReference: assetId ? null : "UNIT-1",
  productId,
  issuedById,
  direction: "DEMAND_TURN_DOWN",
  setPointMw: 1,
  ...JAN_2029,
  ...extra,
});

async function write(caller: Caller, mutation: string, input: Record<string, unknown>) {
  const result = await as(caller, mutation, { input });
  expect(result.errors).toBeUndefined();
  return Object.values(result.data!)[0] as Record<string, { id: string; provider: { id: string } | null; buyer: { id: string } }>;
}

/** Fixture records by name, made by a hub administrator (who may write for anyone). */
const ids: Record<string, string> = {};
const BIDS = ["bidA", "bidB", "bidOdd"] as const;
const AWARDS = ["awardA", "awardB", "crossAward", "awardOdd"] as const;
const DISPATCHES = ["dispA", "dispB", "dispOdd", "dispUnit"] as const;
type RecordName = (typeof BIDS)[number] | (typeof AWARDS)[number] | (typeof DISPATCHES)[number];

beforeAll(async () => {
  const bid = async (input: Record<string, unknown>) => (await write("ADMIN", SUBMIT_BID, input)).bid!.id;
  const award = async (input: Record<string, unknown>) => (await write("ADMIN", RECORD_AWARD, input)).award!.id;
  const dispatch = async (input: Record<string, unknown>) => (await write("ADMIN", ISSUE_DISPATCH, input)).dispatchInstruction!.id;
  ids.bidA = await bid(bidInput(assetA, productA, fspA));
  ids.bidB = await bid(bidInput(assetB, productB, fspB));
  /** FSP A's asset, but FSP B's bid: neither FSP sees it, SO A (the buyer) does. */
  ids.bidOdd = await bid(bidInput(assetA, productA, fspB));
  ids.awardA = await award(awardInput(assetA, productA, { bidId: ids.bidA }));
  ids.awardB = await award(awardInput(assetB, productB));
  /** FSP B's asset in SO A's product. */
  ids.crossAward = await award(awardInput(assetB, productA));
  /** Of bidOdd: FSP A (the provider) sees the award but not the bid. */
  ids.awardOdd = await award(awardInput(assetA, productA, { bidId: ids.bidOdd }));
  ids.dispA = await dispatch(dispatchInput(assetA, productA, soA));
  ids.dispB = await dispatch(dispatchInput(assetB, productB, soB));
  /** SO A's product, but issued by SO B: neither SO sees it, FSP A (the provider) does. */
  ids.dispOdd = await dispatch(dispatchInput(assetA, productA, soB));
  /** To a unit the hub does not know: no provider. */
  ids.dispUnit = await dispatch(dispatchInput(null, productA, soA));
});

/** What each caller sees of the fixture, or the error every read of it answers. */
const ALL: RecordName[] = [...BIDS, ...AWARDS, ...DISPATCHES];
const FSP_A: RecordName[] = ["bidA", "awardA", "awardOdd", "dispA", "dispOdd"];
const SEES: Record<Caller, RecordName[] | "UNAUTHENTICATED" | "FORBIDDEN"> = {
  anonymous: "UNAUTHENTICATED",
  "FSP A": FSP_A,
  "FSP B": ["bidB", "awardB", "crossAward", "dispB"],
  "SO A": ["bidA", "bidOdd", "awardA", "crossAward", "awardOdd", "dispA", "dispUnit"],
  "SO B": ["bidB", "awardB", "dispB"],
  "unverified SO A": [],
  INVESTOR: [],
  REGULATOR: [],
  ADMIN: ALL,
  "key transactions:read": FSP_A,
  "key transactions:write": FSP_A,
  "key assets:read": "FORBIDDEN",
};
const CALLERS = Object.keys(callers) as Caller[];
const visibleTo = (caller: Caller) => {
  const sees = SEES[caller];
  return typeof sees === "string" ? [] : sees;
};
/** Lists of records are only for the parties to them: everyone else is refused, not answered []. */
const LIST_REFUSED: Partial<Record<Caller, string>> = {
  anonymous: "UNAUTHENTICATED",
  "unverified SO A": "FORBIDDEN",
  INVESTOR: "FORBIDDEN",
  REGULATOR: "FORBIDDEN",
  "key assets:read": "FORBIDDEN",
};
/** The fixture names of listed records, sorted (records in one window are ordered by id: random). */
const names = (list: { id: string }[] | null | undefined) =>
  (list ?? []).map((row) => Object.keys(ids).find((name) => ids[name] === row.id) ?? row.id).sort();

// ------------------------------------------------------------------------------------------ reads

describe("reading records", () => {
  it("records who each record concerns: the asset's owner as provider, the product's owner as buyer", async () => {
    const result = await as(
      "ADMIN",
      `query ($b: ID!, $w: ID!, $d: ID!, $u: ID!) {
        bid(id: $b) { provider { id } buyer { id } bidder { id } }
        award(id: $w) { provider { id } buyer { id } }
        dispatchInstruction(id: $d) { provider { id } buyer { id } issuedBy { id } }
        unit: dispatchInstruction(id: $u) { provider { id } buyer { id } } }`,
      { b: ids.bidOdd, w: ids.crossAward, d: ids.dispOdd, u: ids.dispUnit },
    );
    expect(result).toEqual({
      data: {
        bid: { provider: { id: fspA }, buyer: { id: soA }, bidder: { id: fspB } },
        award: { provider: { id: fspB }, buyer: { id: soA } },
        dispatchInstruction: { provider: { id: fspA }, buyer: { id: soA }, issuedBy: { id: soB } },
        unit: { provider: null, buyer: { id: soA } },
      },
    });
  });

  const LISTS = `query ($from: DateTime, $to: DateTime) {
    bids(from: $from, to: $to) { id } awards(from: $from, to: $to) { id } dispatchInstructions(from: $from, to: $to) { id } }`;
  const jan = { from: "2029-01-01T00:00:00Z", to: "2029-02-01T00:00:00Z" };

  it.each(CALLERS)("lists as %s: only the records it is a party to, or refused", async (caller) => {
    for (const [field, kind] of [
      ["bids", BIDS],
      ["awards", AWARDS],
      ["dispatchInstructions", DISPATCHES],
    ] as const) {
      const result = await as(caller, `query ($from: DateTime, $to: DateTime) { ${field}(from: $from, to: $to) { id } }`, jan);
      const refused = LIST_REFUSED[caller];
      if (refused) {
        expect(errorCodes(result), field).toEqual([refused]);
        expect(result.data ?? null).toBeNull();
      } else {
        expect(result.errors, field).toBeUndefined();
        expect(names(result.data![field]), field).toEqual(
          visibleTo(caller)
            .filter((n) => (kind as readonly string[]).includes(n))
            .sort(),
        );
      }
    }
  });

  it("filters lists in SQL: filter arguments narrow what the caller may see, never widen it", async () => {
    // FSP A asking for FSP B's bids or asset gets nothing; SO A asking for its product gets its records only.
    const fsp = await as("FSP A", `query ($b: ID!, $a: ID!) { bids(bidderId: $b) { id } awards(assetId: $a) { id } }`, {
      b: fspB,
      a: assetB,
    });
    expect(fsp).toEqual({ data: { bids: [], awards: [] } });
    const so = await as("SO A", `query ($p: ID!, $i: ID!) { awards(productId: $p) { id } dispatchInstructions(issuedById: $i) { id } }`, {
      p: productB,
      i: soB,
    });
    expect(so).toEqual({ data: { awards: [], dispatchInstructions: [] } });
    const spy = vi.spyOn(repos.awards, "list");
    await as("FSP A", LISTS, jan);
    expect(spy.mock.calls[0]?.[0].visible).toEqual({ everything: false, providerId: fspA, buyerId: null });
    spy.mockRestore();
  });

  const LOOKUPS = () =>
    `query { ${ALL.map((name) => {
      const field = name.startsWith("bid") ? "bid" : name.startsWith("disp") ? "dispatchInstruction" : "award";
      return `${name}: ${field}(id: "${ids[name]}") { id }`;
    }).join(" ")} }`;

  it.each(CALLERS)("looks records up by id as %s: null where it is not a party", async (caller) => {
    const result = await as(caller, LOOKUPS());
    const sees = SEES[caller];
    if (typeof sees === "string") {
      expect(new Set(errorCodes(result))).toEqual(new Set([sees]));
      return;
    }
    expect(result.errors).toBeUndefined();
    const found = ALL.filter((name) => result.data![name] !== null);
    expect(found.sort()).toEqual([...sees].sort());
  });

  it("answers Award.bid only when the caller may see the bid too", async () => {
    const query = `query ($a: ID!, $o: ID!) { a: award(id: $a) { bid { id } } o: award(id: $o) { bid { id } } }`;
    const variables = { a: ids.awardA, o: ids.awardOdd };
    expect((await as("FSP A", query, variables)).data).toEqual({ a: { bid: { id: ids.bidA } }, o: { bid: null } });
    expect((await as("SO A", query, variables)).data).toEqual({ a: { bid: { id: ids.bidA } }, o: { bid: { id: ids.bidOdd } } });
  });
});

// ------------------------------------------------------------------------------------------ entities

describe("entity references (_entities)", () => {
  const RECORDS = `query ($r: [_Any!]!) { _entities(representations: $r) {
    ... on Bid { id } ... on Award { id } ... on DispatchInstruction { id } } }`;
  const typename = (name: RecordName) => (name.startsWith("bid") ? "Bid" : name.startsWith("disp") ? "DispatchInstruction" : "Award");

  it.each(CALLERS)("resolves Bid, Award and DispatchInstruction references as %s: null where it is not a party", async (caller) => {
    const result = await as(caller, RECORDS, { r: ALL.map((name) => ({ __typename: typename(name), id: ids[name] })) });
    expect(result.errors).toBeUndefined();
    const entities = result.data!._entities as ({ id: string } | null)[];
    expect(entities).toHaveLength(ALL.length);
    const found = ALL.filter((_, i) => entities[i] !== null);
    expect(found.sort()).toEqual([...visibleTo(caller)].sort());
  });

  // The fixture's month: records the tests below write are elsewhere.
  const ASSETS = `query ($r: [_Any!]!) { _entities(representations: $r) {
    ... on Asset { id bids(from: "2029-01-01T00:00:00Z", to: "2029-02-01T00:00:00Z") { id }
      awards(from: "2029-01-01T00:00:00Z", to: "2029-02-01T00:00:00Z") { id }
      dispatches(from: "2029-01-01T00:00:00Z", to: "2029-02-01T00:00:00Z") { id } }
    ... on Product { id awards(from: "2029-01-01T00:00:00Z", to: "2029-02-01T00:00:00Z") { id } } } }`;
  const representations = [
    { __typename: "Asset", id: assetA },
    { __typename: "Asset", id: assetB },
    { __typename: "Product", id: productA },
  ];

  it("filters Asset and Product lists to the caller's records: FSP B's asset has no awards for FSP A", async () => {
    const fsp = await as("FSP A", ASSETS, { r: representations });
    expect(fsp.errors).toBeUndefined();
    const [a, b, p] = fsp.data!._entities;
    expect({ bids: names(a.bids), awards: names(a.awards), dispatches: names(a.dispatches) }).toEqual({
      bids: ["bidA"],
      awards: ["awardA", "awardOdd"],
      dispatches: ["dispA", "dispOdd"],
    });
    expect(b).toEqual({ id: assetB, bids: [], awards: [], dispatches: [] });
    expect(names(p.awards)).toEqual(["awardA", "awardOdd"]);

    const so = await as("SO A", ASSETS, { r: representations });
    const [sa, sb, sp] = so.data!._entities;
    expect(names(sa.bids)).toEqual(["bidA", "bidOdd"]);
    expect(names(sa.dispatches)).toEqual(["dispA"]);
    expect(names(sb.awards)).toEqual(["crossAward"]);
    expect(names(sp.awards)).toEqual(["awardA", "awardOdd", "crossAward"]);

    const admin = await as("ADMIN", ASSETS, { r: representations });
    expect(names(admin.data!._entities[2].awards)).toEqual(["awardA", "awardOdd", "crossAward"]);
  });

  it.each(["INVESTOR", "REGULATOR", "unverified SO A"] as const)("answers %s empty Asset and Product lists", async (caller) => {
    const result = await as(caller, ASSETS, { r: representations });
    expect(result).toEqual({
      data: {
        _entities: [
          { id: assetA, bids: [], awards: [], dispatches: [] },
          { id: assetB, bids: [], awards: [], dispatches: [] },
          { id: productA, awards: [] },
        ],
      },
    });
  });

  it.each([
    ["anonymous", "UNAUTHENTICATED"],
    ["key assets:read", "FORBIDDEN"],
  ] as const)("refuses the Asset and Product lists to %s", async (caller, code) => {
    const result = await as(caller, ASSETS, { r: representations });
    expect(new Set(errorCodes(result))).toEqual(new Set([code]));
    expect(result.data!._entities).toEqual([
      { id: assetA, bids: null, awards: null, dispatches: null },
      { id: assetB, bids: null, awards: null, dispatches: null },
      { id: productA, awards: null },
    ]);
  });

  it("still reads each list field once per request for a filtered caller", async () => {
    const spies = [
      vi.spyOn(repos.awards, "byAssetIds"),
      vi.spyOn(repos.awards, "byProductIds"),
      vi.spyOn(repos.awards, "byIds"),
      vi.spyOn(repos.bids, "byIds"),
    ];
    const r = [
      ...Array.from({ length: 50 }, (_, i) => ({ __typename: "Asset", id: i % 2 ? assetA : assetB })),
      { __typename: "Product", id: productA },
      ...AWARDS.map((name) => ({ __typename: "Award", id: ids[name] })),
      ...AWARDS.map((name) => ({ __typename: "Award", id: ids[name] })),
    ];
    const result = await as(
      "FSP A",
      `query ($r: [_Any!]!) { _entities(representations: $r) {
        ... on Asset { awards { id } } ... on Product { awards { id } } ... on Award { bid { id } } } }`,
      { r },
    );
    expect(result.errors).toBeUndefined();
    for (const spy of spies) expect(spy).toHaveBeenCalledTimes(1);
    for (const spy of spies) spy.mockRestore();
  });
});

// awardStatistics and its anonymisation rule: test/statistics.test.ts.

// ------------------------------------------------------------------------------------------ writes

/** Runs a mutation that must be refused with `code`, and proves nothing was written. */
async function refused(caller: Caller, mutation: string, input: Record<string, unknown>, code: string) {
  const before = await counts();
  const result = await as(caller, mutation, { input });
  expect(errorCodes(result), caller).toEqual([code]);
  expect(result.data ?? null).toBeNull();
  expect(await counts()).toEqual(before);
}

describe("writing records", () => {
  const JUN_2028 = { start: "2028-06-01T00:00:00Z", end: "2028-06-01T04:00:00Z" };

  it.each(["FSP A", "key transactions:write", "ADMIN"] as const)("lets %s bid with FSP A's asset in FSP A's name", async (caller) => {
    const { bid } = await write(caller, SUBMIT_BID, bidInput(assetA, productA, fspA, JUN_2028));
    expect(bid).toMatchObject({ provider: { id: fspA }, buyer: { id: soA } });
  });

  it.each<[string, Caller, Record<string, unknown>, string]>([
    ["anonymous", "anonymous", bidInput(assetA, productA, fspA), "UNAUTHENTICATED"],
    ["FSP A with FSP B's asset", "FSP A", bidInput(assetB, productA, fspA), "FORBIDDEN"],
    ["FSP A in FSP B's name", "FSP A", bidInput(assetA, productA, fspB), "FORBIDDEN"],
    ["FSP B with FSP A's asset", "FSP B", bidInput(assetA, productA, fspB), "FORBIDDEN"],
    ["a system operator", "SO A", bidInput(assetA, productA, fspA), "FORBIDDEN"],
    ["an investor", "INVESTOR", bidInput(assetA, productA, fspA), "FORBIDDEN"],
    ["a regulator", "REGULATOR", bidInput(assetA, productA, fspA), "FORBIDDEN"],
    ["a read-only key", "key transactions:read", bidInput(assetA, productA, fspA), "FORBIDDEN"],
    ["an assets key", "key assets:read", bidInput(assetA, productA, fspA), "FORBIDDEN"],
    ["FSP A with an unknown asset", "FSP A", bidInput("a55e0000-0000-4000-8000-0000000000ff", productA, fspA), "BAD_USER_INPUT"],
  ])("refuses a bid by %s, writing nothing", async (_case, caller, input, code) => {
    await refused(caller, SUBMIT_BID, { ...input, ...JUN_2028 }, code);
  });

  it.each(["SO A", "ADMIN"] as const)("lets %s record an award in SO A's product, of any FSP's asset", async (caller) => {
    const { award } = await write(caller, RECORD_AWARD, awardInput(assetB, productA, JUN_2028));
    expect(award).toMatchObject({ provider: { id: fspB }, buyer: { id: soA } });
  });

  it.each<[string, Caller, Record<string, unknown>, string]>([
    ["anonymous", "anonymous", awardInput(assetA, productA), "UNAUTHENTICATED"],
    ["SO B in SO A's product", "SO B", awardInput(assetA, productA), "FORBIDDEN"],
    ["unverified SO A", "unverified SO A", awardInput(assetA, productA), "FORBIDDEN"],
    ["the provider FSP", "FSP A", awardInput(assetA, productA), "FORBIDDEN"],
    ["an investor", "INVESTOR", awardInput(assetA, productA), "FORBIDDEN"],
    ["a regulator", "REGULATOR", awardInput(assetA, productA), "FORBIDDEN"],
    ["an assets key", "key assets:read", awardInput(assetA, productA), "FORBIDDEN"],
  ])("refuses an award by %s, writing nothing", async (_case, caller, input, code) => {
    await refused(caller, RECORD_AWARD, { ...input, ...JUN_2028 }, code);
  });

  it("treats a bid SO A cannot see as unknown when it records an award of it", async () => {
    // bidB is SO B's: to SO A it does not exist.
    await refused("SO A", RECORD_AWARD, awardInput(assetB, productA, { bidId: ids.bidB, ...JUN_2028 }), "BAD_USER_INPUT");
  });

  it.each(["SO A", "ADMIN"] as const)("lets %s dispatch in SO A's name for SO A's product", async (caller) => {
    const { dispatchInstruction } = await write(caller, ISSUE_DISPATCH, dispatchInput(assetB, productA, soA, JUN_2028));
    expect(dispatchInstruction).toMatchObject({ provider: { id: fspB }, buyer: { id: soA } });
  });

  it.each<[string, Caller, Record<string, unknown>, string]>([
    ["anonymous", "anonymous", dispatchInput(assetA, productA, soA), "UNAUTHENTICATED"],
    ["SO A in SO B's name", "SO A", dispatchInput(assetA, productA, soB), "FORBIDDEN"],
    ["SO A for SO B's product", "SO A", dispatchInput(assetA, productB, soA), "FORBIDDEN"],
    ["SO B for SO A's product", "SO B", dispatchInput(assetA, productA, soB), "FORBIDDEN"],
    ["an unverified SO (R-USR-2)", "unverified SO A", dispatchInput(assetA, productA, soA), "FORBIDDEN"],
    ["the provider FSP", "FSP A", dispatchInput(assetA, productA, soA), "FORBIDDEN"],
    ["an investor", "INVESTOR", dispatchInput(assetA, productA, soA), "FORBIDDEN"],
    ["a read-only key", "key transactions:read", dispatchInput(assetA, productA, soA), "FORBIDDEN"],
  ])("refuses a dispatch by %s, writing nothing", async (_case, caller, input, code) => {
    await refused(caller, ISSUE_DISPATCH, { ...input, ...JUN_2028 }, code);
  });
});

describe("changing status", () => {
  const UPDATE = {
    bid: (status: string) => `mutation ($id: ID!) { updateBidStatus(input: { id: $id, status: ${status} }) { bid { id status } } }`,
    award: (status: string) => `mutation ($id: ID!) { updateAwardStatus(input: { id: $id, status: ${status} }) { award { id status } } }`,
    dispatch: (status: string) =>
      `mutation ($id: ID!) { updateDispatchStatus(input: { id: $id, status: ${status} }) { dispatchInstruction { id status } } }`,
  };
  const READ = `query ($id: ID!) { bid(id: $id) { status } award(id: $id) { status } dispatchInstruction(id: $id) { status } }`;
  const statusOf = async (id: string) => {
    const { data } = await as("ADMIN", READ, { id });
    return (data!.bid ?? data!.award ?? data!.dispatchInstruction).status as string;
  };

  type Case = [Caller, keyof typeof UPDATE, RecordName, string, string | null];
  // caller, record kind, record, status asked for, refusal (null: allowed)
  const cases: Case[] = [
    ["FSP A", "bid", "bidA", "WITHDRAWN", null],
    ["FSP A", "bid", "bidA", "ACCEPTED", "FORBIDDEN"],
    ["FSP A", "bid", "bidOdd", "WITHDRAWN", "NOT_FOUND"], // its asset, another FSP's bid
    ["FSP B", "bid", "bidA", "WITHDRAWN", "NOT_FOUND"],
    ["SO A", "bid", "bidA", "ACCEPTED", null],
    ["SO A", "bid", "bidA", "PARTIALLY_ACCEPTED", null],
    ["SO A", "bid", "bidOdd", "REJECTED", null],
    ["SO A", "bid", "bidA", "WITHDRAWN", "FORBIDDEN"],
    ["SO B", "bid", "bidA", "REJECTED", "NOT_FOUND"],
    ["INVESTOR", "bid", "bidA", "REJECTED", "FORBIDDEN"],
    ["REGULATOR", "bid", "bidA", "REJECTED", "FORBIDDEN"],
    ["anonymous", "bid", "bidA", "WITHDRAWN", "UNAUTHENTICATED"],
    ["key transactions:read", "bid", "bidA", "WITHDRAWN", "FORBIDDEN"],
    ["key transactions:write", "bid", "bidA", "WITHDRAWN", null],
    ["ADMIN", "bid", "bidB", "REJECTED", null],

    ["SO A", "award", "awardA", "ACTIVE", null],
    ["SO A", "award", "crossAward", "DELIVERED", null],
    ["SO B", "award", "awardA", "ACTIVE", "NOT_FOUND"],
    ["FSP A", "award", "awardA", "SETTLED", "FORBIDDEN"],
    ["unverified SO A", "award", "awardA", "ACTIVE", "FORBIDDEN"],
    ["INVESTOR", "award", "awardA", "ACTIVE", "FORBIDDEN"],
    ["anonymous", "award", "awardA", "ACTIVE", "UNAUTHENTICATED"],
    ["ADMIN", "award", "awardB", "SETTLED", null],

    ["SO A", "dispatch", "dispA", "ACTIVE", null],
    ["SO A", "dispatch", "dispUnit", "COMPLETED", null],
    ["SO A", "dispatch", "dispOdd", "COMPLETED", "NOT_FOUND"], // its product, issued by SO B
    ["SO B", "dispatch", "dispOdd", "COMPLETED", "NOT_FOUND"], // issued by it, SO A's product
    ["SO B", "dispatch", "dispA", "SUPERSEDED", "NOT_FOUND"],
    ["FSP A", "dispatch", "dispA", "ACKNOWLEDGED", null],
    ["FSP A", "dispatch", "dispOdd", "REJECTED", null],
    ["FSP A", "dispatch", "dispA", "COMPLETED", "FORBIDDEN"],
    ["FSP B", "dispatch", "dispA", "ACKNOWLEDGED", "NOT_FOUND"],
    ["REGULATOR", "dispatch", "dispA", "ACKNOWLEDGED", "FORBIDDEN"],
    ["key assets:read", "dispatch", "dispA", "ACKNOWLEDGED", "FORBIDDEN"],
    ["ADMIN", "dispatch", "dispB", "COMPLETED", null],
  ];

  /**
   * Puts the record in a status its lifecycle lets become `status`, so that what each case shows is who may
   * make the change (the lifecycles have their own tests, in lifecycle.test.ts).
   */
  async function placeBefore(kind: keyof typeof UPDATE, id: string, status: string) {
    const place = async <S extends string>(
      lifecycle: { states: readonly S[]; allows(from: S, to: S): boolean },
      write: (s: S) => Promise<unknown>,
    ) => {
      const from = lifecycle.states.find((state) => lifecycle.allows(state, status as S));
      if (!from) throw new Error(`nothing becomes ${status}`);
      await write(from);
    };
    const { db } = handle;
    if (kind === "bid") await place(bidLifecycle, (s) => db.update(bids).set({ status: s }).where(eq(bids.id, id)));
    if (kind === "award") await place(awardLifecycle, (s) => db.update(awards).set({ status: s }).where(eq(awards.id, id)));
    if (kind === "dispatch") {
      await place(dispatchLifecycle, (s) => db.update(dispatchInstructions).set({ status: s }).where(eq(dispatchInstructions.id, id)));
    }
  }

  it.each(cases)("%s: %s %s → %s: %s", async (caller, kind, record, status, refusal) => {
    const id = ids[record]!;
    await placeBefore(kind, id, status);
    const before = { counts: await counts(), status: await statusOf(id) };
    const result = await as(caller, UPDATE[kind](status), { id });
    if (refusal) {
      expect(errorCodes(result)).toEqual([refusal]);
      expect(result.data ?? null).toBeNull();
      expect(await counts()).toEqual(before.counts);
      expect(await statusOf(id)).toBe(before.status);
    } else {
      expect(result.errors).toBeUndefined();
      expect(Object.values(result.data!)[0]).toEqual({ [kind === "dispatch" ? "dispatchInstruction" : kind]: { id, status } });
      expect(await statusOf(id)).toBe(status);
      expect(await counts()).toEqual({ ...before.counts, audit: before.counts.audit + 1 });
    }
  });

  it("answers NOT_FOUND alike for a record the caller cannot see and one that does not exist", async () => {
    const unseen = await as("FSP B", UPDATE.bid("WITHDRAWN"), { id: ids.bidA });
    const unknown = await as("FSP B", UPDATE.bid("WITHDRAWN"), { id: "00000000-0000-4000-8000-000000000000" });
    expect(errorCodes(unseen)).toEqual(["NOT_FOUND"]);
    expect(errorCodes(unknown)).toEqual(["NOT_FOUND"]);
    expect(unseen.errors?.[0]?.message).toBe(`Bid ${ids.bidA} does not exist`);
  });
});
