import type { OrganisationResolvers } from "../__generated__/resolvers-types.js";

/** `users` is for members and hub administrators only: src/policy.ts. */
export const Organisation: OrganisationResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.organisation.load(id),
  users: ({ id }, _, { loaders }) => loaders.usersByOrganisation.load(id),
};
