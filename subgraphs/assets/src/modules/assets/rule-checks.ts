import { type EntityReferences, evaluate, knownFacts, type RuleWarning, ruleViolation, warningsOf } from "@sfe/kit";
import type { AssetRow } from "./repository.js";

/**
 * An asset's capacity change against the ASSET_CHANGE market rules (issue 11 item 2), through the kit's rule-check
 * client: BLOCK refuses before anything is written; a flagged rule that compared `capacityChangePct` (R-AST-7, its
 * threshold the rule's own parameter, e.g. 10%) is a material change, so the caller marks the asset's units for
 * reassessment. The rules subgraph unreachable: UPSTREAM_UNAVAILABLE (fail closed).
 */
export interface CapacityCheck {
  warnings: RuleWarning[];
  /** The codes of the rules that found the change material (they read capacityChangePct and were not met). */
  materialBy: string[];
}

const capability = (importKw: number, exportKw: number) => Math.max(importKw, exportKw);

/** Null when the change leaves the asset's capability (max of import and export) as it was: nothing to evaluate. */
export async function checkCapacityChange(
  references: EntityReferences,
  asset: Pick<AssetRow, "id" | "ownerId" | "importCapacityKw" | "exportCapacityKw">,
  next: { importCapacityKw?: number | undefined; exportCapacityKw?: number | undefined },
): Promise<CapacityCheck | null> {
  const previousCapacityKw = capability(asset.importCapacityKw, asset.exportCapacityKw);
  const newCapacityKw = capability(next.importCapacityKw ?? asset.importCapacityKw, next.exportCapacityKw ?? asset.exportCapacityKw);
  if (newCapacityKw === previousCapacityKw) return null;
  const subject = { type: "Asset", id: asset.id };
  const result = await evaluate(references, {
    subjectKind: "ASSET_CHANGE",
    subject,
    facts: knownFacts({
      previousCapacityKw,
      newCapacityKw,
      // Rounded to 0.01 %: what a person compares with the threshold.
      capacityChangePct:
        previousCapacityKw > 0 ? Math.round((Math.abs(newCapacityKw - previousCapacityKw) / previousCapacityKw) * 10_000) / 100 : null,
      exportKw: next.exportCapacityKw ?? asset.exportCapacityKw,
    }),
    productIds: [],
    partyIds: [asset.ownerId],
  });
  if (result.decision === "BLOCK") throw ruleViolation("ASSET_CHANGE", subject, result);
  const materialBy = result.outcomes
    .filter((o) => (o.outcome === "WARN" || o.outcome === "FAIL") && "capacityChangePct" in o.valuesCompared)
    .map((o) => o.code);
  return { warnings: warningsOf(result), materialBy };
}
