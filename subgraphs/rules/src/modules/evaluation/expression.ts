import { badInput, quote } from "@sfe/kit";
import { LogicEngine } from "json-logic-engine";
import type { SubjectKind } from "../../db/schema.js";
import { FACT_SCHEMAS, type FactType } from "./facts.js";

/**
 * Rule expressions are JSONLogic (json-logic-engine): a JSON tree, so a rule is stored as data (jsonb) and read
 * statically. The hub allows a side-effect-free subset (no iteration, no throw/try, no path tricks), and every
 * `{"var": …}` must name a declared fact of the rule's subject kind (facts.ts) or one of its own parameters
 * (`params.<key>`), with the type its operator needs. Checked when a rule is saved: evaluation never meets an
 * unknown name or operator.
 */

/** The operators a rule may use, and how many arguments each takes ([min, max]; Infinity: any number). */
const OPERATORS: Record<string, [number, number]> = {
  var: [1, 2],
  missing: [1, Number.POSITIVE_INFINITY],
  and: [1, Number.POSITIVE_INFINITY],
  or: [1, Number.POSITIVE_INFINITY],
  "!": [1, 1],
  "!!": [1, 1],
  if: [3, Number.POSITIVE_INFINITY],
  "==": [2, 2],
  "!=": [2, 2],
  "===": [2, 2],
  "!==": [2, 2],
  "<": [2, 3],
  "<=": [2, 3],
  ">": [2, 2],
  ">=": [2, 2],
  "+": [1, Number.POSITIVE_INFINITY],
  "-": [1, 2],
  "*": [2, Number.POSITIVE_INFINITY],
  "/": [2, 2],
  min: [1, Number.POSITIVE_INFINITY],
  max: [1, Number.POSITIVE_INFINITY],
  in: [2, 2],
};
const NUMERIC = new Set(["<", "<=", ">", ">=", "+", "-", "*", "/", "min", "max"]);
const MAX_NODES = 200;
const MAX_DEPTH = 12;

export interface CheckedExpression {
  /** The names the expression reads (facts and `params.<key>`), in first-use order. */
  references: string[];
}

/** The type of a name an expression may read, or undefined for an unknown name. */
function typeOf(name: string, subjectKind: SubjectKind, parameters: Record<string, unknown>): FactType | "any" | undefined {
  if (name.startsWith("params.")) {
    const value = parameters[name.slice("params.".length)];
    if (value === undefined) return undefined;
    if (typeof value === "number") return "number";
    if (typeof value === "string") return "string";
    if (typeof value === "boolean") return "boolean";
    return "any";
  }
  return FACT_SCHEMAS[subjectKind][name]?.type;
}

/**
 * Checks `expression` for `subjectKind` with the rule's `parameters`: BAD_USER_INPUT (field `expression`) naming the
 * first thing wrong — a node that is not JSONLogic, an operator outside the allowed set or with the wrong number of
 * arguments, an unknown fact (listing the known ones), or a fact of the wrong type for its operator.
 */
export function checkExpression(expression: unknown, subjectKind: SubjectKind, parameters: Record<string, unknown>): CheckedExpression {
  const references: string[] = [];
  let nodes = 0;
  const fail = (path: string, message: string) => badInput(`expression${path}: ${message}`, "expression");

  function walk(node: unknown, path: string, depth: number, wants: FactType | null): void {
    nodes += 1;
    if (nodes > MAX_NODES) throw fail("", `at most ${MAX_NODES} nodes`);
    if (depth > MAX_DEPTH) throw fail(path, `nested deeper than ${MAX_DEPTH}`);
    if (node === null || typeof node === "string" || typeof node === "boolean") return;
    if (typeof node === "number") {
      if (!Number.isFinite(node)) throw fail(path, "numbers must be finite");
      return;
    }
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) walk(item, `${path}[${i}]`, depth + 1, null);
      return;
    }
    if (typeof node !== "object") throw fail(path, "not JSONLogic");
    const keys = Object.keys(node);
    if (keys.length !== 1) {
      throw fail(path, `does not parse: an operation is an object with exactly one operator, got ${keys.length} keys (${keys.join(", ")})`);
    }
    const operator = keys[0]!;
    const arity = OPERATORS[operator];
    if (!arity) throw fail(path, `does not parse: unknown operator ${quote(operator)} (allowed: ${Object.keys(OPERATORS).join(" ")})`);
    const raw = (node as Record<string, unknown>)[operator];
    const args = Array.isArray(raw) ? raw : [raw];
    if (args.length < arity[0] || args.length > arity[1]) {
      throw fail(
        path,
        `does not parse: ${quote(operator)} takes ${arity[0]}${arity[1] === arity[0] ? "" : "+"} argument(s), got ${args.length}`,
      );
    }
    const at = `${path}.${operator}`;
    if (operator === "var" || operator === "missing") {
      const names = operator === "var" ? [args[0]] : args;
      for (const name of names) {
        if (typeof name !== "string" || name === "") throw fail(at, `${operator} takes a fact name (a string)`);
        const type = typeOf(name, subjectKind, parameters);
        if (type === undefined) {
          const known = Object.keys(FACT_SCHEMAS[subjectKind]);
          throw fail(at, `unknown field ${quote(name)} for ${subjectKind} (facts: ${known.join(", ")}; parameters: params.<key>)`);
        }
        if (wants && type !== "any" && type !== wants) throw fail(at, `${quote(name)} is a ${type}, but ${wants} is needed here`);
        if (!references.includes(name)) references.push(name);
      }
      if (operator === "var" && args.length === 2) walk(args[1], `${at}[1]`, depth + 1, null);
      return;
    }
    // Arithmetic and ordering need numbers; the rest compare any types.
    const want: FactType | null = NUMERIC.has(operator) ? "number" : null;
    for (const [i, arg] of args.entries()) walk(arg, `${at}[${i}]`, depth + 1, want);
  }

  if (expression === null || typeof expression !== "object" || Array.isArray(expression)) {
    throw fail("", 'does not parse: it must be a JSONLogic operation (an object), e.g. {">=": [{"var": "capacityMw"}, 1]}');
  }
  walk(expression, "", 0, null);
  if (references.length === 0) throw fail("", "reads no fact: a rule compares at least one fact of its subject");
  return { references };
}

const engine = new LogicEngine(undefined, { disableInterpretedOptimization: true });

/**
 * Runs a checked expression on `facts` with the rule's `parameters` (`params.<key>`): true when the rule holds.
 * An arithmetic error (division by zero) is reported as `error`, not thrown.
 */
export function runExpression(
  expression: unknown,
  facts: Record<string, unknown>,
  parameters: Record<string, unknown>,
): { holds: boolean; error?: string } {
  try {
    return { holds: Boolean(engine.truthy(engine.run(expression, { ...facts, params: parameters }))) };
  } catch (error) {
    return { holds: false, error: error instanceof Error ? error.message : "the expression could not be evaluated" };
  }
}
