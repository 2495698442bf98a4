import {
  ANONYMITY_RULE,
  allow,
  areaCovers,
  forbidden,
  type Identity,
  notFound,
  requireUuid,
  type SfeError,
  seesEveryOrganisation,
} from "@sfe/kit";
import type { Context } from "./loaders.js";
import type { AssetRow, AssetVisibility } from "./modules/assets/repository.js";
import type { TransferRow, TransferVisibility } from "./modules/transfers/repository.js";
import type { MarketUnitRow, UnitVisibility } from "./modules/market-units/repository.js";
import type { DescribeUnit } from "./modules/market-units/validation.js";

/**
 * Row-level access to assets (the operation rules are in each module's policy.ts). Who sees an asset:
 * - a hub administrator (ADMIN): every asset;
 * - an FSP: its own organisation's assets;
 * - a system operator: the assets whose GSP group its area covers (a national SO, ["*"], all of them);
 * - nobody else (investors and regulators read aggregates only: `assetStatistics`).
 * An API key sees what its organisation's roles see, and only with the assets:read (or :write) scope.
 */

/**
 * Which groups `assetStatistics` reports (kit/anonymity.ts): at least 3 distinct owners besides the caller's
 * organisation, none of them holding more than 50% of the group's import, export or energy capacity (the
 * caller's assets left out). Stated in the schema (AssetStatistic).
 */
export const ASSET_STATISTICS_RULE = ANONYMITY_RULE;

/** The organisation whose assets `assetStatistics` leaves out of the rule for `identity`: its own. */
export const statisticsCaller = (identity: Identity | null): string | null => identity?.organisationId?.toLowerCase() ?? null;

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

/** Whether `identity` may change `asset`: its owning FSP or a hub administrator. */
export function canChangeAsset(identity: Identity | null, asset: Pick<AssetRow, "ownerId">): boolean {
  return mayWrite(identity) && (seesEveryOrganisation(identity) || ownsAsFsp(identity, asset.ownerId));
}

/**
 * Why the caller may not change `asset` (null: it may): NOT_FOUND when it may not see it (as for an unknown id),
 * FORBIDDEN when it sees but does not own it. The policy asks it of what the caller read (changesAsset in
 * policy.ts); the write asks it again of the locked row (requireChangeableAsset).
 */
export function changeRefusal(identity: Identity | null, asset: AssetRow | null | undefined, id: string): SfeError | null {
  if (!asset || !canSeeAsset(identity, asset)) return notFound("Asset", id);
  if (!canChangeAsset(identity, asset)) return forbidden("Only the asset's owner or a hub administrator may change it");
  return null;
}

/** `asset` when the caller may change it, else changeRefusal's error: for the row a write has locked. */
export function requireChangeableAsset(identity: Identity | null, asset: AssetRow | null | undefined, id: string): AssetRow {
  const refusal = changeRefusal(identity, asset, id);
  if (refusal) throw refusal;
  return asset as AssetRow;
}

/** FORBIDDEN unless `identity` may register an asset owned by `ownerId` (an FSP for itself, an ADMIN for anyone); else null. */
export function registrationRefusal(identity: Identity | null, ownerId: string): SfeError | null {
  if (seesEveryOrganisation(identity)) return null;
  return identity && ownsAsFsp(identity, ownerId) ? null : forbidden("FSPs register assets for their own organisation");
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

/** FORBIDDEN unless `identity` may create a unit owned by `ownerId` (an FSP for itself, an ADMIN for anyone); else null. */
export function unitCreationRefusal(identity: Identity | null, ownerId: string): SfeError | null {
  if (seesEveryOrganisation(identity)) return null;
  return identity && ownsAsFsp(identity, ownerId) ? null : forbidden("FSPs manage market units for their own organisation");
}

/**
 * The unit `id` (`field` in errors) when the caller may see it, read in SQL through the request's loader (so the
 * policy's read and the resolver's are one); NOT_FOUND otherwise, as for an unknown id.
 */
export async function visibleUnit(
  { identity, loaders }: Pick<Context, "identity" | "loaders">,
  id: string,
  field: string,
): Promise<MarketUnitRow> {
  const unit = await loaders.marketUnit.load({ key: requireUuid(id, field), visible: visibleUnitFilter(identity) });
  if (!unit) throw notFound("MarketUnit", id);
  return unit;
}

/** Whether `asset` may join a unit of `ownerId` for `identity`: it is the owner's and the caller sees it. */
export const mayJoinUnitOf = (identity: Identity | null, ownerId: string, asset: Pick<AssetRow, "ownerId" | "gspGroup">): boolean =>
  asset.ownerId === ownerId && canSeeAsset(identity, asset);

/** How a refusal names a unit: by name and id to whoever may change it (its owner, a hub administrator), else not at all. */
export const describeUnitFor =
  (identity: Identity | null): DescribeUnit =>
  (unit) =>
    canChangeUnit(identity, unit) ? `market unit "${unit.name}" (${unit.id})` : "one of the owner's market units";

/**
 * Row-level access to asset transfers. Who sees a transfer: a hub administrator, and the FSP accounts of the two
 * organisations (sender and receiver); nobody else (a system operator whose area covers the asset included: a
 * transfer is business between two FSPs). Who decides it: the receiver accepts or declines, the sender cancels, a
 * hub administrator may do any of the three. Writes need the assets:write scope.
 */
export function visibleTransferFilter(identity: Identity | null): TransferVisibility {
  if (!mayRead(identity)) return { all: false, organisationIds: [] };
  if (seesEveryOrganisation(identity)) return { all: true };
  return { all: false, organisationIds: identity.roles.includes("FSP") && identity.organisationId ? [identity.organisationId] : [] };
}

type TransferParties = Pick<TransferRow, "fromOrganisationId" | "toOrganisationId">;

/**
 * The transfer `id` when the caller may see it (a party or a hub administrator), read in SQL through the request's
 * loader (so the policy's read and the resolver's are one); NOT_FOUND otherwise, as for an unknown id.
 */
export async function visibleTransfer({ identity, loaders }: Pick<Context, "identity" | "loaders">, id: string): Promise<TransferRow> {
  const transfer = await loaders.transfer.load({ key: requireUuid(id, "id"), visible: visibleTransferFilter(identity) });
  if (!transfer) throw notFound("AssetTransfer", id);
  return transfer;
}

/** Whether `identity` may see `transfer` (the SQL form is `visibleTransferFilter`). */
export function canSeeTransfer(identity: Identity | null, transfer: TransferParties): boolean {
  if (!mayRead(identity)) return false;
  return (
    seesEveryOrganisation(identity) || ownsAsFsp(identity, transfer.fromOrganisationId) || ownsAsFsp(identity, transfer.toOrganisationId)
  );
}

/** Whether `identity` may accept or decline `transfer`: an FSP of the receiving organisation or a hub administrator. */
export const canAnswerTransfer = (identity: Identity | null, transfer: TransferParties): boolean =>
  mayWrite(identity) && (seesEveryOrganisation(identity) || ownsAsFsp(identity, transfer.toOrganisationId));

/** Whether `identity` may cancel `transfer`: an FSP of the sending organisation or a hub administrator. */
export const canCancelTransfer = (identity: Identity | null, transfer: TransferParties): boolean =>
  mayWrite(identity) && (seesEveryOrganisation(identity) || ownsAsFsp(identity, transfer.fromOrganisationId));

/**
 * THE ONE EXCEPTION to `canSeeAsset`: while a transfer is PENDING, the asset it offers is visible through it
 * (`AssetTransfer.asset`) to both parties, so the receiver sees what it is offered before it owns the asset. Only
 * there: `asset(id)`, lists and entity references still answer null to the receiver until it has accepted. Once the
 * transfer is decided the usual rules apply again (the former owner no longer sees an asset it handed over).
 */
export function canSeeTransferredAsset(
  identity: Identity | null,
  transfer: Pick<TransferRow, "assetId" | "status"> & TransferParties,
  asset: Pick<AssetRow, "id" | "ownerId" | "gspGroup">,
): boolean {
  if (canSeeAsset(identity, asset)) return true;
  return (
    transfer.status === "PENDING" &&
    asset.id === transfer.assetId &&
    asset.ownerId === transfer.fromOrganisationId &&
    canSeeTransfer(identity, transfer)
  );
}
