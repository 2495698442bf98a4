import type { DatabaseHandle, Identity } from "@sfe/kit";
import { staticReferences } from "@sfe/kit";
import {
  apiKeyOf,
  as,
  countRows,
  errorCodes,
  MISSING_ID as UNKNOWN,
  type OperationResult,
  orgs,
  runAs,
  setUpSubgraph,
  testIdentity,
} from "@sfe/kit/testing";
import { and, asc, eq, isNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assets as assetsTable, assetTransfers, auditEvents, marketUnitMembers, marketUnits } from "../src/db/schema.js";
import type { NewAsset } from "../src/modules/assets/repository.js";
import type { createAssetsSubgraph, createRepositories } from "../src/server.js";
import { assetsSubgraph, mpan, ruleRoutes } from "./helpers.js";

/**
 * An asset's life cycle after registration: transfer to another FSP with the owner's consent (request, accept,
 * decline, cancel), de-registration guarded by the asset's market units, reinstatement by a hub administrator.
 */

// FSP A the sender, owning the assets; FSP B the receiver; FSP C a third FSP, party to nothing; SO A a system operator.
const { fspA: ORG_A, fspB: ORG_B, fspC: ORG_C, soA: ORG_SO } = orgs;
const ORG_BOTH = "e0000000-0000-4000-8000-00000000000e"; // FSP and SO of _C: sees A's assets in _C, owns none

// ---- Who calls -------------------------------------------------------------------------------------

const callers = {
  anonymous: as.anonymous,
  "FSP A": as.fspA,
  "FSP B": as.fspB,
  "FSP C": as.fspC,
  "SO of _C": as.soA,
  "FSP and SO of _C": testIdentity({ roles: ["FSP", "SYSTEM_OPERATOR"], organisationId: ORG_BOTH, areas: ["_C"] }),
  INVESTOR: as.investor,
  ADMIN: as.admin,
  "FSP A's API key with assets:read": apiKeyOf(ORG_A, ["FSP"], ["assets:read"]),
  "FSP B's API key with assets:write": apiKeyOf(ORG_B, ["FSP"], ["assets:write"]),
  "FSP B's API key with products:read only": apiKeyOf(ORG_B, ["FSP"], ["products:read"]),
} satisfies Record<string, Identity | null>;
type Caller = keyof typeof callers;

let handle: DatabaseHandle;
let repos: ReturnType<typeof createRepositories>;
let subgraph: ReturnType<typeof createAssetsSubgraph>;

const run = runAs(() => subgraph, callers);

let serial = 1;

/** A fresh asset of `owner` (London, _C, metered unless told otherwise), straight through the repository. */
async function asset(name: string, values: Partial<NewAsset> = {}, owner = ORG_A): Promise<string> {
  const row = await repos.assets.create(
    {
      ownerId: owner,
      name,
      categoryCode: "OTHER",
      importCapacityKw: 10,
      exportCapacityKw: 0,
      gspGroup: "_C",
      meterPointId: mpan(12, serial++),
      ...values,
    },
    null,
  );
  return row.id;
}

/** A unit of `owner` with `members`, in `status`. */
async function unit(name: string, unitType: "SPU" | "SPG", members: string[], status: "DRAFT" | "ACTIVE" | "DEREGISTERED" = "DRAFT") {
  const row = await repos.marketUnits.create({ ownerId: ORG_A, name, unitType, status }, members, null);
  return row.id;
}

beforeAll(async () => {
  // What the users subgraph answers for Organisation { roles }.
  ({ handle, repos, subgraph } = await setUpSubgraph(
    assetsSubgraph,
    staticReferences(
      {
        Organisation: {
          [ORG_A]: { roles: ["FSP"] },
          [ORG_B]: { roles: ["FSP"] },
          [ORG_C]: { roles: ["FSP"] },
          [ORG_SO]: { roles: ["SYSTEM_OPERATOR"] },
          [ORG_BOTH]: { roles: ["FSP", "SYSTEM_OPERATOR"] },
        },
      },
      ruleRoutes().routes,
    ),
  ));
});
afterAll(() => handle.close());

// ---- Operations and what a refusal must leave alone ------------------------------------------------

const TRANSFER_FIELDS = `id status note requestedAt decidedAt fromOrganisation { id } toOrganisation { id }
  requestedBy { id } decidedBy { id } asset { id owner { id } status pendingTransfer { id } }`;
const REQUEST = /* GraphQL */ `mutation ($input: RequestAssetTransferInput!) {
  requestAssetTransfer(input: $input) { transfer { ${TRANSFER_FIELDS} } } }`;
const ACCEPT = /* GraphQL */ `mutation ($id: ID!) { acceptAssetTransfer(id: $id) { transfer { ${TRANSFER_FIELDS} } } }`;
const DECLINE = /* GraphQL */ `mutation ($id: ID!) { declineAssetTransfer(id: $id) { transfer { ${TRANSFER_FIELDS} } } }`;
const CANCEL = /* GraphQL */ `mutation ($id: ID!) { cancelAssetTransfer(id: $id) { transfer { ${TRANSFER_FIELDS} } } }`;
const TRANSFERS = /* GraphQL */ `query ($status: TransferStatus) {
  assetTransfers(status: $status, first: 1000) { id status asset { id } } }`;
const ASSET = /* GraphQL */ `query ($id: ID!) { asset(id: $id) { id status owner { id } pendingTransfer { id status } marketUnits { id } } }`;
const ENTITIES = /* GraphQL */ `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Asset { id pendingTransfer { id } } } }`;
const DEREGISTER = /* GraphQL */ `mutation ($id: ID!, $reason: String) { deregisterAsset(id: $id, reason: $reason) { asset { id status } } }`;
const REINSTATE = /* GraphQL */ `mutation ($id: ID!, $reason: String) { reinstateAsset(id: $id, reason: $reason) { asset { id status } } }`;
const UPDATE = /* GraphQL */ `mutation ($input: UpdateAssetInput!) { updateAsset(input: $input) { asset { id name status } } }`;
const UNIT = /* GraphQL */ `query ($id: ID!) { marketUnit(id: $id) { id status members { id } membershipHistory { asset { id } removedAt } } }`;
const CREATE_UNIT = /* GraphQL */ `mutation ($input: CreateMarketUnitInput!) { createMarketUnit(input: $input) { marketUnit { id } } }`;
const ADD = /* GraphQL */ `mutation ($input: MarketUnitMembersInput!) { addMarketUnitMembers(input: $input) { marketUnit { id status } } }`;
const REMOVE = /* GraphQL */ `mutation ($input: MarketUnitMembersInput!) { removeMarketUnitMembers(input: $input) { marketUnit { id } } }`;
const UPDATE_UNIT = /* GraphQL */ `mutation ($input: UpdateMarketUnitInput!) { updateMarketUnit(input: $input) { marketUnit { id status } } }`;

const count = (table: string) => countRows(handle, `assets.${table}`);
const TABLES = ["assets", "asset_transfers", "market_units", "market_unit_members", "audit_events"];

/** Every row a life-cycle write could touch. */
const snapshot = async () => [
  ...(await Promise.all(TABLES.map(count))),
  await handle.db.select().from(assetsTable).orderBy(asc(assetsTable.id)),
  await handle.db.select().from(assetTransfers).orderBy(asc(assetTransfers.id)),
  await handle.db.select().from(marketUnits).orderBy(asc(marketUnits.id)),
  await handle.db.select().from(marketUnitMembers).orderBy(asc(marketUnitMembers.id)),
];

/** Runs `write` and checks that it was refused with `code` and left every row as it was. */
async function expectNothingWritten(write: () => Promise<OperationResult>, code: string) {
  const before = await snapshot();
  const result = await write();
  expect(errorCodes(result)).toEqual([code]);
  expect(result.data ?? null).toBeNull();
  expect(await snapshot()).toEqual(before);
  return result;
}

const audits = (entityId: string) =>
  handle.db.select().from(auditEvents).where(eq(auditEvents.entityId, entityId)).orderBy(asc(auditEvents.occurredAt));

async function request(caller: Caller, assetId: string, toOrganisationId = ORG_B, note?: string) {
  const result = await run(caller, REQUEST, { input: { assetId, toOrganisationId, note } });
  expect(result.errors).toBeUndefined();
  return result.data!.requestAssetTransfer.transfer as { id: string; status: string };
}

const transferIds = async (caller: Caller, status?: string) => {
  const result = await run(caller, TRANSFERS, { status });
  expect(result.errors, caller).toBeUndefined();
  return (result.data!.assetTransfers as { id: string }[]).map((t) => t.id).sort();
};

// ---- Transfers -------------------------------------------------------------------------------------

describe("requestAssetTransfer", () => {
  it("the owning FSP offers an asset to another FSP: PENDING, audited; the asset stays the sender's until accepted", async () => {
    const id = await asset("Offered battery");
    const before = await snapshot();
    const result = await run("FSP A", REQUEST, { input: { assetId: id, toOrganisationId: ORG_B, note: "  Sold with the site  " } });
    expect(result.errors).toBeUndefined();
    const transfer = result.data!.requestAssetTransfer.transfer;
    expect(transfer).toMatchObject({
      status: "PENDING",
      note: "Sold with the site",
      decidedAt: null,
      decidedBy: null,
      fromOrganisation: { id: ORG_A },
      toOrganisation: { id: ORG_B },
      requestedBy: { id: callers["FSP A"].userId },
      asset: { id, owner: { id: ORG_A }, status: "REGISTERED", pendingTransfer: { id: transfer.id } },
    });
    expect(await count("asset_transfers")).toBe((before[1] as number) + 1);
    expect(await count("audit_events")).toBe((before[4] as number) + 1);
    expect(await audits(transfer.id)).toMatchObject([
      { action: "CREATE", entityType: "AssetTransfer", actorOrganisationId: ORG_A, after: { assetId: id, status: "PENDING" } },
    ]);
    // Nothing else changed: the asset is as it was.
    expect((await snapshot())[5]).toEqual(before[5]);
  });

  it("a hub administrator may request for any owner", async () => {
    const id = await asset("Admin-offered heat pump");
    const transfer = await request("ADMIN", id, ORG_C);
    expect(transfer).toMatchObject({ status: "PENDING", fromOrganisation: { id: ORG_A }, toOrganisation: { id: ORG_C } });
  });

  const refusals: [string, Caller, string, () => Promise<Record<string, unknown>>, RegExp][] = [
    ["anonymous", "anonymous", "UNAUTHENTICATED", async () => ({ assetId: await asset("x") }), /Sign in/],
    // The receiver does not own the asset and cannot see it through the usual rules: as for an unknown asset.
    ["the would-be receiver (FSP B)", "FSP B", "NOT_FOUND", async () => ({ assetId: await asset("x") }), /does not exist/],
    ["a third FSP", "FSP C", "NOT_FOUND", async () => ({ assetId: await asset("x"), toOrganisationId: ORG_C }), /does not exist/],
    ["a system operator", "SO of _C", "FORBIDDEN", async () => ({ assetId: await asset("x") }), /Only FSP or ADMIN/],
    ["an investor", "INVESTOR", "FORBIDDEN", async () => ({ assetId: await asset("x") }), /Only FSP or ADMIN/],
    [
      "an FSP that sees the asset as SO of its area",
      "FSP and SO of _C",
      "FORBIDDEN",
      async () => ({ assetId: await asset("x") }),
      /^Only the asset's owner or a hub administrator may change it$/,
    ],
    [
      "an API key with assets:read",
      "FSP A's API key with assets:read",
      "FORBIDDEN",
      async () => ({ assetId: await asset("x") }),
      /assets:write/,
    ],
    ["an unknown asset", "FSP A", "NOT_FOUND", async () => ({ assetId: UNKNOWN }), /does not exist/],
    ["a malformed asset id", "FSP A", "BAD_USER_INPUT", async () => ({ assetId: "nope" }), /assetId must be an id/],
    [
      "the owner itself as receiver",
      "FSP A",
      "BAD_USER_INPUT",
      async () => ({ assetId: await asset("x"), toOrganisationId: ORG_A }),
      /belongs to that organisation already/,
    ],
    [
      "an unknown receiver",
      "FSP A",
      "BAD_USER_INPUT",
      async () => ({ assetId: await asset("x"), toOrganisationId: UNKNOWN }),
      new RegExp(`^toOrganisationId: Organisation ${UNKNOWN} does not exist$`),
    ],
    [
      "a receiver that is not an FSP",
      "ADMIN",
      "BAD_USER_INPUT",
      async () => ({ assetId: await asset("x"), toOrganisationId: ORG_SO }),
      /is not an FSP/,
    ],
    [
      "a DEREGISTERED asset",
      "FSP A",
      "BAD_USER_INPUT",
      async () => ({ assetId: await asset("x", { status: "DEREGISTERED" }) }),
      /is DEREGISTERED and can no longer change/,
    ],
    [
      "a note over 1000 characters",
      "FSP A",
      "BAD_USER_INPUT",
      async () => ({ assetId: await asset("x"), note: "n".repeat(1001) }),
      /note must be at most 1000 characters/,
    ],
    [
      "an asset that is the last member of a unit",
      "FSP A",
      "BAD_USER_INPUT",
      async () => {
        const id = await asset("Alone");
        const unitId = await unit("Alone's SPU", "SPU", [id], "ACTIVE");
        return { assetId: id, expectUnit: unitId };
      },
      /cannot leave market unit "Alone's SPU" \(.*\): a market unit cannot lose its last member\. Change the unit first/,
    ],
    [
      "an asset whose leaving would leave an SPG at one accounting point",
      "ADMIN",
      "BAD_USER_INPUT",
      async () => {
        const [one, two] = [await asset("Pair 1"), await asset("Pair 2")];
        await unit("Pair SPG", "SPG", [one, two]);
        return { assetId: one };
      },
      /cannot leave market unit "Pair SPG" .*an SPG needs members at more than one accounting point.*Change the unit first/,
    ],
  ];
  it.each(refusals)("refuses %s: %s, nothing written", async (_case, caller, code, input, message) => {
    const { expectUnit: _unit, ...given } = await input();
    const result = await expectNothingWritten(() => run(caller, REQUEST, { input: { toOrganisationId: ORG_B, ...given } }), code);
    expect(result.errors?.[0]?.message).toMatch(message);
  });

  it("a second request while one is pending is a CONFLICT naming it; nothing written", async () => {
    const id = await asset("Twice offered");
    const first = await request("FSP A", id);
    const result = await expectNothingWritten(() => run("ADMIN", REQUEST, { input: { assetId: id, toOrganisationId: ORG_C } }), "CONFLICT");
    expect(result.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/already has a pending transfer .* must be accepted, declined or cancelled first/),
      extensions: { transferId: first.id },
    });
  });

  it("concurrent requests for one asset (a race): exactly one PENDING transfer, the others CONFLICT", async () => {
    const id = await asset("Raced");
    const audited = await count("audit_events");
    const results = await Promise.all(
      (["FSP A", "ADMIN", "FSP A", "ADMIN"] as const).map((caller, i) =>
        run(caller, REQUEST, { input: { assetId: id, toOrganisationId: i % 2 === 0 ? ORG_B : ORG_C } }),
      ),
    );
    expect(results.filter((r) => r.errors === undefined)).toHaveLength(1);
    expect(results.flatMap(errorCodes).sort()).toEqual(["CONFLICT", "CONFLICT", "CONFLICT"]);
    const rows = await handle.db.select().from(assetTransfers).where(eq(assetTransfers.assetId, id));
    expect(rows.map((r) => r.status)).toEqual(["PENDING"]);
    expect(await count("audit_events")).toBe(audited + 1);
  });

  it("the database keeps one PENDING transfer per asset whatever the code does (partial unique index)", async () => {
    const id = await asset("Backstop");
    const pending = { assetId: id, fromOrganisationId: ORG_A, toOrganisationId: ORG_B };
    await handle.db.insert(assetTransfers).values(pending);
    await expect(handle.db.insert(assetTransfers).values({ ...pending, toOrganisationId: ORG_C })).rejects.toThrow();
    // Decided transfers do not count.
    await handle.db.insert(assetTransfers).values({ ...pending, status: "DECLINED", decidedAt: new Date() });
    await handle.db.delete(assetTransfers).where(eq(assetTransfers.assetId, id));
  });
});

describe("reading transfers", () => {
  let assetId: string;
  let transferId: string;
  beforeAll(async () => {
    assetId = await asset("Read battery");
    transferId = (await request("FSP A", assetId, ORG_B)).id;
  });

  it("each party lists it; a third FSP does not; hub administrators list every transfer", async () => {
    const all = (await handle.db.select().from(assetTransfers)).map((t) => t.id).sort();
    const involving = async (org: string) =>
      (await handle.db.select().from(assetTransfers))
        .filter((t) => t.fromOrganisationId === org || t.toOrganisationId === org)
        .map((t) => t.id)
        .sort();
    expect(await transferIds("ADMIN")).toEqual(all);
    expect(await transferIds("FSP A")).toEqual(await involving(ORG_A));
    expect(await transferIds("FSP B")).toEqual(await involving(ORG_B));
    expect(await transferIds("FSP B's API key with assets:write")).toEqual(await involving(ORG_B));
    expect(await transferIds("FSP A")).toContain(transferId);
    expect(await transferIds("FSP B")).toContain(transferId);
    expect(await transferIds("FSP C")).not.toContain(transferId);
    expect(await transferIds("FSP and SO of _C")).toEqual([]);
    expect(await transferIds("FSP A", "ACCEPTED")).toEqual([]);
    expect(await transferIds("FSP B", "PENDING")).toContain(transferId);
  });

  it("assetTransfers: FORBIDDEN to system operators, investors and keys without assets:read; UNAUTHENTICATED anonymously", async () => {
    for (const [caller, code] of [
      ["SO of _C", "FORBIDDEN"],
      ["INVESTOR", "FORBIDDEN"],
      ["FSP B's API key with products:read only", "FORBIDDEN"],
      ["anonymous", "UNAUTHENTICATED"],
    ] as const) {
      expect(errorCodes(await run(caller, TRANSFERS)), caller).toEqual([code]);
    }
  });

  it("the receiver sees the offered asset through the transfer only: asset(id) and _entities still answer null", async () => {
    const listed = (
      await run("FSP B", `{ assetTransfers(status: PENDING, first: 1000) { id asset { id owner { id } pendingTransfer { id } } } }`)
    ).data?.assetTransfers as { id: string; asset: unknown }[];
    expect(listed.find((t) => t.id === transferId)?.asset).toEqual({
      id: assetId,
      owner: { id: ORG_A },
      pendingTransfer: { id: transferId },
    });
    expect((await run("FSP B", ASSET, { id: assetId })).data?.asset).toBeNull();
    expect((await run("FSP B", ENTITIES, { r: [{ __typename: "Asset", id: assetId }] })).data?._entities).toEqual([null]);
    expect((await run("FSP B", `{ assets(first: 1000) { id } }`)).data?.assets).not.toContainEqual({ id: assetId });
  });

  it("Asset.pendingTransfer: for the owner and hub administrators; null for a system operator who sees the asset", async () => {
    for (const caller of ["FSP A", "ADMIN"] as const) {
      expect((await run(caller, ASSET, { id: assetId })).data?.asset.pendingTransfer, caller).toEqual({
        id: transferId,
        status: "PENDING",
      });
    }
    const so = await run("SO of _C", ASSET, { id: assetId });
    expect(so.data?.asset).toMatchObject({ id: assetId, pendingTransfer: null });
    const both = await run("FSP and SO of _C", ENTITIES, { r: [{ __typename: "Asset", id: assetId }] });
    expect(both.data?._entities).toEqual([{ id: assetId, pendingTransfer: null }]);
    expect((await run("INVESTOR", ASSET, { id: assetId })).data?.asset).toBeNull();
  });
});

describe("acceptAssetTransfer", () => {
  it("moves the asset to the receiver in one step: it leaves the sender's units (ACTIVE → REASSESSMENT_REQUIRED), all audited", async () => {
    const moving = await asset("Moving battery");
    const [staying1, staying2] = [await asset("Staying 1"), await asset("Staying 2", { gspGroup: "_M", meterPointId: mpan(23, serial++) })];
    const [loose1, loose2] = [await asset("Loose 1", { meterPointId: null }), await asset("Loose 2", { meterPointId: null })];
    const active = await unit("Active SPG", "SPG", [moving, staying1, staying2], "ACTIVE");
    const draft = await unit("Draft SPG", "SPG", [moving, loose1, loose2], "DRAFT");
    const retired = await unit("Retired SPU", "SPU", [moving], "ACTIVE");
    expect((await run("FSP A", UPDATE_UNIT, { input: { id: retired, status: "DEREGISTERED" } })).errors).toBeUndefined();
    const transfer = await request("FSP A", moving, ORG_B);
    const before = await snapshot();

    const result = await run("FSP B", ACCEPT, { id: transfer.id });
    expect(result.errors).toBeUndefined();
    expect(result.data?.acceptAssetTransfer.transfer).toMatchObject({
      status: "ACCEPTED",
      decidedBy: { id: callers["FSP B"].userId },
      fromOrganisation: { id: ORG_A },
      toOrganisation: { id: ORG_B },
      // Now the receiver's own asset, by the usual rules.
      asset: { id: moving, owner: { id: ORG_B }, status: "REGISTERED", pendingTransfer: null },
    });
    expect(result.data?.acceptAssetTransfer.transfer.decidedAt).not.toBeNull();

    // The receiver sees it everywhere now; the sender no longer does, not even through the transfer.
    expect((await run("FSP B", ASSET, { id: moving })).data?.asset).toMatchObject({ owner: { id: ORG_B }, marketUnits: [] });
    expect((await run("FSP A", ASSET, { id: moving })).data?.asset).toBeNull();
    const sendersView = (await run("FSP A", TRANSFERS)).data?.assetTransfers as { id: string; status: string; asset: unknown }[];
    expect(sendersView.find((t) => t.id === transfer.id)).toEqual({ id: transfer.id, status: "ACCEPTED", asset: null });

    // The units: memberships ended (kept as history), an ACTIVE unit needs reassessment, a DRAFT one stays DRAFT.
    const activeNow = (await run("FSP A", UNIT, { id: active })).data?.marketUnit;
    expect(activeNow.status).toBe("REASSESSMENT_REQUIRED");
    expect(activeNow.members.map((m: { id: string }) => m.id).sort()).toEqual([staying1, staying2].sort());
    const draftNow = (await run("ADMIN", UNIT, { id: draft })).data?.marketUnit;
    expect(draftNow.status).toBe("DRAFT");
    expect(draftNow.members.map((m: { id: string }) => m.id).sort()).toEqual([loose1, loose2].sort());
    expect(draftNow.membershipHistory).toContainEqual({ asset: { id: moving }, removedAt: expect.anything() });
    // A DEREGISTERED unit is final: its record is left as it was.
    const membership = (unitId: string) =>
      handle.db
        .select()
        .from(marketUnitMembers)
        .where(and(eq(marketUnitMembers.unitId, unitId), eq(marketUnitMembers.assetId, moving)));
    expect((await membership(retired))[0]?.removedAt).toBeNull();
    expect((await membership(active))[0]?.removedAt).toBeInstanceOf(Date);

    // Rows: no membership or transfer deleted or added; audit: asset, transfer and the two live units.
    const after = await snapshot();
    expect(after.slice(0, 4)).toEqual(before.slice(0, 4));
    expect(after[4]).toBe((before[4] as number) + 4);
    expect(await audits(moving)).toContainEqual(
      expect.objectContaining({
        action: "UPDATE",
        entityType: "Asset",
        actorOrganisationId: ORG_B,
        before: expect.objectContaining({ ownerId: ORG_A }),
        after: expect.objectContaining({ ownerId: ORG_B, transferId: transfer.id }),
      }),
    );
    expect((await audits(transfer.id)).at(-1)).toMatchObject({
      action: "STATUS_CHANGE",
      before: { status: "PENDING" },
      after: { status: "ACCEPTED" },
    });
    expect((await audits(active)).at(-1)).toMatchObject({
      action: "STATUS_CHANGE",
      before: { status: "ACTIVE", assetIds: [moving, staying1, staying2].sort() },
      after: { status: "REASSESSMENT_REQUIRED", assetIds: [staying1, staying2].sort() },
    });
    expect((await audits(draft)).at(-1)).toMatchObject({ action: "UPDATE", after: { assetIds: [loose1, loose2].sort() } });

    // The former owner can no longer put it in a unit; the new owner can.
    const join = await run("FSP A", ADD, { input: { unitId: active, assetIds: [moving] } });
    expect(errorCodes(join)).toEqual(["BAD_USER_INPUT"]);
    const own = await run("FSP B", CREATE_UNIT, { input: { ownerId: ORG_B, name: "B's SPU", unitType: "SPU", assetIds: [moving] } });
    expect(own.errors).toBeUndefined();
  });

  it("a hub administrator may accept; an API key of the receiver with assets:write too (decidedBy null: no person)", async () => {
    const byAdmin = await request("FSP A", await asset("Admin accepts"), ORG_C);
    expect((await run("ADMIN", ACCEPT, { id: byAdmin.id })).data?.acceptAssetTransfer.transfer).toMatchObject({
      status: "ACCEPTED",
      asset: { owner: { id: ORG_C } },
    });
    const byKey = await request("FSP A", await asset("Key accepts"), ORG_B);
    expect((await run("FSP B's API key with assets:write", ACCEPT, { id: byKey.id })).data?.acceptAssetTransfer.transfer).toMatchObject({
      status: "ACCEPTED",
      decidedBy: null,
      asset: { owner: { id: ORG_B } },
    });
  });

  it("refused when the asset is the last member of a unit of the sender: change the unit first; then it goes through", async () => {
    const id = await asset("Joined after the request");
    const transfer = await request("FSP A", id, ORG_B);
    // The unit appears after the request (the asset is still the sender's, so it may join).
    const created = await run("FSP A", CREATE_UNIT, { input: { ownerId: ORG_A, name: "Late SPU", unitType: "SPU", assetIds: [id] } });
    const unitId = created.data!.createMarketUnit.marketUnit.id as string;

    const refused = await expectNothingWritten(() => run("FSP B", ACCEPT, { id: transfer.id }), "BAD_USER_INPUT");
    // The receiver is told why without being shown the sender's unit.
    expect(refused.errors?.[0]?.message).toBe(
      `id: asset ${id} cannot leave one of the owner's market units: a market unit cannot lose its last member. Change the unit first (add another asset to it, or de-register it)`,
    );
    const byAdmin = await expectNothingWritten(() => run("ADMIN", ACCEPT, { id: transfer.id }), "BAD_USER_INPUT");
    expect(byAdmin.errors?.[0]?.message).toContain(`market unit "Late SPU" (${unitId})`);

    expect((await run("FSP A", UPDATE_UNIT, { input: { id: unitId, status: "DEREGISTERED" } })).errors).toBeUndefined();
    expect((await run("FSP B", ACCEPT, { id: transfer.id })).data?.acceptAssetTransfer.transfer.status).toBe("ACCEPTED");
  });

  it("racing an acceptance against the sender changing its units: no deadlock, and the asset ends in none of them", async () => {
    const loose = () => asset("Racing member", { meterPointId: null });
    for (let round = 0; round < 3; round++) {
      const moving = await loose();
      const u = await unit(`Racing U ${round}`, "SPG", [moving, await loose(), await loose()], "ACTIVE");
      const v = await unit(`Racing V ${round}`, "SPG", [await loose(), await loose()]);
      const transfer = await request("FSP A", moving, ORG_B);
      const [accepted, addedToU, movingToV] = await Promise.all([
        run("FSP B", ACCEPT, { id: transfer.id }),
        run("FSP A", ADD, { input: { unitId: u, assetIds: [await loose()] } }),
        run("FSP A", ADD, { input: { unitId: v, assetIds: [moving] } }),
      ]);
      expect(accepted.errors).toBeUndefined();
      expect(addedToU.errors).toBeUndefined();
      // Joining V either came first (and the acceptance then took the asset out of V too) or was refused.
      expect(errorCodes(movingToV).filter((code) => code !== "BAD_USER_INPUT")).toEqual([]);
      const current = await handle.db
        .select()
        .from(marketUnitMembers)
        .where(and(eq(marketUnitMembers.assetId, moving), isNull(marketUnitMembers.removedAt)));
      expect(current).toEqual([]);
    }
  });

  const refusals: [string, Caller, string, RegExp][] = [
    ["anonymous", "anonymous", "UNAUTHENTICATED", /Sign in/],
    ["the sender", "FSP A", "FORBIDDEN", /^Only the receiving organisation or a hub administrator may accept a transfer$/],
    ["a third FSP", "FSP C", "NOT_FOUND", /^AssetTransfer .* does not exist$/],
    ["an FSP that sees the asset as SO of its area", "FSP and SO of _C", "NOT_FOUND", /does not exist/],
    ["a system operator", "SO of _C", "FORBIDDEN", /Only FSP or ADMIN/],
    ["an investor", "INVESTOR", "FORBIDDEN", /Only FSP or ADMIN/],
    ["an API key without assets:write", "FSP B's API key with products:read only", "FORBIDDEN", /assets:write/],
  ];
  it.each(refusals)("refuses %s: %s, nothing written", async (_case, caller, code, message) => {
    const transfer = await request("FSP A", await asset("Not for them"), ORG_B);
    const result = await expectNothingWritten(() => run(caller, ACCEPT, { id: transfer.id }), code);
    expect(result.errors?.[0]?.message).toMatch(message);
  });

  it("another organisation's transfer is NOT_FOUND exactly like an unknown id; a malformed id is BAD_USER_INPUT", async () => {
    const transfer = await request("FSP A", await asset("Hidden"), ORG_B);
    const hidden = await expectNothingWritten(() => run("FSP C", ACCEPT, { id: transfer.id }), "NOT_FOUND");
    const unknown = await expectNothingWritten(() => run("FSP C", ACCEPT, { id: UNKNOWN }), "NOT_FOUND");
    expect(JSON.stringify(hidden.errors).replaceAll(transfer.id, "<id>")).toBe(JSON.stringify(unknown.errors).replaceAll(UNKNOWN, "<id>"));
    await expectNothingWritten(() => run("FSP B", ACCEPT, { id: "nope" }), "BAD_USER_INPUT");
  });
});

describe("declineAssetTransfer and cancelAssetTransfer", () => {
  it("the receiver declines: DECLINED, audited; the asset and its units are untouched; a new request may follow", async () => {
    const id = await asset("Declined");
    const partners = [
      await asset("Declined's partner 1", { meterPointId: null }),
      await asset("Declined's partner 2", { meterPointId: null }),
    ];
    const unitId = await unit("Declined's unit", "SPG", [id, ...partners], "ACTIVE");
    const transfer = await request("FSP A", id, ORG_B);
    const before = await snapshot();
    const result = await run("FSP B", DECLINE, { id: transfer.id });
    expect(result.data?.declineAssetTransfer.transfer).toMatchObject({
      status: "DECLINED",
      decidedBy: { id: callers["FSP B"].userId },
      asset: null, // no longer offered: the usual rules apply, and the receiver does not own it
    });
    const after = await snapshot();
    expect(after[4]).toBe((before[4] as number) + 1);
    expect(after[5]).toEqual(before[5]); // assets
    expect(after[7]).toEqual(before[7]); // units
    expect(after[8]).toEqual(before[8]); // memberships
    expect((await run("FSP A", UNIT, { id: unitId })).data?.marketUnit.status).toBe("ACTIVE");
    expect((await audits(transfer.id)).at(-1)).toMatchObject({ action: "STATUS_CHANGE", after: { status: "DECLINED" } });
    expect((await run("FSP A", ASSET, { id })).data?.asset).toMatchObject({ owner: { id: ORG_A }, pendingTransfer: null });
    expect((await request("FSP A", id, ORG_C)).status).toBe("PENDING");
  });

  it("the sender cancels: CANCELLED, audited; hub administrators may decline or cancel too", async () => {
    const transfer = await request("FSP A", await asset("Cancelled"), ORG_B);
    expect((await run("FSP A", CANCEL, { id: transfer.id })).data?.cancelAssetTransfer.transfer).toMatchObject({
      status: "CANCELLED",
      decidedBy: { id: callers["FSP A"].userId },
    });
    expect((await audits(transfer.id)).at(-1)).toMatchObject({ action: "STATUS_CHANGE", after: { status: "CANCELLED" } });
    const declined = await request("FSP A", await asset("Admin declines"), ORG_B);
    expect((await run("ADMIN", DECLINE, { id: declined.id })).data?.declineAssetTransfer.transfer.status).toBe("DECLINED");
    const cancelled = await request("FSP A", await asset("Admin cancels"), ORG_B);
    expect((await run("ADMIN", CANCEL, { id: cancelled.id })).data?.cancelAssetTransfer.transfer.status).toBe("CANCELLED");
  });

  const refusals: [string, Caller, string, string, RegExp][] = [
    [
      "the sender declining",
      "FSP A",
      DECLINE,
      "FORBIDDEN",
      /^Only the receiving organisation or a hub administrator may decline a transfer$/,
    ],
    [
      "the receiver cancelling",
      "FSP B",
      CANCEL,
      "FORBIDDEN",
      /^Only the sending organisation or a hub administrator may cancel a transfer$/,
    ],
    ["a third FSP declining", "FSP C", DECLINE, "NOT_FOUND", /does not exist/],
    ["a third FSP cancelling", "FSP C", CANCEL, "NOT_FOUND", /does not exist/],
    ["a system operator cancelling", "SO of _C", CANCEL, "FORBIDDEN", /Only FSP or ADMIN/],
    ["an investor declining", "INVESTOR", DECLINE, "FORBIDDEN", /Only FSP or ADMIN/],
    ["anonymous cancelling", "anonymous", CANCEL, "UNAUTHENTICATED", /Sign in/],
  ];
  it.each(refusals)("refuses %s: %s, nothing written", async (_case, caller, query, code, message) => {
    const transfer = await request("FSP A", await asset("Not theirs to decide"), ORG_B);
    const result = await expectNothingWritten(() => run(caller, query, { id: transfer.id }), code);
    expect(result.errors?.[0]?.message).toMatch(message);
  });

  it("a decided transfer is final: deciding it again is BAD_USER_INPUT, another decision CONFLICT; nothing written", async () => {
    const accepted = await request("FSP A", await asset("Decided: accepted"), ORG_B);
    await run("FSP B", ACCEPT, { id: accepted.id });
    const declined = await request("FSP A", await asset("Decided: declined"), ORG_B);
    await run("FSP B", DECLINE, { id: declined.id });
    const cancelled = await request("FSP A", await asset("Decided: cancelled"), ORG_B);
    await run("FSP A", CANCEL, { id: cancelled.id });
    for (const [caller, query, id, code, message] of [
      ["FSP B", ACCEPT, accepted.id, "BAD_USER_INPUT", /is ACCEPTED; only a PENDING transfer can be accepted/],
      ["FSP A", CANCEL, accepted.id, "CONFLICT", /is ACCEPTED: it cannot become CANCELLED \(ACCEPTED is final\)/],
      ["FSP B", ACCEPT, declined.id, "CONFLICT", /is DECLINED: it cannot become ACCEPTED \(DECLINED is final\)/],
      ["ADMIN", DECLINE, declined.id, "BAD_USER_INPUT", /is DECLINED; only a PENDING transfer can be declined/],
      ["FSP B", DECLINE, cancelled.id, "CONFLICT", /is CANCELLED: it cannot become DECLINED \(CANCELLED is final\)/],
      ["ADMIN", ACCEPT, cancelled.id, "CONFLICT", /is CANCELLED: it cannot become ACCEPTED \(CANCELLED is final\)/],
    ] as const) {
      const result = await expectNothingWritten(() => run(caller, query, { id }), code);
      expect(result.errors?.[0]?.message).toMatch(message);
    }
    const refused = await run("FSP A", CANCEL, { id: accepted.id });
    expect(refused.errors?.[0]?.message).toBe(`AssetTransfer ${accepted.id} is ACCEPTED: it cannot become CANCELLED (ACCEPTED is final)`);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", currentStatus: "ACCEPTED", requestedStatus: "CANCELLED" });
  });
});

// ---- De-registration and reinstatement -------------------------------------------------------------

describe("deregisterAsset", () => {
  it("the owner de-registers an asset in no live unit: soft (the row stays), audited with the reason", async () => {
    const id = await asset("Retiring");
    const audited = await count("audit_events");
    const rows = await count("assets");
    const result = await run("FSP A", DEREGISTER, { id, reason: " Decommissioned on site " });
    expect(result.errors).toBeUndefined();
    expect(result.data?.deregisterAsset.asset).toEqual({ id, status: "DEREGISTERED" });
    expect(await count("assets")).toBe(rows);
    expect(await count("audit_events")).toBe(audited + 1);
    expect((await audits(id)).at(-1)).toMatchObject({
      action: "STATUS_CHANGE",
      entityType: "Asset",
      before: { status: "REGISTERED" },
      after: { status: "DEREGISTERED", reason: "Decommissioned on site" },
    });
    // Still there for its owner (and audit), no longer in the aggregates.
    expect((await run("FSP A", ASSET, { id })).data?.asset).toMatchObject({ id, status: "DEREGISTERED" });
  });

  it("is refused while the asset is in a unit that is not DEREGISTERED: remove it from the unit first; then it goes through", async () => {
    const id = await asset("In use");
    const partner = await asset("In use's partner", { meterPointId: null });
    const third = await asset("In use's third", { meterPointId: null });
    const unitId = await unit("Busy SPG", "SPG", [id, partner, third], "ACTIVE");
    await unit("Old SPU", "SPU", [id], "DEREGISTERED"); // a DEREGISTERED unit does not hold it back
    const result = await expectNothingWritten(() => run("FSP A", DEREGISTER, { id }), "BAD_USER_INPUT");
    expect(result.errors?.[0]?.message).toBe(
      `id: asset ${id} is still in use: remove it from market unit "Busy SPG" (${unitId}, ACTIVE) first (or de-register the unit)`,
    );
    expect((await run("FSP A", REMOVE, { input: { unitId, assetIds: [id] } })).errors).toBeUndefined();
    expect((await run("FSP A", DEREGISTER, { id })).data?.deregisterAsset.asset.status).toBe("DEREGISTERED");
  });

  it("is refused while a transfer of the asset is pending, and for an asset DEREGISTERED already", async () => {
    const offered = await asset("Offered, not retired");
    const transfer = await request("FSP A", offered, ORG_B);
    const pending = await expectNothingWritten(() => run("FSP A", DEREGISTER, { id: offered }), "BAD_USER_INPUT");
    expect(pending.errors?.[0]?.message).toContain(`has a pending transfer (${transfer.id})`);
    const gone = await asset("Gone", { status: "DEREGISTERED" });
    const again = await expectNothingWritten(() => run("ADMIN", DEREGISTER, { id: gone }), "BAD_USER_INPUT");
    expect(again.errors?.[0]?.message).toBe(`id: asset ${gone} is DEREGISTERED already`);
  });

  it("a hub administrator may de-register any owner's asset", async () => {
    const id = await asset("B's old battery", {}, ORG_B);
    expect((await run("ADMIN", DEREGISTER, { id })).data?.deregisterAsset.asset.status).toBe("DEREGISTERED");
  });

  const refusals: [string, Caller, string, RegExp][] = [
    ["anonymous", "anonymous", "UNAUTHENTICATED", /Sign in/],
    ["another FSP", "FSP B", "NOT_FOUND", /does not exist/],
    ["an FSP that sees the asset as SO of its area", "FSP and SO of _C", "FORBIDDEN", /^Only the asset's owner or a hub administrator/],
    ["a system operator", "SO of _C", "FORBIDDEN", /Only FSP or ADMIN/],
    ["an investor", "INVESTOR", "FORBIDDEN", /Only FSP or ADMIN/],
    ["an API key with assets:read", "FSP A's API key with assets:read", "FORBIDDEN", /assets:write/],
  ];
  it.each(refusals)("refuses %s: %s, nothing written", async (_case, caller, code, message) => {
    const id = await asset("Not theirs to retire");
    const result = await expectNothingWritten(() => run(caller, DEREGISTER, { id }), code);
    expect(result.errors?.[0]?.message).toMatch(message);
  });

  it("an unknown asset is NOT_FOUND; a malformed id BAD_USER_INPUT", async () => {
    await expectNothingWritten(() => run("ADMIN", DEREGISTER, { id: UNKNOWN }), "NOT_FOUND");
    await expectNothingWritten(() => run("ADMIN", DEREGISTER, { id: "nope" }), "BAD_USER_INPUT");
  });

  it("racing a de-registration against adding the asset to a unit: exactly one of them happens", async () => {
    for (let round = 0; round < 3; round++) {
      const id = await asset(`Contested ${round}`, { meterPointId: null });
      const unitId = await unit(`Contested SPG ${round}`, "SPG", [
        await asset("m1", { meterPointId: null }),
        await asset("m2", { meterPointId: null }),
      ]);
      const [deregistered, added] = await Promise.all([
        run("FSP A", DEREGISTER, { id }),
        run("FSP A", ADD, { input: { unitId, assetIds: [id] } }),
      ]);
      expect([deregistered.errors === undefined, added.errors === undefined].filter(Boolean)).toHaveLength(1);
      const [row] = await handle.db.select().from(assetsTable).where(eq(assetsTable.id, id));
      const member = await handle.db
        .select()
        .from(marketUnitMembers)
        .where(and(eq(marketUnitMembers.unitId, unitId), eq(marketUnitMembers.assetId, id)));
      // Never a DEREGISTERED asset in a live unit.
      expect(row!.status === "DEREGISTERED" && member.length > 0).toBe(false);
    }
  });
});

describe("a DEREGISTERED asset", () => {
  let id: string;
  beforeAll(async () => {
    id = await asset("Retired for good");
    expect((await run("FSP A", DEREGISTER, { id, reason: "sold for scrap" })).errors).toBeUndefined();
  });

  it("cannot be updated, by its owner or a hub administrator: BAD_USER_INPUT, nothing written", async () => {
    for (const caller of ["FSP A", "ADMIN"] as const) {
      for (const input of [
        { id, name: "Renamed" },
        { id, status: "REGISTERED" },
      ]) {
        const result = await expectNothingWritten(() => run(caller, UPDATE, { input }), "BAD_USER_INPUT");
        expect(result.errors?.[0]?.message).toBe(
          `id: asset ${id} is DEREGISTERED and can no longer change (a hub administrator may reinstate it)`,
        );
      }
    }
  });

  it("cannot join a unit, new or existing", async () => {
    const created = await expectNothingWritten(
      () => run("FSP A", CREATE_UNIT, { input: { ownerId: ORG_A, name: "With retired", unitType: "SPU", assetIds: [id] } }),
      "BAD_USER_INPUT",
    );
    expect(created.errors?.[0]?.message).toMatch(/is DEREGISTERED/);
    const unitId = await unit("Existing SPG", "SPG", [
      await asset("e1", { meterPointId: null }),
      await asset("e2", { meterPointId: null }),
    ]);
    const added = await expectNothingWritten(() => run("FSP A", ADD, { input: { unitId, assetIds: [id] } }), "BAD_USER_INPUT");
    expect(added.errors?.[0]?.message).toMatch(/is DEREGISTERED/);
  });

  it("updateAsset never de-registers: status DEREGISTERED is refused, pointing to deregisterAsset", async () => {
    const live = await asset("Still live");
    const result = await expectNothingWritten(
      () => run("FSP A", UPDATE, { input: { id: live, status: "DEREGISTERED" } }),
      "BAD_USER_INPUT",
    );
    expect(result.errors?.[0]?.message).toBe(
      "status: use deregisterAsset to de-register an asset (it checks the asset's market units first)",
    );
    expect((await run("FSP A", UPDATE, { input: { id: live, status: "SUSPENDED" } })).data?.updateAsset.asset.status).toBe("SUSPENDED");
  });

  const refusals: [string, Caller, string, RegExp][] = [
    ["its owner", "FSP A", "FORBIDDEN", /Only ADMIN/],
    ["a system operator", "SO of _C", "FORBIDDEN", /Only ADMIN/],
    ["an investor", "INVESTOR", "FORBIDDEN", /Only ADMIN/],
    ["anonymous", "anonymous", "UNAUTHENTICATED", /Sign in/],
  ];
  it.each(refusals)("reinstateAsset refuses %s: %s, nothing written", async (_case, caller, code, message) => {
    const result = await expectNothingWritten(() => run(caller, REINSTATE, { id }), code);
    expect(result.errors?.[0]?.message).toMatch(message);
  });

  it("reinstateAsset: only a DEREGISTERED asset; an unknown one is NOT_FOUND", async () => {
    const live = await asset("Never retired");
    const result = await expectNothingWritten(() => run("ADMIN", REINSTATE, { id: live }), "BAD_USER_INPUT");
    expect(result.errors?.[0]?.message).toMatch(/is REGISTERED, not DEREGISTERED/);
    await expectNothingWritten(() => run("ADMIN", REINSTATE, { id: UNKNOWN }), "NOT_FOUND");
  });

  it("a hub administrator reinstates it: REGISTERED again, audited; then it changes like any asset", async () => {
    const audited = await count("audit_events");
    const result = await run("ADMIN", REINSTATE, { id, reason: "de-registered by mistake" });
    expect(result.data?.reinstateAsset.asset).toEqual({ id, status: "REGISTERED" });
    expect(await count("audit_events")).toBe(audited + 1);
    expect((await audits(id)).at(-1)).toMatchObject({
      action: "STATUS_CHANGE",
      before: { status: "DEREGISTERED" },
      after: { status: "REGISTERED", reason: "de-registered by mistake" },
    });
    expect((await run("FSP A", UPDATE, { input: { id, name: "Back in service" } })).data?.updateAsset.asset).toMatchObject({
      name: "Back in service",
      status: "REGISTERED",
    });
  });
});
