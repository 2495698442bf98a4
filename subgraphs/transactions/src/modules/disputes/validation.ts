import { badInput, quote, requireText, requireUuid } from "@sfe/kit";
import type { RaiseDisputeInput, UpdateDisputeStatusInput } from "../../__generated__/resolvers-types.js";
import { gbpToPence } from "../settlement/validation.js";
import type { DisputeSubjectType } from "./tables.js";

const MAX_EVIDENCE = 20;
const WH = /^-?\d{1,15}$/;

export function raiseValues(input: RaiseDisputeInput) {
  const evidence = input.evidence ?? [];
  if (evidence.length > MAX_EVIDENCE) throw badInput(`evidence: at most ${MAX_EVIDENCE} references`, "evidence");
  return {
    subjectType: input.subject.entityType,
    subjectId: requireUuid(input.subject.entityId, "subject.entityId"),
    category: input.category,
    description: requireText(input.description, "description", 4000),
    evidence: evidence.map((ref, i) => requireText(ref, `evidence[${i}]`, 500)),
  };
}

export interface Correction {
  deliveredWh?: bigint;
  adjustmentPence?: bigint;
}

/** The status move's extras, checked: RESOLVED_CORRECTED needs the correction its subject takes. */
export function updateValues(input: UpdateDisputeStatusInput, subjectType: DisputeSubjectType) {
  const outcome = input.outcome == null ? null : requireText(input.outcome, "outcome", 4000);
  if (input.status !== "RESOLVED_CORRECTED") {
    if (input.correction) throw badInput("correction: only a RESOLVED_CORRECTED dispute carries a correction", "correction");
    return { outcome, correction: null };
  }
  const given = input.correction;
  const correction: Correction = {};
  if (subjectType === "PERFORMANCE_ASSESSMENT") {
    const text = given?.deliveredWh?.trim();
    if (!text || !WH.test(text)) {
      throw badInput(
        `correction.deliveredWh: the corrected delivered energy in whole Wh is required, got ${quote(given?.deliveredWh ?? null)}`,
        "correction.deliveredWh",
      );
    }
    if (given?.adjustmentGbp != null)
      throw badInput("correction.adjustmentGbp: an assessment is corrected by its deliveredWh", "correction.adjustmentGbp");
    correction.deliveredWh = BigInt(text);
  } else {
    if (given?.adjustmentGbp == null) {
      throw badInput("correction.adjustmentGbp: the agreed adjustment in £ is required", "correction.adjustmentGbp");
    }
    if (given.deliveredWh != null)
      throw badInput("correction.deliveredWh: only an assessment's delivered energy is corrected", "correction.deliveredWh");
    correction.adjustmentPence = gbpToPence(given.adjustmentGbp, "correction.adjustmentGbp");
    if (correction.adjustmentPence === 0n)
      throw badInput("correction.adjustmentGbp: a correction of £0 is RESOLVED_NO_ACTION", "correction.adjustmentGbp");
  }
  return { outcome, correction };
}
