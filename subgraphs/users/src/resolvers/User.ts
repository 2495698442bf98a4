import type { UserResolvers } from "../__generated__/resolvers-types.js";

/** References resolve only to users the caller may see: src/policy.ts. */
export const User: UserResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.user.load(id),
  organisation: async ({ organisationId }, _, { loaders }) => {
    const organisation = await loaders.organisation.load(organisationId);
    if (!organisation) throw new Error(`user's organisation ${organisationId} is missing`); // a foreign key guarantees it
    return organisation;
  },
};
