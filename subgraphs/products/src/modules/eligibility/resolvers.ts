import type { Resolvers } from "../../__generated__/resolvers-types.js";
import type { Context } from "../../loaders.js";
import { type CatalogueDeps, catalogueFor } from "./catalogue.js";
import { assetSubject, unitSubject } from "./facts.js";
import type { ProductEligibilityMapper } from "./mappers.js";
import { evaluate, productFacts, type Outcome, type Subject } from "./rules.js";
import { productIdsArgument } from "./validation.js";

const ORDER: Record<Outcome, number> = { ELIGIBLE: 0, ELIGIBLE_WITH_GAPS: 1, NOT_ELIGIBLE: 2 };

/** Every compared product's verdict for one subject: eligible first, then with gaps, then not; each by code. */
async function eligibility(
  deps: CatalogueDeps,
  subject: () => Subject,
  productIds: readonly string[] | null | undefined,
  context: Context,
): Promise<ProductEligibilityMapper[]> {
  const { products, zones } = await catalogueFor(deps, context, productIdsArgument(productIds));
  const facts = subject();
  return products
    .map((product): ProductEligibilityMapper => ({ product, indicative: true, ...evaluate(facts, productFacts(product), zones) }))
    .sort((a, b) => ORDER[a.outcome] - ORDER[b.outcome]); // stable: code order within an outcome
}

export const resolvers = (deps: CatalogueDeps): Resolvers => ({
  Asset: {
    eligibility: (asset, { productIds }, context) => eligibility(deps, () => assetSubject(asset), productIds, context),
  },
  MarketUnit: {
    eligibility: (unit, { productIds }, context) => eligibility(deps, () => unitSubject(unit), productIds, context),
  },
});
