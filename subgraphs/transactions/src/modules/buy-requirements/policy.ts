import { allow, type Policy, type Rule } from "@sfe/kit";
import type { Context } from "../../loaders.js";

/**
 * Buy requirements are a public call for offers: once published anyone signed in reads them (an API key with
 * transactions:read), a DRAFT only its SO and administrators (filtered in SQL, access.ts). The product's SO writes
 * them (whether the product is its own is decided once its owner is known, resolvers.ts), an administrator any.
 */
export const readPublished: Rule = allow.all(allow.signedIn(), allow.scope("transactions", "read"));
export const writeAsBuyer: Rule = allow.all(allow.scope("transactions", "write"), allow.roles("SYSTEM_OPERATOR", "ADMIN"));

export const policy: Policy<Context> = {
  "Query.buyRequirement": readPublished,
  "Query.buyRequirements": readPublished,
  "BuyRequirement.bids": readPublished,
  "BuyRequirement.clearingResults": readPublished,
  "Mutation.createBuyRequirement": writeAsBuyer,
  // Who owns the requirement is decided against the locked row (repository.ts): FORBIDDEN, or NOT_FOUND unseen.
  "Mutation.updateBuyRequirementStatus": writeAsBuyer,
};
