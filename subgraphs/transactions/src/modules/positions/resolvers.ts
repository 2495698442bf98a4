import { type EntityReferences, forbidden, seesEveryOrganisation } from "@sfe/kit";
import type { AssetResolvers, MarketUnitResolvers, QueryResolvers } from "../../__generated__/resolvers-types.js";
import { assetRef } from "../../mappers.js";
import { gspGroupsFilter, itemsByTarget, positionWindow, requireComplete } from "./items.js";
import type { positionLoaders } from "./loaders.js";
import { marketUnitRef } from "../../mappers.js";
import type { PositionMapper } from "./mappers.js";
import type { PositionRepository } from "./repository.js";
import { callerArea, covers, coversAny } from "./service-area.js";

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
      const keys = [...items.keys()];
      const idsOf = (prefix: string) => keys.filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length));
      // One lookup of the assets and, when units hold records of their own in the window, one of the units.
      const [assets, units] = await Promise.all([
        deps.references.lookup<{ location?: { gspGroup?: string | null } | null }>("Asset", idsOf("asset:"), "location { gspGroup }"),
        deps.references.lookup<{ gspGroups?: string[] | null }>("MarketUnit", idsOf("unit:"), "gspGroups"),
      ]);
      const whole = seesEveryOrganisation(identity);
      const positions: PositionMapper[] = [];
      for (const asset of assets) {
        if (!asset) continue;
        const gspGroup = asset.location?.gspGroup ?? null;
        if (!whole && !covers(area, gspGroup)) continue;
        if (only && (gspGroup === null || !only.includes(gspGroup))) continue;
        positions.push({ asset: assetRef(asset.id), marketUnit: null, gspGroup, ...window, items: items.get(`asset:${asset.id}`) ?? [] });
      }
      positions.sort((a, b) => (a.asset!.id < b.asset!.id ? -1 : 1));
      const unitPositions: PositionMapper[] = [];
      for (const unit of units) {
        if (!unit) continue;
        const groups = unit.gspGroups ?? [];
        if (!whole && !coversAny(area, groups)) continue;
        if (only && !groups.some((group) => only.includes(group))) continue;
        unitPositions.push({
          asset: null,
          marketUnit: marketUnitRef(unit.id),
          gspGroup: null,
          ...window,
          items: items.get(`unit:${unit.id}`) ?? [],
        });
      }
      unitPositions.sort((a, b) => (a.marketUnit!.id < b.marketUnit!.id ? -1 : 1));
      return [...positions, ...unitPositions];
    },
  };
  return { Asset, MarketUnit, Query };
};
