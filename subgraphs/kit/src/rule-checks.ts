import { randomUUID } from "node:crypto";
import { SfeError } from "./errors.js";
import type { OutboxEvent } from "./outbox.js";
import type { EntityReferences } from "./references.js";

/**
 * The client side of market rules evaluated where it matters (issue 11 item 2), shared by every subgraph that writes
 * a rule's subject (transactions: bids, awards, declarations, dispatch; products: pre-qualification applications;
 * assets: capacity and member changes). The subject's facts (the rules subgraph's declared fact schema for its kind,
 * subgraphs/rules/src/modules/evaluation/facts.ts) go to the rules engine once, `POST /internal/rules/evaluate`.
 * BLOCK: RULE_VIOLATION naming every failed rule, nothing written. NOTIFY: the write goes ahead with warnings.
 * Fail closed: the rules subgraph unreachable, or no way to call it at all, is UPSTREAM_UNAVAILABLE naming it, so a
 * BLOCK rule is never skipped.
 */
export const RULES_EVALUATE_PATH = "/internal/rules/evaluate";

/** The rules engine's subject kinds (rules' facts.ts SUBJECT_KINDS). */
export type RuleSubjectKind =
  | "BID"
  | "QUALIFICATION_APPLICATION"
  | "AWARD"
  | "AVAILABILITY_DECLARATION"
  | "DISPATCH_INSTRUCTION"
  | "ASSET_CHANGE"
  | "MARKET_UNIT";

export interface RuleOutcome {
  ruleId: string | null;
  ruleVersion: number;
  code: string;
  name: string;
  severity: string;
  mode: string;
  source: string;
  outcome: "PASS" | "WARN" | "FAIL" | "NOT_APPLICABLE";
  message: string;
  valuesCompared: Record<string, unknown>;
  documentRef: string | null;
}

export interface RuleCheckResult {
  evaluationId: string | null;
  decision: "ALLOW" | "NOTIFY" | "BLOCK";
  outcomes: RuleOutcome[];
}

export interface RuleCheckRequest<K extends string = RuleSubjectKind> {
  subjectKind: K;
  /** The record's type and id: for a write, the id the record is written with (chosen before evaluating). */
  subject: { type: string; id: string };
  facts: Record<string, unknown>;
  productIds: string[];
  /** The FSP and the SO the subject concerns: they (and administrators) read the evaluation. */
  partyIds: (string | null | undefined)[];
  at?: Date;
}

/**
 * A rule the write did not block but flags (WARN rules, domain §8.5): the payload names the rule (its code), says why,
 * and gives the values compared.
 */
export interface RuleWarning {
  ruleId: string;
  message: string;
  values: Record<string, unknown>;
}

const unavailable = (subgraph: string, why: string) =>
  new SfeError("UPSTREAM_UNAVAILABLE", `The ${subgraph} subgraph could not check the market rules (${why})`, { subgraph });

/**
 * The rules engine, asked once per subject. References that cannot call the rules subgraph (no `call`) refuse with
 * UPSTREAM_UNAVAILABLE: a write whose rules were not evaluated is never let through.
 */
export async function evaluate<K extends string>(references: EntityReferences, request: RuleCheckRequest<K>): Promise<RuleCheckResult> {
  if (!references.call) throw unavailable("rules", "no route to it is configured");
  const { status, body } = await references.call<(RuleCheckResult & { outcomes?: RuleOutcome[] }) | null>(
    "rules",
    RULES_EVALUATE_PATH,
    requestBody(request),
  );
  if (status !== 200 || !body || !Array.isArray(body.outcomes)) throw unavailable("rules", `HTTP ${status}`);
  return { evaluationId: body.evaluationId ?? null, decision: body.decision, outcomes: body.outcomes };
}

/** Subjects per call of evaluateMany (the route takes at most 1000). */
const EVALUATIONS_PER_CALL = 500;

/**
 * The rules engine for many subjects (a file's dispatch instructions): one call per 500 (`{ requests }` →
 * `{ results }`, in order), so N subjects never cost N calls; fails closed as `evaluate`.
 */
export async function evaluateMany<K extends string>(
  references: EntityReferences,
  requests: readonly RuleCheckRequest<K>[],
): Promise<RuleCheckResult[]> {
  if (requests.length === 0) return [];
  if (!references.call) throw unavailable("rules", "no route to it is configured");
  const results: RuleCheckResult[] = [];
  for (let i = 0; i < requests.length; i += EVALUATIONS_PER_CALL) {
    const slice = requests.slice(i, i + EVALUATIONS_PER_CALL);
    const { status, body } = await references.call<{ results?: (RuleCheckResult & { outcomes?: RuleOutcome[] })[] } | null>(
      "rules",
      RULES_EVALUATE_PATH,
      { requests: slice.map(requestBody) },
    );
    const answers = body?.results;
    if (status !== 200 || !Array.isArray(answers) || answers.length !== slice.length || !answers.every((a) => Array.isArray(a?.outcomes))) {
      throw unavailable("rules", `HTTP ${status}`);
    }
    for (const a of answers) results.push({ evaluationId: a.evaluationId ?? null, decision: a.decision, outcomes: a.outcomes });
  }
  return results;
}

const requestBody = <K extends string>(request: RuleCheckRequest<K>) => ({
  subjectKind: request.subjectKind,
  subject: request.subject,
  facts: request.facts,
  productIds: request.productIds,
  partyIds: [...new Set(request.partyIds.filter((id): id is string => !!id))],
  ...(request.at && { at: request.at.toISOString() }),
});

const flagged = (result: RuleCheckResult) => result.outcomes.filter((o) => o.outcome === "FAIL" || o.outcome === "WARN");

/** BLOCK: RULE_VIOLATION with every failed rule (code, message, values compared), `rule` the first one's code. */
export function ruleViolation(subjectKind: string, subject: { type: string; id: string }, result: RuleCheckResult): SfeError {
  const rules = result.outcomes
    .filter((o) => o.outcome === "FAIL" && o.mode === "BLOCKING")
    .map((o) => ({
      ruleId: o.ruleId,
      code: o.code,
      name: o.name,
      message: o.message,
      values: o.valuesCompared,
      documentRef: o.documentRef,
    }));
  return new SfeError("RULE_VIOLATION", `Refused by ${rules.map((r) => r.code).join(", ")}: ${rules.map((r) => r.message).join("; ")}`, {
    rule: rules[0]?.code,
    rules,
    subjectKind,
    subject,
    evaluationId: result.evaluationId,
  });
}

/** The NOTIFY findings as the payloads' warnings (ruleId = the rule's code). */
export const warningsOf = (result: RuleCheckResult): RuleWarning[] =>
  flagged(result).map((o) => ({ ruleId: o.code, message: o.message, values: o.valuesCompared }));

/** Evaluates and throws RULE_VIOLATION on BLOCK; otherwise the warnings to return with the write. */
export async function enforce<K extends string>(references: EntityReferences, request: RuleCheckRequest<K>): Promise<RuleWarning[]> {
  const result = await evaluate(references, request);
  if (result.decision === "BLOCK") throw ruleViolation(request.subjectKind, request.subject, result);
  return warningsOf(result);
}

/** A new record's id, chosen before its rules are evaluated so that the evaluation's subject is the written record. */
export const newSubjectId = () => randomUUID();

/** Drops facts that are not known (null): a rule reading one is NOT_APPLICABLE rather than compared with null. */
export const knownFacts = (facts: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== null && v !== undefined));

/** The outbox event type a NOTIFY evaluation's warnings go out as (the rules subgraph makes it a notification). */
export const RULE_WARNING = "RULE_WARNING";

/**
 * The notification of `warnings` on `subject` to `organisationIds` (the subject's FSP, say): an outbox event for the
 * write's own transaction, or null when there is nothing to tell.
 */
export function ruleWarningEvent(
  subject: { type: string; id: string },
  organisationIds: (string | null | undefined)[],
  warnings: readonly RuleWarning[],
): OutboxEvent | null {
  const organisations = [...new Set(organisationIds.filter((id): id is string => !!id))];
  if (warnings.length === 0 || organisations.length === 0) return null;
  const codes = [...new Set(warnings.map((w) => w.ruleId))];
  return {
    type: RULE_WARNING,
    subject,
    recipients: { organisations },
    payload: {
      title: `Market rule warning on ${subject.type}: ${codes.join(", ")}`.slice(0, 200),
      body: warnings.map((w) => w.message).join("\n"),
      warnings,
    },
  };
}
