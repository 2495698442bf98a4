import {
  badInput,
  conflict,
  isUniqueViolation,
  forbidden,
  notFound,
  requireReferences,
  requireUuid,
  type EntityReferences,
} from "@sfe/kit";
import type { MutationResolvers, RegisterAssetInput } from "../__generated__/resolvers-types.js";
import type { CarClient } from "../clients/car.js";
import {
  canChangeAsset,
  canChangeUnit,
  canSeeAsset,
  mayJoinUnitOf,
  requireMayCreateUnitFor,
  requireMayRegisterFor,
  visibleUnitFilter,
} from "../access.js";
import type { Context } from "../loaders.js";
import type { AssetRow, NewAsset } from "../repositories/assets.js";
import type { AssetCategoryChanges } from "../repositories/categories.js";
import type { Repositories } from "../repositories/index.js";
import type { MarketUnitRow } from "../repositories/market-units.js";
import {
  assetAttributes,
  assetIdList,
  assetName,
  capacity,
  carId as carIdOf,
  categoryAttributes,
  categoryCode,
  categoryDefinition,
  categoryLabel,
  externalId,
  location,
  marketUnitName,
  optionalCapacity,
  postcode,
  requireComposition,
  requireEnergyCapacity,
  requireNotDeregistered,
  requireStatusChange,
} from "../validation.js";

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
    const ownerId = requireUuid(input.ownerId, "ownerId");
    requireMayRegisterFor(identity, ownerId);
    const name = assetName(input.name);
    const code = input.categoryCode.trim().toUpperCase();
    const category = await loaders.category.load(code);
    if (!category) throw badInput(`categoryCode: unknown asset category ${JSON.stringify(input.categoryCode)}`, "categoryCode");
    const importCapacityKw = capacity(input.importCapacityKw, "importCapacityKw");
    const exportCapacityKw = capacity(input.exportCapacityKw, "exportCapacityKw");
    const energyCapacityKwh = optionalCapacity(input.energyCapacityKwh, "energyCapacityKwh");
    requireEnergyCapacity(category, energyCapacityKwh);
    const values: NewAsset = {
      ownerId,
      name,
      categoryCode: category.code,
      importCapacityKw,
      exportCapacityKw,
      energyCapacityKwh,
      ...location(input),
      externalId: externalId(input.externalId),
      carId: carIdOf(input.carId),
      attributes: assetAttributes(category, input.attributes),
    };
    await requireReferences(references, "Organisation", [ownerId], "ownerId");
    if (values.carId && !(await car.byIds([values.carId]))[0]) {
      throw badInput(`carId: ${values.carId} is not in the Central Asset Register`, "carId");
    }
    try {
      return { asset: await repos.assets.create(values, identity) };
    } catch (error) {
      const existing = isUniqueViolation(error) ? await repos.assets.findDuplicate(values) : null;
      if (!existing) throw error;
      const key =
        values.meterPointId && existing.meterPointId === values.meterPointId
          ? "meter point"
          : values.carId && existing.carId === values.carId
            ? "CAR id"
            : "external id";
      const visible = canSeeAsset(identity, existing);
      throw conflict(
        visible
          ? `An asset with the same ${key} is registered already (asset ${existing.id}): one entry per physical asset`
          : `An asset with the same ${key} is registered already by another organisation: one entry per physical asset`,
        visible ? { existingAssetId: existing.id } : {},
      );
    }
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
      const existing = await loaders.asset.load(id);
      // What the caller may not see does not exist for it; what it sees but does not own, it may not change.
      if (!existing || !canSeeAsset(identity, existing)) throw notFound("Asset", input.id);
      if (!canChangeAsset(identity, existing)) throw forbidden("Only the asset's owner or a hub administrator may change it");
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
      const asset = await repos.assets.update(id, changes, identity);
      if (!asset) throw notFound("Asset", input.id);
      return { asset };
    },

    async createAssetCategory(_, { input }, { identity }) {
      const code = categoryCode(input.code);
      const category = await repos.categories.create(
        {
          code,
          label: categoryLabel(input.label),
          definition: categoryDefinition(input.definition),
          requiresEnergyCapacity: input.requiresEnergyCapacity ?? false,
          attributes: categoryAttributes(input.attributes ?? [], [], 1),
        },
        identity,
      );
      if (!category) throw conflict(`Asset category ${code} already exists`, { code });
      return { category };
    },

    async updateAssetCategory(_, { input }, { identity }) {
      const code = categoryCode(input.code);
      // Validated against the locked row, so `since` is computed from the version this change replaces.
      const result = await repos.categories.update(
        code,
        (before, version): AssetCategoryChanges => ({
          ...(input.label != null && { label: categoryLabel(input.label) }),
          ...(input.definition !== undefined && { definition: categoryDefinition(input.definition) }),
          ...(input.requiresEnergyCapacity != null && { requiresEnergyCapacity: input.requiresEnergyCapacity }),
          ...(input.attributes != null && { attributes: categoryAttributes(input.attributes, before.attributes, version) }),
        }),
        identity,
      );
      if (!result) throw notFound("AssetCategory", code);
      return result;
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
      );
      return { marketUnit };
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
          requireComposition(locked.unitType, next);
        },
        context.identity,
      );
      if (!marketUnit) throw notFound("MarketUnit", input.unitId);
      return { marketUnit };
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
      return { marketUnit };
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
  };
};
