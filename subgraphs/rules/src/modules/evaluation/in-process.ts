import type { StaticAnswer } from "@sfe/kit";
import { checkExpression } from "./expression.js";
import type { EvaluableRule } from "./engine.js";
import type { NewRuleEvaluation, RuleEvaluationRepository, RuleEvaluationRow } from "./repository.js";
import { answerEvaluation, RULES_EVALUATE_PATH } from "./routes.js";

/** A rule for an in-process engine: what a stored rule holds, with defaults for what a test need not say. */
export type TestRule = Pick<EvaluableRule, "code" | "subjectKind" | "expression"> & Partial<EvaluableRule>;

/**
 * The real rules engine (fact schemas, JSONLogic, applicability, decision) for another subgraph's in-process tests,
 * as the `"rules /internal/rules/evaluate"` route of the kit's `staticReferences`: the rules in force are `rules`
 * (checked as createMarketRule checks them), every evaluation is kept in `recorded`. Not a stand-in answer: a fact
 * the subject kind does not declare is refused (400) exactly as over HTTP.
 */
export function inProcessRulesEngine(rules: TestRule[] = []) {
  const full = (rule: TestRule): EvaluableRule => {
    const complete: EvaluableRule = {
      id: null,
      name: rule.code,
      version: 1,
      parameters: {},
      severity: "BLOCK",
      mode: "BLOCK",
      source: "SFE_STORED",
      productId: null,
      scope: { technologies: [], productPairs: [], subMarketIds: [] },
      documentRef: null,
      ...rule,
    };
    checkExpression(complete.expression, complete.subjectKind, complete.parameters);
    return complete;
  };
  const inForce: EvaluableRule[] = rules.map(full);
  const recorded: NewRuleEvaluation[] = [];
  const evaluations = {
    record: async (rows: readonly NewRuleEvaluation[]) => {
      recorded.push(...rows);
      return rows as RuleEvaluationRow[];
    },
    bySubject: async () => [],
  } as unknown as RuleEvaluationRepository;
  const sources = { stored: async (subjectKind: string) => inForce.filter((rule) => rule.subjectKind === subjectKind) };
  const evaluate = (body: unknown): Promise<StaticAnswer> => answerEvaluation({ sources, evaluations }, body);
  return {
    routes: { [`rules ${RULES_EVALUATE_PATH}`]: evaluate },
    evaluate,
    recorded,
    /** Puts a rule in force (a test's product ids are known only once it made them). */
    add: (rule: TestRule) => void inForce.push(full(rule)),
  };
}
