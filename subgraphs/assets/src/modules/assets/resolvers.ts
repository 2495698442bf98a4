import { notFound, page, requireUuid, ruleWarningEvent } from "@sfe/kit";
import type { Resolvers } from "../../__generated__/resolvers-types.js";
import { ASSET_STATISTICS_RULE, requireChangeableAsset, statisticsCaller, visibleAssetFilter } from "../../access.js";
import type { ModuleDeps } from "../../deps.js";
import { recordEvent } from "../../events.js";
import { assetAttributes, attributeIssues } from "../categories/validation.js";
import { recordReassessment } from "../market-units/reassessment.js";
import { requireReassessmentOfAsset } from "../market-units/repository.js";
import { createRegister } from "./register.js";
import { checkCapacityChange } from "./rule-checks.js";
import type { NewAsset } from "./repository.js";
import {
  capacity,
  assetName,
  normaliseGspGroup,
  optionalCapacity,
  postcode,
  requireEnergyCapacity,
  requireNotDeregisteredAsset,
  requireUpdatableStatus,
} from "./validation.js";

const categoryFilter = (code: string | null | undefined) => code?.trim().toUpperCase();
const gspGroupFilter = (group: string | null | undefined) => (group == null ? null : (normaliseGspGroup(group) ?? group));

export const resolvers = (deps: ModuleDeps): Resolvers => {
  const { repos } = deps;
  const register = createRegister(deps);
  return {
    Query: {
      asset: (_, { id }, { loaders }) => loaders.asset.load(id),
      assets: (_, { ownerId, categoryCode, gspGroup, first, offset }, { identity }) =>
        repos.assets.list({
          visible: visibleAssetFilter(identity),
          ownerId,
          categoryCode: categoryFilter(categoryCode),
          gspGroup: gspGroupFilter(gspGroup),
          ...page(first, offset, 1000),
        }),
      assetStatistics: (_, { categoryCode, gspGroup }, { identity }) =>
        repos.assets.statistics({
          categoryCode: categoryFilter(categoryCode),
          gspGroup: gspGroupFilter(gspGroup),
          rule: ASSET_STATISTICS_RULE,
          callerOrganisationId: statisticsCaller(identity),
        }),
    },

    Mutation: {
      registerAsset: (_, { input }, context) => register(input, context),

      async updateAsset(_, { input }, { identity, loaders }) {
        const id = requireUuid(input.id, "id");
        const existing = await loaders.asset.load(id); // read already by the policy, which admitted the caller
        if (!existing) throw notFound("Asset", input.id);
        requireNotDeregisteredAsset(existing, "id");
        requireUpdatableStatus(input.status);
        const changes: Partial<NewAsset> = {
          ...(input.name != null && { name: assetName(input.name) }),
          ...(input.importCapacityKw != null && { importCapacityKw: capacity(input.importCapacityKw, "importCapacityKw") }),
          ...(input.exportCapacityKw != null && { exportCapacityKw: capacity(input.exportCapacityKw, "exportCapacityKw") }),
          ...(input.energyCapacityKwh !== undefined && {
            energyCapacityKwh: optionalCapacity(input.energyCapacityKwh, "energyCapacityKwh"),
          }),
          ...(input.postcode !== undefined && { postcode: postcode(input.postcode) }),
          ...(input.status != null && { status: input.status }),
        };
        if (changes.energyCapacityKwh !== undefined || input.attributes !== undefined) {
          const category = await loaders.category.load(existing.categoryCode);
          if (!category) throw new Error(`asset category ${existing.categoryCode} is missing`); // a foreign key guarantees it
          if (changes.energyCapacityKwh !== undefined) requireEnergyCapacity(category, changes.energyCapacityKwh);
          if (input.attributes !== undefined) changes.attributes = assetAttributes(category, input.attributes);
        }
        // The market rules of a capacity change, once, before anything is written (rule-checks.ts).
        const checked = await checkCapacityChange(deps.references, existing, changes);
        const material = checked && checked.materialBy.length > 0 ? checked.materialBy : null;
        const warnings = checked?.warnings ?? [];
        // The owner is told of the warnings by an event recorded with the change (relayed once it committed).
        const told = recordEvent(ruleWarningEvent({ type: "Asset", id }, [existing.ownerId], warnings));
        // Checked again on the locked row: a transfer or de-registration may have committed since it was read.
        const asset = await repos.assets.update(
          id,
          changes,
          identity,
          (locked) => {
            requireChangeableAsset(identity, locked, input.id);
            requireNotDeregisteredAsset(locked, "id");
          },
          async (tx) => {
            if (material) {
              const marked = await requireReassessmentOfAsset(tx, id, `Material capacity change (${material.join(", ")})`, identity);
              // Products marks the units' QUALIFIED assessments once this commits (the outbox, one event).
              const why = `a member's capacity changed materially (asset ${id}, ${material.join(", ")}): the system operator assesses it again`;
              await recordReassessment(tx, marked, identity, why);
            }
            await told(tx);
          },
        );
        if (!asset) throw notFound("Asset", input.id);
        return { asset, warnings };
      },
    },

    AssetPayload: {
      warnings: ({ warnings }) => warnings ?? [],
    },

    Asset: {
      // By id, or by the market platform's unit name (`externalId`, unique) for an ingest mapping a file's units.
      __resolveReference: (reference, { loaders }) =>
        "id" in reference && reference.id
          ? loaders.asset.load(reference.id)
          : loaders.assetByExternalId.load((reference as { externalId: string }).externalId),
      owner: ({ ownerId }) => ({ __typename: "Organisation", id: ownerId }), // a reference: the users subgraph resolves it
      category: async ({ categoryCode }, _, { loaders }) => {
        const category = await loaders.category.load(categoryCode);
        if (!category) throw new Error(`asset category ${categoryCode} is missing`); // a foreign key guarantees it
        return category;
      },
      location: ({ postcode, gspGroup, licenceArea, dnoGroup }) => ({ postcode, gspGroup, licenceArea, dnoGroup }),
      attributeIssues: async (asset, _, { loaders }) => {
        const category = await loaders.category.load(asset.categoryCode);
        if (!category) throw new Error(`asset category ${asset.categoryCode} is missing`);
        return attributeIssues(category, asset);
      },
    },

    AssetStatistic: {
      category: async ({ categoryCode }, _, { loaders }) => {
        const category = await loaders.category.load(categoryCode);
        if (!category) throw new Error(`asset category ${categoryCode} is missing`); // a foreign key guarantees it
        return category;
      },
    },

    /** Owned by the users subgraph; this subgraph adds `assets` (and market-units, `marketUnits`) to it. */
    Organisation: {
      __resolveReference: ({ id }) => ({ id }), // no read: the users subgraph knows whether it exists
      assets: ({ id }, { first, offset }, { identity, loaders }) =>
        loaders.assetsByOwner.load({ ownerId: id, visible: visibleAssetFilter(identity), ...page(first, offset, 1000) }),
    },

    /** Owned by the rules subgraph; this one answers its assets (the policy leaves out those the caller may not see). */
    Conflict: {
      __resolveReference: (reference) => reference, // the rules subgraph knows whether it exists; assetIds come along (@requires)
      assets: async ({ assetIds }, _, { loaders }) =>
        (await loaders.asset.loadMany(assetIds ?? [])).flatMap((asset) => {
          if (asset instanceof Error) throw asset;
          return asset ? [asset] : [];
        }),
    },
  };
};
