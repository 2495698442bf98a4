// Row refusals and batched lookups every entity spec shares (entities.ts and the specs beside it).
import type { EntityReferences } from "@sfe/kit";
import type { IngestRowError } from "./tables.js";

export const refusal = (row: number, field: string, reason: string, message: string): IngestRowError => ({
  row,
  field,
  code: "BAD_USER_INPUT",
  reason,
  message,
});
export const forbiddenRow = (row: number, field: string, message: string): IngestRowError => ({
  row,
  field,
  code: "FORBIDDEN",
  reason: "NOT_YOURS",
  message,
});

/** Distinct ids → owner organisation id (null where the owner subgraph does not know the id, or hides it). */
export async function ownersOf(references: EntityReferences, typename: string, ids: Iterable<string>): Promise<Map<string, string | null>> {
  const distinct = [...new Set(ids)];
  if (distinct.length === 0) return new Map();
  const found = await references.lookup<{ owner?: { id: string } | null }>(typename, distinct, "owner { id }");
  return new Map(distinct.map((id, i) => [id, found[i]?.owner?.id ?? null]));
}

/** The hub product a UKPN product code is for: `product.<CODE>=<id>` or, for every code, `productId=<id>`. */
export function productIdOf(params: URLSearchParams, code: string): string | null {
  return params.get(`product.${code}`) ?? params.get("productId");
}

/**
 * A price column's type, as the target tables hold prices: a staged value is rounded as the stored one is, so a file
 * giving more decimals (NESO's `11.44444444`) compares equal to what it wrote and a replay is a repeat, not an update.
 */
export const PRICE = "numeric(12, 4)";
