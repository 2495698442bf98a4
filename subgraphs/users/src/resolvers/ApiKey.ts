import type { ApiKeyResolvers } from "../__generated__/resolvers-types.js";

export const ApiKey: ApiKeyResolvers = {
  organisation: async ({ organisationId }, _, { loaders }) => {
    const organisation = await loaders.organisation.load(organisationId);
    if (!organisation) throw new Error(`API key's organisation ${organisationId} is missing`); // a foreign key guarantees it
    return organisation;
  },
};
