import { page } from "@sfe/kit";
import type { QueryResolvers } from "../__generated__/resolvers-types.js";
import { visibleConflictScope } from "../access.js";
import type { Repositories } from "../repositories/index.js";

export const Query = (repos: Repositories): QueryResolvers => ({
  marketRule: (_, { id }, { loaders }) => loaders.marketRule.load(id),
  marketRules: (_, { productId, kind, status, first, offset }) =>
    repos.marketRules.list({ productId, kind, status, ...page(first, offset, 500) }),
  conflict: (_, { id }, { identity, loaders }) => loaders.conflict(visibleConflictScope(identity)).load(id),
  conflicts: (_, { assetId, status, kind, first, offset }, { identity }) =>
    repos.conflicts.list(visibleConflictScope(identity), { assetId, status, kind, ...page(first, offset, 500) }),
});
