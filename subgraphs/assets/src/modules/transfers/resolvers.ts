import { badInput, conflict, type Identity, isUniqueViolation, notFound, page, requireUuid } from "@sfe/kit";
import type { Resolvers } from "../../__generated__/resolvers-types.js";
import { describeUnitFor, requireChangeableAsset, visibleTransfer, visibleTransferFilter } from "../../access.js";
import type { ModuleDeps } from "../../deps.js";
import type { AssetRow } from "../assets/repository.js";
import { requireNotDeregisteredAsset } from "../assets/validation.js";
import type { MarketUnitRow } from "../market-units/repository.js";
import type { TransferRow } from "./repository.js";
import { optionalNote, requireDecidable, requireInNoLiveUnit, requireUnitsCanLose } from "./validation.js";

const user = (id: string | null) => (id ? { __typename: "User" as const, id } : null); // a reference: the users subgraph resolves it

/** A transfer goes to another organisation than the owner. */
function requireOtherOwner(ownerId: string, toOrganisationId: string): void {
  if (ownerId === toOrganisationId) throw badInput("toOrganisationId: the asset belongs to that organisation already", "toOrganisationId");
}

/** One PENDING transfer per asset: the next waits until it is accepted, declined or cancelled. */
const pendingAlready = (assetId: string, transferId?: string) =>
  conflict(
    `assetId: asset ${assetId} already has a pending transfer${transferId ? ` (${transferId})` : ""}; it must be accepted, declined or cancelled first`,
    transferId ? { transferId } : {},
  );

export const resolvers = ({ repos, references }: ModuleDeps): Resolvers => {
  /** The receiving organisation of a transfer exists and is an FSP (one lookup in the users subgraph). */
  async function requireFsp(organisationId: string): Promise<void> {
    const [organisation] = await references.lookup<{ roles?: string[] | null }>("Organisation", [organisationId], "roles");
    if (!organisation) throw badInput(`toOrganisationId: Organisation ${organisationId} does not exist`, "toOrganisationId");
    if (!organisation.roles?.includes("FSP"))
      throw badInput(`toOrganisationId: organisation ${organisationId} is not an FSP; assets are transferred to FSPs`, "toOrganisationId");
  }

  /** Declines or cancels a transfer the caller may: only a PENDING one, checked again on the locked row. */
  async function closeTransfer(transfer: TransferRow, status: "DECLINED" | "CANCELLED", identity: Identity | null) {
    requireDecidable(transfer, status);
    const row = await repos.lifecycle.closeTransfer(transfer.id, status, (locked) => requireDecidable(locked, status), identity);
    if (!row) throw notFound("AssetTransfer", transfer.id);
    return row;
  }

  return {
    Query: {
      assetTransfers: (_, { status, first, offset }, { identity }) =>
        repos.lifecycle.transfers({ visible: visibleTransferFilter(identity), status, ...page(first, offset, 1000) }),
    },

    Mutation: {
      async requestAssetTransfer(_, { input }, { identity, loaders }) {
        const asset = await loaders.asset.load(requireUuid(input.assetId, "assetId")); // read already by the policy, which admitted the caller
        if (!asset) throw notFound("Asset", input.assetId);
        const toOrganisationId = requireUuid(input.toOrganisationId, "toOrganisationId").toLowerCase();
        const note = optionalNote(input.note, "note");
        requireNotDeregisteredAsset(asset, "assetId");
        requireOtherOwner(asset.ownerId, toOrganisationId);
        await requireFsp(toOrganisationId);
        const describe = describeUnitFor(identity);
        try {
          const transfer = await repos.lifecycle.requestTransfer(
            { assetId: asset.id, toOrganisationId, note },
            (locked, pending, units) => {
              requireChangeableAsset(identity, locked, input.assetId);
              requireNotDeregisteredAsset(locked, "assetId");
              requireOtherOwner(locked.ownerId, toOrganisationId);
              if (pending) throw pendingAlready(locked.id, pending.id);
              requireUnitsCanLose(locked.id, units, "assetId", describe);
            },
            identity,
          );
          if (!transfer) throw notFound("Asset", input.assetId);
          return { transfer };
        } catch (error) {
          // The asset lock serialises requests, so this backstop (the partial unique index) is not normally reached.
          if (isUniqueViolation(error)) throw pendingAlready(asset.id);
          throw error;
        }
      },

      async acceptAssetTransfer(_, { id }, context) {
        const { identity } = context;
        const transfer = await visibleTransfer(context, id); // read already by the policy, which admitted the caller
        requireDecidable(transfer, "ACCEPTED");
        const describe = describeUnitFor(identity);
        const result = await repos.lifecycle.acceptTransfer(
          transfer.id,
          (locked, asset, units) => {
            requireDecidable(locked, "ACCEPTED");
            // Neither can happen while the transfer is PENDING (de-registration refuses it; only a transfer changes owners).
            if (asset.ownerId !== locked.fromOrganisationId)
              throw badInput(`id: asset ${asset.id} no longer belongs to the sending organisation`, "id");
            requireNotDeregisteredAsset(asset, "id");
            requireUnitsCanLose(asset.id, units, "id", describe);
          },
          identity,
        );
        if (!result) throw notFound("AssetTransfer", id);
        return { transfer: result.transfer };
      },

      async declineAssetTransfer(_, { id }, context) {
        const transfer = await visibleTransfer(context, id);
        return { transfer: await closeTransfer(transfer, "DECLINED", context.identity) };
      },

      async cancelAssetTransfer(_, { id }, context) {
        const transfer = await visibleTransfer(context, id);
        return { transfer: await closeTransfer(transfer, "CANCELLED", context.identity) };
      },

      async deregisterAsset(_, { id, reason }, { identity, loaders }) {
        const asset = await loaders.asset.load(requireUuid(id, "id")); // read already by the policy, which admitted the caller
        if (!asset) throw notFound("Asset", id);
        const why = optionalNote(reason, "reason");
        const check = (locked: AssetRow, liveUnits: MarketUnitRow[], pending: TransferRow | null) => {
          requireChangeableAsset(identity, locked, id);
          if (locked.status === "DEREGISTERED") throw badInput(`id: asset ${locked.id} is DEREGISTERED already`, "id");
          requireInNoLiveUnit(locked.id, liveUnits);
          if (pending)
            throw badInput(
              `id: asset ${locked.id} has a pending transfer (${pending.id}): cancel it, or have it declined, before de-registering the asset`,
              "id",
            );
        };
        check(asset, [], null); // what can be said before writing; the units and transfers are checked under the lock
        const row = await repos.lifecycle.deregister(
          asset.id,
          why,
          (locked, units, pending) =>
            check(
              locked,
              units.map((u) => u.unit),
              pending,
            ),
          identity,
        );
        if (!row) throw notFound("Asset", id);
        return { asset: row };
      },

      async reinstateAsset(_, { id, reason }, { identity }) {
        const why = optionalNote(reason, "reason");
        const row = await repos.lifecycle.reinstate(
          requireUuid(id, "id"),
          why,
          (locked) => {
            if (locked.status !== "DEREGISTERED")
              throw badInput(
                `id: asset ${locked.id} is ${locked.status}, not DEREGISTERED: only a de-registered asset is reinstated`,
                "id",
              );
          },
          identity,
        );
        if (!row) throw notFound("Asset", id);
        return { asset: row };
      },
    },

    AssetTransfer: {
      // Which callers see it (the receiver too, while the transfer is PENDING): the policy's row rule.
      asset: ({ assetId }, _, { loaders }) => loaders.asset.load(assetId),
      fromOrganisation: ({ fromOrganisationId }) => ({ __typename: "Organisation", id: fromOrganisationId }),
      toOrganisation: ({ toOrganisationId }) => ({ __typename: "Organisation", id: toOrganisationId }),
      requestedBy: ({ requestedBy }) => user(requestedBy),
      decidedBy: ({ decidedBy }) => user(decidedBy),
    },

    Asset: {
      // Null unless the caller is one of the two organisations (or a hub administrator): filtered in SQL.
      pendingTransfer: ({ id }, _, { identity, loaders }) =>
        loaders.pendingTransfer.load({ key: id, visible: visibleTransferFilter(identity) }),
    },
  };
};
