import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createEntityReferences, type DatabaseHandle, type EntityReferences, staticReferences } from "@sfe/kit";
import { countRows, createMigratedDatabase, execute, testIdentity } from "@sfe/kit/testing";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTransactionsSubgraph, transactionsModule } from "../src/server.js";

/**
 * src/rule-checks.ts on the four writes: the facts sent to the rules engine (one call per write, after one qualification
 * check for a bid), BLOCK → RULE_VIOLATION with every failed rule and nothing written, NOTIFY → the write with its
 * warnings, the evaluation's subject the written record's id; a rules or products subgraph that does not answer →
 * UPSTREAM_UNAVAILABLE naming it, nothing written. The rules and products subgraphs are a loopback stand-in here
 * (the real engine: tests/rule-checks.e2e.test.ts).
 */
const fspA = "0f5a0000-0000-4000-8000-00000000000a";
const soA = "050a0000-0000-4000-8000-00000000000a";
const assetA = "a55e0000-0000-4000-8000-00000000000a";
const productA = "9d0c0000-0000-4000-8000-00000000000a";
const FSP_A = testIdentity({ roles: ["FSP"], organisationId: fspA });
const SO_A = testIdentity({ roles: ["SYSTEM_OPERATOR"], organisationId: soA });

const known = staticReferences({
  Asset: {
    [assetA]: { owner: { id: fspA }, status: "REGISTERED", importCapacityKw: 500, exportCapacityKw: 2000, energyCapacityKwh: 4000 },
  },
  Product: { [productA]: { owner: { id: soA }, status: "PUBLISHED", code: "DCL" } },
  Organisation: [fspA, soA],
});

type Call = { path: string; body: Record<string, any> };
let calls: Call[] = [];
let answer: Record<string, unknown> = {};
let server: Server;
let handle: DatabaseHandle;

const outcome = (code: string, outcome: string, mode: string, values: Record<string, unknown>) => ({
  ruleId: null,
  ruleVersion: 1,
  code,
  name: code,
  severity: outcome === "FAIL" ? "BLOCK" : "WARN",
  mode,
  source: "SFE_STORED",
  outcome,
  message: `${code}: not met`,
  valuesCompared: values,
  documentRef: null,
});
const BLOCK = {
  evaluationId: "e1",
  decision: "BLOCK",
  outcomes: [outcome("R-ELG-1-DCL", "FAIL", "BLOCKING", { capacityMw: 0.5 }), outcome("R-ELG-7", "FAIL", "BLOCKING", { qualified: false })],
};
const NOTIFY = { evaluationId: "e2", decision: "NOTIFY", outcomes: [outcome("R-AVL-2", "WARN", "NOTIFY_ONLY", { declaredMw: 1 })] };

/** The static lookups, with `call` over real HTTP to `port` (a closed one: a subgraph that is down). */
const withCalls = (port: () => number): EntityReferences => {
  const http = createEntityReferences({ urlOf: () => `http://127.0.0.1:${port()}/graphql`, timeoutMs: 2_000 });
  return { ...known, call: http.call };
};

let subgraph: ReturnType<typeof createTransactionsSubgraph>;
let down: ReturnType<typeof createTransactionsSubgraph>;

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk) => {
      text += chunk;
    });
    req.on("end", () => {
      const body = JSON.parse(text);
      if (req.url === "/internal/events") return void res.writeHead(200, { "content-type": "application/json" }).end("{}"); // the outbox relay's
      if (req.url === "/internal/service-areas") {
        // The dispatch's service-area check: every SO here covers the whole of GB (not a rule call, not counted).
        const areas = body.organisationIds.map((organisationId: string) => ({ organisationId, wholeGb: true, gspGroups: [] }));
        return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ areas }));
      }
      calls.push({ path: req.url ?? "", body });
      const reply =
        req.url === "/internal/qualifications/check" ? { results: [{ qualified: true, counterpartyQualified: false }] } : answer;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  handle = await createMigratedDatabase(transactionsModule);
  subgraph = createTransactionsSubgraph({ db: handle.db, references: withCalls(() => (server.address() as AddressInfo).port) });
  down = createTransactionsSubgraph({ db: handle.db, references: withCalls(() => 1) });
});
afterAll(async () => {
  await handle?.close();
  await new Promise((resolve) => server?.close(resolve));
});
beforeEach(() => {
  calls = [];
  answer = { evaluationId: "e0", decision: "ALLOW", outcomes: [] };
});

const window = { start: "2030-07-01T10:00:00Z", end: "2030-07-01T11:00:00Z" };
const SUBMIT = `mutation ($i: SubmitBidInput!) { submitBid(input: $i) { bid { id } warnings { ruleId message values } } }`;
const AWARD = `mutation ($i: RecordAwardInput!) { recordAward(input: $i) { award { id } warnings { ruleId } } }`;
const DECLARE = `mutation ($i: DeclareAvailabilityInput!) { declareAvailability(input: $i) { availabilityDeclaration { id } warnings { ruleId values } } }`;
const ISSUE = `mutation ($i: IssueDispatchInstructionInput!) { issueDispatchInstruction(input: $i) { dispatchInstruction { id } warnings { ruleId } } }`;
const bid = (quantityMw: number) => ({
  assetId: assetA,
  productId: productA,
  bidderId: fspA,
  direction: "DEMAND_TURN_DOWN",
  quantityMw,
  utilisationPriceGbpPerMwh: "150.5",
  ...window,
});
const evaluations = () => calls.filter((c) => c.path === "/internal/rules/evaluate");

describe("rule checks on writes", () => {
  it("a bid: one qualification check and one evaluation with its facts; BLOCK is RULE_VIOLATION naming every failed rule, nothing written", async () => {
    answer = BLOCK;
    const before = await countRows(handle, "transactions.bids");
    const result = await execute(subgraph, SUBMIT, { i: bid(0.5) }, FSP_A);
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: "RULE_VIOLATION",
      rule: "R-ELG-1-DCL",
      rules: [
        { code: "R-ELG-1-DCL", values: { capacityMw: 0.5 } },
        { code: "R-ELG-7", values: { qualified: false } },
      ],
      subjectKind: "BID",
    });
    expect(result.errors?.[0]?.message).toMatch(/^Refused by R-ELG-1-DCL, R-ELG-7: /);
    expect(await countRows(handle, "transactions.bids")).toBe(before);
    expect(calls.map((c) => c.path)).toEqual(["/internal/qualifications/check", "/internal/rules/evaluate"]);
    expect(calls[0]?.body).toEqual({ checks: [{ subjectId: assetA, productId: productA, at: "2030-07-01T10:00:00.000Z" }] });
    expect(calls[1]?.body).toEqual({
      subjectKind: "BID",
      subject: { type: "Bid", id: expect.any(String) },
      facts: {
        productCodes: ["DCL"],
        capacityMw: 0.5,
        direction: "UP",
        unitCapacityMw: 2,
        energyMwh: 4,
        priceGbpPerMwh: 150.5,
        qualified: true,
        counterpartyQualified: false,
      },
      productIds: [productA],
      partyIds: [fspA, soA],
      at: "2030-07-01T10:00:00.000Z",
    });
  });

  it("a bid through NOTIFY: written under the evaluated subject id, with the warnings", async () => {
    answer = NOTIFY;
    const result = await execute(subgraph, SUBMIT, { i: bid(1.5) }, FSP_A);
    expect(result.errors).toBeUndefined();
    expect(result.data?.submitBid.warnings).toEqual([{ ruleId: "R-AVL-2", message: "R-AVL-2: not met", values: { declaredMw: 1 } }]);
    expect(evaluations()[0]?.body.subject).toEqual({ type: "Bid", id: result.data?.submitBid.bid.id });
  });

  it("a draft is not evaluated when saved but when submitted: BLOCK leaves it a DRAFT", async () => {
    const saved = await execute(subgraph, SUBMIT, { i: { ...bid(0.5), draft: true } }, FSP_A);
    expect(saved.errors).toBeUndefined();
    expect(evaluations()).toEqual([]);
    answer = BLOCK;
    const id = saved.data?.submitBid.bid.id;
    const STATUS = `mutation ($i: UpdateBidStatusInput!) { updateBidStatus(input: $i) { bid { status } warnings { ruleId } } }`;
    const refused = await execute(subgraph, STATUS, { i: { id, status: "SUBMITTED" } }, FSP_A);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "RULE_VIOLATION", subject: { type: "Bid", id } });
    const result = (await handle.db.execute(sql`select status from transactions.bids where id = ${id}`)) as unknown as {
      rows?: { status: string }[];
    } & { status: string }[];
    expect((result.rows ?? result)[0]?.status).toBe("DRAFT");
  });

  it("an award: AWARD facts; NOTIFY warnings on the payload", async () => {
    answer = NOTIFY;
    const input = { assetId: assetA, productId: productA, awardedMw: 1.5, availabilityPriceGbpPerMwH: "10", ...window };
    const result = await execute(subgraph, AWARD, { i: input }, SO_A);
    expect(result.errors).toBeUndefined();
    expect(result.data?.recordAward.warnings).toEqual([{ ruleId: "R-AVL-2" }]);
    expect(evaluations()[0]?.body).toMatchObject({
      subjectKind: "AWARD",
      subject: { type: "Award", id: result.data?.recordAward.award.id },
      facts: { productCodes: ["DCL"], awardedMw: 1.5, unitCapacityMw: 2 },
    });
  });

  it("a declaration: BLOCK writes nothing; NOTIFY is declared with the warnings", async () => {
    answer = BLOCK;
    const input = { assetId: assetA, productId: productA, declaredMw: 3, ...window };
    const before = await countRows(handle, "transactions.availability_declarations");
    const refused = await execute(subgraph, DECLARE, { i: input }, FSP_A);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "RULE_VIOLATION", subjectKind: "AVAILABILITY_DECLARATION" });
    expect(await countRows(handle, "transactions.availability_declarations")).toBe(before);
    expect(evaluations()[0]?.body.facts).toEqual({ productCodes: ["DCL"], declaredMw: 3, unitCapacityMw: 2 });
    answer = NOTIFY;
    const declared = await execute(subgraph, DECLARE, { i: input }, FSP_A);
    expect(declared.errors).toBeUndefined();
    expect(declared.data?.declareAvailability.warnings).toEqual([{ ruleId: "R-AVL-2", values: { declaredMw: 1 } }]);
  });

  it("a dispatch instruction: DISPATCH_INSTRUCTION facts; BLOCK writes nothing", async () => {
    answer = BLOCK;
    const input = { assetId: assetA, productId: productA, issuedById: soA, direction: "DEMAND_TURN_DOWN", setPointMw: 1, ...window };
    const before = await countRows(handle, "transactions.dispatch_instructions");
    const result = await execute(subgraph, ISSUE, { i: input }, SO_A);
    expect(result.errors?.[0]?.extensions?.code).toBe("RULE_VIOLATION");
    expect(await countRows(handle, "transactions.dispatch_instructions")).toBe(before);
    expect(evaluations()[0]?.body).toMatchObject({
      subjectKind: "DISPATCH_INSTRUCTION",
      facts: { productCodes: ["DCL"], instructedMw: 1 },
    });
  });

  it("the rules (or products) subgraph down: UPSTREAM_UNAVAILABLE naming it, nothing written (fail closed)", async () => {
    const [bids, declarations] = [
      await countRows(handle, "transactions.bids"),
      await countRows(handle, "transactions.availability_declarations"),
    ];
    const refusedBid = await execute(down, SUBMIT, { i: bid(2) }, FSP_A);
    expect(refusedBid.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", subgraph: "products" });
    const input = { assetId: assetA, productId: productA, declaredMw: 1, start: "2030-08-01T10:00:00Z", end: "2030-08-01T11:00:00Z" };
    const refusedDeclaration = await execute(down, DECLARE, { i: input }, FSP_A);
    expect(refusedDeclaration.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", subgraph: "rules" });
    expect(await countRows(handle, "transactions.bids")).toBe(bids);
    expect(await countRows(handle, "transactions.availability_declarations")).toBe(declarations);
  });

  it("no route to the rules subgraph at all (references without `call`): refused the same way, never let through", async () => {
    const unwired = createTransactionsSubgraph({ db: handle.db, references: known });
    const [bids, awards, declarations, instructions] = await Promise.all(
      ["bids", "awards", "availability_declarations", "dispatch_instructions"].map((t) => countRows(handle, `transactions.${t}`)),
    );
    const refusedBid = await execute(unwired, SUBMIT, { i: bid(2) }, FSP_A);
    expect(refusedBid.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", subgraph: "products" });
    const award = { assetId: assetA, productId: productA, awardedMw: 1, availabilityPriceGbpPerMwH: "10", ...window };
    const refusedAward = await execute(unwired, AWARD, { i: award }, SO_A);
    expect(refusedAward.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", subgraph: "rules" });
    const input = { assetId: assetA, productId: productA, declaredMw: 1, start: "2030-08-01T10:00:00Z", end: "2030-08-01T11:00:00Z" };
    const refusedDeclaration = await execute(unwired, DECLARE, { i: input }, FSP_A);
    expect(refusedDeclaration.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", subgraph: "rules" });
    const instruction = { assetId: assetA, productId: productA, issuedById: soA, direction: "DEMAND_TURN_DOWN", setPointMw: 1, ...window };
    const refusedInstruction = await execute(unwired, ISSUE, { i: instruction }, SO_A);
    expect(refusedInstruction.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", subgraph: "rules" });
    expect(calls).toEqual([]);
    for (const [table, before] of [
      ["bids", bids],
      ["awards", awards],
      ["availability_declarations", declarations],
      ["dispatch_instructions", instructions],
    ] as const) {
      expect(await countRows(handle, `transactions.${table}`)).toBe(before);
    }
  });
});
