import { type EntityReferences, enforce, knownFacts, type RuleWarning, SfeError } from "@sfe/kit";
import type { MarketUnitRow } from "./repository.js";

/** The products subgraph's gateway-only route: the products a subject is qualified or being assessed for. */
const SUBJECT_PRODUCTS_PATH = "/internal/qualifications/products";

/**
 * A unit's member change against the MARKET_UNIT market rules (issue 11 item 2; R-MU-2, the aggregation scope per
 * product): the products the unit is qualified or being assessed for (asked of the products subgraph, once) decide
 * which rules apply; the facts are the unit as it would be after the change. BLOCK: RULE_VIOLATION with the values
 * compared, nothing written; NOTIFY: the change with the warnings. Either subgraph unreachable: UPSTREAM_UNAVAILABLE.
 */
export async function enforceMemberChange(
  references: EntityReferences,
  unit: Pick<MarketUnitRow, "id" | "ownerId" | "unitType">,
  next: { gspGroups: (string | null)[] },
): Promise<RuleWarning[]> {
  if (!references.call) {
    throw new SfeError("UPSTREAM_UNAVAILABLE", "The products subgraph could not say the unit's products (no route to it is configured)", {
      subgraph: "products",
    });
  }
  const { status, body } = await references.call<{ subjects?: { productIds?: string[] }[] } | null>("products", SUBJECT_PRODUCTS_PATH, {
    subjectIds: [unit.id],
  });
  const productIds = body?.subjects?.[0]?.productIds;
  if (status !== 200 || !Array.isArray(productIds)) {
    throw new SfeError("UPSTREAM_UNAVAILABLE", `The products subgraph could not say the unit's products (HTTP ${status})`, {
      subgraph: "products",
    });
  }
  const groups = next.gspGroups.filter((group): group is string => !!group);
  return enforce(references, {
    subjectKind: "MARKET_UNIT",
    subject: { type: "MarketUnit", id: unit.id },
    facts: knownFacts({
      unitType: unit.unitType,
      // Members whose location is unknown add no group (as MarketUnit.gspGroups).
      memberGspGroupCount: new Set(groups).size,
    }),
    productIds,
    partyIds: [unit.ownerId],
  });
}
