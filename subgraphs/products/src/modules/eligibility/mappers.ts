import type { ProductRow } from "../../repositories/products.js";
import type { Check, Outcome } from "./rules.js";

/** One (asset or unit, product) verdict: the product resolves as a row of this subgraph. */
export type ProductEligibilityMapper = { product: ProductRow; outcome: Outcome; indicative: true; checks: Check[] };
