import { page } from "@sfe/kit";
import type { QueryResolvers } from "../__generated__/resolvers-types.js";
import type { Repositories } from "../repositories/index.js";

export const Query = (repos: Repositories): QueryResolvers => ({
  organisation: (_, { id }, { loaders }) => loaders.organisation.load(id),
  organisations: (_, { role, first, offset }) => repos.organisations.list({ role, ...page(first, offset, 500) }),
  user: (_, { id }, { loaders }) => loaders.user.load(id),
});
