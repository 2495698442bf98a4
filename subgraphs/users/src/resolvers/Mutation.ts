import { badInput, notFound, requireEmail, requireText, requireUuid } from "@sfe/kit";
import type { MutationResolvers } from "../__generated__/resolvers-types.js";
import type { Repositories } from "../repositories/index.js";
import { companyNumber, organisationName, roles } from "../validation.js";

export const Mutation = (repos: Repositories): MutationResolvers => ({
  async registerOrganisation(_, { input }, { identity }) {
    const organisation = await repos.organisations.create(
      { name: organisationName(input.name), companyNumber: companyNumber(input.companyNumber), roles: roles(input.roles) },
      identity,
    );
    return { organisation };
  },

  async updateOrganisation(_, { input }, { identity }) {
    const changes = {
      ...(input.name != null && { name: organisationName(input.name) }),
      ...(input.companyNumber !== undefined && { companyNumber: companyNumber(input.companyNumber) }),
      ...(input.roles != null && { roles: roles(input.roles) }),
      ...(input.status != null && { status: input.status }),
    };
    const organisation = await repos.organisations.update(requireUuid(input.id, "id"), changes, identity);
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
    const changes = {
      ...(input.name != null && { name: requireText(input.name, "name") }),
      ...(input.role != null && { role: input.role }),
      ...(input.status != null && { status: input.status }),
    };
    const user = await repos.users.update(requireUuid(input.id, "id"), changes, identity);
    if (!user) throw notFound("User", input.id);
    return { user };
  },
});
