import { allow, type Identity, type Policy, type Rule } from "@sfe/kit";
import { canChangeProduct } from "../../access.js";
import type { Context } from "../../loaders.js";
import { readProducts, writeProducts } from "../../policy.js";

/**
 * Market testing (UC13). Whoever sees a product version sees its consultation (an IN_CONSULTATION version is
 * public market information); the owner SO and hub administrators open it, see every response and the
 * aggregate, and publish the summary. Verified market participants (FSPs, system operators) respond; an
 * investor or a regulator does not take part. A respondent sees only its own organisation's response.
 */

/** A verified FSP or system operator, as a person or an API key with products:write. */
export const respond: Rule = allow.all(allow.scope("products", "write"), allow.roles("FSP", "SYSTEM_OPERATOR"));

/** The owner SO and administrators see every response; anyone else only its organisation's. */
export const seesAllResponses = (identity: Identity | null, ownerId: string) => canChangeProduct(identity, { ownerId });

export const policy: Policy<Context> = {
  "Query.consultation": readProducts,
  "Mutation.openConsultation": writeProducts,
  "Mutation.submitProductFeedback": respond,
  "Mutation.publishConsultationSummary": writeProducts,
};
