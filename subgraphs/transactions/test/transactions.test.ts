import { type DatabaseHandle, type EntityReferences, staticReferences } from "@sfe/kit";
import { as, countRows, errorCodes, MISSING_ID as unknown, orgs, execute as run, setUpSubgraph } from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { createRepositories, createTransactionsSubgraph } from "../src/server.js";
import { transactionsSubgraph, ruleRoutes } from "./helpers.js";

// Entities other subgraphs own, as the reference checks will see them.
const a1 = "6f1c2a4e-0b7d-4c1e-9a51-1f6f0c3d2a01";
const a2 = "6f1c2a4e-0b7d-4c1e-9a51-1f6f0c3d2a02";
const p1 = "0a9e5b3c-7d21-4f6a-8c44-2b7e9d1f3b01";
// o1: the FSP that owns both assets and bids with them; so1: the system operator that owns the product, records its
// awards and issues its instructions.
const { fspA: o1, soA: so1 } = orgs;
/** Assets of o1 in each status but REGISTERED (a1, a2), and products of so1 in each but PUBLISHED (p1). */
const assetsIn = {
  DRAFT: "6f1c2a4e-0b7d-4c1e-9a51-1f6f0c3d2a11",
  PENDING_VALIDATION: "6f1c2a4e-0b7d-4c1e-9a51-1f6f0c3d2a12",
  SUSPENDED: "6f1c2a4e-0b7d-4c1e-9a51-1f6f0c3d2a13",
  DEREGISTERED: "6f1c2a4e-0b7d-4c1e-9a51-1f6f0c3d2a14",
};
const productsIn = {
  DRAFT: "0a9e5b3c-7d21-4f6a-8c44-2b7e9d1f3b11",
  IN_CONSULTATION: "0a9e5b3c-7d21-4f6a-8c44-2b7e9d1f3b12",
  SUSPENDED: "0a9e5b3c-7d21-4f6a-8c44-2b7e9d1f3b13",
  RETIRED: "0a9e5b3c-7d21-4f6a-8c44-2b7e9d1f3b14",
};

let handle: DatabaseHandle;
let repos: ReturnType<typeof createRepositories>;
let subgraph: ReturnType<typeof createTransactionsSubgraph>;
let references: EntityReferences;
/** A product whose subgraph answers no status (an older products subgraph, say). */
const pWithoutStatus = "0a9e5b3c-7d21-4f6a-8c44-2b7e9d1f3b20";

beforeAll(async () => {
  // What `lookup(..., "owner { id } status")` answers: who each record will concern, and where the
  // asset and the product are in their lifecycles.
  references = staticReferences(
    {
      Asset: {
        [a1]: { owner: { id: o1 }, status: "REGISTERED" },
        [a2]: { owner: { id: o1 }, status: "REGISTERED" },
        ...Object.fromEntries(Object.entries(assetsIn).map(([status, id]) => [id, { owner: { id: o1 }, status }])),
      },
      Product: {
        [p1]: { owner: { id: so1 }, status: "PUBLISHED" },
        ...Object.fromEntries(Object.entries(productsIn).map(([status, id]) => [id, { owner: { id: so1 }, status }])),
        [pWithoutStatus]: { owner: { id: so1 } },
      },
      Organisation: [o1, so1],
    },
    ruleRoutes(),
  );
  ({ handle, repos, subgraph } = await setUpSubgraph(transactionsSubgraph, references));
});
afterAll(() => handle.close());

// Access control has its own tests (access.test.ts); here each write is made by the party entitled to it
// (the FSP bids, the SO awards and dispatches) and everything else as a hub administrator, who sees all.
const { fspA: fsp, soA: so, admin } = as;
const execute = (...[subgraph, query, variables, identity = admin]: Parameters<typeof run>) => run(subgraph, query, variables, identity);

const count = (table: string) => countRows(handle, `transactions.${table}`);
/** Row counts of every table, so a refused write can be shown to have left nothing behind. */
const counts = async () => ({
  bids: await count("bids"),
  awards: await count("awards"),
  dispatches: await count("dispatch_instructions"),
  audit: await count("audit_events"),
});

const BID_FIELDS = `id asset { id } product { id } bidder { id } provider { id } buyer { id } direction quantityMw availabilityPriceGbpPerMwH
  utilisationPriceGbpPerMwh start end status source externalId createdAt`;
const AWARD_FIELDS = `id bid { id quantityMw } asset { id } product { id } provider { id } buyer { id } awardedMw availabilityPriceGbpPerMwH
  utilisationPriceGbpPerMwh start end status source externalId createdAt`;
const DISPATCH_FIELDS = `id asset { id } unitReference product { id } issuedBy { id } provider { id } buyer { id } direction setPointMw start end
  status source externalId createdAt`;

const SUBMIT_BID = `mutation ($input: SubmitBidInput!) { submitBid(input: $input) { bid { ${BID_FIELDS} } } }`;
const RECORD_AWARD = `mutation ($input: RecordAwardInput!) { recordAward(input: $input) { award { ${AWARD_FIELDS} } } }`;
const ISSUE_DISPATCH = `mutation ($input: IssueDispatchInstructionInput!) {
  issueDispatchInstruction(input: $input) { dispatchInstruction { ${DISPATCH_FIELDS} } } }`;

/** NESO Dynamic Containment: unit AG-MFLX02 (Flexitricity), 49 MW at £15.03/MW/h for a day. */
const dcBid = (overrides: Record<string, unknown> = {}) => ({
  assetId: a1,
  productId: p1,
  bidderId: o1,
  direction: "GENERATION_TURN_UP",
  quantityMw: 49,
  availabilityPriceGbpPerMwH: "15.03",
  start: "2020-10-01T22:00:00Z",
  end: "2020-10-02T22:00:00Z",
  ...overrides,
});
const dcAward = (overrides: Record<string, unknown> = {}) => ({
  assetId: a1,
  productId: p1,
  awardedMw: 49,
  availabilityPriceGbpPerMwH: "15.03",
  start: "2020-10-01T22:00:00Z",
  end: "2020-10-02T22:00:00Z",
  ...overrides,
});
/** UKPN: hendon-way-lt_saou-ev-c1-portfolio (Axle Energy), 0.049 MW demand turn-down, 14:00–18:00. */
const ukpnDispatch = (overrides: Record<string, unknown> = {}) => ({
  assetId: a2,
  unitReference: "hendon-way-lt_saou-ev-c1-portfolio",
  productId: p1,
  issuedById: so1,
  direction: "DEMAND_TURN_DOWN",
  setPointMw: 0.049,
  start: "2025-06-23T14:00:00Z",
  end: "2025-06-23T18:00:00Z",
  ...overrides,
});

async function submitBid(input: Record<string, unknown>) {
  const result = await execute(subgraph, SUBMIT_BID, { input }, fsp);
  expect(result.errors).toBeUndefined();
  return result.data!.submitBid.bid;
}
async function recordAward(input: Record<string, unknown>) {
  const result = await execute(subgraph, RECORD_AWARD, { input }, so);
  expect(result.errors).toBeUndefined();
  return result.data!.recordAward.award;
}
async function issueDispatch(input: Record<string, unknown>) {
  const result = await execute(subgraph, ISSUE_DISPATCH, { input }, so);
  expect(result.errors).toBeUndefined();
  return result.data!.issueDispatchInstruction.dispatchInstruction;
}

describe("recording market transactions", () => {
  it("submits a bid, records its award and issues a dispatch, reading every field back exactly", async () => {
    const before = await counts();
    const bid = await submitBid(
      dcBid({ utilisationPriceGbpPerMwh: "-2.5", source: "NESO_DC_MASTERDATA", externalId: "DC-2020-10-02-AG-MFLX02-1" }),
    );
    const award = await recordAward(
      dcAward({ bidId: bid.id, source: "NESO_DC_MASTERDATA", externalId: "DC-2020-10-02-AG-MFLX02-1-award" }),
    );
    const dispatch = await issueDispatch(ukpnDispatch({ source: "UKPN_FLEX_DISPATCHES", externalId: "9f1e" }));

    const read = await execute(
      subgraph,
      `query ($b: ID!, $a: ID!, $d: ID!) {
        bid(id: $b) { ${BID_FIELDS} } award(id: $a) { ${AWARD_FIELDS} } dispatchInstruction(id: $d) { ${DISPATCH_FIELDS} } }`,
      { b: bid.id, a: award.id, d: dispatch.id },
    );
    expect(read.errors).toBeUndefined();
    // In-process results hold Date objects; a client sees them as ISO strings.
    const data = JSON.parse(JSON.stringify(read.data));
    expect(data.bid).toEqual({
      id: bid.id,
      asset: { id: a1 },
      product: { id: p1 },
      bidder: { id: o1 },
      provider: { id: o1 },
      buyer: { id: so1 },
      direction: "GENERATION_TURN_UP",
      quantityMw: 49,
      availabilityPriceGbpPerMwH: "15.0300",
      utilisationPriceGbpPerMwh: "-2.5000",
      start: "2020-10-01T22:00:00.000Z",
      end: "2020-10-02T22:00:00.000Z",
      status: "SUBMITTED",
      source: "NESO_DC_MASTERDATA",
      externalId: "DC-2020-10-02-AG-MFLX02-1",
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(data.award).toEqual({
      id: award.id,
      bid: { id: bid.id, quantityMw: 49 },
      asset: { id: a1 },
      product: { id: p1 },
      provider: { id: o1 },
      buyer: { id: so1 },
      awardedMw: 49,
      availabilityPriceGbpPerMwH: "15.0300",
      utilisationPriceGbpPerMwh: null,
      start: "2020-10-01T22:00:00.000Z",
      end: "2020-10-02T22:00:00.000Z",
      status: "AWARDED",
      source: "NESO_DC_MASTERDATA",
      externalId: "DC-2020-10-02-AG-MFLX02-1-award",
      createdAt: expect.any(String),
    });
    expect(data.dispatchInstruction).toEqual({
      id: dispatch.id,
      asset: { id: a2 },
      unitReference: "hendon-way-lt_saou-ev-c1-portfolio",
      product: { id: p1 },
      issuedBy: { id: so1 },
      provider: { id: o1 },
      buyer: { id: so1 },
      direction: "DEMAND_TURN_DOWN",
      setPointMw: 0.049,
      start: "2025-06-23T14:00:00.000Z",
      end: "2025-06-23T18:00:00.000Z",
      status: "ISSUED",
      source: "UKPN_FLEX_DISPATCHES",
      externalId: "9f1e",
      createdAt: expect.any(String),
    });
    // The mutation payloads are the same records.
    expect(bid).toEqual(read.data!.bid);
    expect(award).toEqual(read.data!.award);
    expect(dispatch).toEqual(read.data!.dispatchInstruction);
    expect(data.bid.createdAt).toBe(new Date(data.bid.createdAt).toISOString());
    // One audit event per write, in the same transaction.
    expect(await counts()).toEqual({
      bids: before.bids + 1,
      awards: before.awards + 1,
      dispatches: before.dispatches + 1,
      audit: before.audit + 3,
    });
  });

  it("defaults the source to API, allows many records without externalId, and keeps prices exact", async () => {
    const first = await submitBid(dcBid({ availabilityPriceGbpPerMwH: "99999.9999" }));
    const second = await submitBid(dcBid({ availabilityPriceGbpPerMwH: null, utilisationPriceGbpPerMwh: "0.1" }));
    expect(first).toMatchObject({ source: "API", externalId: null, availabilityPriceGbpPerMwH: "99999.9999" });
    expect(second).toMatchObject({
      source: "API",
      externalId: null,
      availabilityPriceGbpPerMwH: null,
      utilisationPriceGbpPerMwh: "0.1000",
    });
    const award = await recordAward(dcAward({ availabilityPriceGbpPerMwH: "109", utilisationPriceGbpPerMwh: "-0.0001" }));
    expect(award).toMatchObject({ bid: null, availabilityPriceGbpPerMwH: "109.0000", utilisationPriceGbpPerMwh: "-0.0001" });
  });

  it("issues an instruction to a unit the hub does not know as an asset, and one with a zero set point", async () => {
    const unitOnly = await issueDispatch(ukpnDispatch({ assetId: null, unitReference: "AG-MFLX02" }));
    expect(unitOnly).toMatchObject({ asset: null, unitReference: "AG-MFLX02", provider: null, buyer: { id: so1 } });
    const assetOnly = await issueDispatch(ukpnDispatch({ unitReference: undefined, setPointMw: 0 }));
    expect(assetOnly).toMatchObject({ asset: { id: a2 }, unitReference: null, setPointMw: 0 });
  });
});

describe("refused writes", () => {
  const cases: [string, string, Record<string, unknown>, string?][] = [
    ["a bid for an unknown asset", SUBMIT_BID, dcBid({ assetId: unknown }), "assetId"],
    ["a bid for an unknown product", SUBMIT_BID, dcBid({ productId: unknown }), "productId"],
    ["a bid by an unknown bidder", SUBMIT_BID, dcBid({ bidderId: unknown }), "bidderId"],
    ["a bid with a malformed asset id", SUBMIT_BID, dcBid({ assetId: "AG-MFLX02" }), "assetId"],
    ["a bid ending before it starts", SUBMIT_BID, dcBid({ start: "2020-10-02T22:00:00Z", end: "2020-10-01T22:00:00Z" }), "end"],
    ["a bid ending when it starts", SUBMIT_BID, dcBid({ end: "2020-10-01T22:00:00Z" }), "end"],
    ["a negative quantity", SUBMIT_BID, dcBid({ quantityMw: -1 }), "quantityMw"],
    ["a zero quantity", SUBMIT_BID, dcBid({ quantityMw: 0 }), "quantityMw"],
    ["a price with too many decimals", SUBMIT_BID, dcBid({ availabilityPriceGbpPerMwH: "12.345678" }), "availabilityPriceGbpPerMwH"],
    ["a price that is not a number", SUBMIT_BID, dcBid({ utilisationPriceGbpPerMwh: "abc" }), "utilisationPriceGbpPerMwh"],
    ["a price too large for numeric(12,4)", SUBMIT_BID, dcBid({ availabilityPriceGbpPerMwH: "123456789" }), "availabilityPriceGbpPerMwH"],
    ["a price in exponent notation", SUBMIT_BID, dcBid({ availabilityPriceGbpPerMwH: "1e3" }), "availabilityPriceGbpPerMwH"],
    ["a bid with no price", SUBMIT_BID, dcBid({ availabilityPriceGbpPerMwH: null }), "availabilityPriceGbpPerMwH"],
    ["an empty source", SUBMIT_BID, dcBid({ source: "  " }), "source"],
    ["a malformed DateTime", SUBMIT_BID, dcBid({ start: "yesterday" })],
    ["a date without a time", SUBMIT_BID, dcBid({ end: "2020-10-02" })],
    ["a missing required field", SUBMIT_BID, dcBid({ bidderId: undefined })],
    ["an unknown direction", SUBMIT_BID, dcBid({ direction: "SIDEWAYS" })],
    ["an award for an unknown asset", RECORD_AWARD, dcAward({ assetId: unknown }), "assetId"],
    ["an award for an unknown product", RECORD_AWARD, dcAward({ productId: unknown }), "productId"],
    ["an award of zero MW", RECORD_AWARD, dcAward({ awardedMw: 0 }), "awardedMw"],
    ["an award with no price", RECORD_AWARD, dcAward({ availabilityPriceGbpPerMwH: undefined }), "availabilityPriceGbpPerMwH"],
    ["an award of an unknown bid", RECORD_AWARD, dcAward({ bidId: unknown }), "bidId"],
    ["an award of a malformed bid id", RECORD_AWARD, dcAward({ bidId: "bid-1" }), "bidId"],
    ["an award ending before it starts", RECORD_AWARD, dcAward({ end: "2020-10-01T21:00:00Z" }), "end"],
    ["a dispatch with neither asset nor unit", ISSUE_DISPATCH, ukpnDispatch({ assetId: null, unitReference: null }), "assetId"],
    ["a dispatch with a blank unit only", ISSUE_DISPATCH, ukpnDispatch({ assetId: null, unitReference: " " }), "unitReference"],
    ["a dispatch to an unknown asset", ISSUE_DISPATCH, ukpnDispatch({ assetId: unknown }), "assetId"],
    ["a dispatch for an unknown product", ISSUE_DISPATCH, ukpnDispatch({ productId: unknown }), "productId"],
    ["a dispatch by an unknown issuer", ISSUE_DISPATCH, ukpnDispatch({ issuedById: unknown }), "issuedById"],
    ["a negative set point", ISSUE_DISPATCH, ukpnDispatch({ setPointMw: -0.1 }), "setPointMw"],
    ["a dispatch ending before it starts", ISSUE_DISPATCH, ukpnDispatch({ end: "2025-06-23T13:00:00Z" }), "end"],
    ["a dispatch with a malformed DateTime", ISSUE_DISPATCH, ukpnDispatch({ end: "18:00" })],
    // Physical bounds: 10,000 MW for one record, ±£100,000 per MWh or per MW/h.
    ["a bid of more than 10,000 MW", SUBMIT_BID, dcBid({ quantityMw: 10_000.001 }), "quantityMw"],
    ["a bid of 1e308 MW", SUBMIT_BID, dcBid({ quantityMw: 1e308 }), "quantityMw"],
    ["an award of more than 10,000 MW", RECORD_AWARD, dcAward({ awardedMw: 1e308 }), "awardedMw"],
    ["a set point above 10,000 MW", ISSUE_DISPATCH, ukpnDispatch({ setPointMw: 10_001 }), "setPointMw"],
    [
      "an availability price above £100,000",
      SUBMIT_BID,
      dcBid({ availabilityPriceGbpPerMwH: "100000.0001" }),
      "availabilityPriceGbpPerMwH",
    ],
    ["the largest numeric(12,4) price", SUBMIT_BID, dcBid({ availabilityPriceGbpPerMwH: "99999999.9999" }), "availabilityPriceGbpPerMwH"],
    ["a utilisation price below -£100,000", SUBMIT_BID, dcBid({ utilisationPriceGbpPerMwh: "-123456" }), "utilisationPriceGbpPerMwh"],
    ["an award priced above £100,000", RECORD_AWARD, dcAward({ utilisationPriceGbpPerMwh: "250000" }), "utilisationPriceGbpPerMwh"],
  ];

  it.each(cases)("refuses %s with BAD_USER_INPUT and writes nothing", async (_case, mutation, input, field) => {
    const before = await counts();
    const result = await execute(subgraph, mutation, { input });
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    if (field) expect(result.errors?.[0]?.extensions?.field).toBe(field);
    expect(result.data ?? null).toBeNull();
    expect(await counts()).toEqual(before);
  });

  it("names the field and the bound when a number is out of bounds", async () => {
    const message = async (mutation: string, input: Record<string, unknown>) =>
      (await execute(subgraph, mutation, { input })).errors?.[0]?.message;
    expect(await message(SUBMIT_BID, dcBid({ quantityMw: 1e308 }))).toBe(
      'quantityMw must be a number > 0 and at most 10000 MW, got "1e+308"',
    );
    expect(await message(ISSUE_DISPATCH, ukpnDispatch({ setPointMw: 20_000 }))).toBe(
      'setPointMw must be a number ≥ 0 and at most 10000 MW, got "20000"',
    );
    expect(await message(SUBMIT_BID, dcBid({ availabilityPriceGbpPerMwH: "100000.0001" }))).toBe(
      'availabilityPriceGbpPerMwH must be between -100000 and 100000 £/MW/h, got "100000.0001"',
    );
    expect(await message(RECORD_AWARD, dcAward({ utilisationPriceGbpPerMwh: "-250000" }))).toBe(
      'utilisationPriceGbpPerMwh must be between -100000 and 100000 £/MWh, got "-250000"',
    );
  });

  it("accepts numbers at their bounds", async () => {
    const bid = await submitBid(dcBid({ quantityMw: 10_000, availabilityPriceGbpPerMwH: "100000", utilisationPriceGbpPerMwh: "-100000" }));
    expect(bid).toMatchObject({ quantityMw: 10_000, availabilityPriceGbpPerMwH: "100000.0000", utilisationPriceGbpPerMwh: "-100000.0000" });
    expect(await recordAward(dcAward({ awardedMw: 10_000, availabilityPriceGbpPerMwH: "-99999.9999" }))).toMatchObject({
      awardedMw: 10_000,
      availabilityPriceGbpPerMwH: "-99999.9999",
    });
    expect(await issueDispatch(ukpnDispatch({ setPointMw: 10_000 }))).toMatchObject({ setPointMw: 10_000 });
  });

  it("names the missing entity type in the message", async () => {
    const result = await execute(subgraph, SUBMIT_BID, { input: dcBid({ assetId: unknown }) });
    expect(result.errors?.[0]?.message).toBe(`assetId: Asset ${unknown} does not exist`);
  });

  it("refuses an award for a different asset, product or more MW than its bid", async () => {
    const bid = await submitBid(dcBid({ quantityMw: 10 }));
    const before = await counts();
    for (const input of [dcAward({ bidId: bid.id, assetId: a2, awardedMw: 10 }), dcAward({ bidId: bid.id, awardedMw: 10.5 })]) {
      const result = await execute(subgraph, RECORD_AWARD, { input });
      expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    }
    expect(await counts()).toEqual(before);
    const partial = await recordAward(dcAward({ bidId: bid.id, awardedMw: 7.5 }));
    expect(partial).toMatchObject({ bid: { id: bid.id }, awardedMw: 7.5 });
  });

  it("refuses re-ingesting the same (source, externalId) as CONFLICT, writing nothing", async () => {
    const provenance = { source: "NESO_DC_MASTERDATA", externalId: "DC-DUPLICATE-1" };
    await submitBid(dcBid(provenance));
    await recordAward(dcAward(provenance));
    await issueDispatch(ukpnDispatch(provenance));
    const before = await counts();
    for (const [mutation, input] of [
      [SUBMIT_BID, dcBid({ ...provenance, quantityMw: 1 })],
      [RECORD_AWARD, dcAward({ ...provenance, awardedMw: 1 })],
      [ISSUE_DISPATCH, ukpnDispatch({ ...provenance, setPointMw: 1 })],
    ] as const) {
      const result = await execute(subgraph, mutation, { input });
      expect(errorCodes(result)).toEqual(["CONFLICT"]);
      expect(result.errors?.[0]?.message).toMatch(/NESO_DC_MASTERDATA.*DC-DUPLICATE-1.*already recorded/);
    }
    expect(await counts()).toEqual(before);
    // The same external id from another source is another record.
    await submitBid(dcBid({ source: "UKPN_FLEX_DISPATCHES", externalId: "DC-DUPLICATE-1" }));
    expect(await count("bids")).toBe(before.bids + 1);
  });

  it("checks bounds on re-ingest too: an out-of-bounds record is BAD_USER_INPUT, new or already recorded", async () => {
    const provenance = { source: "NESO_DC_MASTERDATA", externalId: "DC-BOUNDS-1" };
    await submitBid(dcBid(provenance));
    await recordAward(dcAward(provenance));
    await issueDispatch(ukpnDispatch(provenance));
    const before = await counts();
    for (const [mutation, input, field] of [
      [SUBMIT_BID, dcBid({ ...provenance, quantityMw: 1e308 }), "quantityMw"],
      [SUBMIT_BID, dcBid({ ...provenance, externalId: "DC-BOUNDS-2", quantityMw: 1e308 }), "quantityMw"],
      [RECORD_AWARD, dcAward({ ...provenance, availabilityPriceGbpPerMwH: "99999999" }), "availabilityPriceGbpPerMwH"],
      [ISSUE_DISPATCH, ukpnDispatch({ ...provenance, setPointMw: 1e308 }), "setPointMw"],
    ] as const) {
      const result = await execute(subgraph, mutation, { input });
      expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
      expect(result.errors?.[0]?.extensions?.field).toBe(field);
    }
    expect(await counts()).toEqual(before);
  });
});

describe("what a bid or an award may refer to", () => {
  const refusals: [string, string, Record<string, unknown>, string, string][] = [
    ...Object.entries(productsIn).map(
      ([status, productId]) =>
        [
          `a bid for a product ${status}`,
          SUBMIT_BID,
          dcBid({ productId }),
          "productId",
          `productId: Product ${productId} is ${status}: bids are taken only while it is PUBLISHED`,
        ] as [string, string, Record<string, unknown>, string, string],
    ),
    ...Object.entries(assetsIn).map(
      ([status, assetId]) =>
        [
          `a bid with an asset ${status}`,
          SUBMIT_BID,
          dcBid({ assetId }),
          "assetId",
          `assetId: Asset ${assetId} is ${status}: only a REGISTERED asset may bid`,
        ] as [string, string, Record<string, unknown>, string, string],
    ),
    [
      "an award to a DEREGISTERED asset",
      RECORD_AWARD,
      dcAward({ assetId: assetsIn.DEREGISTERED }),
      "assetId",
      `assetId: Asset ${assetsIn.DEREGISTERED} is DEREGISTERED: it cannot be awarded`,
    ],
  ];

  it.each(refusals)("refuses %s with CONFLICT, writing nothing", async (_case, mutation, input, field, message) => {
    const before = await counts();
    const result = await execute(subgraph, mutation, { input });
    expect(errorCodes(result)).toEqual(["CONFLICT"]);
    expect(result.errors?.[0]?.message).toBe(message);
    expect(result.errors?.[0]?.extensions).toMatchObject({ field, status: expect.any(String) });
    expect(result.data ?? null).toBeNull();
    expect(await counts()).toEqual(before);
  });

  it("records awards whatever the product's status (outcomes are often recorded later), and for assets not de-registered", async () => {
    for (const productId of Object.values(productsIn))
      expect(await recordAward(dcAward({ productId }))).toMatchObject({ product: { id: productId } });
    for (const status of ["DRAFT", "PENDING_VALIDATION", "SUSPENDED"] as const) {
      expect(await recordAward(dcAward({ assetId: assetsIn[status] }))).toMatchObject({ asset: { id: assetsIn[status] } });
    }
  });

  it("asks for owner and status in one lookup per owning subgraph", async () => {
    const lookup = vi.spyOn(references, "lookup");
    await submitBid(dcBid());
    await recordAward(dcAward());
    // The reference checks' lookups; the rule checks' own (a product's code, a unit's capacities) are src/rule-checks.ts's.
    const checks = lookup.mock.calls.filter(([, , selection]) => selection.startsWith("owner"));
    expect(checks.map(([typename, ids, selection]) => [typename, ids, selection])).toEqual([
      ["Asset", [a1], "owner { id } status"],
      ["Product", [p1], "owner { id } status"],
      ["Asset", [a1], "owner { id } status"],
      ["Product", [p1], "owner { id } status"],
    ]);
    lookup.mockRestore();
  });

  it("answers UPSTREAM_UNAVAILABLE when the owning subgraph does not say a product's status", async () => {
    const before = await counts();
    const result = await execute(subgraph, SUBMIT_BID, { input: dcBid({ productId: pWithoutStatus }) });
    expect(errorCodes(result)).toEqual(["UPSTREAM_UNAVAILABLE"]);
    expect(await counts()).toEqual(before);
    // An instruction does not depend on it.
    expect(await issueDispatch(ukpnDispatch({ productId: pWithoutStatus }))).toMatchObject({ product: { id: pWithoutStatus } });
  });
});

describe("status changes", () => {
  it("updates the status of a bid, an award and an instruction, auditing each", async () => {
    const bid = await submitBid(dcBid());
    const award = await recordAward(dcAward({ bidId: bid.id }));
    const dispatch = await issueDispatch(ukpnDispatch());
    const before = await count("audit_events");
    const result = await execute(
      subgraph,
      `mutation ($b: ID!, $a: ID!, $d: ID!) {
        updateBidStatus(input: { id: $b, status: ACCEPTED }) { bid { id status } }
        updateAwardStatus(input: { id: $a, status: ACTIVE }) { award { id status bid { status } } }
        updateDispatchStatus(input: { id: $d, status: ACKNOWLEDGED }) { dispatchInstruction { id status } }
      }`,
      { b: bid.id, a: award.id, d: dispatch.id },
      so, // the buyer of all three, and the instruction's issuer
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      updateBidStatus: { bid: { id: bid.id, status: "ACCEPTED" } },
      updateAwardStatus: { award: { id: award.id, status: "ACTIVE", bid: { status: "ACCEPTED" } } },
      updateDispatchStatus: { dispatchInstruction: { id: dispatch.id, status: "ACKNOWLEDGED" } },
    });
    expect(await count("audit_events")).toBe(before + 3);
    const read = await execute(subgraph, `query ($id: ID!) { dispatchInstruction(id: $id) { status } }`, { id: dispatch.id });
    expect(read.data).toEqual({ dispatchInstruction: { status: "ACKNOWLEDGED" } });
  });

  it.each([
    ["updateBidStatus", "ACCEPTED", "bid"],
    ["updateAwardStatus", "SETTLED", "award"],
    ["updateDispatchStatus", "COMPLETED", "dispatchInstruction"],
  ])("%s answers NOT_FOUND for an unknown id and BAD_USER_INPUT for a malformed one", async (mutation, status, field) => {
    const before = await count("audit_events");
    const run = (id: string) =>
      execute(subgraph, `mutation ($id: ID!) { ${mutation}(input: { id: $id, status: ${status} }) { ${field} { id } } }`, { id });
    const missing = await run(unknown);
    expect(errorCodes(missing)).toEqual(["NOT_FOUND"]);
    expect(missing.errors?.[0]?.message).toMatch(unknown);
    expect(errorCodes(await run("nope"))).toEqual(["BAD_USER_INPUT"]);
    expect(await count("audit_events")).toBe(before);
  });

  it("refuses a status that is not in the enum", async () => {
    const bid = await submitBid(dcBid());
    const result = await execute(subgraph, `mutation ($id: ID!) { updateBidStatus(input: { id: $id, status: SETTLED }) { bid { id } } }`, {
      id: bid.id,
    });
    expect(errorCodes(result)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
  });
});

describe("lookups and lists", () => {
  it("answers null for unknown and malformed ids", async () => {
    for (const id of [unknown, "not-an-id", ""]) {
      const result = await execute(
        subgraph,
        `query ($id: ID!) { bid(id: $id) { id } award(id: $id) { id } dispatchInstruction(id: $id) { id } }`,
        { id },
      );
      expect(result).toEqual({ data: { bid: null, award: null, dispatchInstruction: null } });
    }
  });

  describe("filters", () => {
    // Windows in 2031, used by no other test, so every list below is filtered to this file's records.
    const day = (d: number, h = 0) => `2031-01-${String(d).padStart(2, "0")}T${String(h).padStart(2, "0")}:00:00.000Z`;
    const span = { from: day(1), to: day(31) };
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      ids.b1 = (await submitBid(dcBid({ assetId: a1, start: day(1), end: day(2) }))).id;
      ids.b2 = (await submitBid(dcBid({ assetId: a2, start: day(2), end: day(3) }))).id;
      ids.b3 = (await submitBid(dcBid({ assetId: a1, start: day(3), end: day(5) }))).id;
      ids.w1 = (await recordAward(dcAward({ assetId: a1, start: day(1), end: day(2) }))).id;
      ids.w2 = (await recordAward(dcAward({ assetId: a2, start: day(2), end: day(3) }))).id;
      ids.d1 = (await issueDispatch(ukpnDispatch({ assetId: a1, start: day(1, 14), end: day(1, 18) }))).id;
      ids.d2 = (await issueDispatch(ukpnDispatch({ assetId: null, unitReference: "AG-MFLX02", start: day(2, 14), end: day(2, 18) }))).id;
    });

    const list = async (query: string, variables: Record<string, unknown>) => {
      const result = await execute(subgraph, query, variables);
      expect(result.errors).toBeUndefined();
      return Object.values(result.data!)[0].map((row: { id: string }) => row.id);
    };
    const BIDS = `query ($assetId: ID, $productId: ID, $bidderId: ID, $from: DateTime, $to: DateTime, $first: Int, $offset: Int) {
      bids(assetId: $assetId, productId: $productId, bidderId: $bidderId, from: $from, to: $to, first: $first, offset: $offset) { id } }`;
    const AWARDS = `query ($assetId: ID, $productId: ID, $from: DateTime, $to: DateTime, $first: Int, $offset: Int) {
      awards(assetId: $assetId, productId: $productId, from: $from, to: $to, first: $first, offset: $offset) { id } }`;
    const DISPATCHES = `query ($assetId: ID, $productId: ID, $issuedById: ID, $from: DateTime, $to: DateTime, $first: Int, $offset: Int) {
      dispatchInstructions(assetId: $assetId, productId: $productId, issuedById: $issuedById, from: $from, to: $to,
        first: $first, offset: $offset) { id } }`;

    it("lists bids by asset, product and bidder, ordered by start", async () => {
      expect(await list(BIDS, span)).toEqual([ids.b1, ids.b2, ids.b3]);
      expect(await list(BIDS, { ...span, assetId: a1 })).toEqual([ids.b1, ids.b3]);
      expect(await list(BIDS, { ...span, assetId: a2, productId: p1, bidderId: o1 })).toEqual([ids.b2]);
      expect(await list(BIDS, { ...span, bidderId: unknown })).toEqual([]);
      expect(await list(BIDS, { ...span, productId: unknown })).toEqual([]);
    });

    it("selects records whose window overlaps [from, to)", async () => {
      // b1 ends exactly at day 2 and b3 starts exactly at day 3: neither overlaps [day 2, day 3).
      expect(await list(BIDS, { from: day(2), to: day(3) })).toEqual([ids.b2]);
      expect(await list(BIDS, { from: day(2, 23), to: day(3, 1) })).toEqual([ids.b2, ids.b3]);
      expect(await list(BIDS, { from: day(4), to: day(4, 1) })).toEqual([ids.b3]);
      expect(await list(BIDS, { from: day(5), to: day(31) })).toEqual([]);
      // Open-ended on either side.
      expect(await list(BIDS, { from: day(4) })).toEqual(expect.arrayContaining([ids.b3]));
      expect(await list(BIDS, { from: day(4) })).not.toContain(ids.b2);
      expect(await list(BIDS, { to: day(1, 1), from: day(1) })).toEqual([ids.b1]);
      expect(await list(AWARDS, { from: day(1, 12), to: day(2, 12) })).toEqual([ids.w1, ids.w2]);
      expect(await list(AWARDS, { ...span, assetId: a2 })).toEqual([ids.w2]);
      expect(await list(DISPATCHES, { from: day(1), to: day(1, 15) })).toEqual([ids.d1]);
      expect(await list(DISPATCHES, { ...span, issuedById: so1 })).toEqual([ids.d1, ids.d2]);
      expect(await list(DISPATCHES, { ...span, assetId: a1 })).toEqual([ids.d1]);
      expect(await list(DISPATCHES, { ...span, issuedById: unknown })).toEqual([]);
    });

    it("pages with first and offset", async () => {
      expect(await list(BIDS, { ...span, first: 2 })).toEqual([ids.b1, ids.b2]);
      expect(await list(BIDS, { ...span, first: 2, offset: 2 })).toEqual([ids.b3]);
      expect(await list(BIDS, { ...span, first: 0 })).toEqual([]);
      expect(await list(AWARDS, { ...span, first: 1, offset: 1 })).toEqual([ids.w2]);
      expect(await list(DISPATCHES, { ...span, first: 1, offset: 1 })).toEqual([ids.d2]);
    });

    it.each([
      ["first above 500", BIDS, { first: 501 }],
      ["a negative offset", AWARDS, { offset: -1 }],
      ["from after to", DISPATCHES, { from: day(3), to: day(2) }],
      ["a malformed asset id", BIDS, { assetId: "AG-MFLX02" }],
      ["a malformed DateTime", AWARDS, { from: "last week" }],
    ])("refuses %s with BAD_USER_INPUT", async (_case, query, variables) => {
      expect(errorCodes(await execute(subgraph, query, variables))).toEqual(["BAD_USER_INPUT"]);
    });
  });
});

describe("entities", () => {
  const ENTITIES = `query ($r: [_Any!]!) { _entities(representations: $r) {
    ... on Asset { id awards { id } dispatches { id } }
    ... on Product { id }
    ... on Bid { id quantityMw }
    ... on Award { id awardedMw }
    ... on DispatchInstruction { id setPointMw }
  } }`;

  it("resolves 100 Asset representations with one read per list field, however many assets", async () => {
    const award = await recordAward(dcAward({ assetId: a2, start: "2032-01-01T00:00:00Z", end: "2032-01-02T00:00:00Z" }));
    const awardsSpy = vi.spyOn(repos.awards, "byAssetIds");
    const dispatchesSpy = vi.spyOn(repos.dispatches, "byAssetIds");
    const ids = Array.from({ length: 100 }, (_, i) => [a1, a2, unknown, "not-an-id"][i % 4]!);
    const result = await execute(subgraph, ENTITIES, { r: ids.map((id) => ({ __typename: "Asset", id })) });
    expect(result.errors).toBeUndefined();
    const entities = result.data!._entities as { id: string; awards: { id: string }[]; dispatches: { id: string }[] }[];
    expect(entities).toHaveLength(100);
    expect(entities.map((e) => e.id)).toEqual(ids);
    expect(entities[1]!.awards.map((a) => a.id)).toContain(award.id);
    expect(entities[0]!.awards.map((a) => a.id)).not.toContain(award.id);
    expect(entities[0]!.dispatches.length).toBeGreaterThan(0);
    expect(entities[2]).toEqual({ id: unknown, awards: [], dispatches: [] });
    expect(entities[3]).toEqual({ id: "not-an-id", awards: [], dispatches: [] });
    expect(awardsSpy).toHaveBeenCalledTimes(1);
    expect(dispatchesSpy).toHaveBeenCalledTimes(1);
    expect(awardsSpy.mock.calls[0]?.[0]).toHaveLength(4);
    awardsSpy.mockRestore();
    dispatchesSpy.mockRestore();
  });

  it("reads Asset and Product lists once per window asked for, filtering each by it", async () => {
    const june = { start: "2033-06-01T00:00:00Z", end: "2033-06-02T00:00:00Z" };
    const july = { start: "2033-07-01T00:00:00Z", end: "2033-07-02T00:00:00Z" };
    const juneAward = await recordAward(dcAward({ assetId: a1, ...june }));
    const julyAward = await recordAward(dcAward({ assetId: a1, ...july }));
    const juneBid = await submitBid(dcBid({ assetId: a2, ...june }));
    const spies = [vi.spyOn(repos.awards, "byAssetIds"), vi.spyOn(repos.awards, "byProductIds"), vi.spyOn(repos.bids, "byAssetIds")];
    const result = await execute(
      subgraph,
      `query ($r: [_Any!]!) { _entities(representations: $r) {
        ... on Asset { id june: awards(from: "2033-06-01T00:00:00Z", to: "2033-07-01T00:00:00Z") { id }
                        july: awards(from: "2033-07-01T00:00:00Z") { id }
                        bids(from: "2033-06-01T00:00:00Z", to: "2033-06-01T01:00:00Z") { id } }
        ... on Product { id awards(from: "2033-06-01T00:00:00Z", to: "2033-07-01T00:00:00Z") { id } }
      } }`,
      {
        r: [a1, a2, a1, a2]
          .map((id) => ({ __typename: "Asset", id }))
          .concat([
            { __typename: "Product", id: p1 },
            { __typename: "Product", id: p1 },
          ]),
      },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!._entities).toEqual([
      { id: a1, june: [{ id: juneAward.id }], july: [{ id: julyAward.id }], bids: [] },
      { id: a2, june: [], july: [], bids: [{ id: juneBid.id }] },
      { id: a1, june: [{ id: juneAward.id }], july: [{ id: julyAward.id }], bids: [] },
      { id: a2, june: [], july: [], bids: [{ id: juneBid.id }] },
      { id: p1, awards: [{ id: juneAward.id }] },
      { id: p1, awards: [{ id: juneAward.id }] },
    ]);
    const [awardsByAsset, awardsByProduct, bidsByAsset] = spies;
    expect(awardsByAsset).toHaveBeenCalledTimes(2); // one per window (june, july), each for both assets
    expect(awardsByAsset!.mock.calls.map((call) => call[0])).toEqual([
      [a1, a2],
      [a1, a2],
    ]);
    expect(awardsByProduct).toHaveBeenCalledTimes(1);
    expect(awardsByProduct!.mock.calls[0]?.[0]).toEqual([p1]);
    expect(bidsByAsset).toHaveBeenCalledTimes(1);
    for (const spy of spies) spy.mockRestore();
  });

  it("collapses duplicate Bid, Award and DispatchInstruction references into one read per type", async () => {
    const bid = await submitBid(dcBid({ quantityMw: 3 }));
    const award = await recordAward(dcAward({ bidId: bid.id, awardedMw: 2 }));
    const dispatch = await issueDispatch(ukpnDispatch({ setPointMw: 1.5 }));
    const spies = [vi.spyOn(repos.bids, "byIds"), vi.spyOn(repos.awards, "byIds"), vi.spyOn(repos.dispatches, "byIds")];
    const r = [
      { __typename: "Bid", id: bid.id },
      { __typename: "Award", id: award.id },
      { __typename: "DispatchInstruction", id: dispatch.id },
      { __typename: "Bid", id: bid.id },
      { __typename: "Award", id: award.id },
      { __typename: "DispatchInstruction", id: dispatch.id },
      { __typename: "Bid", id: unknown },
      { __typename: "Award", id: "not-an-id" },
      { __typename: "Bid", id: bid.id },
    ];
    const result = await execute(subgraph, ENTITIES, { r });
    expect(result.errors).toBeUndefined();
    expect(result.data!._entities).toEqual([
      { id: bid.id, quantityMw: 3 },
      { id: award.id, awardedMw: 2 },
      { id: dispatch.id, setPointMw: 1.5 },
      { id: bid.id, quantityMw: 3 },
      { id: award.id, awardedMw: 2 },
      { id: dispatch.id, setPointMw: 1.5 },
      null,
      null,
      { id: bid.id, quantityMw: 3 },
    ]);
    const [bids, awards, dispatches] = spies;
    expect(bids).toHaveBeenCalledTimes(1);
    expect(bids!.mock.calls[0]?.[0]).toEqual([bid.id, unknown]);
    expect(awards).toHaveBeenCalledTimes(1);
    expect(awards!.mock.calls[0]?.[0]).toEqual([award.id, "not-an-id"]);
    expect(dispatches).toHaveBeenCalledTimes(1);
    expect(dispatches!.mock.calls[0]?.[0]).toEqual([dispatch.id]);
    for (const spy of spies) spy.mockRestore();
  });

  it("returns references to the entities other subgraphs own, with their typename", async () => {
    const award = await recordAward(dcAward());
    const result = await execute(
      subgraph,
      `query ($id: ID!) { award(id: $id) { asset { __typename id } product { __typename id } bid { id } } }`,
      { id: award.id },
    );
    expect(result.data).toEqual({
      award: { asset: { __typename: "Asset", id: a1 }, product: { __typename: "Product", id: p1 }, bid: null },
    });
  });
});
