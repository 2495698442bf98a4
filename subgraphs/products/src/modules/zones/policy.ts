import { forbidden, type Identity, type Policy, requireUuid, seesEveryOrganisation } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import { readProducts, writeProducts } from "../../policy.js";

/**
 * Zones are market information, like the product catalogue: anyone signed in reads them (investors too).
 * Verified system operators write the zones of their own organisation, hub administrators any; API keys
 * need products:write. An update is decided against the locked row (`requireMayChangeZone`).
 */
export const canChangeZone = (identity: Identity | null, operatorId: string) =>
  seesEveryOrganisation(identity) || (identity?.roles.includes("SYSTEM_OPERATOR") === true && identity.organisationId === operatorId);

/** Run against the locked row before an update. */
export function requireMayChangeZone(identity: Identity | null, operatorId: string): void {
  if (!canChangeZone(identity, operatorId)) {
    throw forbidden("Only the system operator that manages a zone, or a hub administrator, may change it");
  }
}

export const policy: Policy<Context> = {
  "Query.constraintManagedZones": readProducts,
  "Query.constraintManagedZone": readProducts,
  // The operator is read as the resolver reads it (BAD_USER_INPUT first when malformed), then decided.
  "Mutation.createConstraintManagedZone": (identity, { args: { input } }) => {
    const refusal = writeProducts(identity);
    if (refusal) return refusal;
    const operatorId = requireUuid(input.operatorId, "operatorId");
    return canChangeZone(identity, operatorId) ? null : forbidden("A system operator may create zones only for its own organisation");
  },
  "Mutation.updateConstraintManagedZone": writeProducts,
};
