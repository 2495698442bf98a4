import { allow, forbidden, type Identity, type Policy, type Rule, requireUuid, seesEveryOrganisation } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import { readProducts } from "../../policy.js";
import type { CommercialQualificationRow } from "./repository.js";

/**
 * A commercial qualification is assessed once for the whole market, so no one system operator decides it for the
 * others: a hub administrator does, as market facilitator (like publishing a product). The organisation's own members
 * see it and ask for it; system operators see it (they contract with the organisation); nobody else does.
 */
export const seesCommercialQualification = (identity: Identity | null, row: Pick<CommercialQualificationRow, "organisationId">) =>
  seesEveryOrganisation(identity) ||
  identity?.organisationId === row.organisationId ||
  identity?.roles.includes("SYSTEM_OPERATOR") === true;

const rowRule = (identity: Identity | null, row: CommercialQualificationRow) =>
  seesCommercialQualification(identity, row) ? null : "hide";

const requestRule: Rule = allow.all(allow.scope("products", "write"), allow.roles("FSP", "ADMIN"));

export const policy: Policy<Context> = {
  "Query.commercialQualification": { call: readProducts, row: rowRule },
  "Organisation.commercialQualification": { call: readProducts, row: rowRule },
  "Mutation.requestCommercialQualification": (identity, { args: { input } }) => {
    const refusal = requestRule(identity);
    if (refusal) return refusal;
    const organisationId = requireUuid(input.organisationId, "organisationId");
    return seesEveryOrganisation(identity) || identity?.organisationId === organisationId
      ? null
      : forbidden("An organisation asks for its own commercial qualification only");
  },
  "Mutation.assessCommercialQualification": allow.all(allow.scope("products", "write"), allow.roles("ADMIN")),
};
