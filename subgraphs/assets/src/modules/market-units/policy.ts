import { allow, forbidden, type Policy, requireUuid } from "@sfe/kit";
import { canChangeUnit, unitCreationRefusal, visibleUnit } from "../../access.js";
import type { Context } from "../../loaders.js";
import { both, fspOrAdminWrite, type Rule, read, seesRecords } from "../../policy.js";

/**
 * A change of the unit whose id `idOf` reads from the arguments (`field` in errors), for its owning FSP or a hub
 * administrator: NOT_FOUND for a unit the caller may not see (as for an unknown id), FORBIDDEN for one it sees but
 * does not own.
 */
const changesUnit = (field: string, idOf: (args: Record<string, any>) => string): Rule =>
  both(
    fspOrAdminWrite,
    async (identity, { args, context }) =>
      canChangeUnit(identity, await visibleUnit(context, idOf(args), field)) ||
      forbidden("Only the market unit's owner or a hub administrator may change it"),
  );

export const policy: Policy<Context> = {
  // As assets: single lookups null when invisible; lists refused to roles that see none. Which units: in SQL (access.ts).
  "Query.marketUnit": allow.all(allow.signedIn(), read),
  "Query.marketUnits": allow.all(allow.signedIn(), read, seesRecords),
  // List fields on entities: filtered to what the caller may see (empty for investors).
  "Organisation.marketUnits": allow.all(allow.signedIn(), read),
  "Asset.marketUnits": allow.all(allow.signedIn(), read),
  // FSPs manage units for their own organisation, hub administrators for anyone.
  "Mutation.createMarketUnit": both(
    fspOrAdminWrite,
    (identity, { args }) => unitCreationRefusal(identity, requireUuid(args.input.ownerId, "ownerId")) ?? true,
  ),
  "Mutation.addMarketUnitMembers": changesUnit("unitId", (args) => args.input.unitId),
  "Mutation.removeMarketUnitMembers": changesUnit("unitId", (args) => args.input.unitId),
  "Mutation.updateMarketUnit": changesUnit("id", (args) => args.input.id),
};
