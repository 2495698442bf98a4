import { allow, areaCovers, forbidden, type Identity, seesEveryOrganisation } from "@sfe/kit";
import type { AssetRow, AssetVisibility } from "./repositories/assets.js";
import type { MarketUnitRow, UnitVisibility } from "./repositories/market-units.js";

/**
 * Row-level access to assets (the operation rules are in policy.ts). Who sees an asset:
 * - a hub administrator (ADMIN): every asset;
 * - an FSP: its own organisation's assets;
 * - a system operator: the assets whose GSP group its area covers (a national SO, ["*"], all of them);
 * - nobody else (investors and regulators read aggregates only: `assetStatistics`).
 * An API key sees what its organisation's roles see, and only with the assets:read (or :write) scope.
 */

/** Groups of fewer assets are never reported by `assetStatistics` (anonymisation threshold). */
export const ASSET_STATISTICS_MIN_GROUP_SIZE = 3;

const NOTHING: AssetVisibility = { all: false, ownerIds: [], gspGroups: [] };

const mayRead = (identity: Identity | null): identity is Identity => identity !== null && allow.scope("assets", "read")(identity) === null;
const mayWrite = (identity: Identity | null): identity is Identity =>
  identity !== null && allow.scope("assets", "write")(identity) === null;

const isSystemOperator = (identity: Identity) => identity.roles.includes("SYSTEM_OPERATOR");
const ownsAsFsp = (identity: Identity, ownerId: string) => identity.roles.includes("FSP") && identity.organisationId === ownerId;

/** The repository filter of the assets `identity` may see (the SQL form of `canSeeAsset`). */
export function visibleAssetFilter(identity: Identity | null): AssetVisibility {
  if (!mayRead(identity)) return NOTHING;
  if (seesEveryOrganisation(identity) || (isSystemOperator(identity) && identity.areas.includes("*"))) return { all: true };
  return {
    all: false,
    ownerIds: identity.roles.includes("FSP") && identity.organisationId ? [identity.organisationId] : [],
    gspGroups: isSystemOperator(identity) ? identity.areas : [],
  };
}

/** Whether `identity` may see `asset` (lookups of anything else answer null). */
export function canSeeAsset(identity: Identity | null, asset: Pick<AssetRow, "ownerId" | "gspGroup">): boolean {
  if (!mayRead(identity)) return false;
  return (
    seesEveryOrganisation(identity) ||
    ownsAsFsp(identity, asset.ownerId) ||
    (isSystemOperator(identity) && areaCovers(identity, asset.gspGroup))
  );
}

/** `asset` when `identity` may see it, else null: what a single lookup answers. */
export const visibleAsset = <T extends Pick<AssetRow, "ownerId" | "gspGroup">>(identity: Identity | null, asset: T | null): T | null =>
  asset && canSeeAsset(identity, asset) ? asset : null;

/** Whether `identity` may change `asset`: its owning FSP or a hub administrator. */
export function canChangeAsset(identity: Identity | null, asset: Pick<AssetRow, "ownerId">): boolean {
  return mayWrite(identity) && (seesEveryOrganisation(identity) || ownsAsFsp(identity, asset.ownerId));
}

/** FORBIDDEN unless `identity` may register an asset owned by `ownerId`: an FSP for itself, an ADMIN for anyone. */
export function requireMayRegisterFor(identity: Identity | null, ownerId: string): void {
  if (seesEveryOrganisation(identity)) return;
  if (!identity || !ownsAsFsp(identity, ownerId)) throw forbidden("FSPs register assets for their own organisation");
}

/**
 * Row-level access to market units. Who sees a unit: a hub administrator, its owner (FSP), a system operator
 * whose area covers the GSP group of any current member (a national SO: every unit); nobody else. That is
 * the asset filter read for units (owner, or a member's GSP group): the repository applies it in SQL.
 */
export const visibleUnitFilter = (identity: Identity | null): UnitVisibility => visibleAssetFilter(identity);

/** Whether `identity` may change `unit`: its owning FSP or a hub administrator. */
export function canChangeUnit(identity: Identity | null, unit: Pick<MarketUnitRow, "ownerId">): boolean {
  return mayWrite(identity) && (seesEveryOrganisation(identity) || ownsAsFsp(identity, unit.ownerId));
}

/** FORBIDDEN unless `identity` may create a unit owned by `ownerId`: an FSP for itself, an ADMIN for anyone. */
export function requireMayCreateUnitFor(identity: Identity | null, ownerId: string): void {
  if (seesEveryOrganisation(identity)) return;
  if (!identity || !ownsAsFsp(identity, ownerId)) throw forbidden("FSPs manage market units for their own organisation");
}

/** Whether `asset` may join a unit of `ownerId` for `identity`: it is the owner's and the caller sees it. */
export const mayJoinUnitOf = (identity: Identity | null, ownerId: string, asset: Pick<AssetRow, "ownerId" | "gspGroup">): boolean =>
  asset.ownerId === ownerId && canSeeAsset(identity, asset);
