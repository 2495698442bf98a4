import { badInput, isUuid, quote, requireNonEmpty, requireText } from "@sfe/kit";
import type { AssetStatus, MarketUnitStatus, MarketUnitType } from "../../db/schema.js";

/** The checks of market units: names, member lists, composition (R-MU-1). Status changes: marketUnitLifecycle (db/schema.ts). */

export const marketUnitName = (value: string) => requireText(value, "name");

/** Distinct, well-formed asset ids; at least one. */
export function assetIdList(values: readonly string[], field = "assetIds"): string[] {
  const ids = [...new Set(requireNonEmpty(values, field).map((id) => id.trim().toLowerCase()))];
  const malformed = ids.filter((id) => !isUuid(id));
  if (malformed.length > 0) throw badInput(`${field} must be ids (UUIDs), got ${malformed.map((id) => quote(id)).join(", ")}`, field);
  return ids;
}

/** The accounting points a set of assets spans: each distinct meter point, and each asset without one. */
export function accountingPoints(members: readonly { meterPointId: string | null }[]): number {
  const meterPoints = new Set(members.flatMap((m) => (m.meterPointId === null ? [] : [m.meterPointId])));
  return meterPoints.size + members.filter((m) => m.meterPointId === null).length;
}

/**
 * What breaks R-MU-1 (BLOCK) in a unit of `unitType` with `members`, or null: a unit has at least one member; an
 * SPU's members share one meter point (or it is a single asset); an SPG spans more than one accounting point (an
 * asset without a meter point counts as one of its own).
 */
export function compositionProblem(unitType: MarketUnitType, members: readonly { meterPointId: string | null }[]): string | null {
  if (members.length === 0) return "a market unit cannot lose its last member";
  if (unitType === "SPU" && members.length > 1) {
    const meterPoints = new Set(members.map((m) => m.meterPointId));
    if (meterPoints.size !== 1 || meterPoints.has(null)) {
      return "an SPU's members must share one meter point (MPAN), or it must be a single asset; this is an SPG (R-MU-1)";
    }
  }
  if (unitType === "SPG" && accountingPoints(members) < 2) {
    return "an SPG needs members at more than one accounting point (or more than one asset without a meter point); this is an SPU (R-MU-1)";
  }
  return null;
}

/** R-MU-1 (BLOCK), as `compositionProblem`: BAD_USER_INPUT naming `field`. */
export function requireComposition(
  unitType: MarketUnitType,
  members: readonly { meterPointId: string | null }[],
  field = "assetIds",
): void {
  const problem = compositionProblem(unitType, members);
  if (problem) throw badInput(`${field}: ${problem}`, field);
}

/**
 * Assets joining a unit of `ownerId`, as they are inside the writing transaction (locked): each still the owner's
 * and not DEREGISTERED. The resolver checks the same before (joiningAssets); this holds it against a transfer or a
 * de-registration that commits in between.
 */
export function requireMayJoin(ownerId: string, joining: readonly { id: string; ownerId: string; status: AssetStatus }[]): void {
  const strangers = joining.filter((a) => a.ownerId !== ownerId).map((a) => a.id);
  if (strangers.length > 0)
    throw badInput(
      `assetIds: ${strangers.join(", ")} ${strangers.length === 1 ? "is not an asset" : "are not assets"} of the unit's owner`,
      "assetIds",
    );
  const deregistered = joining.filter((a) => a.status === "DEREGISTERED").map((a) => a.id);
  if (deregistered.length > 0)
    throw badInput(`assetIds: ${deregistered.join(", ")} ${deregistered.length === 1 ? "is" : "are"} DEREGISTERED`, "assetIds");
}

/** A DEREGISTERED unit is final: BAD_USER_INPUT on any change. */
export function requireNotDeregistered(unit: { id: string; status: MarketUnitStatus }, field: string): void {
  if (unit.status === "DEREGISTERED") throw badInput(`${field}: market unit ${unit.id} is DEREGISTERED and can no longer change`, field);
}

/** A unit as the life-cycle rules name it in their messages. */
export interface NamedUnit {
  id: string;
  ownerId: string;
  name: string;
  unitType: MarketUnitType;
  status: MarketUnitStatus;
}

/** How a refusal names a unit: by name and id to whoever may see it, else without either (existence is not revealed). */
export type DescribeUnit = (unit: NamedUnit) => string;
