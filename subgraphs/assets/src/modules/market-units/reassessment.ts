import type { EntityReferences } from "@sfe/kit";
import type { MarketUnitRow } from "./repository.js";

/** The products subgraph's gateway-only route (products' modules/qualification/routes.ts). */
const UNIT_REASSESSMENT_PATH = "/internal/market-units/reassessment";

/**
 * After the commit that changed a unit's members: when it is REASSESSMENT_REQUIRED, tell the products subgraph, whose
 * QUALIFIED assessments of it then need reassessment (products asks back for the unit's status, as the caller). The
 * change is committed either way, so a failure is logged, not answered: the members did change.
 */
export async function announceReassessment(
  references: EntityReferences,
  units: readonly Pick<MarketUnitRow, "id" | "status">[],
  /** Why, when it is not the unit's own member change (e.g. a member's material capacity change, R-AST-7). */
  reason?: string,
): Promise<void> {
  const marketUnitIds = units.filter((unit) => unit.status === "REASSESSMENT_REQUIRED").map((unit) => unit.id);
  if (marketUnitIds.length === 0 || !references.call) return; // in-process tests have no products subgraph to tell
  try {
    const { status } = await references.call("products", UNIT_REASSESSMENT_PATH, { marketUnitIds, ...(reason && { reason }) });
    if (status !== 200) console.error(`products answered ${status} to the reassessment of market units ${marketUnitIds.join(", ")}`);
  } catch (error) {
    console.error(`could not tell products that market units ${marketUnitIds.join(", ")} need reassessment`, error);
  }
}
