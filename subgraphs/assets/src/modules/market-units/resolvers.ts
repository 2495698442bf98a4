import {
  badInput,
  type Database,
  type Identity,
  newSubjectId,
  notFound,
  type OutboxEvent,
  page,
  requireUuid,
  ruleWarningEvent,
} from "@sfe/kit";
import type { Resolvers } from "../../__generated__/resolvers-types.js";
import { mayJoinUnitOf, visibleAssetFilter, visibleUnit, visibleUnitFilter } from "../../access.js";
import type { ModuleDeps } from "../../deps.js";
import type { Context } from "../../loaders.js";
import { type AssetRow, EVERY_ASSET } from "../assets/repository.js";
import { recordEvent } from "../../events.js";
import { recordReassessment } from "./reassessment.js";
import { enforceUnitComposition } from "./rule-checks.js";
import type { MarketUnitRow, UnitWithAggregates } from "./repository.js";
import { assetIdList, marketUnitName, requireComposition, requireMayJoin, requireNotDeregistered } from "./validation.js";

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

/**
 * A unit a write answers: its aggregates (read inside the write's transaction) primed into the request's loader,
 * so answering the payload reads nothing that could fail after the commit.
 */
/**
 * A member change's `also`, in its transaction: the rules' warning, and when the change made the unit
 * REASSESSMENT_REQUIRED, the event that tells products (R-AST-7; relayed once it commits).
 */
const changedMembers = (actor: Identity | null, warning: OutboxEvent | null) => async (tx: Database, unit: MarketUnitRow) => {
  await recordEvent(warning)(tx);
  await recordReassessment(tx, [unit], actor);
};

function answered({ loaders }: Context, unit: UnitWithAggregates): MarketUnitRow {
  const { aggregates, ...row } = unit;
  loaders.unitAggregates.clear(row.id).prime(row.id, aggregates);
  return row;
}

export const resolvers = ({ repos, references }: ModuleDeps): Resolvers => ({
  Query: {
    marketUnit: (_, { id }, { identity, loaders }) => loaders.marketUnit.load({ key: id, visible: visibleUnitFilter(identity) }),
    marketUnits: (_, { ownerId, first, offset }, { identity }) =>
      repos.marketUnits.list({ visible: visibleUnitFilter(identity), ownerId, ...page(first, offset, 1000) }),
  },

  Mutation: {
    async createMarketUnit(_, { input }, context) {
      const ownerId = requireUuid(input.ownerId, "ownerId");
      const name = marketUnitName(input.name);
      const assetIds = assetIdList(input.assetIds);
      const members = await joiningAssets(context, ownerId, assetIds);
      requireComposition(input.unitType, members);
      // The market rules of the unit as it will be, once, before it is written (rule-checks.ts); its id chosen first.
      const unit = { id: newSubjectId(), ownerId, unitType: input.unitType };
      const warnings = await enforceUnitComposition(references, unit, { gspGroups: members.map((m) => m.gspGroup), created: true });
      const marketUnit = await repos.marketUnits.create(
        { ...unit, name, status: "DRAFT" },
        assetIds,
        context.identity,
        (locked) => requireMayJoin(ownerId, locked),
        recordEvent(ruleWarningEvent({ type: "MarketUnit", id: unit.id }, [ownerId], warnings)),
      );
      return { marketUnit: answered(context, marketUnit), warnings };
    },

    async addMarketUnitMembers(_, { input }, context) {
      const unit = await visibleUnit(context, input.unitId, "unitId");
      const assetIds = assetIdList(input.assetIds);
      requireNotDeregistered(unit, "unitId");
      const joining = await joiningAssets(context, unit.ownerId, assetIds);
      // The market rules of the unit as it would be (R-MU-2), once, before the change is written (rule-checks.ts).
      const aggregates = await context.loaders.unitAggregates.load(unit.id);
      const warnings = await enforceUnitComposition(references, unit, {
        gspGroups: [...aggregates.gspGroups, ...joining.map((asset) => asset.gspGroup)],
      });
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
        changedMembers(context.identity, ruleWarningEvent({ type: "MarketUnit", id: unit.id }, [unit.ownerId], warnings)),
      );
      if (!marketUnit) throw notFound("MarketUnit", input.unitId);
      return { marketUnit: answered(context, marketUnit), warnings };
    },

    async removeMarketUnitMembers(_, { input }, context) {
      const unit = await visibleUnit(context, input.unitId, "unitId");
      const assetIds = assetIdList(input.assetIds);
      requireNotDeregistered(unit, "unitId");
      // The market rules of the unit as it would be (R-MU-2), once, before the change is written (rule-checks.ts).
      const staying = (await context.loaders.members.load({ key: unit.id, visible: EVERY_ASSET })).filter((m) => !assetIds.includes(m.id));
      const warnings = await enforceUnitComposition(references, unit, { gspGroups: staying.map((m) => m.gspGroup) });
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
        changedMembers(context.identity, ruleWarningEvent({ type: "MarketUnit", id: unit.id }, [unit.ownerId], warnings)),
      );
      if (!marketUnit) throw notFound("MarketUnit", input.unitId);
      return { marketUnit: answered(context, marketUnit), warnings };
    },

    async updateMarketUnit(_, { input }, context) {
      const unit = await visibleUnit(context, input.id, "id");
      const name = input.name != null ? marketUnitName(input.name) : undefined;
      const status = input.status ?? undefined;
      const marketUnit = await repos.marketUnits.update(
        unit.id,
        { ...(name !== undefined && { name }), ...(status !== undefined && { status }) },
        (locked) => requireNotDeregistered(locked, "id"), // then the status change, against marketUnitLifecycle
        context.identity,
      );
      if (!marketUnit) throw notFound("MarketUnit", input.id);
      return { marketUnit };
    },
  },

  MarketUnitPayload: {
    warnings: ({ warnings }) => warnings ?? [],
  },

  MarketUnit: {
    // Null for a unit the caller may not see: entity references are a way in like any query.
    __resolveReference: ({ id }, { identity, loaders }) => loaders.marketUnit.load({ key: id, visible: visibleUnitFilter(identity) }),
    owner: ({ ownerId }) => ({ __typename: "Organisation", id: ownerId }), // a reference: the users subgraph resolves it
    members: ({ id }, _, { identity, loaders }) => loaders.members.load({ key: id, visible: visibleAssetFilter(identity) }),
    membershipHistory: ({ id }, _, { identity, loaders }) => loaders.memberships.load({ key: id, visible: visibleAssetFilter(identity) }),
    importCapacityKw: async ({ id }, _, { loaders }) => (await loaders.unitAggregates.load(id)).importCapacityKw,
    exportCapacityKw: async ({ id }, _, { loaders }) => (await loaders.unitAggregates.load(id)).exportCapacityKw,
    energyCapacityKwh: async ({ id }, _, { loaders }) => (await loaders.unitAggregates.load(id)).energyCapacityKwh,
    gspGroups: async ({ id }, _, { loaders }) => (await loaders.unitAggregates.load(id)).gspGroups,
  },

  Asset: {
    marketUnits: ({ id }, _, { identity, loaders }) => loaders.marketUnitsByAsset.load({ key: id, visible: visibleUnitFilter(identity) }),
  },

  Organisation: {
    marketUnits: ({ id }, { first, offset }, { identity, loaders }) =>
      loaders.marketUnitsByOwner.load({ ownerId: id, visible: visibleUnitFilter(identity), ...page(first, offset, 1000) }),
  },
});
