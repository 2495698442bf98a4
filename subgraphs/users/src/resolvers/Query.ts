import { page, requireUuid } from "@sfe/kit";
import type { QueryResolvers } from "../__generated__/resolvers-types.js";
import type { Repositories } from "../repositories/index.js";

/** The audit trail's query (the modules resolve the others); who may read it: src/policy.ts. */
export const Query = (repos: Repositories): QueryResolvers => ({
  auditEvents: (_, { organisationId, first, offset }) =>
    repos.audit.byOrganisation(requireUuid(organisationId, "organisationId"), page(first, offset, 500)),
});
