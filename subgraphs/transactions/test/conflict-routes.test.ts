/**
 * The conflict detector's gateway-only routes (conflict-routes.ts) over real HTTP with the gateway's signed identity
 * token: `/internal/dispatch-conflicts` flags instructions set-based, each change audited with camelCase before/after
 * as every other audit event (kit auditedUpdate); every malformed body is a 400 naming the shape, writing nothing;
 * without the gateway's token nothing is read or written. The R-SET-4 waiver path is proved end to end in
 * tests/conflicts.e2e.test.ts; here, its refusals.
 */
import { type DatabaseHandle, IDENTITY_HEADER, type RunningSubgraph, startSubgraph, staticReferences } from "@sfe/kit";
import { countRows, createMigratedDatabase, testGateway, testIdentity } from "@sfe/kit/testing";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, dispatchInstructions } from "../src/db/schema.js";
import { CONFLICT_WAIVERS_PATH, DISPATCH_CONFLICTS_PATH } from "../src/modules/commitments/conflict-routes.js";
import { createTransactionsSubgraph, transactionsModule } from "../src/server.js";

const UKPN = "7a000000-0000-4000-8000-000000000001";
const LOUIS = "7a000000-0000-4000-8000-000000000002";
const PRODUCT = "7a000000-0000-4000-8000-000000000003";
const ASSET = "7a000000-0000-4000-8000-000000000004";
/** The detector's call: the gateway's token with no person behind it (a sweep), or the person who ran it. */
const runner = testIdentity({ roles: ["ADMIN"] });

let handle: DatabaseHandle;
let server: RunningSubgraph;
let base: string;
const instructionIds: string[] = [];

beforeAll(async () => {
  handle = await createMigratedDatabase(transactionsModule);
  const subgraph = createTransactionsSubgraph({
    db: handle.db,
    references: staticReferences({}),
    verifier: testGateway.verifier("transactions"),
  });
  server = await startSubgraph(subgraph, { port: 0, host: "127.0.0.1", verifier: testGateway.verifier("transactions") });
  base = server.url.replace(/\/graphql$/, "");
  for (const hour of [17, 18]) {
    const [row] = await handle.db
      .insert(dispatchInstructions)
      .values({
        assetId: ASSET,
        productId: PRODUCT,
        issuedById: UKPN,
        providerId: LOUIS,
        buyerId: UKPN,
        direction: "GENERATION_TURN_UP",
        setPointMw: 1.5,
        start: new Date(`2026-12-01T${hour}:00:00Z`),
        end: new Date(`2026-12-01T${hour}:30:00Z`),
      })
      .returning({ id: dispatchInstructions.id });
    instructionIds.push(row!.id);
  }
});
afterAll(async () => {
  await server?.stop();
  await handle?.close();
});

async function post(path: string, body: unknown, token: string | null | undefined = undefined) {
  const identity = token === undefined ? (await testGateway.headers("transactions", runner))[IDENTITY_HEADER] : token;
  const response = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(identity && { [IDENTITY_HEADER]: identity }) },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}
const audits = () => countRows(handle, "transactions.audit_events");

describe("POST /internal/dispatch-conflicts", () => {
  it("flags the instructions that differ, one audit event each with camelCase before and after; again: nothing", async () => {
    const [first, second] = instructionIds as [string, string];
    const before = await audits();
    expect(await post(DISPATCH_CONFLICTS_PATH, { instructionIds: [first, second], inConflict: true })).toEqual({
      status: 200,
      body: { changed: 2 },
    });
    const rows = await handle.db.select().from(dispatchInstructions);
    expect(rows.every((r) => r.inConflict)).toBe(true);
    const [event] = await handle.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.entityType, "DispatchInstruction"), eq(auditEvents.entityId, first)));
    expect(event).toMatchObject({
      action: "UPDATE",
      actorUserId: runner.userId,
      before: { id: first, inConflict: false, setPointMw: 1.5 },
      after: { inConflict: true },
    });
    expect(Object.keys(event!.after as object)).not.toContain("in_conflict");
    expect(await audits()).toBe(before + 2);
    // Already as asked: nothing written, nothing audited.
    expect((await post(DISPATCH_CONFLICTS_PATH, { instructionIds: [first, second], inConflict: true })).body).toEqual({ changed: 0 });
    expect((await post(DISPATCH_CONFLICTS_PATH, { instructionIds: [first], inConflict: false })).body).toEqual({ changed: 1 });
    expect(await audits()).toBe(before + 3);
  });

  it.each([
    ["not JSON", "{ not json", "BAD_REQUEST"],
    ["no inConflict", { instructionIds: [] }, "BAD_USER_INPUT"],
    ["inConflict not a boolean", { instructionIds: [], inConflict: "yes" }, "BAD_USER_INPUT"],
    ["an id that is not a uuid", { instructionIds: ["x"], inConflict: true }, "BAD_USER_INPUT"],
    ["ids not a list", { instructionIds: "x", inConflict: true }, "BAD_USER_INPUT"],
    ["more than 1000 ids", { instructionIds: Array(1001).fill(ASSET), inConflict: true }, "BAD_USER_INPUT"],
  ])("refuses %s: 400 with the shape, nothing written", async (_why, body, code) => {
    const before = await audits();
    const refused = await post(DISPATCH_CONFLICTS_PATH, body);
    expect(refused.status).toBe(400);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe(code);
    expect(JSON.stringify(refused.body)).toContain("instructionIds");
    expect(await audits()).toBe(before);
  });

  it("without the gateway's token (none, or a forged one): 401, nothing written", async () => {
    const before = await audits();
    for (const token of [null, "forged.token.value"]) {
      const refused = await post(DISPATCH_CONFLICTS_PATH, { instructionIds, inConflict: true }, token);
      expect(refused.status).toBe(401);
    }
    expect(await audits()).toBe(before);
  });
});

describe("POST /internal/conflict-waivers", () => {
  const valid = { conflictId: ASSET, instructionIds: [], awardIds: [], from: "2026-12-01T17:00:00Z", to: "2026-12-01T18:00:00Z" };
  it("nothing losing in the window: waives nothing", async () => {
    expect(await post(CONFLICT_WAIVERS_PATH, { ...valid, instructionIds })).toEqual({ status: 200, body: { waived: 0 } });
  });

  it.each([
    ["not JSON", "[", "BAD_REQUEST"],
    ["no conflictId", { ...valid, conflictId: undefined }, "BAD_USER_INPUT"],
    ["a conflictId that is not a uuid", { ...valid, conflictId: "c-1" }, "BAD_USER_INPUT"],
    ["a bad instruction id", { ...valid, instructionIds: ["nope"] }, "BAD_USER_INPUT"],
    ["award ids not a list", { ...valid, awardIds: {} }, "BAD_USER_INPUT"],
    ["a from that is no time", { ...valid, from: "yesterday" }, "BAD_USER_INPUT"],
    ["no to", { ...valid, to: undefined }, "BAD_USER_INPUT"],
    ["to before from", { ...valid, to: "2026-12-01T16:00:00Z" }, "BAD_USER_INPUT"],
    ["an empty window", { ...valid, to: valid.from }, "BAD_USER_INPUT"],
  ])("refuses %s: 400 with the shape, nothing written", async (_why, body, code) => {
    const before = await audits();
    const refused = await post(CONFLICT_WAIVERS_PATH, body);
    expect(refused.status).toBe(400);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe(code);
    expect(JSON.stringify(refused.body)).toContain("conflictId");
    expect(await audits()).toBe(before);
  });

  it("without the gateway's token: 401", async () => {
    expect((await post(CONFLICT_WAIVERS_PATH, valid, null)).status).toBe(401);
  });
});
