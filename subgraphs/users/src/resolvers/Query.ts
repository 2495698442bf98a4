import { page, requireUuid } from "@sfe/kit";
import type { QueryResolvers } from "../__generated__/resolvers-types.js";
import type { Repositories } from "../repositories/index.js";

/** Who may read what: src/policy.ts. */
export const Query = (repos: Repositories): QueryResolvers => ({
  organisation: (_, { id }, { loaders }) => loaders.organisation.load(id),
  organisations: (_, { role, first, offset }) => repos.organisations.list({ role, ...page(first, offset, 500) }),
  user: (_, { id }, { loaders }) => loaders.user.load(id),
  me: (_, __, { identity, loaders }) => (identity?.userId ? loaders.user.load(identity.userId) : null),
  apiKeys: (_, { organisationId }) => repos.apiKeys.byOrganisation(requireUuid(organisationId, "organisationId")),
  auditEvents: (_, { organisationId, first, offset }) =>
    repos.audit.byOrganisation(requireUuid(organisationId, "organisationId"), page(first, offset, 500)),
});
