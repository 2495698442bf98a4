import { forbidden, type Identity, type Policy, requireUuid, seesEveryOrganisation } from "@sfe/kit";
import { actsAsOwner } from "../../access.js";
import type { Context } from "../../loaders.js";
import { readProducts, writeProducts } from "../../policy.js";

/**
 * Sub-markets are market information, like products and zones: anyone signed in reads them. A verified system
 * operator writes those it operates, a hub administrator any; API keys need products:write. An update is decided
 * against the locked row (`requireMayChangeSubMarket`).
 */
export const canChangeSubMarket = (identity: Identity | null, operatorId: string) =>
  seesEveryOrganisation(identity) || actsAsOwner(identity, operatorId);

export function requireMayChangeSubMarket(identity: Identity | null, operatorId: string): void {
  if (!canChangeSubMarket(identity, operatorId)) {
    throw forbidden("Only the system operator that runs a sub-market, or a hub administrator, may change it");
  }
}

export const policy: Policy<Context> = {
  "Query.subMarkets": readProducts,
  "Query.subMarket": readProducts,
  "SubMarket.products": readProducts,
  // The operator is read as the resolver reads it (BAD_USER_INPUT first when malformed), then decided.
  "Mutation.createSubMarket": (identity, { args: { input } }) => {
    const refusal = writeProducts(identity);
    if (refusal) return refusal;
    const operatorId = requireUuid(input.operatorId, "operatorId");
    return canChangeSubMarket(identity, operatorId)
      ? null
      : forbidden("A system operator may create sub-markets only for its own organisation");
  },
  "Mutation.updateSubMarket": writeProducts,
};
