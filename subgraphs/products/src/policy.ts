import { allow, forbidden, type Identity, type Policy, type Rule, requireUuid } from "@sfe/kit";
import { canChangeProduct, publishRefusal } from "./access.js";
import type { Context } from "./loaders.js";
import { initialStatus } from "./validation.js";

/**
 * Who may call each operation of the products subgraph, on the kit's policy model (kit/src/policy.ts).
 * A product catalogue is market information: anyone signed in reads it (drafts are filtered out in SQL by
 * `visibleProducts`, access.ts); only verified system operators and hub administrators write it, an SO
 * for its own organisation, and only a hub administrator publishes ("SO proposes, administrator publishes").
 * Changes to an existing product are decided against the locked row (access.ts requireMayUpdate).
 */

/** Any signed-in person, or an API key with products:read (or products:write). */
export const readProducts: Rule = allow.all(allow.signedIn(), allow.scope("products", "read"));

/** A verified system operator (effective role) or a hub administrator; API keys need products:write. */
export const writeProducts: Rule = allow.all(allow.scope("products", "write"), allow.roles("SYSTEM_OPERATOR", "ADMIN"));

export const policy: Policy<Context> = {
  "Query.product": readProducts,
  "Query.products": readProducts,
  "Product.versions": readProducts,
  "Organisation.products": readProducts,
  // A system operator creates products for its own organisation, never PUBLISHED. The owner and status are
  // read as the resolver reads them (BAD_USER_INPUT first when malformed), then decided.
  "Mutation.createProduct": (identity, { args: { input } }) => {
    const refusal = writeProducts(identity);
    if (refusal) return refusal;
    const ownerId = requireUuid(input.ownerId, "ownerId");
    const status = initialStatus(input.status);
    if (!canChangeProduct(identity, { ownerId })) return forbidden("A system operator may create products only for its own organisation");
    return publishRefusal(identity, status);
  },
  "Mutation.updateProduct": writeProducts,
  "Mutation.reviseProduct": writeProducts,
  "Mutation.setProductVersionStatus": writeProducts,
  "Query.productVersion": readProducts,
};

/**
 * Throws the rule's refusal, for `Product.__resolveReference`: a refused caller gets an error for each
 * representation (UNAUTHENTICATED, FORBIDDEN), which the kit's `__resolveReference` rules cannot answer
 * (they make a refused entity null without an error).
 */
export function enforce(rule: Rule, identity: Identity | null): void {
  const refusal = rule(identity);
  if (refusal) throw refusal;
}
