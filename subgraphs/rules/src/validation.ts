import { badInput, requireBounded, requireNonEmpty, requireText, requireUuid } from "@sfe/kit";
import type { CreateMarketRuleInput, RuleScopeInput } from "./__generated__/resolvers-types.js";
import type { ConflictStatus, RuleKind, RuleScope, SubjectKind } from "./db/schema.js";
import { checkExpression } from "./modules/evaluation/expression.js";

/** Rule codes: an upper-case letter, then 1–39 upper-case letters, digits, `_` or `-` (e.g. UKPN-NO-OVERLAP). */
const RULE_CODE = /^[A-Z][A-Z0-9_-]{1,39}$/;

export function ruleCode(value: string): string {
  const code = value.trim().toUpperCase();
  if (!RULE_CODE.test(code)) {
    throw badInput("code must be 2–40 characters: a letter, then letters, digits, '_' or '-' (e.g. UKPN-NO-OVERLAP)", "code");
  }
  return code;
}

export const ruleName = (value: string) => requireText(value, "name");

const MAX_PARAMETER_KEYS = 50;

/**
 * The bound of a number in a rule's parameters, by the unit its key ends in (the hub's naming: units in names,
 * e.g. minimumCapacityKw, maxOverlapMinutes): percentages 0–100; the rest by magnitude, as large as any physical
 * quantity of the GB market can sensibly be. A key with no unit suffix: ±1,000,000,000. Stated in schema.graphql.
 */
export const PARAMETER_BOUNDS: readonly { suffix: RegExp; unit: string; min: number; max: number }[] = [
  { suffix: /(Pct|Percent)$/, unit: "%", min: 0, max: 100 },
  // Prices first: "…GbpPerMwh" ends in a unit of energy too.
  { suffix: /Gbp(Per[A-Za-z]+)?$/, unit: "£ (£100,000)", min: -100_000, max: 100_000 },
  { suffix: /Kwh$/, unit: "kWh (10 GWh)", min: -10_000_000, max: 10_000_000 },
  { suffix: /Mwh$/, unit: "MWh (10 GWh)", min: -10_000, max: 10_000 },
  { suffix: /Kw$/, unit: "kW (2 GW)", min: -2_000_000, max: 2_000_000 },
  { suffix: /Mw$/, unit: "MW (10 GW)", min: -10_000, max: 10_000 },
  { suffix: /Seconds$/, unit: "seconds (a year)", min: -31_622_400, max: 31_622_400 },
  { suffix: /Minutes$/, unit: "minutes (a year)", min: -527_040, max: 527_040 },
  { suffix: /Hours$/, unit: "hours (a year)", min: -8_784, max: 8_784 },
  { suffix: /Days$/, unit: "days (a year)", min: -366, max: 366 },
];
const ANY_NUMBER = { unit: "", min: -1_000_000_000, max: 1_000_000_000 };

/** Every number in `value` (objects and arrays walked) within the bound of the key it is under. */
function requireBoundedNumbers(value: unknown, key: string, path: string): void {
  if (typeof value === "number") {
    const bound = PARAMETER_BOUNDS.find((b) => b.suffix.test(key)) ?? ANY_NUMBER;
    requireBounded(value, path, bound.max, bound.unit, bound.min);
  } else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) requireBoundedNumbers(item, key, `${path}[${i}]`);
  } else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) requireBoundedNumbers(v, k, `${path}.${k}`);
  }
}

/**
 * A plain JSON object of at most 50 keys (the scalar already refuses arrays and primitives; this guards the rest),
 * every number in it finite and within its bound (PARAMETER_BOUNDS).
 */
export function parameters(value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw badInput("parameters must be a JSON object", "parameters");
  }
  if (Object.keys(value).length > MAX_PARAMETER_KEYS) {
    throw badInput(`parameters must have at most ${MAX_PARAMETER_KEYS} keys`, "parameters");
  }
  requireBoundedNumbers(value, "", "parameters");
  // A JSON round trip: objects parsed from a query literal have no prototype, which drizzle cannot insert.
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

/** A de-duplicated list of well-formed ids; `required` lists must name at least one. */
export function idList(values: readonly string[] | null | undefined, field: string, required: boolean): string[] {
  const list = values ?? [];
  if (required) requireNonEmpty(list, field);
  return [...new Set(list.map((id) => requireUuid(id, field)))];
}

export const optionalText = (value: string | null | undefined, field: string, max = 2000): string | null =>
  value == null || value.trim() === "" ? null : requireText(value, field, max);

/** The resolution note: required (non-empty) to resolve a conflict, optional otherwise. */
export function resolution(status: ConflictStatus, value: string | null | undefined): string | null {
  if (status === "RESOLVED" && (value == null || value.trim() === "")) {
    throw badInput("resolution is required to resolve a conflict", "resolution");
  }
  return optionalText(value, "resolution");
}

const TECHNOLOGY = /^[A-Z][A-Z0-9_]{1,39}$/;
const MAX_SCOPE_ITEMS = 50;

/** A rule's scope: well-formed sub-market ids, upper-case technology codes, pairs of two different products. */
export function ruleScope(input: RuleScopeInput | null | undefined): RuleScope {
  const subMarketIds = idList(input?.subMarketIds, "scope.subMarketIds", false);
  const technologies = [...new Set((input?.technologies ?? []).map((t) => t.trim().toUpperCase()))];
  for (const technology of technologies) {
    if (!TECHNOLOGY.test(technology))
      throw badInput(`scope.technologies: ${technology} is not a technology code (e.g. BATTERY)`, "scope.technologies");
  }
  const productPairs = (input?.productPairs ?? []).map((pair, i) => {
    const ids = idList(pair.productIds, `scope.productPairs[${i}].productIds`, true);
    if (ids.length !== 2) throw badInput(`scope.productPairs[${i}].productIds must name two different products`, "scope.productPairs");
    return { productIds: [ids[0]!, ids[1]!] as [string, string], stackingMode: pair.stackingMode, direction: pair.direction };
  });
  if (subMarketIds.length + technologies.length + productPairs.length > MAX_SCOPE_ITEMS) {
    throw badInput(`scope has at most ${MAX_SCOPE_ITEMS} entries`, "scope");
  }
  return { subMarketIds, technologies, productPairs, exclusive: input?.exclusive === true };
}

/**
 * An exclusivity clause says which products exclude others, so only a STACKING rule with a product or product pairs
 * may carry one (a market-wide exclusive rule would forbid all stacking, against domain §6.1's "stacking by default").
 */
export function requireExclusiveScope(scope: RuleScope, kind: RuleKind, productId: string | null): void {
  if (!scope.exclusive) return;
  if (kind !== "STACKING") throw badInput("scope.exclusive is for STACKING rules only", "scope.exclusive");
  if (productId == null && scope.productPairs.length === 0) {
    throw badInput("scope.exclusive needs the rule's product or product pairs: which products exclude the others", "scope.exclusive");
  }
}

/** A rule expression for `subjectKind`, checked (expression.ts); a JSON round trip as for parameters. */
export function ruleExpression(expression: unknown, subjectKind: SubjectKind | null, params: Record<string, unknown>): unknown {
  if (!subjectKind)
    throw badInput("subjectKind is required with an expression: it declares the facts the expression may read", "subjectKind");
  const value = JSON.parse(JSON.stringify(expression)) as unknown;
  checkExpression(value, subjectKind, params);
  return value;
}

/** effectiveTo, when given, after effectiveFrom. */
export function effectiveWindow(from: Date, to: Date | null | undefined): void {
  if (to != null && to.getTime() <= from.getTime()) throw badInput("effectiveTo must be after effectiveFrom", "effectiveTo");
}

/** A new rule as given, every field checked (BAD_USER_INPUT naming the first that is not): policy.ts and the resolver read it alike. */
export const marketRuleValues = (input: CreateMarketRuleInput) => {
  const params = parameters(input.parameters);
  const subjectKind = input.subjectKind ?? null;
  if (input.effectiveFrom != null) effectiveWindow(input.effectiveFrom, input.effectiveTo);
  else effectiveWindow(new Date(), input.effectiveTo);
  const productId = input.productId == null ? null : requireUuid(input.productId, "productId");
  const scope = ruleScope(input.scope);
  requireExclusiveScope(scope, input.kind, productId);
  return {
    code: ruleCode(input.code),
    name: ruleName(input.name),
    productId,
    kind: input.kind,
    parameters: params,
    mode: input.mode,
    subjectKind,
    expression: input.expression == null ? null : ruleExpression(input.expression, subjectKind, params),
    severity: input.severity ?? "WARN",
    scope,
    documentRef: optionalText(input.documentRef, "documentRef", 500),
    ...(input.effectiveFrom != null && { effectiveFrom: input.effectiveFrom }),
    effectiveTo: input.effectiveTo ?? null,
  };
};
