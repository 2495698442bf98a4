import { badInput, grouped, quote, requireText } from "@sfe/kit";
import type { AttributeType, StoredAttribute } from "../../db/schema.js";
import { MAX_ATTRIBUTE_MAGNITUDE } from "../assets/validation.js";

/**
 * The asset taxonomy's checks: category codes and attribute definitions, and how an asset's attributes
 * satisfy its category (on write: `assetAttributes`; on read: `attributeIssues`, whose SQL form is attention.ts).
 */

/** A category as the attribute rules need it. */
export interface CategoryRules {
  code: string;
  version: number;
  requiresEnergyCapacity: boolean;
  attributes: readonly StoredAttribute[];
}

const CATEGORY_CODE = /^[A-Z][A-Z0-9_]{1,31}$/;
const ATTRIBUTE_KEY = /^[a-z][a-zA-Z0-9]{0,62}$/;
export const MAX_ATTRIBUTES = 50;
export const MAX_TEXT_ATTRIBUTE_LENGTH = 200;

/** Keys an attribute may not take: the asset's own fields, stated elsewhere. */
const RESERVED_ATTRIBUTE_KEYS = new Set([
  "id",
  "name",
  "owner",
  "ownerId",
  "category",
  "categoryCode",
  "importCapacityKw",
  "exportCapacityKw",
  "energyCapacityKwh",
  "location",
  "postcode",
  "gspGroup",
  "licenceArea",
  "dnoGroup",
  "meterPointId",
  "status",
  "externalId",
  "attributes",
  "createdAt",
  "updatedAt",
]);

/** An asset category code, upper-cased: 2–32 characters, a letter then letters, digits or _. */
export function categoryCode(value: string, field = "code"): string {
  const code = value.trim().toUpperCase();
  if (!CATEGORY_CODE.test(code)) {
    throw badInput(`${field} must be 2–32 characters: a letter, then letters, digits or _ (e.g. V2G_CHARGER), got ${quote(value)}`, field);
  }
  return code;
}

export const categoryLabel = (value: string) => requireText(value, "label");
export const categoryDefinition = (value: string | null | undefined) =>
  value === null || value === undefined ? null : requireText(value, "definition", 1000);

export interface AttributeInput {
  key: string;
  label: string;
  type: AttributeType;
  unit?: string | null | undefined;
  required?: boolean | null | undefined;
  minimum?: number | null | undefined;
}

const sameRule = (a: StoredAttribute, b: Omit<StoredAttribute, "since">) =>
  a.type === b.type && a.required === b.required && a.minimum === b.minimum;

/**
 * A category's attribute list as `version` will store it: keys camelCase and unique, units and minimums only
 * for numbers. Each attribute keeps the `since` of its `previous` definition unless its rule changed (or it is
 * new), in which case it dates from `version`.
 */
export function categoryAttributes(
  input: readonly AttributeInput[],
  previous: readonly StoredAttribute[],
  version: number,
): StoredAttribute[] {
  if (input.length > MAX_ATTRIBUTES) throw badInput(`attributes: at most ${MAX_ATTRIBUTES} per category`, "attributes");
  const seen = new Set<string>();
  return input.map((attribute, i) => {
    const at = `attributes[${i}]`;
    const key = attribute.key.trim();
    if (!ATTRIBUTE_KEY.test(key)) {
      throw badInput(
        `${at}.key must be camelCase (a lower-case letter, then letters and digits), got ${quote(attribute.key)}`,
        `${at}.key`,
      );
    }
    if (RESERVED_ATTRIBUTE_KEYS.has(key)) throw badInput(`${at}.key ${key} is a field of every asset, not an attribute`, `${at}.key`);
    if (seen.has(key)) throw badInput(`${at}.key ${key} appears more than once`, `${at}.key`);
    seen.add(key);
    const numeric = attribute.type === "NUMBER" || attribute.type === "INTEGER";
    const minimum = attribute.minimum ?? null;
    if (minimum !== null && !numeric) throw badInput(`${at}.minimum: only NUMBER and INTEGER attributes have one`, `${at}.minimum`);
    if (minimum !== null && !(Number.isFinite(minimum) && Math.abs(minimum) <= MAX_ATTRIBUTE_MAGNITUDE)) {
      throw badInput(
        `${at}.minimum must be a finite number between -${grouped(MAX_ATTRIBUTE_MAGNITUDE)} and ${grouped(MAX_ATTRIBUTE_MAGNITUDE)}`,
        `${at}.minimum`,
      );
    }
    const unit = attribute.unit == null ? null : requireText(attribute.unit, `${at}.unit`, 20);
    if (unit !== null && !numeric) throw badInput(`${at}.unit: only NUMBER and INTEGER attributes have one`, `${at}.unit`);
    const next = {
      key,
      label: requireText(attribute.label, `${at}.label`),
      type: attribute.type,
      unit,
      required: attribute.required ?? false,
      minimum,
    };
    const before = previous.find((p) => p.key === key);
    return { ...next, since: before && sameRule(before, next) ? before.since : version };
  });
}

/** Something an asset's attributes get wrong: `problem` completes "<key> …". */
export interface AttributeProblem {
  key: string;
  problem: string;
  /** The category version the broken rule dates from; null for a key the category does not define. */
  since: number | null;
  /** The offending value, when that helps, e.g. "is 0". */
  detail?: string;
}

const TYPE_WANTED: Record<AttributeType, string> = {
  NUMBER: "must be a number",
  INTEGER: "must be an integer",
  TEXT: "must be text",
  BOOLEAN: "must be true or false",
};

function hasType(type: AttributeType, value: unknown): boolean {
  switch (type) {
    case "NUMBER":
      return typeof value === "number" && Number.isFinite(value);
    case "INTEGER":
      return typeof value === "number" && Number.isInteger(value);
    case "TEXT":
      return typeof value === "string";
    case "BOOLEAN":
      return typeof value === "boolean";
  }
}

/**
 * Every way `values` fails `category`'s attributes: a required one missing, a value of the wrong type, text
 * over 200 characters, a number under the minimum, a key the category does not define. The SQL form of this
 * (attention.ts) must agree with it.
 */
export function attributeProblems(category: CategoryRules, values: Record<string, unknown>): AttributeProblem[] {
  const problems: AttributeProblem[] = [];
  for (const definition of category.attributes) {
    const { key, since } = definition;
    if (!Object.hasOwn(values, key)) {
      if (definition.required) problems.push({ key, problem: "is required", since });
      continue;
    }
    const value = values[key];
    if (!hasType(definition.type, value)) problems.push({ key, problem: TYPE_WANTED[definition.type], since });
    else if (typeof value === "string" && [...value].length > MAX_TEXT_ATTRIBUTE_LENGTH) {
      problems.push({ key, problem: `must be at most ${MAX_TEXT_ATTRIBUTE_LENGTH} characters`, since });
    } else if (typeof value === "number" && definition.minimum !== null && value < definition.minimum) {
      problems.push({ key, problem: `must be ≥ ${definition.minimum}`, since, detail: `is ${value}` });
    }
  }
  const defined = new Set(category.attributes.map((a) => a.key));
  for (const key of Object.keys(values).sort()) {
    if (!defined.has(key)) problems.push({ key, problem: `is not an attribute of ${category.code}`, since: null });
  }
  return problems;
}

/**
 * An asset's attributes as given on registration or update, checked against its category: null values are
 * dropped (absent); any problem is BAD_USER_INPUT naming `attributes.<key>`, every problem in the message.
 */
export function assetAttributes(category: CategoryRules, given: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const values = Object.fromEntries(Object.entries(given ?? {}).filter(([, value]) => value !== null));
  const problems = attributeProblems(category, values);
  // Written values are bounded too (stored ones are judged by attributeProblems alone, as its SQL form is).
  for (const definition of category.attributes) {
    const value = values[definition.key];
    if (typeof value === "number" && Number.isFinite(value) && Math.abs(value) > MAX_ATTRIBUTE_MAGNITUDE) {
      const bound = grouped(MAX_ATTRIBUTE_MAGNITUDE);
      problems.push({ key: definition.key, problem: `must be between -${bound} and ${bound}`, since: definition.since });
    }
  }
  const [first] = problems;
  if (first) {
    const message = problems.map((p) => `attributes.${p.key} ${p.problem}${p.detail ? ` (${p.detail})` : ""}`).join("; ");
    throw badInput(message, `attributes.${first.key}`);
  }
  return values;
}

/**
 * What no longer satisfies `category` as it is now, in words (Asset.attributeIssues), e.g.
 * "chargePointCount is required since category version 3". Computed on read: assets are never rewritten.
 */
export function attributeIssues(
  category: CategoryRules,
  asset: { attributes: Record<string, unknown>; energyCapacityKwh: number | null },
): string[] {
  const issues: string[] = [];
  if (category.requiresEnergyCapacity && !(asset.energyCapacityKwh !== null && asset.energyCapacityKwh > 0)) {
    issues.push(`energyCapacityKwh must be > 0 for a ${category.code} asset (storage)`);
  }
  for (const p of attributeProblems(category, asset.attributes)) {
    const when = p.since === null ? ` (category version ${category.version})` : ` since category version ${p.since}`;
    issues.push(`${p.key} ${p.problem}${when}${p.detail ? ` (${p.detail})` : ""}`);
  }
  return issues;
}
