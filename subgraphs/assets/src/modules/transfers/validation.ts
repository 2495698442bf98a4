import { badInput, requireText } from "@sfe/kit";
import type { TransferStatus } from "../../db/schema.js";
import { compositionProblem, type DescribeUnit, type NamedUnit } from "../market-units/validation.js";

/** The checks of an asset's life after registration: transfer, de-registration, reinstatement. */

/** A note for the receiver of a transfer, or a reason for the audit trail: trimmed, at most 1000 characters. */
export const optionalNote = (value: string | null | undefined, field: string): string | null =>
  value === null || value === undefined || value.trim() === "" ? null : requireText(value, field, 1000);

/** Only a PENDING transfer can be accepted, declined or cancelled: the others are decided for good. */
export function requirePendingTransfer(transfer: { id: string; status: TransferStatus }, verb: string, field = "id"): void {
  if (transfer.status !== "PENDING")
    throw badInput(`${field}: transfer ${transfer.id} is ${transfer.status}; only a PENDING transfer can be ${verb}`, field);
}

/**
 * An asset moving to another owner leaves the market units of its former owner (domain digest §7.3 step 4): each
 * must stay a valid unit without it (R-MU-1: not losing its last member, an SPG keeping two accounting points),
 * else BAD_USER_INPUT naming the first unit that would not, telling to change the unit first.
 */
export function requireUnitsCanLose(
  assetId: string,
  units: readonly { unit: NamedUnit; members: readonly { id: string; meterPointId: string | null }[] }[],
  field: string,
  describe: DescribeUnit,
): void {
  for (const { unit, members } of units) {
    const problem = compositionProblem(
      unit.unitType,
      members.filter((m) => m.id !== assetId),
    );
    if (problem)
      throw badInput(
        `${field}: asset ${assetId} cannot leave ${describe(unit)}: ${problem}. Change the unit first (add another asset to it, or de-register it)`,
        field,
      );
  }
}

/**
 * De-registration only when the asset is in no market unit that is not DEREGISTERED (domain digest §7.2 step 9):
 * BAD_USER_INPUT naming the units to remove it from first.
 */
export function requireInNoLiveUnit(assetId: string, units: readonly NamedUnit[], field = "id"): void {
  if (units.length === 0) return;
  const one = units.length === 1;
  const named = units.map((u) => `"${u.name}" (${u.id}, ${u.status})`).join(", ");
  throw badInput(
    `${field}: asset ${assetId} is still in use: remove it from market unit${one ? "" : "s"} ${named} first (or de-register ${one ? "the unit" : "them"})`,
    field,
  );
}
