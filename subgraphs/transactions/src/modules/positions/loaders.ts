import { type EntityReferences, type Identity, perRequest, seesEveryOrganisation } from "@sfe/kit";
import DataLoader from "dataloader";
import { assetRef } from "../../mappers.js";
import { itemsByTarget, requireComplete } from "./items.js";
import { marketUnitRef } from "../../mappers.js";
import type { PositionMapper } from "./mappers.js";
import type { PositionAccess, PositionRepository, PositionWindow } from "./repository.js";
import { callerArea, covers, coversAny, fetchServiceAreas, type ServiceArea } from "./service-area.js";

const NOTHING: PositionAccess = { everything: false, assetIds: [], unitIds: [], providerId: null, buyerId: null };

/** The organisation a caller acts for as FSP and as (verified) SO. */
const parties = (identity: Identity | null) => ({
  providerId: identity?.roles.includes("FSP") ? identity.organisationId : null,
  buyerId: identity?.roles.includes("SYSTEM_OPERATOR") ? identity.organisationId : null,
});

/**
 * The module's per-request loaders: service areas (one call to products for every SO asked about), and positions
 * per window for assets and units, each batch costing one lookup to the assets subgraph (the GSP groups, as the
 * caller sees them) and one query per table.
 */
export function positionLoaders(deps: { positions: PositionRepository; references: EntityReferences }) {
  return perRequest(() => {
    const areas = new DataLoader<string, ServiceArea>((ids) => fetchServiceAreas(deps.references, ids));
    const windows = new Map<string, { assets: DataLoader<string, PositionMapper>; units: DataLoader<string, PositionMapper> }>();

    /** Which records of `ids` the caller sees: whole records in its area, else those it is party to. */
    async function accessFor(identity: Identity | null, typename: "Asset" | "MarketUnit", ids: readonly string[]) {
      if (seesEveryOrganisation(identity)) return { access: { ...NOTHING, everything: true }, gspGroups: new Map<string, string | null>() };
      const { providerId, buyerId } = parties(identity);
      const gspGroups = new Map<string, string | null>();
      const area = await callerArea(identity, areas);
      let covered: string[] = [];
      if (area) {
        if (typename === "Asset") {
          const found = await deps.references.lookup<{ location?: { gspGroup?: string | null } | null }>(
            "Asset",
            ids,
            "location { gspGroup }",
          );
          for (const asset of found) if (asset) gspGroups.set(asset.id, asset.location?.gspGroup ?? null);
          covered = found.filter((asset) => asset && covers(area, asset.location?.gspGroup)).map((asset) => asset!.id);
        } else {
          const found = await deps.references.lookup<{ gspGroups?: string[] | null }>("MarketUnit", ids, "gspGroups");
          covered = found.filter((unit) => unit && coversAny(area, unit.gspGroups ?? [])).map((unit) => unit!.id);
        }
      }
      const access: PositionAccess = {
        everything: false,
        assetIds: typename === "Asset" ? covered : [],
        unitIds: typename === "MarketUnit" ? covered : [],
        providerId,
        buyerId,
      };
      return { access, gspGroups };
    }

    function positionsOf(identity: Identity | null, typename: "Asset" | "MarketUnit", window: PositionWindow) {
      return new DataLoader<string, PositionMapper>(async (ids) => {
        const { access, gspGroups } = await accessFor(identity, typename, ids);
        const targets = typename === "Asset" ? { assetIds: ids, unitIds: [] } : { assetIds: [], unitIds: ids };
        const rows = await deps.positions.read(targets, window, access);
        requireComplete(rows);
        const items = itemsByTarget(rows, identity);
        return ids.map((id) => ({
          asset: typename === "Asset" ? assetRef(id) : null,
          marketUnit: typename === "MarketUnit" ? marketUnitRef(id) : null,
          gspGroup: gspGroups.get(id) ?? null,
          ...window,
          items: items.get(`${typename === "Asset" ? "asset" : "unit"}:${id}`) ?? [],
        }));
      });
    }

    return {
      areas,
      /** Positions of assets (`typename` Asset) or units over `window`, for the request's caller. */
      position(identity: Identity | null, typename: "Asset" | "MarketUnit", window: PositionWindow): DataLoader<string, PositionMapper> {
        const key = `${window.from.toISOString()}|${window.to.toISOString()}`;
        let loaders = windows.get(key);
        if (!loaders) {
          loaders = { assets: positionsOf(identity, "Asset", window), units: positionsOf(identity, "MarketUnit", window) };
          windows.set(key, loaders);
        }
        return typename === "Asset" ? loaders.assets : loaders.units;
      },
    };
  });
}

export type PositionLoaders = ReturnType<ReturnType<typeof positionLoaders>>;
