import type { Database } from "@sfe/kit";
import type { UnavailableInterval } from "./statement.js";

/** An award as the unavailability port is asked about it. */
export interface AwardWindow {
  id: string;
  assetId: string | null;
  marketUnitId: string | null;
  awardedMw: number;
  start: Date;
  end: Date;
}

/**
 * The port through which a statement learns the hours each award's unit was unavailable in [from, to) (D.1
 * UnavailabilityNotice), one batched call per statement: a map from award id to its unavailable intervals (they may
 * overlap, and each may take away part of the award's MW: the statement weighs each instant by the share unavailable,
at most the whole award, clipped to the award's window in the month). The subgraph wires the
 * availability module's UnavailabilityNotice table here (`unavailableHoursFromNotices`); the windows an SO enters
 * with generateSettlementStatement (`unavailableWindows`) count as well.
 */
export type UnavailableHours = (request: {
  awards: readonly AwardWindow[];
  from: Date;
  to: Date;
  /** The transaction the statement is computed in, when there is one (read through it: PGlite has one connection). */
  on?: Database | undefined;
}) => Promise<ReadonlyMap<string, readonly UnavailableInterval[]>>;

/** No notices known: only the entered windows count. */
export const noUnavailabilityNotices: UnavailableHours = async () => new Map();

/** Per award, the port's intervals and the entered windows (each of those the whole award). */
export function mergeUnavailable(
  fromPort: ReadonlyMap<string, readonly UnavailableInterval[]>,
  entered: readonly { awardId: string; from: Date; to: Date }[],
): Map<string, UnavailableInterval[]> {
  const merged = new Map<string, UnavailableInterval[]>();
  for (const [awardId, intervals] of fromPort) merged.set(awardId, [...intervals]);
  for (const { awardId, from, to } of entered) merged.set(awardId, [...(merged.get(awardId) ?? []), { from, to }]);
  return merged;
}
