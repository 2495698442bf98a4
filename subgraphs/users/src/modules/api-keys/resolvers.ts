import { requireUuid } from "@sfe/kit";
import type { Resolvers } from "../../__generated__/resolvers-types.js";
import { actor } from "../../identity.js";
import { organisationOf } from "../../loaders.js";
import type { ModuleDeps } from "../../services/index.js";

/** An organisation's administrators manage its keys: ./policy.ts. */
export const resolvers = ({ repos, services }: ModuleDeps): Resolvers => ({
  Query: {
    apiKeys: (_, { organisationId }) => repos.apiKeys.byOrganisation(requireUuid(organisationId, "organisationId")),
  },

  Mutation: {
    createApiKey: (_, { input }, { identity }) => services.apiKeys.createApiKey(actor(identity), input),
    revokeApiKey: (_, { id }, { identity }) => services.apiKeys.revokeApiKey(actor(identity), id),
  },

  ApiKey: {
    organisation: organisationOf("API key"),
  },
});
