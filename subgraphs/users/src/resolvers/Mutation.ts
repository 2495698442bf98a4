import { badInput, type Identity, notFound, requireEmail, requireText, requireUuid } from "@sfe/kit";
import type { MutationResolvers } from "../__generated__/resolvers-types.js";
import type { Repositories } from "../repositories/index.js";
import type { Context } from "../loaders.js";
import type { Services } from "../services/index.js";
import type { AttemptSource } from "../services/password-attempts.js";
import { companyNumber, organisationName, roles, soAreas } from "../validation.js";

/** The policy (src/policy.ts) has run before any of these: `identity` is who it allowed. */
const actor = (identity: Identity | null): Identity & { userId: string } => {
  if (!identity?.userId) throw new Error("the policy let an anonymous caller through"); // never: see policy.ts
  return identity as Identity & { userId: string };
};

/** Where a password attempt comes from: the caller's address and this request (one attempt per request). */
const attemptSource = (context: Context): AttemptSource => ({ clientAddress: context.clientAddress, request: context.loaders.request });

export const Mutation = (repos: Repositories, services: Services): MutationResolvers => ({
  async registerOrganisation(_, { input }, { identity }) {
    const held = roles(input.roles);
    const organisation = await repos.organisations.create(
      {
        name: organisationName(input.name),
        companyNumber: companyNumber(input.companyNumber),
        roles: held,
        areas: soAreas(input.areas ?? [], held),
      },
      identity,
    );
    return { organisation };
  },

  async updateOrganisation(_, { input }, { identity, loaders }) {
    const id = requireUuid(input.id, "id");
    const existing = await loaders.organisation.load(id);
    if (!existing) throw notFound("Organisation", input.id);
    const held = input.roles != null ? roles(input.roles) : existing.roles;
    const changes = {
      ...(input.name != null && { name: organisationName(input.name) }),
      ...(input.companyNumber !== undefined && { companyNumber: companyNumber(input.companyNumber) }),
      ...(input.roles != null && { roles: held }),
      ...((input.areas != null || input.roles != null) && {
        areas: soAreas(input.areas ?? (held.includes("SYSTEM_OPERATOR") ? existing.areas : []), held),
      }),
      ...(input.status != null && { status: input.status }),
    };
    const organisation = await repos.organisations.update(id, changes, identity);
    if (!organisation) throw notFound("Organisation", input.id);
    return { organisation };
  },

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

  signIn: (_, { input }, context) => services.sessions.signIn(input, attemptSource(context)),
  signInWithIdToken: (_, { idToken }, context) => services.sessions.signInWithIdToken(idToken, attemptSource(context)),
  refreshSession: (_, { refreshToken }) => services.sessions.refreshSession(refreshToken),
  signOut: (_, { refreshToken }) => services.sessions.signOut(refreshToken),
  changePassword: (_, { input }, context) => services.accounts.changePassword(actor(context.identity), input, attemptSource(context)),

  inviteMember: (_, { input }, { identity }) => services.members.inviteMember(actor(identity), input),
  acceptInvitation: (_, { input }) => services.members.acceptInvitation(input),
  changeMemberRole: (_, { input }, { identity }) => services.members.changeMemberRole(actor(identity), input),
  deregisterOrganisation: (_, { id }, { identity }) => services.members.deregisterOrganisation(actor(identity), id),
  reinstateOrganisation: (_, { id }, { identity }) => services.members.reinstateOrganisation(actor(identity), id),

  createApiKey: (_, { input }, { identity }) => services.apiKeys.createApiKey(actor(identity), input),
  revokeApiKey: (_, { id }, { identity }) => services.apiKeys.revokeApiKey(actor(identity), id),
});
