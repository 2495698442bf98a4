import { notFound, page, requireUuid } from "@sfe/kit";
import type { Resolvers } from "../../__generated__/resolvers-types.js";
import { actor } from "../../identity.js";
import type { ModuleDeps } from "../../services/index.js";
import { companyNumber, organisationName, roles, soAreas } from "./validation.js";

/** Who may read and change what: ./policy.ts (`users` is for members and hub administrators only). */
export const resolvers = ({ repos, services }: ModuleDeps): Resolvers => ({
  Query: {
    organisation: (_, { id }, { loaders }) => loaders.organisation.load(id),
    organisations: (_, { role, first, offset }) => repos.organisations.list({ role, ...page(first, offset, 500) }),
  },

  Mutation: {
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

    deregisterOrganisation: (_, { id }, { identity }) => services.organisations.deregisterOrganisation(actor(identity), id),
    reinstateOrganisation: (_, { id }, { identity }) => services.organisations.reinstateOrganisation(actor(identity), id),
  },

  Organisation: {
    __resolveReference: ({ id }, { loaders }) => loaders.organisation.load(id),
    users: ({ id }, _, { loaders }) => loaders.usersByOrganisation.load(id),
  },
});
