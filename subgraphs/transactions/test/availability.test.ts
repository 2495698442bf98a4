import { type DatabaseHandle, type EntityReferences, staticReferences } from "@sfe/kit";
import { countRows, createMigratedDatabase, errorCodes, execute, raceAtRowLock, testIdentity } from "@sfe/kit/testing";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServiceArea } from "../src/modules/positions/index.js";
import { createTransactionsSubgraph, transactionsModule } from "../src/server.js";

/**
 * Availability declarations and unavailability notices (D.1): made by the FSP that owns the unit or asset, locked at
 * the product's lock time, versioned before it; who sees them; every bad path answering a coded error and writing
 * nothing.
 */
const fspA = "0f5a0000-0000-4000-8000-00000000000a";
const fspB = "0f5b0000-0000-4000-8000-00000000000b";
const ukpn = "050a0000-0000-4000-8000-00000000000a";
const nged = "050b0000-0000-4000-8000-00000000000b";
const battery = "a55e0000-0000-4000-8000-00000000000a"; // FSP A's, in _C
const rivalAsset = "a55e0000-0000-4000-8000-00000000000b"; // FSP B's, in _A
const unit = "b0170000-0000-4000-8000-00000000000a"; // FSP A's unit, in _C and _D
const saou = "9d0c0000-0000-4000-8000-00000000000a"; // UKPN's product
const UNKNOWN = "00000000-0000-4000-8000-000000000000";

const FSP_A = testIdentity({ roles: ["FSP"], organisationId: fspA });
const FSP_B = testIdentity({ roles: ["FSP"], organisationId: fspB });
const UKPN = testIdentity({ roles: ["SYSTEM_OPERATOR"], organisationId: ukpn });
const NGED = testIdentity({ roles: ["SYSTEM_OPERATOR"], organisationId: nged });
const INVESTOR = testIdentity({ roles: ["INVESTOR"] });
const ADMIN = testIdentity({ roles: ["ADMIN"] });

const AREAS: Record<string, ServiceArea> = {
  [ukpn]: { organisationId: ukpn, wholeGb: false, gspGroups: ["_C"] },
  [nged]: { organisationId: nged, wholeGb: false, gspGroups: ["_A", "_B"] },
};

let handle: DatabaseHandle;
let subgraph: ReturnType<typeof createTransactionsSubgraph>;
let areaCalls = 0;

beforeAll(async () => {
  handle = await createMigratedDatabase(transactionsModule);
  const known = staticReferences({
    Asset: {
      [battery]: { owner: { id: fspA }, status: "REGISTERED", location: { gspGroup: "_C" } },
      [rivalAsset]: { owner: { id: fspB }, status: "REGISTERED", location: { gspGroup: "_A" } },
    },
    MarketUnit: { [unit]: { owner: { id: fspA }, gspGroups: ["_C", "_D"] } },
    Product: { [saou]: { owner: { id: ukpn }, status: "PUBLISHED" } },
  });
  const references: EntityReferences = {
    ...known,
    async call<T>(subgraph: string, path: string, payload: unknown) {
      // Declarations are checked against the market rules (src/rule-checks.ts, its own tests): none here.
      if (subgraph === "rules") return { status: 200, body: { evaluationId: null, decision: "ALLOW", outcomes: [] } as T };
      expect([subgraph, path]).toEqual(["products", "/internal/service-areas"]);
      areaCalls++;
      const ids = (payload as { organisationIds: string[] }).organisationIds;
      const areas = ids.map((id) => AREAS[id] ?? { organisationId: id, wholeGb: false, gspGroups: [] });
      return { status: 200, body: { areas } as T };
    },
  };
  subgraph = createTransactionsSubgraph({ db: handle.db, references });
});
afterAll(() => handle.close());

const WINDOW = { start: "2030-06-21T16:00:00Z", end: "2030-06-21T19:00:00Z" };
const FIELDS = `id version status declaredMw lockedAt locked reason start end asset { id } marketUnit { id } product { id }
  provider { id } buyer { id } supersedes { id } supersededBy { id } source externalId`;
const DECLARE = `mutation ($i: DeclareAvailabilityInput!) { declareAvailability(input: $i) { availabilityDeclaration { ${FIELDS} } } }`;
const REPLACE = `mutation ($i: ReplaceAvailabilityDeclarationInput!) { replaceAvailabilityDeclaration(input: $i) { availabilityDeclaration { ${FIELDS} } } }`;
const WITHDRAW = `mutation ($id: ID!) { withdrawAvailabilityDeclaration(input: { id: $id }) { availabilityDeclaration { id status } } }`;
const ONE = `query ($id: ID!) { availabilityDeclaration(id: $id) { id status auditEvents { action } } }`;
const LIST = `query ($a: ID, $h: Boolean) { availabilityDeclarations(assetId: $a, includeHistory: $h) { id version status declaredMw } }`;
const NOTIFY = `mutation ($i: SubmitUnavailabilityNoticeInput!) { submitUnavailabilityNotice(input: $i) {
  unavailabilityNotice { id status gspGroups reducedMw reason from to asset { id } marketUnit { id } provider { id } } } }`;
const NOTICES = `query { unavailabilityNotices { id } }`;
const WITHDRAW_NOTICE = `mutation ($id: ID!) { withdrawUnavailabilityNotice(input: { id: $id }) { unavailabilityNotice { id status } } }`;

const declaration = (overrides: Record<string, unknown> = {}) => ({
  assetId: battery,
  productId: saou,
  declaredMw: 1.5,
  ...WINDOW,
  lockedAt: "2030-06-19T00:00:00Z",
  ...overrides,
});
const declarationsCount = () => countRows(handle, "transactions.availability_declarations");
const noticesCount = () => countRows(handle, "transactions.unavailability_notices");

async function declare(input: Record<string, unknown>, as = FSP_A) {
  const result = await execute(subgraph, DECLARE, { i: input }, as);
  expect(result.errors).toBeUndefined();
  return result.data!.declareAvailability.availabilityDeclaration;
}

describe("availability declarations", () => {
  let first: { id: string };

  it("the asset's FSP declares MW for a product's window; the product's SO reads it, nobody else", async () => {
    first = await declare(declaration({ reason: "Weekly declaration" }));
    expect(JSON.parse(JSON.stringify(first))).toMatchObject({
      version: 1,
      status: "DECLARED",
      declaredMw: 1.5,
      lockedAt: "2030-06-19T00:00:00.000Z",
      locked: false,
      asset: { id: battery },
      marketUnit: null,
      product: { id: saou },
      provider: { id: fspA },
      buyer: { id: ukpn },
      supersedes: null,
      supersededBy: null,
      source: "API",
    });
    for (const [who, sees] of [
      [FSP_A, true],
      [UKPN, true],
      [ADMIN, true],
      [FSP_B, false],
      [NGED, false],
      [INVESTOR, false],
    ] as const) {
      const read = await execute(subgraph, ONE, { id: first.id }, who);
      expect(read.data?.availabilityDeclaration?.id ?? null, `${who.roles} ${who.organisationId}`).toBe(sees ? first.id : null);
    }
    const audit = await execute(subgraph, ONE, { id: first.id }, FSP_A);
    expect(audit.data!.availabilityDeclaration.auditEvents).toEqual([{ action: "CREATE" }]);
    expect(errorCodes(await execute(subgraph, LIST, {}, INVESTOR))).toEqual(["FORBIDDEN"]);
    expect((await execute(subgraph, LIST, {}, FSP_B)).data!.availabilityDeclarations).toEqual([]);
  });

  it("defaults the lock to the window's start, and declares for a market unit", async () => {
    const mine = await declare(declaration({ assetId: null, marketUnitId: unit, lockedAt: null }));
    expect(mine).toMatchObject({ asset: null, marketUnit: { id: unit } });
    expect(new Date(mine.lockedAt).toISOString()).toBe(new Date(WINDOW.start).toISOString());
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["a negative MW", { declaredMw: -0.1 }, "declaredMw"],
    ["MW beyond 10 GW", { declaredMw: 10_001 }, "declaredMw"],
    ["a window ending at its start", { end: WINDOW.start }, "end"],
    ["a window ending before its start", { end: "2030-06-21T15:00:00Z" }, "end"],
    ["a lock after the window starts", { lockedAt: "2030-07-01T10:30:00Z" }, "lockedAt"],
    ["both a unit and an asset", { marketUnitId: unit }, "marketUnitId"],
    ["neither a unit nor an asset", { assetId: null }, "marketUnitId"],
    ["an unknown asset", { assetId: UNKNOWN }, "assetId"],
    ["an unknown product", { productId: UNKNOWN }, "productId"],
    ["a malformed award", { awardId: "nope" }, "awardId"],
    ["an award that does not exist", { awardId: UNKNOWN }, "awardId"],
  ])("refuses %s with BAD_USER_INPUT naming the field, writing nothing", async (_, overrides, field) => {
    const before = await declarationsCount();
    const result = await execute(
      subgraph,
      DECLARE,
      { i: declaration({ start: "2030-07-01T10:00:00Z", end: "2030-07-01T11:00:00Z", ...overrides }) },
      FSP_A,
    );
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors![0]!.extensions!.field).toBe(field);
    expect(await declarationsCount()).toBe(before);
  });

  it("refuses another FSP's asset (FORBIDDEN), a system operator and an investor, writing nothing", async () => {
    const before = await declarationsCount();
    const other = declaration({ start: "2030-07-02T10:00:00Z", end: "2030-07-02T11:00:00Z" });
    expect(errorCodes(await execute(subgraph, DECLARE, { i: other }, FSP_B))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await execute(subgraph, DECLARE, { i: { ...other, assetId: null, marketUnitId: unit } }, FSP_B))).toEqual([
      "FORBIDDEN",
    ]);
    expect(errorCodes(await execute(subgraph, DECLARE, { i: other }, UKPN))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await execute(subgraph, DECLARE, { i: other }, INVESTOR))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await execute(subgraph, DECLARE, { i: other }, null))).toEqual(["UNAUTHENTICATED"]);
    expect(await declarationsCount()).toBe(before);
  });

  it("refuses a second standing declaration overlapping the window (CONFLICT, OVERLAPPING)", async () => {
    const result = await execute(
      subgraph,
      DECLARE,
      { i: declaration({ start: "2030-06-21T18:00:00Z", end: "2030-06-21T20:00:00Z" }) },
      FSP_A,
    );
    expect(errorCodes(result)).toEqual(["CONFLICT"]);
    expect(result.errors![0]!.extensions).toMatchObject({ reason: "OVERLAPPING", existingId: first.id });
  });

  it("replaces a declaration before its lock with a new version, keeping the old one SUPERSEDED", async () => {
    const result = await execute(subgraph, REPLACE, { i: { id: first.id, declaredMw: 0.8, reason: "One string down" } }, FSP_A);
    expect(result.errors).toBeUndefined();
    const second = result.data!.replaceAvailabilityDeclaration.availabilityDeclaration;
    expect(second).toMatchObject({
      version: 2,
      status: "DECLARED",
      declaredMw: 0.8,
      reason: "One string down",
      supersedes: { id: first.id },
    });
    const history = await execute(subgraph, LIST, { a: battery, h: true }, UKPN);
    expect(history.data!.availabilityDeclarations).toEqual([
      { id: first.id, version: 1, status: "SUPERSEDED", declaredMw: 1.5 },
      { id: second.id, version: 2, status: "DECLARED", declaredMw: 0.8 },
    ]);
    const standing = await execute(subgraph, LIST, { a: battery }, UKPN);
    expect(standing.data!.availabilityDeclarations.map((d: { id: string }) => d.id)).toEqual([second.id]);
    const old = await execute(
      subgraph,
      `query ($id: ID!) { availabilityDeclaration(id: $id) { supersededBy { id } auditEvents { action } } }`,
      { id: first.id },
      FSP_A,
    );
    expect(old.data!.availabilityDeclaration).toEqual({
      supersededBy: { id: second.id },
      auditEvents: [{ action: "CREATE" }, { action: "STATUS_CHANGE" }],
    });

    // The superseded version changes no more: CONFLICT naming its status, nothing written.
    const before = await declarationsCount();
    const again = await execute(subgraph, REPLACE, { i: { id: first.id, declaredMw: 1 } }, FSP_A);
    expect(errorCodes(again)).toEqual(["CONFLICT"]);
    expect(again.errors![0]!.extensions).toMatchObject({ currentStatus: "SUPERSEDED" });
    expect(await declarationsCount()).toBe(before);
  });

  it("lets only its FSP change it: NOT_FOUND for one who cannot see it, FORBIDDEN for its SO", async () => {
    const [standing] = (await execute(subgraph, LIST, { a: battery }, FSP_A)).data!.availabilityDeclarations;
    expect(errorCodes(await execute(subgraph, REPLACE, { i: { id: standing.id, declaredMw: 1 } }, FSP_B))).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await execute(subgraph, WITHDRAW, { id: standing.id }, FSP_B))).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await execute(subgraph, REPLACE, { i: { id: standing.id, declaredMw: 1 } }, UKPN))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await execute(subgraph, REPLACE, { i: { id: standing.id, declaredMw: -1 } }, FSP_A))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await execute(subgraph, REPLACE, { i: { id: UNKNOWN, declaredMw: 1 } }, FSP_A))).toEqual(["NOT_FOUND"]);
  });

  it("of two racing replacements of one version, one wins and the other is CONFLICT: one successor only", async () => {
    const mine = await declare(declaration({ start: "2030-09-01T10:00:00Z", end: "2030-09-01T11:00:00Z" }));
    const replace = (declaredMw: number) => () => execute(subgraph, REPLACE, { i: { id: mine.id, declaredMw } }, FSP_A);
    const results = await raceAtRowLock(
      handle,
      (tx) => tx.execute(sql`select id from transactions.availability_declarations where id = ${mine.id} for update`),
      [replace(1), replace(2)],
    );
    const outcomes = results.map((result) => (result.status === "fulfilled" ? (errorCodes(result.value)[0] ?? "OK") : "THREW"));
    expect(outcomes.sort()).toEqual(["CONFLICT", "OK"]);
    const history = await execute(
      subgraph,
      `query { availabilityDeclarations(from: "2030-09-01T00:00:00Z", to: "2030-09-02T00:00:00Z", includeHistory: true) { version status } }`,
      {},
      FSP_A,
    );
    expect(history.data!.availabilityDeclarations).toEqual([
      { version: 1, status: "SUPERSEDED" },
      { version: 2, status: "DECLARED" },
    ]);
  });

  it("withdraws before the lock; asking again changes nothing", async () => {
    const mine = await declare(declaration({ start: "2030-08-01T10:00:00Z", end: "2030-08-01T11:00:00Z" }));
    for (let i = 0; i < 2; i++) {
      const result = await execute(subgraph, WITHDRAW, { id: mine.id }, FSP_A);
      expect(result.data!.withdrawAvailabilityDeclaration.availabilityDeclaration).toEqual({ id: mine.id, status: "WITHDRAWN" });
    }
    expect(errorCodes(await execute(subgraph, REPLACE, { i: { id: mine.id, declaredMw: 1 } }, FSP_A))).toEqual(["CONFLICT"]);
  });

  it("is locked at its lock time: a late declaration, replacement or withdrawal is CONFLICT (reason LOCKED)", async () => {
    const past = { start: "2024-06-21T16:00:00Z", end: "2024-06-21T19:00:00Z", lockedAt: "2024-06-19T00:00:00Z" };
    const late = await execute(subgraph, DECLARE, { i: declaration(past) }, FSP_A);
    expect(errorCodes(late)).toEqual(["CONFLICT"]);
    expect(late.errors![0]!.extensions).toMatchObject({ reason: "LOCKED" });
    // Ingested from the source that holds it, a past declaration is recorded as it was.
    const ingested = await declare(declaration({ ...past, source: "NGED_FLEXIBLE_POWER", externalId: "FP-2024-25-1" }));
    expect(ingested).toMatchObject({ locked: true, source: "NGED_FLEXIBLE_POWER", externalId: "FP-2024-25-1" });
    const before = await declarationsCount();
    for (const result of [
      await execute(subgraph, REPLACE, { i: { id: ingested.id, declaredMw: 0 } }, FSP_A),
      await execute(subgraph, WITHDRAW, { id: ingested.id }, FSP_A),
    ]) {
      expect(errorCodes(result)).toEqual(["CONFLICT"]);
      expect(result.errors![0]!.extensions).toMatchObject({ reason: "LOCKED", lockedAt: "2024-06-19T00:00:00.000Z" });
    }
    expect(await declarationsCount()).toBe(before);
    // The same source record again is a CONFLICT, never a duplicate.
    const replay = await execute(
      subgraph,
      DECLARE,
      { i: declaration({ ...past, source: "NGED_FLEXIBLE_POWER", externalId: "FP-2024-25-1" }) },
      FSP_A,
    );
    expect(errorCodes(replay)).toEqual(["CONFLICT"]);
    expect(await declarationsCount()).toBe(before);
  });
});

describe("unavailability notices", () => {
  const notice = (overrides: Record<string, unknown> = {}) => ({
    assetId: battery,
    from: "2030-06-21T17:30:00Z",
    to: "2030-06-21T17:45:00Z",
    reducedMw: 1,
    reason: "Commercial unavailability: following UKPN's instruction (DSO primacy)",
    conflictId: "c0f10000-0000-4000-8000-00000000000a",
    ...overrides,
  });

  it("its FSP gives notice; every SO whose area holds the asset sees it, no other", async () => {
    const result = await execute(subgraph, NOTIFY, { i: notice() }, FSP_A);
    expect(result.errors).toBeUndefined();
    const given = result.data!.submitUnavailabilityNotice.unavailabilityNotice;
    expect(given).toMatchObject({ status: "ACTIVE", gspGroups: ["_C"], reducedMw: 1, asset: { id: battery }, provider: { id: fspA } });
    const onUnit = await execute(subgraph, NOTIFY, { i: notice({ assetId: null, marketUnitId: unit }) }, FSP_A);
    expect(onUnit.data!.submitUnavailabilityNotice.unavailabilityNotice.gspGroups).toEqual(["_C", "_D"]);

    const calls = areaCalls;
    const seen = async (who: typeof FSP_A) => (await execute(subgraph, NOTICES, {}, who)).data!.unavailabilityNotices.length;
    expect(await seen(UKPN)).toBe(2);
    expect(areaCalls).toBe(calls + 1); // one call to products per request
    expect(await seen(FSP_A)).toBe(2);
    expect(await seen(ADMIN)).toBe(2);
    expect(await seen(NGED)).toBe(0);
    expect(await seen(FSP_B)).toBe(0);
    expect(errorCodes(await execute(subgraph, NOTICES, {}, INVESTOR))).toEqual(["FORBIDDEN"]);

    expect(errorCodes(await execute(subgraph, WITHDRAW_NOTICE, { id: given.id }, FSP_B))).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await execute(subgraph, WITHDRAW_NOTICE, { id: given.id }, UKPN))).toEqual(["FORBIDDEN"]);
    for (let i = 0; i < 2; i++) {
      const withdrawn = await execute(subgraph, WITHDRAW_NOTICE, { id: given.id }, FSP_A);
      expect(withdrawn.data!.withdrawUnavailabilityNotice.unavailabilityNotice).toEqual({ id: given.id, status: "WITHDRAWN" });
    }
    expect(await seen(UKPN)).toBe(1);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["a negative MW", { reducedMw: -1 }, "reducedMw"],
    ["a window ending at its start", { to: "2030-06-21T17:30:00Z" }, "to"],
    ["an empty reason", { reason: "  " }, "reason"],
    ["an unknown asset", { assetId: UNKNOWN }, "assetId"],
  ])("refuses %s with BAD_USER_INPUT, writing nothing", async (_, overrides, field) => {
    const before = await noticesCount();
    const result = await execute(subgraph, NOTIFY, { i: notice(overrides) }, FSP_A);
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors![0]!.extensions!.field).toBe(field);
    expect(await noticesCount()).toBe(before);
  });

  it("refuses another FSP's asset (FORBIDDEN)", async () => {
    const before = await noticesCount();
    expect(errorCodes(await execute(subgraph, NOTIFY, { i: notice() }, FSP_B))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await execute(subgraph, NOTIFY, { i: notice({ assetId: rivalAsset }) }, FSP_A))).toEqual(["FORBIDDEN"]);
    expect(await noticesCount()).toBe(before);
  });
});
