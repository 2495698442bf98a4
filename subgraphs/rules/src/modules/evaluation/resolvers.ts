import { randomUUID } from "node:crypto";
import { page, seesEveryOrganisation } from "@sfe/kit";
import type { Resolvers } from "../../__generated__/resolvers-types.js";
import { evaluateRules, type RuleSources } from "./engine.js";
import { FACT_SCHEMAS, SUBJECT_KINDS } from "./facts.js";
import type { RuleEvaluationRepository } from "./repository.js";

export const resolvers = (deps: { sources: RuleSources; evaluations: RuleEvaluationRepository }): Resolvers => ({
  Query: {
    checkRules: (_, { subjectKind, productIds, facts, subMarketIds, at, subject }, { identity }) =>
      evaluateRules(deps, {
        subjectKind,
        subject: subject ?? { type: "DryRun", id: randomUUID() },
        facts,
        productIds,
        subMarketIds: subMarketIds ?? [],
        at: at ?? new Date(),
        partyIds: identity?.organisationId ? [identity.organisationId] : [],
      }),
    ruleEvaluations: (_, { subjectId, first, offset }, { identity }) => {
      const { limit, offset: skip } = page(first, offset, 500);
      if (seesEveryOrganisation(identity)) return deps.evaluations.bySubject(subjectId, {}, limit, skip);
      // Policy admits only FSPs and SOs here: each reads the evaluations that name its organisation.
      return identity?.organisationId ? deps.evaluations.bySubject(subjectId, { partyId: identity.organisationId }, limit, skip) : [];
    },
    ruleFactSchemas: () =>
      SUBJECT_KINDS.map((subjectKind) => ({
        subjectKind,
        fields: Object.entries(FACT_SCHEMAS[subjectKind]).map(([name, field]) => ({ name, ...field })),
      })),
  },
  RuleOutcomeResult: {
    rule: ({ ruleId }, _, { loaders }) => (ruleId ? loaders.marketRule.load(ruleId) : null),
  },
  RuleEvaluation: {
    rule: ({ ruleId }, _, { loaders }) => (ruleId ? loaders.marketRule.load(ruleId) : null),
  },
});
