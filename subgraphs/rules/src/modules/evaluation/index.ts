import type { HttpRoute, IdentityVerifier, SchemaModule } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import type { RuleSources } from "./engine.js";
import { policy } from "./policy.js";
import type { RuleEvaluationRepository } from "./repository.js";
import { resolvers } from "./resolvers.js";
import { evaluationRoutes } from "./routes.js";

export {
  type EvaluableRule,
  type EvaluationRequest,
  type EvaluationResult,
  evaluableRule,
  evaluateRules,
  type RuleSources,
} from "./engine.js";
export { checkExpression } from "./expression.js";
export { FACT_SCHEMAS, SUBJECT_KINDS } from "./facts.js";
export { createRuleEvaluationRepository, type RuleEvaluationRepository } from "./repository.js";
export { RULES_EVALUATE_PATH } from "./routes.js";

/**
 * The rules engine (issue 11): evaluates market rules held as data (JSONLogic over declared facts per subject kind)
 * on a subject, records every outcome, answers the decision: `checkRules` (dry run), `ruleEvaluations(subjectId)`,
 * and the gateway-only route `POST /internal/rules/evaluate` for the other subgraphs.
 */
export const createEvaluationModule = (deps: {
  sources: RuleSources;
  evaluations: RuleEvaluationRepository;
  verifier?: IdentityVerifier | undefined;
}): SchemaModule<Context> & { routes: HttpRoute[] } => ({
  name: "evaluation",
  resolvers: resolvers(deps),
  policy,
  routes: evaluationRoutes(deps),
});
