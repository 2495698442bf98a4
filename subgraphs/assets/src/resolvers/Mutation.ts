import { badInput, forbidden, notFound, requireReferences, requireUuid, type EntityReferences } from "@sfe/kit";
import type { MutationResolvers } from "../__generated__/resolvers-types.js";
import { canChangeAsset, canSeeAsset, requireMayRegisterFor } from "../access.js";
import type { NewAsset } from "../repositories/assets.js";
import type { Repositories } from "../repositories/index.js";
import { assetName, capacity, externalId, location, optionalCapacity, postcode, requireEnergyCapacity } from "../validation.js";

export const Mutation = (repos: Repositories, references: EntityReferences): MutationResolvers => ({
  async registerAsset(_, { input }, { identity, loaders }) {
    const ownerId = requireUuid(input.ownerId, "ownerId");
    requireMayRegisterFor(identity, ownerId);
    const name = assetName(input.name);
    const categoryCode = input.categoryCode.trim().toUpperCase();
    const category = await loaders.category.load(categoryCode);
    if (!category) throw badInput(`categoryCode: unknown asset category ${JSON.stringify(input.categoryCode)}`, "categoryCode");
    const importCapacityKw = capacity(input.importCapacityKw, "importCapacityKw");
    const exportCapacityKw = capacity(input.exportCapacityKw, "exportCapacityKw");
    const energyCapacityKwh = optionalCapacity(input.energyCapacityKwh, "energyCapacityKwh");
    requireEnergyCapacity(category, energyCapacityKwh);
    const where = location(input);
    const values: NewAsset = {
      ownerId,
      name,
      categoryCode: category.code,
      importCapacityKw,
      exportCapacityKw,
      energyCapacityKwh,
      ...where,
      externalId: externalId(input.externalId),
    };
    await requireReferences(references, "Organisation", [ownerId], "ownerId");
    const asset = await repos.assets.create(values, identity);
    return { asset };
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
    if (changes.energyCapacityKwh !== undefined) {
      const category = await loaders.category.load(existing.categoryCode);
      if (category) requireEnergyCapacity(category, changes.energyCapacityKwh);
    }
    const asset = await repos.assets.update(id, changes, identity);
    if (!asset) throw notFound("Asset", input.id);
    return { asset };
  },
});
