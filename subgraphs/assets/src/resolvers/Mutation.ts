import {
  badInput,
  conflict,
  isUniqueViolation,
  forbidden,
  type Identity,
  notFound,
  requireReferences,
  requireUuid,
  type EntityReferences,
} from "@sfe/kit";
import type { MutationResolvers, RegisterAssetInput } from "../__generated__/resolvers-types.js";
import type { CarClient } from "../clients/car.js";
import { duplicateRejection, registrationValues, requireCarRecordMatches } from "../registration.js";
import {
  canAnswerTransfer,
  canCancelTransfer,
  canChangeAsset,
  canChangeUnit,
  canSeeAsset,
  describeUnitFor,
  mayJoinUnitOf,
  requireMayCreateUnitFor,
  requireMayRegisterFor,
  visibleTransferFilter,
  visibleUnitFilter,
} from "../access.js";
import type { Context } from "../loaders.js";
import type { AssetRow, NewAsset } from "../repositories/assets.js";
import type { Repositories } from "../repositories/index.js";
import type { TransferRow } from "../repositories/lifecycle.js";
import type { MarketUnitRow, UnitWithAggregates } from "../repositories/market-units.js";
import {
  assetIdList,
  assetName,
  capacity,
  carId as carIdOf,
  marketUnitName,
  optionalCapacity,
  optionalNote,
  postcode,
  requireComposition,
  requireEnergyCapacity,
  requireInNoLiveUnit,
  requireMayJoin,
  requireNotDeregistered,
  requireNotDeregisteredAsset,
  requirePendingTransfer,
  requireStatusChange,
  requireUnitsCanLose,
  requireUpdatableStatus,
} from "../validation.js";
import { assetAttributes } from "../modules/categories/validation.js";

/**
 * `asset` when the caller may change it: NOT_FOUND when it may not see it (as for an unknown id), FORBIDDEN when it
 * sees but does not own it. Checked on what the caller read, and again on the locked row inside the write.
 */
function requireChangeableAsset(identity: Identity | null, asset: AssetRow | null | undefined, id: string): AssetRow {
  if (!asset || !canSeeAsset(identity, asset)) throw notFound("Asset", id);
  if (!canChangeAsset(identity, asset)) throw forbidden("Only the asset's owner or a hub administrator may change it");
  return asset;
}

/** The transfer `id` when the caller may see it (a party or a hub administrator); NOT_FOUND otherwise, as for an unknown id. */
async function visibleTransfer({ identity, loaders }: Context, id: string): Promise<TransferRow> {
  const transfer = await loaders.transfer.load({ key: requireUuid(id, "id"), visible: visibleTransferFilter(identity) });
  if (!transfer) throw notFound("AssetTransfer", id);
  return transfer;
}

/** The unit `id` when the caller may change it: NOT_FOUND when it may not see it (as for an unknown id), else FORBIDDEN. */
async function changeableUnit({ identity, loaders }: Context, id: string, field: string): Promise<MarketUnitRow> {
  const unit = await loaders.marketUnit.load({ key: requireUuid(id, field), visible: visibleUnitFilter(identity) });
  if (!unit) throw notFound("MarketUnit", id);
  if (!canChangeUnit(identity, unit)) throw forbidden("Only the market unit's owner or a hub administrator may change it");
  return unit;
}

/**
 * The assets `ids` when every one may join a unit of `ownerId` for the caller: its owner's, visible to the
 * caller, not DEREGISTERED. Otherwise BAD_USER_INPUT naming assetIds, the same for an unknown asset as for
 * another organisation's (existence is not revealed).
 */
async function joiningAssets({ identity, loaders }: Context, ownerId: string, ids: string[]) {
  const rows = await loaders.asset.loadMany(ids);
  const strangers = ids.filter((_id, i) => {
    const row = rows[i];
    return !row || row instanceof Error || !mayJoinUnitOf(identity, ownerId, row);
  });
  if (strangers.length > 0)
    throw badInput(
      `assetIds: ${strangers.join(", ")} ${strangers.length === 1 ? "is not an asset" : "are not assets"} of the unit's owner`,
      "assetIds",
    );
  const assets = rows.filter((row): row is AssetRow => !!row && !(row instanceof Error));
  const deregistered = assets.filter((a) => a.status === "DEREGISTERED").map((a) => a.id);
  if (deregistered.length > 0)
    throw badInput(`assetIds: ${deregistered.join(", ")} ${deregistered.length === 1 ? "is" : "are"} DEREGISTERED`, "assetIds");
  return assets;
}

export const Mutation = (repos: Repositories, references: EntityReferences, car: CarClient): MutationResolvers => {
  /**
   * Registers one asset, checked like every registration (ownership, category, attributes, MPAN, CAR id).
   * There is one entry per physical asset: the meter point, the CAR id and the external id are unique, so
   * even two racing registrations end as one asset and one CONFLICT, which names the existing asset when
   * the caller may see it.
   */
  async function register(input: RegisterAssetInput, { identity, loaders }: Context) {
    const category = await loaders.category.load(input.categoryCode.trim().toUpperCase());
    const values = registrationValues(input, identity, () => category ?? undefined);
    const ownerId = values.ownerId;
    await requireReferences(references, "Organisation", [ownerId], "ownerId");
    if (values.carId) {
      const [record] = await car.byIds([values.carId]);
      if (!record) throw badInput(`carId: ${values.carId} is not in the Central Asset Register`, "carId");
      requireCarRecordMatches(values, record);
    }
    try {
      return { asset: await repos.assets.create(values, identity) };
    } catch (error) {
      const existing = isUniqueViolation(error) ? await repos.assets.findDuplicate(values) : null;
      if (!existing) throw error;
      const { message } = duplicateRejection(values, existing, identity);
      throw conflict(message, canSeeAsset(identity, existing) ? { existingAssetId: existing.id } : {});
    }
  }

  /** The receiving organisation of a transfer exists and is an FSP (one lookup in the users subgraph). */
  async function requireFsp(organisationId: string): Promise<void> {
    const [organisation] = await references.lookup<{ roles?: string[] | null }>("Organisation", [organisationId], "roles");
    if (!organisation) throw badInput(`toOrganisationId: Organisation ${organisationId} does not exist`, "toOrganisationId");
    if (!organisation.roles?.includes("FSP"))
      throw badInput(`toOrganisationId: organisation ${organisationId} is not an FSP; assets are transferred to FSPs`, "toOrganisationId");
  }

  /** Declines or cancels a transfer the caller may: only a PENDING one, checked again on the locked row. */
  async function closeTransfer(transfer: TransferRow, status: "DECLINED" | "CANCELLED", identity: Identity | null) {
    const verb = status === "DECLINED" ? "declined" : "cancelled";
    requirePendingTransfer(transfer, verb);
    const row = await repos.lifecycle.closeTransfer(transfer.id, status, (locked) => requirePendingTransfer(locked, verb), identity);
    if (!row) throw notFound("AssetTransfer", transfer.id);
    return row;
  }

  return {
    registerAsset: (_, { input }, context) => register(input, context),

    async importAssetFromCar(_, { input }, context) {
      const id = carIdOf(input.carId) as string;
      requireMayRegisterFor(context.identity, requireUuid(input.ownerId, "ownerId"));
      // The CAR is the system of record: what it holds is registered as it is (a CAR outage writes nothing).
      const [record] = await car.byIds([id]);
      if (!record) throw badInput(`carId: ${id} is not in the Central Asset Register`, "carId");
      if (record.commissioningStatus === "DECOMMISSIONED")
        throw badInput(`carId: ${id} is decommissioned in the Central Asset Register`, "carId");
      return register(
        {
          ownerId: input.ownerId,
          name: input.name ?? record.carId,
          categoryCode: record.technology,
          importCapacityKw: record.ratedImportKw,
          exportCapacityKw: record.ratedExportKw,
          energyCapacityKwh: record.energyCapacityKwh,
          postcode: record.postcode,
          meterPointId: record.meterPointId,
          carId: record.carId,
          attributes: input.attributes,
        },
        context,
      );
    },

    async updateAsset(_, { input }, { identity, loaders }) {
      const id = requireUuid(input.id, "id");
      // What the caller may not see does not exist for it; what it sees but does not own, it may not change.
      const existing = requireChangeableAsset(identity, await loaders.asset.load(id), input.id);
      requireNotDeregisteredAsset(existing, "id");
      requireUpdatableStatus(input.status);
      const changes: Partial<NewAsset> = {
        ...(input.name != null && { name: assetName(input.name) }),
        ...(input.importCapacityKw != null && { importCapacityKw: capacity(input.importCapacityKw, "importCapacityKw") }),
        ...(input.exportCapacityKw != null && { exportCapacityKw: capacity(input.exportCapacityKw, "exportCapacityKw") }),
        ...(input.energyCapacityKwh !== undefined && { energyCapacityKwh: optionalCapacity(input.energyCapacityKwh, "energyCapacityKwh") }),
        ...(input.postcode !== undefined && { postcode: postcode(input.postcode) }),
        ...(input.status != null && { status: input.status }),
      };
      if (changes.energyCapacityKwh !== undefined || input.attributes !== undefined) {
        const category = await loaders.category.load(existing.categoryCode);
        if (!category) throw new Error(`asset category ${existing.categoryCode} is missing`); // a foreign key guarantees it
        if (changes.energyCapacityKwh !== undefined) requireEnergyCapacity(category, changes.energyCapacityKwh);
        if (input.attributes !== undefined) changes.attributes = assetAttributes(category, input.attributes);
      }
      // Checked again on the locked row: a transfer or de-registration may have committed since it was read.
      const asset = await repos.assets.update(id, changes, identity, (locked) => {
        requireChangeableAsset(identity, locked, input.id);
        requireNotDeregisteredAsset(locked, "id");
      });
      if (!asset) throw notFound("Asset", input.id);
      return { asset };
    },

    async createMarketUnit(_, { input }, context) {
      const ownerId = requireUuid(input.ownerId, "ownerId");
      requireMayCreateUnitFor(context.identity, ownerId);
      const name = marketUnitName(input.name);
      const assetIds = assetIdList(input.assetIds);
      const members = await joiningAssets(context, ownerId, assetIds);
      requireComposition(input.unitType, members);
      const marketUnit = await repos.marketUnits.create(
        { ownerId, name, unitType: input.unitType, status: "DRAFT" },
        assetIds,
        context.identity,
        (locked) => requireMayJoin(ownerId, locked),
      );
      return { marketUnit: answered(context, marketUnit) };
    },

    async addMarketUnitMembers(_, { input }, context) {
      const unit = await changeableUnit(context, input.unitId, "unitId");
      const assetIds = assetIdList(input.assetIds);
      requireNotDeregistered(unit, "unitId");
      await joiningAssets(context, unit.ownerId, assetIds);
      const marketUnit = await repos.marketUnits.changeMembers(
        unit.id,
        { add: assetIds },
        (locked, current, next) => {
          requireNotDeregistered(locked, "unitId");
          const already = current.filter((m) => assetIds.includes(m.id)).map((m) => m.id);
          if (already.length > 0)
            throw badInput(`assetIds: ${already.join(", ")} ${already.length === 1 ? "is" : "are"} already a member`, "assetIds");
          requireMayJoin(
            locked.ownerId,
            next.filter((m) => assetIds.includes(m.id)),
          );
          requireComposition(locked.unitType, next);
        },
        context.identity,
      );
      if (!marketUnit) throw notFound("MarketUnit", input.unitId);
      return { marketUnit: answered(context, marketUnit) };
    },

    async removeMarketUnitMembers(_, { input }, context) {
      const unit = await changeableUnit(context, input.unitId, "unitId");
      const assetIds = assetIdList(input.assetIds);
      requireNotDeregistered(unit, "unitId");
      const marketUnit = await repos.marketUnits.changeMembers(
        unit.id,
        { remove: assetIds },
        (locked, current, next) => {
          requireNotDeregistered(locked, "unitId");
          const strangers = assetIds.filter((id) => !current.some((m) => m.id === id));
          if (strangers.length > 0)
            throw badInput(
              `assetIds: ${strangers.join(", ")} ${strangers.length === 1 ? "is not a member" : "are not members"} of the unit`,
              "assetIds",
            );
          requireComposition(locked.unitType, next);
        },
        context.identity,
      );
      if (!marketUnit) throw notFound("MarketUnit", input.unitId);
      return { marketUnit: answered(context, marketUnit) };
    },

    async updateMarketUnit(_, { input }, context) {
      const unit = await changeableUnit(context, input.id, "id");
      const name = input.name != null ? marketUnitName(input.name) : undefined;
      const status = input.status ?? undefined;
      const marketUnit = await repos.marketUnits.update(
        unit.id,
        { ...(name !== undefined && { name }), ...(status !== undefined && { status }) },
        (locked) => {
          requireNotDeregistered(locked, "id");
          if (status !== undefined) requireStatusChange(locked.status, status);
        },
        context.identity,
      );
      if (!marketUnit) throw notFound("MarketUnit", input.id);
      return { marketUnit };
    },

    async requestAssetTransfer(_, { input }, { identity, loaders }) {
      const asset = requireChangeableAsset(identity, await loaders.asset.load(requireUuid(input.assetId, "assetId")), input.assetId);
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
      const transfer = await visibleTransfer(context, id);
      if (!canAnswerTransfer(identity, transfer))
        throw forbidden("Only the receiving organisation or a hub administrator may accept a transfer");
      requirePendingTransfer(transfer, "accepted");
      const describe = describeUnitFor(identity);
      const result = await repos.lifecycle.acceptTransfer(
        transfer.id,
        (locked, asset, units) => {
          requirePendingTransfer(locked, "accepted");
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
      if (!canAnswerTransfer(context.identity, transfer))
        throw forbidden("Only the receiving organisation or a hub administrator may decline a transfer");
      return { transfer: await closeTransfer(transfer, "DECLINED", context.identity) };
    },

    async cancelAssetTransfer(_, { id }, context) {
      const transfer = await visibleTransfer(context, id);
      if (!canCancelTransfer(context.identity, transfer))
        throw forbidden("Only the sending organisation or a hub administrator may cancel a transfer");
      return { transfer: await closeTransfer(transfer, "CANCELLED", context.identity) };
    },

    async deregisterAsset(_, { id, reason }, { identity, loaders }) {
      const asset = requireChangeableAsset(identity, await loaders.asset.load(requireUuid(id, "id")), id);
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
            throw badInput(`id: asset ${locked.id} is ${locked.status}, not DEREGISTERED: only a de-registered asset is reinstated`, "id");
        },
        identity,
      );
      if (!row) throw notFound("Asset", id);
      return { asset: row };
    },
  };
};

/**
 * A unit a write answers: its aggregates (read inside the write's transaction) primed into the request's loader,
 * so answering the payload reads nothing that could fail after the commit.
 */
function answered({ loaders }: Context, unit: UnitWithAggregates): MarketUnitRow {
  const { aggregates, ...row } = unit;
  loaders.unitAggregates.clear(row.id).prime(row.id, aggregates);
  return row;
}

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
