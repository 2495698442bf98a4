import { badInput, requireUuid } from "@sfe/kit";

/** At most this many products per question: an answer is subjects × products verdicts. */
export const MAX_PRODUCT_IDS = 100;

/** null (every published product) or the distinct ids, each a well-formed id. */
export function productIdsArgument(ids: readonly string[] | null | undefined): string[] | null {
  if (ids == null) return null;
  if (ids.length > MAX_PRODUCT_IDS) {
    throw badInput(`productIds: at most ${MAX_PRODUCT_IDS} products per question, got ${ids.length}`, "productIds");
  }
  return [...new Set(ids.map((id) => requireUuid(id, "productIds")))];
}
