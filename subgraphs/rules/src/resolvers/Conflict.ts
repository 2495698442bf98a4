import type { ConflictResolvers } from "../__generated__/resolvers-types.js";
import { visibleConflictScope } from "../access.js";

export const Conflict: ConflictResolvers = {
  /** Null for a conflict the caller is not a party to (existence is not revealed). */
  __resolveReference: ({ id }, { identity, loaders }) => loaders.conflict(visibleConflictScope(identity)).load(id),
  instructions: ({ instructionIds }) => instructionIds.map((id) => ({ __typename: "DispatchInstruction", id })),
  parties: ({ partyIds }) => partyIds.map((id) => ({ __typename: "Organisation", id })),
  rule: ({ ruleId }, _, { loaders }) => (ruleId ? loaders.marketRule.load(ruleId) : null),
  items: ({ items }) =>
    items?.map(({ soOrgId, ...item }) => ({ ...item, soOrganisationId: soOrgId, start: new Date(item.start), end: new Date(item.end) })) ??
    null,
};
