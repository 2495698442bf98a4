import { badInput, requireText } from "@sfe/kit";
import { type TransferStatus, transferLifecycle } from "../../db/schema.js";
import { compositionProblem, type DescribeUnit, type NamedUnit } from "../market-units/validation.js";

/** The checks of an asset's life after registration: transfer, de-registration, reinstatement. */

/** What the receiver or the sender decides of a PENDING transfer. */
export type Decision = Exclude<TransferStatus, "PENDING">;

/** A note for the receiver of a transfer, or a reason for the audit trail: trimmed, at most 1000 characters. */
export const optionalNote = (value: string | null | undefined, field: string): string | null =>
  value === null || value === undefined || value.trim() === "" ? null : requireText(value, field, 1000);

/**
 * Only a PENDING transfer can be accepted, declined or cancelled: the others are decided for good. Asking for the
 * decision it has already is BAD_USER_INPUT (a decision is not repeated); any other decision of a decided transfer
 * is a move `transferLifecycle` refuses: CONFLICT naming both statuses.
 */
export function requireDecidable(transfer: { id: string; status: TransferStatus }, decision: Decision, field = "id"): void {
  if (transfer.status === decision)
    throw badInput(
      `${field}: transfer ${transfer.id} is ${transfer.status}; only a PENDING transfer can be ${decision.toLowerCase()}`,
      field,
    );
  transferLifecycle.check(transfer.id, transfer.status, decision);
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
