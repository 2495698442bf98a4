import { type EntityReferences, forbidden, seesEveryOrganisation } from "@sfe/kit";
import type { AssetResolvers, MarketUnitResolvers, QueryResolvers } from "../../__generated__/resolvers-types.js";
import { assetRef } from "../../mappers.js";
import { gspGroupsFilter, itemsByTarget, positionWindow, requireComplete } from "./items.js";
import type { positionLoaders } from "./loaders.js";
import type { PositionMapper } from "./mappers.js";
import type { PositionRepository } from "./repository.js";
import { callerArea, covers } from "./service-area.js";

/**
 * Positions (UC18, D.2): the timeline of an asset's or unit's commitments, and an SO's control-room view of its area.
 * Which records each caller sees is decided in loaders.ts (and filtered in SQL); prices in items.ts.
 */
export const resolvers = (deps: {
  positions: PositionRepository;
  references: EntityReferences;
  loaders: ReturnType<typeof positionLoaders>;
}) => {
  const Asset: AssetResolvers = {
    position: ({ id }, { from, to }, context) =>
      deps.loaders(context).position(context.identity, "Asset", positionWindow(from, to)).load(id),
  };
  const MarketUnit: MarketUnitResolvers = {
    position: ({ id }, { from, to }, context) =>
      deps.loaders(context).position(context.identity, "MarketUnit", positionWindow(from, to)).load(id),
  };
  const Query: QueryResolvers = {
    /**
     * Every record in the window (one query per table), then one lookup to the assets subgraph for all their assets
     * (as the caller: an asset it may not see there is left out), kept when the caller's service area covers it.
     */
    async positionsInArea(_, { from, to, gspGroups }, context) {
      const { identity } = context;
      const window = positionWindow(from, to);
      const only = gspGroupsFilter(gspGroups);
      const loaders = deps.loaders(context);
      const area = await callerArea(identity, loaders.areas);
      if (!area) throw forbidden("Only a verified system operator or a hub administrator sees the positions in an area");
      const rows = await deps.positions.read("all", window, {
        everything: true,
        assetIds: [],
        unitIds: [],
        providerId: null,
        buyerId: null,
      });
      requireComplete(rows);
      const items = itemsByTarget(rows, identity);
      const assetIds = [...items.keys()].filter((key) => key.startsWith("asset:")).map((key) => key.slice("asset:".length));
      const found = await deps.references.lookup<{ location?: { gspGroup?: string | null } | null }>(
        "Asset",
        assetIds,
        "location { gspGroup }",
      );
      const positions: PositionMapper[] = [];
      for (const asset of found) {
        if (!asset) continue;
        const gspGroup = asset.location?.gspGroup ?? null;
        if (!seesEveryOrganisation(identity) && !covers(area, gspGroup)) continue;
        if (only && (gspGroup === null || !only.includes(gspGroup))) continue;
        positions.push({ asset: assetRef(asset.id), marketUnit: null, gspGroup, ...window, items: items.get(`asset:${asset.id}`) ?? [] });
      }
      return positions.sort((a, b) => (a.asset!.id < b.asset!.id ? -1 : 1));
    },
  };
  return { Asset, MarketUnit, Query };
};
