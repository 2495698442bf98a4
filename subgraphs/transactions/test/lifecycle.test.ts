import { type DatabaseHandle, type Identity, type Lifecycle, staticReferences } from "@sfe/kit";
import { as, countRows, errorCodes, execute, orgs, raceAtRowLock, setUpSubgraph } from "@sfe/kit/testing";
import { eq } from "drizzle-orm";
import type { EnumTypeDefinitionNode } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  awardLifecycle,
  awards,
  bidLifecycle,
  bids,
  buyRequirementLifecycle,
  dispatchInstructions,
  dispatchLifecycle,
} from "../src/db/schema.js";
import { type createTransactionsSubgraph, typeDefs } from "../src/server.js";
import { transactionsSubgraph, ruleRoutes } from "./helpers.js";

const asset = "6f1c2a4e-0b7d-4c1e-9a51-1f6f0c3d2a01";
const product = "0a9e5b3c-7d21-4f6a-8c44-2b7e9d1f3b01";
const { fspA: fspOrg, soA: soOrg } = orgs;

let handle: DatabaseHandle;
let subgraph: ReturnType<typeof createTransactionsSubgraph>;

beforeAll(async () => {
  ({ handle, subgraph } = await setUpSubgraph(
    transactionsSubgraph,
    staticReferences(
      {
        Asset: { [asset]: { owner: { id: fspOrg }, status: "REGISTERED" } },
        Product: { [product]: { owner: { id: soOrg }, status: "PUBLISHED" } },
        Organisation: [fspOrg, soOrg],
      },
      ruleRoutes(),
    ),
  ));
});
afterAll(() => handle.close());

const { fspA: fsp, soA: so, admin } = as;
const audits = () => countRows(handle, "transactions.audit_events");

const WINDOW = { start: "2030-06-01T14:00:00Z", end: "2030-06-01T18:00:00Z" };

/** Each kind of record: how to make one, change its status, read it and set its status behind the graph's back. */
const kinds = {
  bid: {
    lifecycle: bidLifecycle as Lifecycle<string>,
    table: bids,
    async create() {
      const result = await execute(
        subgraph,
        `mutation ($input: SubmitBidInput!) { submitBid(input: $input) { bid { id } } }`,
        {
          input: {
            assetId: asset,
            productId: product,
            bidderId: fspOrg,
            direction: "GENERATION_TURN_UP",
            quantityMw: 5,
            availabilityPriceGbpPerMwH: "12.5",
            ...WINDOW,
          },
        },
        fsp,
      );
      expect(result.errors).toBeUndefined();
      return result.data!.submitBid.bid.id as string;
    },
    update: (status: string) => `mutation ($id: ID!) { updateBidStatus(input: { id: $id, status: ${status} }) { bid { id status } } }`,
    read: `query ($id: ID!) { record: bid(id: $id) { status } }`,
  },
  award: {
    lifecycle: awardLifecycle as Lifecycle<string>,
    table: awards,
    async create() {
      const result = await execute(
        subgraph,
        `mutation ($input: RecordAwardInput!) { recordAward(input: $input) { award { id } } }`,
        { input: { assetId: asset, productId: product, awardedMw: 5, availabilityPriceGbpPerMwH: "12.5", ...WINDOW } },
        so,
      );
      expect(result.errors).toBeUndefined();
      return result.data!.recordAward.award.id as string;
    },
    update: (status: string) => `mutation ($id: ID!) { updateAwardStatus(input: { id: $id, status: ${status} }) { award { id status } } }`,
    read: `query ($id: ID!) { record: award(id: $id) { status } }`,
  },
  dispatch: {
    lifecycle: dispatchLifecycle as Lifecycle<string>,
    table: dispatchInstructions,
    async create() {
      const result = await execute(
        subgraph,
        `mutation ($input: IssueDispatchInstructionInput!) { issueDispatchInstruction(input: $input) { dispatchInstruction { id } } }`,
        { input: { assetId: asset, productId: product, issuedById: soOrg, direction: "DEMAND_TURN_DOWN", setPointMw: 1, ...WINDOW } },
        so,
      );
      expect(result.errors).toBeUndefined();
      return result.data!.issueDispatchInstruction.dispatchInstruction.id as string;
    },
    update: (status: string) =>
      `mutation ($id: ID!) { updateDispatchStatus(input: { id: $id, status: ${status} }) { dispatchInstruction { id status } } }`,
    read: `query ($id: ID!) { record: dispatchInstruction(id: $id) { status } }`,
  },
};
type Kind = keyof typeof kinds;

const change = (kind: Kind, id: string, status: string, identity: Identity = admin) =>
  execute(subgraph, kinds[kind].update(status), { id }, identity);
const statusOf = async (kind: Kind, id: string) => (await execute(subgraph, kinds[kind].read, { id }, admin)).data!.record.status as string;
/** Puts a record in `status` directly (test set-up: the graph would refuse most of these). */
async function place(kind: Kind, id: string, status: string) {
  const { table } = kinds[kind];
  const t = table as typeof bids;
  await handle.db
    .update(t)
    .set({ status: status as never })
    .where(eq(t.id, id));
}

describe("the transitions named in issue 7", () => {
  it.each<[Kind, string, string, string]>([
    ["bid", "WITHDRAWN", "ACCEPTED", "Bid"],
    ["award", "SETTLED", "AWARDED", "Award"],
    ["dispatch", "COMPLETED", "ISSUED", "DispatchInstruction"],
  ])("refuses a %s that is %s becoming %s: CONFLICT, nothing written", async (kind, from, to, entity) => {
    const id = await kinds[kind].create();
    await place(kind, id, from);
    const before = await audits();
    // The system operator, who may make these changes as far as access goes.
    const result = await change(kind, id, to, so);
    expect(errorCodes(result)).toEqual(["CONFLICT"]);
    expect(result.errors?.[0]?.message).toBe(`${entity} ${id} is ${from}: it cannot become ${to} (${from} is final)`);
    expect(result.errors?.[0]?.extensions).toEqual({ code: "CONFLICT", currentStatus: from, requestedStatus: to });
    expect(result.data ?? null).toBeNull();
    expect(await statusOf(kind, id)).toBe(from);
    expect(await audits()).toBe(before);
  });

  it("walks each main path, each party making its own change, auditing every step", async () => {
    const bid = await kinds.bid.create();
    const award = await kinds.award.create();
    const dispatch = await kinds.dispatch.create();
    const before = await audits();
    const steps: [Kind, string, string, Identity][] = [
      ["bid", bid, "ACCEPTED", so],
      ["award", award, "ACTIVE", so],
      ["award", award, "DELIVERED", so],
      ["award", award, "SETTLED", so],
      ["dispatch", dispatch, "ACKNOWLEDGED", fsp],
      ["dispatch", dispatch, "ACTIVE", so],
      ["dispatch", dispatch, "COMPLETED", so],
    ];
    for (const [kind, id, status, identity] of steps) {
      const result = await change(kind, id, status, identity);
      expect(result.errors).toBeUndefined();
      expect(Object.values(result.data!)[0]).toEqual({ [kind === "dispatch" ? "dispatchInstruction" : kind]: { id, status } });
    }
    expect(await audits()).toBe(before + steps.length);
    // The withdrawal path, by the bidder.
    const withdrawn = await kinds.bid.create();
    expect((await change("bid", withdrawn, "WITHDRAWN", fsp)).errors).toBeUndefined();
    expect(await statusOf("bid", withdrawn)).toBe("WITHDRAWN");
  });
});

describe("awards of recorded bids", () => {
  const RECORD = `mutation ($input: RecordAwardInput!) { recordAward(input: $input) { award { id bid { id status } } } }`;
  const award = (bidId: string) =>
    execute(
      subgraph,
      RECORD,
      { input: { bidId, assetId: asset, productId: product, awardedMw: 5, availabilityPriceGbpPerMwH: "12.5", ...WINDOW } },
      so,
    );

  it.each(["WITHDRAWN", "REJECTED"])("refuses to award a %s bid: CONFLICT, nothing written", async (status) => {
    const bid = await kinds.bid.create();
    await place("bid", bid, status);
    const before = { audits: await audits(), awards: await countRows(handle, "transactions.awards") };
    const result = await award(bid);
    expect(errorCodes(result)).toEqual(["CONFLICT"]);
    expect(result.errors?.[0]?.message).toBe(`bidId: Bid ${bid} is ${status}: it cannot be awarded`);
    expect({ audits: await audits(), awards: await countRows(handle, "transactions.awards") }).toEqual(before);
  });

  it.each(["SUBMITTED", "ACCEPTED", "PARTIALLY_ACCEPTED"])("awards a %s bid", async (status) => {
    const bid = await kinds.bid.create();
    await place("bid", bid, status);
    const result = await award(bid);
    expect(result.errors).toBeUndefined();
    expect(result.data!.recordAward.award.bid).toEqual({ id: bid, status });
  });
});

describe("every transition of every lifecycle, through the graph", () => {
  const pairs = (Object.keys(kinds) as Kind[]).flatMap((kind) => {
    const { lifecycle } = kinds[kind];
    return lifecycle.states.flatMap((from) => lifecycle.states.map((to) => [kind, from, to] as [Kind, string, string]));
  });
  const ids = {} as Record<Kind, string>;
  beforeAll(async () => {
    for (const kind of Object.keys(kinds) as Kind[]) ids[kind] = await kinds[kind].create();
  });

  it.each(pairs)("%s %s → %s", async (kind, from, to) => {
    const { lifecycle } = kinds[kind];
    const id = ids[kind];
    await place(kind, id, from);
    const before = await audits();
    const result = await change(kind, id, to);
    if (from === to) {
      // Asking again is a no-op: the record answered as it is, nothing written.
      expect(result.errors).toBeUndefined();
      expect(await audits()).toBe(before);
      expect(await statusOf(kind, id)).toBe(from);
    } else if (lifecycle.allows(from, to)) {
      expect(result.errors).toBeUndefined();
      expect(await audits()).toBe(before + 1);
      expect(await statusOf(kind, id)).toBe(to);
    } else {
      expect(errorCodes(result)).toEqual(["CONFLICT"]);
      expect(result.errors?.[0]?.message).toMatch(new RegExp(`^${lifecycle.entity} ${id} is ${from}: it cannot become ${to}[ ;]`));
      expect(result.errors?.[0]?.extensions).toMatchObject({ currentStatus: from, requestedStatus: to });
      expect(await audits()).toBe(before);
      expect(await statusOf(kind, id)).toBe(from);
    }
  });
});

describe("two racing changes of one record", () => {
  /** Runs `racers` at once, meeting at the row's lock (the kit's raceAtRowLock); each answers a GraphQL result. */
  async function race<T>(kind: Kind, id: string, racers: (() => Promise<T>)[]): Promise<T[]> {
    const t = kinds[kind].table as typeof bids;
    const settled = await raceAtRowLock(handle, (tx) => tx.select({ id: t.id }).from(t).where(eq(t.id, id)).for("update"), racers);
    return settled.map((result) => {
      if (result.status === "rejected") throw result.reason;
      return result.value;
    });
  }

  it.each<[Kind, [string, Identity], [string, Identity]]>([
    ["bid", ["WITHDRAWN", fsp], ["ACCEPTED", so]],
    ["award", ["CANCELLED", so], ["RELEASED", admin]],
    ["dispatch", ["ACKNOWLEDGED", fsp], ["REJECTED", fsp]],
  ])("lets exactly one of two conflicting %s changes through; the other is CONFLICT", async (kind, first, second) => {
    for (let round = 0; round < 3; round++) {
      const id = await kinds[kind].create();
      const before = await audits();
      const results = await race(kind, id, [() => change(kind, id, ...first), () => change(kind, id, ...second)]);
      const won = results.flatMap((result, i) => (result.errors ? [] : [[first, second][i]![0]]));
      const lost = results.filter((result) => result.errors);
      expect(won).toHaveLength(1);
      expect(lost.map(errorCodes)).toEqual([["CONFLICT"]]);
      // The loser was checked against the winner's outcome, under the lock.
      expect(lost[0]!.errors?.[0]?.extensions).toMatchObject({ currentStatus: won[0] });
      expect(await statusOf(kind, id)).toBe(won[0]);
      expect(await audits()).toBe(before + 1);
    }
  });
});

describe("the schema states each lifecycle", () => {
  it.each([
    ["BidStatus", bidLifecycle as Lifecycle<string>],
    ["AwardStatus", awardLifecycle as Lifecycle<string>],
    ["DispatchStatus", dispatchLifecycle as Lifecycle<string>],
    ["BuyRequirementStatus", buyRequirementLifecycle as Lifecycle<string>],
  ])("%s: its values are the lifecycle's statuses, its description the transition table", (name, lifecycle) => {
    const node = typeDefs.definitions.find((d): d is EnumTypeDefinitionNode => d.kind === "EnumTypeDefinition" && d.name.value === name);
    expect(node?.values?.map((v) => v.name.value)).toEqual([...lifecycle.states]);
    expect(node?.description?.value).toContain(`Lifecycle: ${lifecycle.describe()}`);
  });
});
