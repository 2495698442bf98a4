import {
  type EntityReferences,
  enforce as enforceRules,
  evaluate as evaluateRules,
  knownFacts as known,
  type RuleCheckRequest as KitRuleCheckRequest,
  type RuleCheckResult,
  SfeError,
} from "@sfe/kit";

/**
 * Market rules evaluated where it matters (issue 11 item 2): before a bid, award, availability declaration or
 * dispatch instruction is written, its facts (the rules subgraph's declared fact schema for the subject kind,
 * subgraphs/rules/src/modules/evaluation/facts.ts) are sent to the rules engine once through the kit's rule-check
 * client (kit rule-checks.ts: BLOCK → RULE_VIOLATION, nothing written; NOTIFY → warnings; fail closed). This file
 * builds the transactions subjects' facts.
 */
export {
  newSubjectId,
  RULES_EVALUATE_PATH,
  type RuleCheckResult,
  type RuleOutcome,
  type RuleWarning,
  ruleViolation,
  warningsOf,
} from "@sfe/kit";
export const QUALIFICATION_CHECK_PATH = "/internal/qualifications/check";

/** What bids and is awarded: a market unit or an asset. */
export type Target = { typename: "MarketUnit" | "Asset" | "Product"; id: string };

export type SubjectKind = "BID" | "AWARD" | "AVAILABILITY_DECLARATION" | "DISPATCH_INSTRUCTION";
export type RuleCheckRequest = KitRuleCheckRequest<SubjectKind>;

/** The rules engine, asked once per subject (fail closed: no route to the rules subgraph is UPSTREAM_UNAVAILABLE). */
export const evaluate = (references: EntityReferences, request: RuleCheckRequest): Promise<RuleCheckResult> =>
  evaluateRules(references, request);

/** Evaluates and throws RULE_VIOLATION on BLOCK; otherwise the warnings to return with the write. */
export const enforce = (references: EntityReferences, request: RuleCheckRequest) => enforceRules(references, request);

/** A subgraph this subject's facts come from, unreachable: the facts cannot be known, so nothing is written. */
const noRoute = (subgraph: string, what: string) =>
  new SfeError("UPSTREAM_UNAVAILABLE", `The ${subgraph} subgraph could not ${what} (no route to it is configured)`, { subgraph });

export interface SubjectDescription {
  productCode: string | null;
  /** max(import, export) capacity of the unit or asset in MW: its capability in either direction. */
  unitCapacityMw: number | null;
  energyMwh: number | null;
}

const kwToMw = (kw: unknown) => (typeof kw === "number" && Number.isFinite(kw) ? kw / 1000 : null);

/** The product's code and the unit's (or asset's) capacity, one lookup each, as the caller sees them. */
export async function describe(references: EntityReferences, target: Target | null, productId: string): Promise<SubjectDescription> {
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
  if (!references.call) throw noRoute("products", "check the qualification");
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

/** The hub's directions as the rules' UP / DOWN (export-positive: less demand or more generation is UP). */
export const UP_OR_DOWN: Record<string, "UP" | "DOWN"> = {
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
