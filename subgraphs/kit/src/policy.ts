import {
  type DocumentNode,
  defaultFieldResolver,
  type FieldDefinitionNode,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  Kind,
  type ObjectTypeDefinitionNode,
  type ObjectTypeExtensionNode,
  type TypeNode,
} from "graphql";
import { forbidden, SfeError, unauthenticated } from "./errors.js";
import type { Identity, Role } from "./identity.js";

/**
 * Who may call what, and which rows they see: one table per subgraph (per module), "Type.field" → rule.
 *
 * A rule gets the caller's identity and the call (arguments, parent, context, resolve info) and answers:
 * - `null` or `true`: allowed;
 * - an `SfeError`: refused with it (UNAUTHENTICATED, FORBIDDEN, … with its message);
 * - `false` (or nothing): refused, UNAUTHENTICATED for an anonymous caller, FORBIDDEN for anyone else;
 * - `"hide"`: the field answers null (a list field: []), without an error: things you may not see.
 * An identity-only rule (`allow.*`, `(identity) => SfeError | null`) is a rule of this model as it is.
 *
 * A table entry is a rule, run before the resolver, or `{ call?, row? }`: `row` runs on what the resolver
 * answered (each item of a list) and sees the row; hiding a row makes it null, or drops it from the list.
 */

/** Identity alone: null when allowed, else the refusal. */
export type Rule = (identity: Identity | null) => SfeError | null;

/** What a rule answers: see the top of this file. */
export type Verdict = SfeError | boolean | "hide" | null | undefined;

/** What the rule of one field sees besides the identity. */
export interface Call<TContext = any> {
  identity: Identity | null;
  args: Record<string, any>;
  /** The parent object (the representation, for `__resolveReference`). */
  parent: any;
  context: TContext;
  /** Absent for `__resolveReference`. */
  info?: GraphQLResolveInfo;
}

export interface PolicyContext {
  identity: Identity | null;
}

/** Before the resolver: may the caller make this call? */
export type FieldRule<TContext = any> = (identity: Identity | null, call: Call<TContext>) => Verdict | Promise<Verdict>;
/** After the resolver: may the caller see this row (each item of a list)? */
export type RowRule<TContext = any, TRow = any> = (
  identity: Identity | null,
  row: TRow,
  call: Call<TContext>,
) => Verdict | Promise<Verdict>;

export interface FieldPolicy<TContext = any> {
  call?: FieldRule<TContext>;
  row?: RowRule<TContext>;
}

export type PolicyEntry<TContext = any> = FieldRule<TContext> | FieldPolicy<TContext>;

/**
 * "Type.field" → rule. Every Query and Mutation field must be listed: the default is refusal. Besides fields:
 * - `Type.__resolveReference`: a refused or hidden entity is null (and so is one whose rule throws);
 * - `Type.*`: every field of Type but its `@key` fields and those with a rule of their own.
 * `Policy` alone holds identity rules (`allow.*`, callable as `rule(identity)` elsewhere too); `Policy<Context>`
 * holds any entry, its rules seeing the subgraph's context.
 */
export type Policy<TContext = never> = Record<string, [TContext] extends [never] ? Rule : PolicyEntry<TContext>>;

/** An area of the graph an API key's scopes name: `<area>:read` or `<area>:write`. */
export type Area = "users" | "assets" | "products" | "transactions" | "rules";

export const allow = {
  anyone: (): Rule => () => null,
  signedIn: (): Rule => (identity) => (identity ? null : unauthenticated()),
  /** Signed in with one of `roles` (effective roles: an unverified SO holds no SYSTEM_OPERATOR). */
  roles:
    (...roles: Role[]): Rule =>
    (identity) => {
      if (!identity) return unauthenticated();
      return identity.roles.some((role) => roles.includes(role)) ? null : forbidden(`Only ${roles.join(" or ")} accounts may do this`);
    },
  /** A person, or an API key whose scopes cover `area` (a write scope covers reading too). */
  scope:
    (area: Area, mode: "read" | "write"): Rule =>
    (identity) => {
      if (!identity) return unauthenticated();
      const { scopes } = identity;
      const granted = scopes.includes("*") || scopes.includes(`${area}:write`) || (mode === "read" && scopes.includes(`${area}:read`));
      return granted ? null : forbidden(`This API key lacks the ${area}:${mode} scope`);
    },
  /** Every rule passes (the first refusal is reported). */
  all:
    (...rules: Rule[]): Rule =>
    (identity) => {
      for (const rule of rules) {
        const refusal = rule(identity);
        if (refusal) return refusal;
      }
      return null;
    },
};

type ResolverMap = Record<string, Record<string, unknown>>;
type ObjectNode = ObjectTypeDefinitionNode | ObjectTypeExtensionNode;

/** The definitions and extensions of object type `name` in the SDL. */
const objectNodes = (typeDefs: DocumentNode, name: string): ObjectNode[] =>
  typeDefs.definitions.filter(
    (definition): definition is ObjectNode =>
      (definition.kind === Kind.OBJECT_TYPE_DEFINITION || definition.kind === Kind.OBJECT_TYPE_EXTENSION) && definition.name.value === name,
  );

const fieldsOf = (typeDefs: DocumentNode, type: string): FieldDefinitionNode[] =>
  objectNodes(typeDefs, type).flatMap((node) => node.fields ?? []);

/** The top-level fields named by the type's `@key(fields: "…")` directives. */
const keyFieldsOf = (typeDefs: DocumentNode, type: string): string[] =>
  objectNodes(typeDefs, type).flatMap((node) =>
    (node.directives ?? [])
      .filter((directive) => directive.name.value === "key")
      .flatMap((directive) => {
        const fields = directive.arguments?.find((argument) => argument.name.value === "fields")?.value;
        return fields?.kind === Kind.STRING
          ? fields.value
              .replace(/\{[^}]*\}/g, " ")
              .split(/\s+/)
              .filter(Boolean)
          : [];
      }),
  );

const isList = (type: TypeNode): boolean => (type.kind === Kind.NON_NULL_TYPE ? isList(type.type) : type.kind === Kind.LIST_TYPE);

/** `Type.*` stands for every field of Type but its keys and those with a rule of their own. */
function expandWildcards<C>(typeDefs: DocumentNode, given: Record<string, PolicyEntry<C>>): Record<string, PolicyEntry<C>> {
  return Object.fromEntries(
    Object.entries(given).flatMap(([name, rule]) => {
      if (!name.endsWith(".*")) return [[name, rule]];
      const type = name.slice(0, -2);
      const keys = keyFieldsOf(typeDefs, type);
      return fieldsOf(typeDefs, type)
        .map((field) => field.name.value)
        .filter((field) => !keys.includes(field) && !given[`${type}.${field}`])
        .map((field) => [`${type}.${field}`, rule]);
    }),
  );
}

const isThenable = (value: unknown): value is PromiseLike<unknown> => typeof (value as PromiseLike<unknown> | null)?.then === "function";

/** `then` that stays synchronous for a value that is not a promise (identity rules answer at once). */
const andThen = <T, R>(value: T | PromiseLike<T>, next: (value: T) => R): R | Promise<Awaited<R>> =>
  isThenable(value) ? (Promise.resolve(value).then(next) as Promise<Awaited<R>>) : next(value);

const HIDDEN = Symbol("hidden");

/** Allowed: true; hidden: HIDDEN; refused: throws the refusal. */
function decide(verdict: Verdict, identity: Identity | null): true | typeof HIDDEN {
  if (verdict === null || verdict === true) return true;
  if (verdict === "hide") return HIDDEN;
  if (verdict instanceof SfeError) throw verdict;
  throw identity ? forbidden() : unauthenticated();
}

/** Runs `row` on a resolver's answer: hidden rows become null, or leave a list. */
function checkRows<C>(rule: RowRule<C>, answer: unknown, call: Call<C>): unknown {
  const check = (row: unknown) =>
    row == null ? row : andThen(rule(call.identity, row, call), (verdict) => (decide(verdict, call.identity) === HIDDEN ? HIDDEN : row));
  if (!Array.isArray(answer)) return andThen(check(answer), (row) => (row === HIDDEN ? null : row));
  const rows = answer.map(check);
  const kept = (checked: unknown[]) => checked.filter((row) => row !== HIDDEN);
  return rows.some(isThenable) ? Promise.all(rows).then(kept) : kept(rows);
}

/**
 * Wraps each field named in `policy` so its rule runs before its resolver (and its row rule after). Throws at
 * build time when a Query or Mutation field of `typeDefs` has no rule, so a new operation cannot ship unguarded,
 * and when a rule names a field the schema does not have.
 */
export function applyPolicy<R extends object, C extends PolicyContext = PolicyContext>(
  typeDefs: DocumentNode,
  resolvers: R,
  given: Record<string, PolicyEntry<C>>,
): R {
  const policy = expandWildcards(typeDefs, given);
  const operations = ["Query", "Mutation"].flatMap((type) => fieldsOf(typeDefs, type).map((field) => `${type}.${field.name.value}`));
  const unguarded = operations.filter((name) => !policy[name]);
  if (unguarded.length > 0) throw new Error(`No policy rule for ${unguarded.join(", ")}`);

  const wrapped: ResolverMap = Object.fromEntries(
    Object.entries(resolvers as ResolverMap).map(([type, fields]) => [type, isPlain(fields) ? { ...fields } : fields]),
  );
  for (const [name, entry] of Object.entries(policy)) {
    const [type, field] = name.split(".") as [string, string];
    const definition = fieldsOf(typeDefs, type).find((candidate) => candidate.name.value === field);
    if (!definition && field !== "__resolveReference") throw new Error(`Policy rule for ${name}, which is not in the schema`);
    const { call: rule, row } = typeof entry === "function" ? { call: entry, row: undefined } : entry;
    const typeResolvers = { ...(wrapped[type] ?? {}) };
    wrapped[type] = typeResolvers;

    if (field === "__resolveReference") {
      const inner =
        (typeResolvers[field] as ((reference: any, context: C, info: unknown) => unknown) | undefined) ?? ((reference) => reference);
      typeResolvers[field] = async (reference: any, context: C, info: unknown) => {
        const call: Call<C> = { identity: context.identity, args: {}, parent: reference, context };
        // Refused, hidden, or a rule that fails: the entity is null for this caller.
        const admitted = rule
          ? await Promise.resolve()
              .then(() => rule(context.identity, call))
              .then((verdict) => decide(verdict, context.identity))
              .catch(() => HIDDEN)
          : true;
        if (admitted === HIDDEN) return null;
        const answer = await inner(reference, context, info);
        return row
          ? Promise.resolve()
              .then(() => checkRows(row, answer, call))
              .catch(() => null)
          : answer;
      };
      continue;
    }

    const empty = definition && isList(definition.type) ? () => [] : () => null;
    const inner = (typeResolvers[field] ?? defaultFieldResolver) as GraphQLFieldResolver<unknown, C>;
    typeResolvers[field] = (parent: unknown, args: Record<string, any>, context: C, info: GraphQLResolveInfo) => {
      const call: Call<C> = { identity: context.identity, args, parent, context, info };
      const admitted = rule ? andThen(rule(context.identity, call), (verdict) => decide(verdict, context.identity)) : true;
      return andThen(admitted, (verdict) => {
        if (verdict === HIDDEN) return empty();
        const answer = inner(parent, args, context, info);
        return row ? andThen(answer, (value) => checkRows(row, value, call)) : answer;
      });
    };
  }
  return wrapped as R;
}

const isPlain = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype;

/** Hub administrators see across organisations; everyone else sees only what concerns their own. */
export const seesEveryOrganisation = (identity: Identity | null) => identity?.roles.includes("ADMIN") === true;
