/**
 * The access checks that are policy rules (src/modules/<aggregate>/policy.ts) answer as they did when the
 * resolvers made them: the same refusal first when an input has more than one problem, one read of the row the
 * rule and the resolver both need, and the CSV import asking registerAsset's rule of every row.
 */
import type { DatabaseHandle } from "@sfe/kit";
import { staticReferences } from "@sfe/kit";
import { as, errorCodes, MISSING_ID, orgs, runAs, setUpSubgraph, testIdentity } from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { importAssets } from "../src/bulk/import.js";
import type { CarClient } from "../src/clients/car.js";
import type { createAssetsSubgraph, createRepositories } from "../src/server.js";
import { assetsSubgraph, mpan, ruleRoutes } from "./helpers.js";

const { fspA: ORG_A, fspB: ORG_B } = orgs;
const callers = {
  anonymous: as.anonymous,
  "FSP A": as.fspA,
  "FSP B": as.fspB,
  "FSP C": as.fspC,
  // An FSP that is also the system operator of _C: it sees FSP A's assets and units there, and owns none of them.
  "FSP and SO of _C": testIdentity({
    roles: ["FSP", "SYSTEM_OPERATOR"],
    organisationId: "e0000000-0000-4000-8000-00000000000e",
    areas: ["_C"],
  }),
};

let handle: DatabaseHandle;
let repos: ReturnType<typeof createRepositories>;
let subgraph: ReturnType<typeof createAssetsSubgraph>;
const run = runAs(() => subgraph, callers);
let serial = 500;

async function asset(owner = ORG_A): Promise<string> {
  const row = await repos.assets.create(
    {
      ownerId: owner,
      name: "policy asset",
      categoryCode: "OTHER",
      importCapacityKw: 10,
      exportCapacityKw: 0,
      gspGroup: "_C",
      meterPointId: mpan(12, serial++),
    },
    null,
  );
  return row.id;
}

/** What the users subgraph answers for Organisation { roles }. */
const references = staticReferences({ Organisation: { [ORG_A]: { roles: ["FSP"] }, [ORG_B]: { roles: ["FSP"] } } }, ruleRoutes().routes);

beforeAll(async () => {
  ({ handle, repos, subgraph } = await setUpSubgraph(assetsSubgraph, references));
});
afterAll(() => handle.close());

const first = (result: { errors?: readonly { message: string; extensions?: Record<string, unknown> }[] }) => ({
  code: result.errors?.[0]?.extensions?.code,
  field: result.errors?.[0]?.extensions?.field,
  message: result.errors?.[0]?.message,
});

describe("registering for an owner (registerAsset, importAssetFromCar)", () => {
  const REGISTER = /* GraphQL */ `mutation ($input: RegisterAssetInput!) { registerAsset(input: $input) { asset { id } } }`;
  const IMPORT = /* GraphQL */ `mutation ($input: ImportAssetFromCarInput!) { importAssetFromCar(input: $input) { asset { id } } }`;
  const input = (ownerId: string) => ({
    ownerId,
    name: "Battery",
    categoryCode: "OTHER",
    importCapacityKw: 1,
    exportCapacityKw: 1,
    meterPointId: mpan(12, serial++),
  });

  it("refuses another organisation's owner, after a malformed ownerId and before any other input problem", async () => {
    expect(first(await run("FSP A", REGISTER, { input: { ...input(ORG_B), name: "" } }))).toEqual({
      code: "FORBIDDEN",
      field: undefined,
      message: "FSPs register assets for their own organisation",
    });
    expect(first(await run("FSP A", REGISTER, { input: input("not-an-id") }))).toMatchObject({ code: "BAD_USER_INPUT", field: "ownerId" });
    expect(errorCodes(await run("anonymous", REGISTER, { input: input("not-an-id") }))).toEqual(["UNAUTHENTICATED"]);
  });

  it("checks a CAR import's CAR id, then its owner, without asking the CAR when either is refused", async () => {
    expect(errorCodes(await run("anonymous", IMPORT, { input: { carId: "!", ownerId: ORG_B } }))).toEqual(["UNAUTHENTICATED"]);
    expect(first(await run("FSP A", IMPORT, { input: { carId: "!", ownerId: ORG_B } }))).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "carId",
    });
    expect(first(await run("FSP A", IMPORT, { input: { carId: "CAR-000123", ownerId: "x" } }))).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "ownerId",
    });
    expect(first(await run("FSP A", IMPORT, { input: { carId: "CAR-000123", ownerId: ORG_B } }))).toMatchObject({
      code: "FORBIDDEN",
      message: "FSPs register assets for their own organisation",
    });
  });

  it("asks registerAsset's rule of every CSV row: another owner's row is FORBIDDEN naming ownerId, the others register", async () => {
    const csv = [
      "ownerId,name,categoryCode,importCapacityKw,exportCapacityKw,meterPointId",
      `,Mine,OTHER,1,1,${mpan(12, serial++)}`,
      `${ORG_B},Theirs,OTHER,1,1,${mpan(12, serial++)}`,
      `not-an-id,Broken,OTHER,1,1,${mpan(12, serial++)}`,
    ].join("\n");
    const car = {} as CarClient; // no row names a CAR id: the CAR is never asked
    const { status, report } = await importAssets({ db: handle.db, repos, references, car }, as.fspA, csv, "partial");
    expect(status).toBe(200);
    expect(report.accepted).toBe(1);
    expect(report.rejected).toEqual([
      { row: 2, field: "ownerId", code: "FORBIDDEN", message: "FSPs register assets for their own organisation" },
      { row: 3, field: "ownerId", code: "BAD_USER_INPUT", message: 'ownerId must be an id (UUID), got "not-an-id"' },
    ]);
  });
});

describe("changing an asset (updateAsset, requestAssetTransfer, deregisterAsset)", () => {
  const UPDATE = /* GraphQL */ `mutation ($input: UpdateAssetInput!) { updateAsset(input: $input) { asset { id name } } }`;
  const REQUEST = /* GraphQL */ `mutation ($input: RequestAssetTransferInput!) { requestAssetTransfer(input: $input) { transfer { id } } }`;
  const DEREGISTER = /* GraphQL */ `mutation ($id: ID!) { deregisterAsset(id: $id) { asset { id status } } }`;

  it("is NOT_FOUND for an asset the caller may not see, FORBIDDEN for one it sees but does not own, before other input", async () => {
    const id = await asset();
    expect(first(await run("FSP B", UPDATE, { input: { id, name: "" } }))).toEqual({
      code: "NOT_FOUND",
      field: undefined,
      message: `Asset ${id} does not exist`,
    });
    expect(first(await run("FSP and SO of _C", UPDATE, { input: { id, name: "" } }))).toMatchObject({
      code: "FORBIDDEN",
      message: "Only the asset's owner or a hub administrator may change it",
    });
    expect(first(await run("FSP B", REQUEST, { input: { assetId: id, toOrganisationId: "x" } }))).toMatchObject({
      code: "NOT_FOUND",
      message: `Asset ${id} does not exist`,
    });
    expect(first(await run("FSP A", REQUEST, { input: { assetId: "x", toOrganisationId: ORG_B } }))).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "assetId",
    });
    expect(errorCodes(await run("FSP and SO of _C", DEREGISTER, { id }))).toEqual(["FORBIDDEN"]);
    expect(first(await run("FSP A", DEREGISTER, { id: MISSING_ID }))).toMatchObject({ code: "NOT_FOUND" });
  });

  it("reads the asset once for the rule and the resolver", async () => {
    const id = await asset();
    const byIds = vi.spyOn(repos.assets, "byIds");
    const result = await run("FSP A", UPDATE, { input: { id, name: "Renamed" } });
    expect(result.data?.updateAsset.asset).toEqual({ id, name: "Renamed" });
    expect(byIds).toHaveBeenCalledTimes(1);
    byIds.mockRestore();
  });
});

describe("deciding a transfer (accept, decline, cancel)", () => {
  const REQUEST = /* GraphQL */ `mutation ($input: RequestAssetTransferInput!) { requestAssetTransfer(input: $input) { transfer { id } } }`;
  const decide = (verb: "accept" | "decline" | "cancel") =>
    /* GraphQL */ `mutation ($id: ID!) { ${verb}AssetTransfer(id: $id) { transfer { id status asset { id } } } }`;

  it("lets each party do its own part only, and reads the transfer once for the rule and the resolver", async () => {
    const assetId = await asset();
    const requested = await run("FSP A", REQUEST, { input: { assetId, toOrganisationId: ORG_B } });
    const id = requested.data?.requestAssetTransfer.transfer.id as string;
    expect(first(await run("FSP A", decide("accept"), { id }))).toMatchObject({
      code: "FORBIDDEN",
      message: "Only the receiving organisation or a hub administrator may accept a transfer",
    });
    expect(first(await run("FSP A", decide("decline"), { id }))).toMatchObject({
      code: "FORBIDDEN",
      message: "Only the receiving organisation or a hub administrator may decline a transfer",
    });
    expect(first(await run("FSP B", decide("cancel"), { id }))).toMatchObject({
      code: "FORBIDDEN",
      message: "Only the sending organisation or a hub administrator may cancel a transfer",
    });
    expect(first(await run("FSP C", decide("cancel"), { id }))).toMatchObject({
      code: "NOT_FOUND",
      message: `AssetTransfer ${id} does not exist`,
    });
    expect(first(await run("FSP B", decide("accept"), { id: "x" }))).toMatchObject({ code: "BAD_USER_INPUT", field: "id" });

    const transfersByIds = vi.spyOn(repos.lifecycle, "transfersByIds");
    // Once declined, the usual rules apply again: the receiver does not see the asset, not even in its own payload.
    const declined = await run("FSP B", decide("decline"), { id });
    expect(declined.data?.declineAssetTransfer.transfer).toEqual({ id, status: "DECLINED", asset: null });
    expect(transfersByIds).toHaveBeenCalledTimes(1);
    transfersByIds.mockRestore();
  });

  it("shows the offered asset to the receiver while the transfer is PENDING, and not after", async () => {
    const assetId = await asset();
    const requested = await run("FSP A", REQUEST, { input: { assetId, toOrganisationId: ORG_B } });
    const id = requested.data?.requestAssetTransfer.transfer.id as string;
    /** The asset FSP B sees through transfer `id`, among its transfers in `status`. */
    const offered = async (status: string) => {
      const result = await run("FSP B", `{ assetTransfers(status: ${status}, first: 1000) { id asset { id } } }`);
      const transfers = (result.data?.assetTransfers ?? []) as { id: string; asset: { id: string } | null }[];
      return transfers.find((transfer) => transfer.id === id)?.asset;
    };
    expect(await offered("PENDING")).toEqual({ id: assetId });
    const cancelled = await run("FSP A", decide("cancel"), { id });
    expect(cancelled.data?.cancelAssetTransfer.transfer).toEqual({ id, status: "CANCELLED", asset: { id: assetId } });
    expect(await offered("CANCELLED")).toBeNull();
  });
});

describe("changing a market unit", () => {
  const ADD = /* GraphQL */ `mutation ($input: MarketUnitMembersInput!) { addMarketUnitMembers(input: $input) { marketUnit { id } } }`;
  const CREATE = /* GraphQL */ `mutation ($input: CreateMarketUnitInput!) { createMarketUnit(input: $input) { marketUnit { id } } }`;

  it("is NOT_FOUND for a unit the caller may not see, FORBIDDEN for one it sees but does not own, before other input", async () => {
    const member = await asset();
    const unit = await repos.marketUnits.create({ ownerId: ORG_A, name: "Policy unit", unitType: "SPG" }, [member], null);
    expect(first(await run("FSP B", ADD, { input: { unitId: unit.id, assetIds: [] } }))).toMatchObject({
      code: "NOT_FOUND",
      message: `MarketUnit ${unit.id} does not exist`,
    });
    expect(first(await run("FSP and SO of _C", ADD, { input: { unitId: unit.id, assetIds: [] } }))).toMatchObject({
      code: "FORBIDDEN",
      message: "Only the market unit's owner or a hub administrator may change it",
    });
    expect(first(await run("FSP A", CREATE, { input: { ownerId: ORG_B, name: "", unitType: "SPG", assetIds: [] } }))).toMatchObject({
      code: "FORBIDDEN",
      message: "FSPs manage market units for their own organisation",
    });
    expect(first(await run("FSP A", CREATE, { input: { ownerId: "x", name: "", unitType: "SPG", assetIds: [] } }))).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "ownerId",
    });
  });
});
