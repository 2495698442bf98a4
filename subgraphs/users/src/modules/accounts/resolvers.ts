import { badInput, notFound, requireEmail, requireText, requireUuid } from "@sfe/kit";
import type { Resolvers } from "../../__generated__/resolvers-types.js";
import { actor } from "../../identity.js";
import { organisationOf } from "../../loaders.js";
import type { ModuleDeps } from "../../services/index.js";

/** Who may see and change which users: ./policy.ts (references and `user` answer only users the caller may see). */
export const resolvers = ({ repos, services }: ModuleDeps): Resolvers => ({
  Query: {
    user: (_, { id }, { loaders }) => loaders.user.load(id),
    // The policy admits people only: they have a user id.
    me: (_, __, { identity, loaders }) => loaders.user.load(actor(identity).userId),
  },

  Mutation: {
    async createUser(_, { input }, { identity, loaders }) {
      const organisationId = requireUuid(input.organisationId, "organisationId");
      const organisation = await loaders.organisation.load(organisationId);
      if (!organisation) throw badInput(`Organisation ${organisationId} does not exist`, "organisationId");
      const user = await repos.users.create(
        {
          organisationId,
          email: requireEmail(input.email),
          name: requireText(input.name, "name"),
          role: input.role,
        },
        identity,
      );
      return { user };
    },

    async updateUser(_, { input }, { identity }) {
      const id = requireUuid(input.id, "id");
      if (input.status === "VERIFIED_SO") throw badInput("Use verifySystemOperator to verify a system operator", "status");
      // A role change goes through the members' rules (the organisation must hold it; SO verification follows the role).
      if (input.role != null) await services.members.changeMemberRole(actor(identity), { userId: id, role: input.role });
      const changes = {
        ...(input.name != null && { name: requireText(input.name, "name") }),
        ...(input.status != null && { status: input.status }),
      };
      const user = await repos.users.update(id, changes, identity);
      if (!user) throw notFound("User", input.id);
      return { user };
    },

    signUp: (_, { input }) => services.accounts.signUp(input),
    verifyEmail: (_, { token }) => services.accounts.verifyEmail(token),
    resendVerification: (_, { email }) => services.accounts.resendVerification(email),
    verifySystemOperator: (_, { userId }, { identity }) => services.accounts.verifySystemOperator(userId, actor(identity)),

    inviteMember: (_, { input }, { identity }) => services.members.inviteMember(actor(identity), input),
    acceptInvitation: (_, { input }) => services.members.acceptInvitation(input),
    changeMemberRole: (_, { input }, { identity }) => services.members.changeMemberRole(actor(identity), input),
  },

  User: {
    __resolveReference: ({ id }, { loaders }) => loaders.user.load(id),
    organisation: organisationOf("user"),
  },

  Invitation: {
    organisation: organisationOf("invitation"),
  },
});
