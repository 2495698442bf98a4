import { createHash, randomUUID } from "node:crypto";
import { badInput, isUuid, quote } from "@sfe/kit";
import type { MarketRuleRow } from "../../repositories/marketRules.js";
import type { RuleMode, RuleScope, RuleSeverity, RuleSource, SubjectKind } from "../../db/schema.js";
import { checkExpression, runExpression } from "./expression.js";
import { FACT_SCHEMAS, isFactValue, SUBJECT_KINDS } from "./facts.js";
import type { RuleEvaluationRepository } from "./repository.js";
import type { EnforcementMode, RuleOutcome } from "./tables.js";

/** A rule as the engine evaluates it: a stored one, or one fetched from an SO's rules API (no hub id). */
export interface EvaluableRule {
  id: string | null;
  code: string;
  name: string;
  version: number;
  subjectKind: SubjectKind;
  expression: unknown;
  parameters: Record<string, unknown>;
  severity: RuleSeverity;
  mode: RuleMode;
  source: RuleSource;
  productId: string | null;
  scope: RuleScope;
  documentRef: string | null;
  /** In force from (inclusive) … to (exclusive); absent: in force at every time it was read for. */
  effectiveFrom?: Date | null;
  effectiveTo?: Date | null;
}

export interface EvaluationRequest {
  subjectKind: SubjectKind;
  subject: { type: string; id: string };
  facts: Record<string, unknown>;
  /** The products the subject concerns (a bid's, a pair's when stacking): which rules apply. */
  productIds: readonly string[];
  subMarketIds?: readonly string[];
  at: Date;
  /** The organisations the subject concerns (its FSP, its SOs): who may read the evaluation afterwards. */
  partyIds: readonly string[];
}

export interface RuleOutcomeValue {
  ruleId: string | null;
  ruleVersion: number;
  code: string;
  name: string;
  severity: RuleSeverity;
  mode: EnforcementMode;
  source: RuleSource;
  outcome: RuleOutcome;
  message: string;
  valuesCompared: Record<string, unknown>;
  documentRef: string | null;
}

/** BLOCK when a BLOCKING rule FAILs; NOTIFY when any rule WARNs or FAILs (notify-only); else ALLOW. */
export type Decision = "ALLOW" | "NOTIFY" | "BLOCK";

export interface EvaluationResult {
  evaluationId: string;
  subjectKind: SubjectKind;
  subject: { type: string; id: string };
  inputHash: string;
  decision: Decision;
  outcomes: RuleOutcomeValue[];
  evaluatedAt: Date;
}

export const enforcementOf = (mode: RuleMode): EnforcementMode => (mode === "BLOCK" ? "BLOCKING" : "NOTIFY_ONLY");

/** A stored rule as the engine reads it. */
export const evaluableRule = (row: MarketRuleRow): EvaluableRule => ({
  id: row.id,
  code: row.code,
  name: row.name,
  version: row.version,
  subjectKind: row.subjectKind!,
  expression: row.expression,
  parameters: row.parameters,
  severity: row.severity,
  mode: row.mode,
  source: row.source,
  productId: row.productId,
  scope: row.scope,
  documentRef: row.documentRef,
  effectiveFrom: row.effectiveFrom,
  effectiveTo: row.effectiveTo,
});

const inForceAt = (rule: EvaluableRule, at: number) =>
  (rule.effectiveFrom == null || rule.effectiveFrom.getTime() <= at) && (rule.effectiveTo == null || rule.effectiveTo.getTime() > at);

const MAX_FACTS_BYTES = 64 * 1024;

/** The subject kind's facts as given: an object of declared names with values of their types (BAD_USER_INPUT naming the first that is not). */
export function checkFacts(subjectKind: SubjectKind, facts: unknown): Record<string, unknown> {
  if (!SUBJECT_KINDS.includes(subjectKind)) throw badInput(`subjectKind must be one of ${SUBJECT_KINDS.join(", ")}`, "subjectKind");
  if (typeof facts !== "object" || facts === null || Array.isArray(facts)) throw badInput("facts must be a JSON object", "facts");
  if (JSON.stringify(facts).length > MAX_FACTS_BYTES) throw badInput(`facts must be at most ${MAX_FACTS_BYTES} bytes of JSON`, "facts");
  const schema = FACT_SCHEMAS[subjectKind];
  for (const [name, value] of Object.entries(facts)) {
    const field = schema[name];
    if (!field)
      throw badInput(`facts.${name}: unknown field for ${subjectKind} (facts: ${Object.keys(schema).join(", ")})`, `facts.${name}`);
    if (value !== null && !isFactValue(field.type, value))
      throw badInput(`facts.${name} must be a ${field.type}, got ${quote(value)}`, `facts.${name}`);
  }
  return Object.fromEntries(Object.entries(facts).filter(([, value]) => value !== null));
}

/** JSON with keys sorted at every level: the same input always hashes alike. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object" && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export const inputHash = (request: Pick<EvaluationRequest, "subjectKind" | "facts" | "productIds" | "at">) =>
  createHash("sha256")
    .update(
      canonical({
        subjectKind: request.subjectKind,
        facts: request.facts,
        productIds: [...request.productIds].sort(),
        at: request.at.toISOString(),
      }),
    )
    .digest("hex");

/**
 * Whether `rule` applies to a subject concerning `productIds` (and `subMarketIds`, the fact `technology`): its own
 * product is among them, or both products of one of its pairs are; a rule with neither applies market-wide (within its
 * sub-markets, when it names any). A rule naming technologies applies only to those.
 */
export function applies(
  rule: EvaluableRule,
  productIds: readonly string[],
  subMarketIds: readonly string[],
  facts: Record<string, unknown>,
): boolean {
  const { scope } = rule;
  const technology = facts.technology;
  if (scope.technologies.length > 0 && typeof technology === "string" && !scope.technologies.includes(technology)) return false;
  const pairMatched = scope.productPairs.some((pair) => pair.productIds.every((id) => productIds.includes(id)));
  if (rule.productId != null) return productIds.includes(rule.productId) && (scope.productPairs.length === 0 || pairMatched);
  if (scope.productPairs.length > 0) return pairMatched;
  if (scope.subMarketIds.length > 0) return scope.subMarketIds.some((id) => subMarketIds.includes(id));
  return true;
}

const shown = (values: Record<string, unknown>) =>
  Object.entries(values)
    .map(([name, value]) => `${name} = ${JSON.stringify(value)}`)
    .join(", ");

/** One rule's outcome on `facts`: NOT_APPLICABLE when a fact it reads was not given; PASS when it holds; else FAIL (BLOCK severity) or WARN. */
export function outcomeOf(rule: EvaluableRule, facts: Record<string, unknown>): RuleOutcomeValue {
  const { references } = checkExpression(rule.expression, rule.subjectKind, rule.parameters);
  const valuesCompared = Object.fromEntries(
    references.map((name) => [name, name.startsWith("params.") ? rule.parameters[name.slice(7)] : (facts[name] ?? null)]),
  );
  const missing = references.filter((name) => !name.startsWith("params.") && facts[name] === undefined);
  const base = {
    ruleId: rule.id,
    ruleVersion: rule.version,
    code: rule.code,
    name: rule.name,
    severity: rule.severity,
    mode: enforcementOf(rule.mode),
    source: rule.source,
    valuesCompared,
    documentRef: rule.documentRef,
  };
  if (missing.length > 0) {
    return {
      ...base,
      outcome: "NOT_APPLICABLE",
      message: `${rule.code} ${rule.name}: not evaluated, facts not given: ${missing.join(", ")}`,
    };
  }
  const { holds, error } = runExpression(rule.expression, facts, rule.parameters);
  if (holds) return { ...base, outcome: "PASS", message: `${rule.code} ${rule.name}: met (${shown(valuesCompared)})` };
  const outcome: RuleOutcome = rule.severity === "BLOCK" ? "FAIL" : "WARN";
  const why = error ? `could not be evaluated (${error})` : "not met";
  return { ...base, outcome, message: `${rule.code} ${rule.name}: ${why} (${shown(valuesCompared)})` };
}

export function decisionOf(outcomes: readonly RuleOutcomeValue[]): Decision {
  if (outcomes.some((o) => o.outcome === "FAIL" && o.mode === "BLOCKING")) return "BLOCK";
  return outcomes.some((o) => o.outcome === "FAIL" || o.outcome === "WARN") ? "NOTIFY" : "ALLOW";
}

/** Where the rules of an evaluation come from: the hub's stored ones, and any fetched from SOs' rules APIs. */
export interface RuleSources {
  /** The stored rules of the kind in force at any time in [from, to] (each with its effective dates). */
  stored(subjectKind: SubjectKind, from: Date, to: Date): Promise<EvaluableRule[]>;
  external?: (subjectKind: SubjectKind, productIds: readonly string[], at: Date) => Promise<EvaluableRule[]>;
}

/** A well-formed evaluation request (BAD_USER_INPUT naming the first field that is not). */
export function checkRequest(request: EvaluationRequest): EvaluationRequest {
  const facts = checkFacts(request.subjectKind, request.facts);
  if (typeof request.subject?.type !== "string" || !/^[A-Za-z][A-Za-z0-9_]{0,39}$/.test(request.subject.type)) {
    throw badInput("subject.type must be a type name (e.g. Bid)", "subject.type");
  }
  if (typeof request.subject.id !== "string" || request.subject.id.length === 0 || request.subject.id.length > 100) {
    throw badInput("subject.id must be 1–100 characters", "subject.id");
  }
  for (const [field, ids] of [
    ["productIds", request.productIds],
    ["subMarketIds", request.subMarketIds ?? []],
    ["partyIds", request.partyIds],
  ] as const) {
    if (!Array.isArray(ids) || ids.length > 50 || ids.some((id) => typeof id !== "string" || !isUuid(id))) {
      throw badInput(`${field} must be a list of at most 50 ids`, field);
    }
  }
  if (!(request.at instanceof Date) || Number.isNaN(request.at.getTime())) throw badInput("at must be a date-time", "at");
  return { ...request, facts };
}

/**
 * Evaluates every rule for the subject kind in force at `at` that applies to the products (stored and external),
 * records each outcome (rule version, subject, input hash, outcome) in one insert, and answers the outcomes and the
 * decision. Rules are side-effect-free JSONLogic checked when saved: evaluation never meets an unknown field.
 */
export async function evaluateRules(
  deps: { sources: RuleSources; evaluations: RuleEvaluationRepository },
  given: EvaluationRequest,
): Promise<EvaluationResult> {
  const [result] = await evaluateRulesMany(deps, [given]);
  return result!;
}

/**
 * evaluateRules for many subjects at once (a file's dispatch instructions): every request checked first (a malformed
 * one refuses them all, naming it), the stored rules read once per subject kind over the requests' span and matched to
 * each request's time in memory (a file's instructions have as many times as rows; external ones once per time),
 * every outcome of every subject recorded in ONE insert. Each subject keeps its own evaluation id; answers in order.
 */
export async function evaluateRulesMany(
  deps: { sources: RuleSources; evaluations: RuleEvaluationRepository },
  given: readonly EvaluationRequest[],
): Promise<EvaluationResult[]> {
  const requests = given.map(checkRequest);
  const memo = new Map<string, Promise<EvaluableRule[]>>();
  const once = (key: string, read: () => Promise<EvaluableRule[]>) => {
    const found = memo.get(key) ?? read();
    memo.set(key, found);
    return found;
  };
  const span = new Map<SubjectKind, { from: number; to: number }>();
  for (const { subjectKind, at } of requests) {
    const known = span.get(subjectKind);
    span.set(subjectKind, { from: Math.min(known?.from ?? Infinity, at.getTime()), to: Math.max(known?.to ?? -Infinity, at.getTime()) });
  }
  const evaluatedAt = new Date();
  const results = await Promise.all(
    requests.map(async (request): Promise<EvaluationResult> => {
      const at = request.at.getTime();
      const { from, to } = span.get(request.subjectKind)!;
      const [read, external] = await Promise.all([
        once(`stored ${request.subjectKind}`, () => deps.sources.stored(request.subjectKind, new Date(from), new Date(to))),
        deps.sources.external
          ? once(`external ${request.subjectKind} ${[...request.productIds].sort().join(",")} ${at}`, () =>
              deps.sources.external!(request.subjectKind, request.productIds, request.at),
            )
          : Promise.resolve([]),
      ]);
      const stored = read.filter((rule) => inForceAt(rule, at));
      const rules = [...stored, ...external].filter((rule) => applies(rule, request.productIds, request.subMarketIds ?? [], request.facts));
      const outcomes = rules.map((rule) => outcomeOf(rule, request.facts));
      return {
        evaluationId: randomUUID(),
        subjectKind: request.subjectKind,
        subject: request.subject,
        inputHash: inputHash(request),
        decision: decisionOf(outcomes),
        outcomes,
        evaluatedAt,
      };
    }),
  );
  await deps.evaluations.record(
    results.flatMap((result, i) =>
      result.outcomes.map((o) => ({
        evaluationId: result.evaluationId,
        ruleId: o.ruleId,
        ruleCode: o.code,
        ruleVersion: o.ruleVersion,
        ruleSource: o.source,
        subjectKind: result.subjectKind,
        subjectType: result.subject.type,
        subjectId: result.subject.id,
        inputHash: result.inputHash,
        outcome: o.outcome,
        severity: o.severity,
        mode: o.mode,
        message: o.message,
        valuesCompared: o.valuesCompared,
        partyIds: [...new Set(requests[i]!.partyIds)],
        evaluatedAt,
      })),
    ),
  );
  return results;
}
