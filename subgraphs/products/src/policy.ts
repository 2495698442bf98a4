import { allow, type Identity, type Policy, type Rule } from "@sfe/kit";

/**
 * Who may call each operation of the products subgraph (row-level limits live in `access.ts`).
 * A product catalogue is market information: anyone signed in reads it (drafts are filtered out
 * by `visibleProducts`); only verified system operators and hub administrators write it.
 */

/** Any signed-in person, or an API key with products:read (or products:write). */
export const readProducts: Rule = allow.all(allow.signedIn(), allow.scope("products", "read"));

/** A verified system operator (effective role) or a hub administrator; API keys need products:write. */
export const writeProducts: Rule = allow.all(allow.scope("products", "write"), allow.roles("SYSTEM_OPERATOR", "ADMIN"));

export const policy: Policy = {
  "Query.product": readProducts,
  "Query.products": readProducts,
  "Organisation.products": readProducts,
  "Mutation.createProduct": writeProducts,
  "Mutation.updateProduct": writeProducts,
};

/** Throws the rule's refusal, for resolvers the policy table cannot wrap (`__resolveReference`). */
export function enforce(rule: Rule, identity: Identity | null): void {
  const refusal = rule(identity);
  if (refusal) throw refusal;
}
