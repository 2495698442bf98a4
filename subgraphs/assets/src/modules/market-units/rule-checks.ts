import { type EntityReferences, enforce, knownFacts, type RuleWarning, SfeError } from "@sfe/kit";
import type { MarketUnitRow } from "./repository.js";

/** The products subgraph's gateway-only route: the products a subject is qualified or being assessed for. */
const SUBJECT_PRODUCTS_PATH = "/internal/qualifications/products";

const productsUnavailable = (why: string) =>
  new SfeError("UPSTREAM_UNAVAILABLE", `The products subgraph could not say the unit's products (${why})`, { subgraph: "products" });

/** The products `unitId` is qualified or being assessed for, asked of the products subgraph once. */
async function productsOf(references: EntityReferences, unitId: string): Promise<string[]> {
  if (!references.call) throw productsUnavailable("no route to it is configured");
  const { status, body } = await references.call<{ subjects?: { productIds?: string[] }[] } | null>("products", SUBJECT_PRODUCTS_PATH, {
    subjectIds: [unitId],
  });
  const productIds = body?.subjects?.[0]?.productIds;
  if (status !== 200 || !Array.isArray(productIds)) throw productsUnavailable(`HTTP ${status}`);
  return productIds;
}

/**
 * A unit's composition (created with its members, members added or removed) against the MARKET_UNIT market rules
 * (issue 11 item 2; R-MU-2, the aggregation scope per product): the products the unit is qualified or being assessed
 * for decide which product rules apply (a unit being created is in none yet, so products is not asked); the facts are
 * the unit as it would be after the change. BLOCK: RULE_VIOLATION with the values compared, nothing written; NOTIFY:
 * the change with the warnings. Either subgraph unreachable: UPSTREAM_UNAVAILABLE.
 *
 * memberCmzCount (R-MU-2's CMZ scope) is not a fact here: the hub keeps no member's network location (domain §4.3
 * cmzIds), and a zone's GSP groups do not place an asset inside it, so a CMZ-scoped rule is NOT_APPLICABLE.
 */
export async function enforceUnitComposition(
  references: EntityReferences,
  unit: Pick<MarketUnitRow, "id" | "ownerId" | "unitType">,
  next: { gspGroups: (string | null)[]; created?: boolean },
): Promise<RuleWarning[]> {
  const productIds = next.created ? [] : await productsOf(references, unit.id);
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
