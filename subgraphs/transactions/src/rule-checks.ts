import { randomUUID } from "node:crypto";
import { type EntityReferences, SfeError } from "@sfe/kit";
import type { RuleWarning } from "./warnings.js";

/**
 * Market rules evaluated where it matters (issue 11 item 2): before a bid, award, availability declaration or
 * dispatch instruction is written, its facts (the rules subgraph's declared fact schema for the subject kind,
 * subgraphs/rules/src/modules/evaluation/facts.ts) are sent to the rules engine once, `POST /internal/rules/evaluate`.
 * BLOCK: RULE_VIOLATION naming every failed rule, nothing written. NOTIFY: the write goes ahead with warnings.
 * The rules subgraph unreachable: UPSTREAM_UNAVAILABLE naming it (fail closed: a BLOCK rule is never skipped).
 */
export const RULES_EVALUATE_PATH = "/internal/rules/evaluate";
export const QUALIFICATION_CHECK_PATH = "/internal/qualifications/check";

/** What bids and is awarded: a market unit or an asset. */
export type Target = { typename: "MarketUnit" | "Asset" | "Product"; id: string };

export type SubjectKind = "BID" | "AWARD" | "AVAILABILITY_DECLARATION" | "DISPATCH_INSTRUCTION";

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

export interface RuleCheckRequest {
  subjectKind: SubjectKind;
  /** The record's type and id: for a write, the id the record is written with (chosen before evaluating). */
  subject: { type: string; id: string };
  facts: Record<string, unknown>;
  productIds: string[];
  /** The FSP and the SO the subject concerns: they (and administrators) read the evaluation. */
  partyIds: (string | null | undefined)[];
  at?: Date;
}

const unavailable = (subgraph: string, status: number) =>
  new SfeError("UPSTREAM_UNAVAILABLE", `The ${subgraph} subgraph could not check the market rules (HTTP ${status})`, { subgraph });

/**
 * The rules engine, asked once per subject. Without `references.call` (in-process tests' static references, no
 * other subgraph) nothing is evaluated: ALLOW with no outcomes.
 */
export async function evaluate(references: EntityReferences, request: RuleCheckRequest): Promise<RuleCheckResult> {
  if (!references.call) return { evaluationId: null, decision: "ALLOW", outcomes: [] };
  const partyIds = [...new Set(request.partyIds.filter((id): id is string => !!id))];
  const { status, body } = await references.call<RuleCheckResult & { outcomes?: RuleOutcome[] }>("rules", RULES_EVALUATE_PATH, {
    subjectKind: request.subjectKind,
    subject: request.subject,
    facts: request.facts,
    productIds: request.productIds,
    partyIds,
    ...(request.at && { at: request.at.toISOString() }),
  });
  if (status !== 200 || !body || !Array.isArray(body.outcomes)) throw unavailable("rules", status);
  return { evaluationId: body.evaluationId ?? null, decision: body.decision, outcomes: body.outcomes };
}

const failed = (result: RuleCheckResult) => result.outcomes.filter((o) => o.outcome === "FAIL" || o.outcome === "WARN");

/** BLOCK: RULE_VIOLATION with every failed rule (code, message, values compared), `rule` the first one's code. */
export function ruleViolation(subjectKind: SubjectKind, subject: { type: string; id: string }, result: RuleCheckResult): SfeError {
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
  failed(result).map((o) => ({ ruleId: o.code, message: o.message, values: o.valuesCompared }));

/** Evaluates and throws RULE_VIOLATION on BLOCK; otherwise the warnings to return with the write. */
export async function enforce(references: EntityReferences, request: RuleCheckRequest): Promise<RuleWarning[]> {
  const result = await evaluate(references, request);
  if (result.decision === "BLOCK") throw ruleViolation(request.subjectKind, request.subject, result);
  return warningsOf(result);
}

/** A new record's id, chosen before its rules are evaluated so that the evaluation's subject is the written record. */
export const newSubjectId = () => randomUUID();

export interface SubjectDescription {
  productCode: string | null;
  /** max(import, export) capacity of the unit or asset in MW: its capability in either direction. */
  unitCapacityMw: number | null;
  energyMwh: number | null;
}

const kwToMw = (kw: unknown) => (typeof kw === "number" && Number.isFinite(kw) ? kw / 1000 : null);

/** The product's code and the unit's (or asset's) capacity, one lookup each, as the caller sees them. */
export async function describe(references: EntityReferences, target: Target | null, productId: string): Promise<SubjectDescription> {
  if (!references.call) return { productCode: null, unitCapacityMw: null, energyMwh: null };
  const [[product], [unit]] = await Promise.all([
    references.lookup<{ code?: string }>("Product", [productId], "code"),
    target
      ? references.lookup<{ importCapacityKw?: number; exportCapacityKw?: number; energyCapacityKwh?: number | null }>(
          target.typename === "Product" ? "Asset" : target.typename,
          [target.id],
          "importCapacityKw exportCapacityKw energyCapacityKwh",
        )
      : Promise.resolve([null]),
  ]);
  const [importMw, exportMw] = [kwToMw(unit?.importCapacityKw), kwToMw(unit?.exportCapacityKw)];
  return {
    productCode: product?.code ?? null,
    unitCapacityMw: importMw === null && exportMw === null ? null : Math.max(importMw ?? 0, exportMw ?? 0),
    energyMwh: kwToMw(unit?.energyCapacityKwh),
  };
}

export interface Qualification {
  qualified: boolean;
  counterpartyQualified: boolean;
}

/** R-ELG-7 / R-ELG-8 facts: the products subgraph's qualification check of (unit or asset, product) at `at`. */
export async function qualificationOf(
  references: EntityReferences,
  subjectId: string,
  productId: string,
  at: Date,
): Promise<Qualification | null> {
  if (!references.call) return null;
  const { status, body } = await references.call<{ results?: Qualification[] }>("products", QUALIFICATION_CHECK_PATH, {
    checks: [{ subjectId, productId, at: at.toISOString() }],
  });
  const result = body?.results?.[0];
  if (status !== 200 || !result) {
    throw new SfeError("UPSTREAM_UNAVAILABLE", `The products subgraph could not check the qualification (HTTP ${status})`, {
      subgraph: "products",
    });
  }
  return { qualified: result.qualified === true, counterpartyQualified: result.counterpartyQualified === true };
}

/** Drops facts that are not known (null): a rule reading one is NOT_APPLICABLE rather than compared with null. */
const known = (facts: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== null && v !== undefined));

/** The hub's directions as the rules' UP / DOWN (export-positive: less demand or more generation is UP). */
const UP_OR_DOWN: Record<string, "UP" | "DOWN"> = {
  DEMAND_TURN_DOWN: "UP",
  GENERATION_TURN_UP: "UP",
  DEMAND_TURN_UP: "DOWN",
  GENERATION_TURN_DOWN: "DOWN",
};

export interface BidFactsInput {
  target: Target;
  productId: string;
  direction: string;
  quantityMw: number;
  utilisationPriceGbpPerMwh?: string | null;
  availabilityPriceGbpPerMwH?: string | null;
  start: Date;
}

/**
 * A bid's facts (BID schema): capacityMw, direction, productCodes, unitCapacityMw, energyMwh, prices, and the
 * qualification of the unit for the product at the delivery start (qualified, counterpartyQualified).
 */
export async function bidFacts(references: EntityReferences, bid: BidFactsInput): Promise<Record<string, unknown>> {
  const [description, qualification] = await Promise.all([
    describe(references, bid.target, bid.productId),
    qualificationOf(references, bid.target.id, bid.productId, bid.start),
  ]);
  return known({
    productCodes: description.productCode ? [description.productCode] : null,
    capacityMw: bid.quantityMw,
    direction: UP_OR_DOWN[bid.direction] ?? null,
    unitCapacityMw: description.unitCapacityMw,
    energyMwh: description.energyMwh,
    priceGbpPerMwh: bid.utilisationPriceGbpPerMwh == null ? null : Number(bid.utilisationPriceGbpPerMwh),
    availabilityPriceGbpPerMwh: bid.availabilityPriceGbpPerMwH == null ? null : Number(bid.availabilityPriceGbpPerMwH),
    qualified: qualification?.qualified ?? null,
    counterpartyQualified: qualification?.counterpartyQualified ?? null,
  });
}

/** An award's facts (AWARD schema). */
export async function awardFacts(
  references: EntityReferences,
  award: { target: Target; productId: string; awardedMw: number },
): Promise<Record<string, unknown>> {
  const description = await describe(references, award.target, award.productId);
  return known({
    productCodes: description.productCode ? [description.productCode] : null,
    awardedMw: award.awardedMw,
    unitCapacityMw: description.unitCapacityMw,
  });
}

/** An availability declaration's facts (AVAILABILITY_DECLARATION schema); awardedMw when it names an award. */
export async function declarationFacts(
  references: EntityReferences,
  declaration: { target: Target; productId: string; declaredMw: number; awardedMw: number | null },
): Promise<Record<string, unknown>> {
  const description = await describe(references, declaration.target, declaration.productId);
  return known({
    productCodes: description.productCode ? [description.productCode] : null,
    declaredMw: declaration.declaredMw,
    awardedMw: declaration.awardedMw,
    unitCapacityMw: description.unitCapacityMw,
  });
}

/**
 * A dispatch instruction's facts (DISPATCH_INSTRUCTION schema): productCodes and instructedMw. R-DSP-1 against the
 * award stays the subgraph's own warning (src/warnings.ts), so awardedMw and withinAwardedWindow are not sent.
 */
export async function dispatchFacts(
  references: EntityReferences,
  instruction: { productId: string; setPointMw: number },
): Promise<Record<string, unknown>> {
  const description = await describe(references, null, instruction.productId);
  return known({
    productCodes: description.productCode ? [description.productCode] : null,
    instructedMw: instruction.setPointMw,
  });
}
