import type { AwardRow } from "./repositories/awards.js";
import type { DispatchInstructionRow } from "./repositories/dispatches.js";

/**
 * A WARN rule's finding (domain §8.5): the write goes ahead and the payload names the rule, says why, and gives the
 * values compared. The rules engine reuses this shape.
 */
export interface RuleWarning {
  ruleId: string;
  message: string;
  values: Record<string, unknown>;
}

const mw = (value: number) => Math.round(value * 1e6) / 1e6;

/**
 * R-DSP-1: an instruction must fall within one of its award's windows (its whole span when it lists none) and ask for
 * no more than the awarded MW.
 */
export function awardedWindowWarnings(
  instruction: { start: Date; end: Date; setPointMw: number },
  award: Pick<AwardRow, "id" | "start" | "end" | "windows" | "awardedMw">,
): RuleWarning[] {
  const warnings: RuleWarning[] = [];
  const windows = award.windows.length > 0 ? award.windows : [{ start: award.start.toISOString(), end: award.end.toISOString() }];
  const [start, end] = [instruction.start.getTime(), instruction.end.getTime()];
  if (!windows.some((window) => Date.parse(window.start) <= start && end <= Date.parse(window.end))) {
    warnings.push({
      ruleId: "R-DSP-1",
      message: `The instruction ${instruction.start.toISOString()}–${instruction.end.toISOString()} is outside the awarded windows of award ${award.id}`,
      values: { start: instruction.start.toISOString(), end: instruction.end.toISOString(), awardedWindows: windows },
    });
  }
  if (instruction.setPointMw > award.awardedMw) {
    const excessMw = mw(instruction.setPointMw - award.awardedMw);
    warnings.push({
      ruleId: "R-DSP-1",
      message: `The instruction's ${instruction.setPointMw} MW is above the ${award.awardedMw} MW awarded (${excessMw} MW excess)`,
      values: { setPointMw: instruction.setPointMw, awardedMw: award.awardedMw, excessMw },
    });
  }
  return warnings;
}

/** R-DSP-2: acknowledged after its deadline. */
export function lateAcknowledgementWarnings(row: Pick<DispatchInstructionRow, "acknowledgedAt" | "acknowledgeBy">): RuleWarning[] {
  const { acknowledgedAt, acknowledgeBy } = row;
  if (!acknowledgedAt || !acknowledgeBy || acknowledgedAt <= acknowledgeBy) return [];
  const minutesLate = Math.ceil((acknowledgedAt.getTime() - acknowledgeBy.getTime()) / 60_000);
  return [
    {
      ruleId: "R-DSP-2",
      message: `Acknowledged at ${acknowledgedAt.toISOString()}, ${minutesLate} min after the deadline ${acknowledgeBy.toISOString()}`,
      values: { acknowledgedAt: acknowledgedAt.toISOString(), acknowledgeBy: acknowledgeBy.toISOString(), minutesLate },
    },
  ];
}
