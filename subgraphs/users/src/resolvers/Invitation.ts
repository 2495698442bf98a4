import type { InvitationResolvers } from "../__generated__/resolvers-types.js";

export const Invitation: InvitationResolvers = {
  organisation: async ({ organisationId }, _, { loaders }) => {
    const organisation = await loaders.organisation.load(organisationId);
    if (!organisation) throw new Error(`invitation's organisation ${organisationId} is missing`); // a foreign key guarantees it
    return organisation;
  },
};
