import { badInput, requireBounded, requireNonEmpty, requireText, requireUuid } from "@sfe/kit";
import type { CreateMarketRuleInput } from "./__generated__/resolvers-types.js";
import type { ConflictStatus } from "./db/schema.js";

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

/** A new rule as given, every field checked (BAD_USER_INPUT naming the first that is not): policy.ts and the resolver read it alike. */
export const marketRuleValues = (input: CreateMarketRuleInput) => ({
  code: ruleCode(input.code),
  name: ruleName(input.name),
  productId: input.productId == null ? null : requireUuid(input.productId, "productId"),
  kind: input.kind,
  parameters: parameters(input.parameters),
  mode: input.mode,
  ...(input.effectiveFrom != null && { effectiveFrom: input.effectiveFrom }),
});
