import { defaultFieldResolver, type DocumentNode, type GraphQLFieldResolver, Kind } from "graphql";
import { forbidden, type SfeError, unauthenticated } from "./errors.js";
import type { Identity, Role } from "./identity.js";

/**
 * Who may call an operation or read a field, decided from the caller's identity alone. Row-level
 * limits (an FSP sees only its own assets) live in the resolvers and repositories the rule admits.
 */
export type Rule = (identity: Identity | null) => SfeError | null;

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

/** "Type.field" → rule. Every Query and Mutation field must be listed: the default is refusal. */
export type Policy = Record<string, Rule>;

type ResolverMap = Record<string, Record<string, unknown>>;

/**
 * Wraps each field named in `policy` so its rule runs before its resolver. Throws at build time when
 * a Query or Mutation field of `typeDefs` has no rule, so a new operation cannot ship unguarded.
 */
export function applyPolicy<R extends object>(typeDefs: DocumentNode, resolvers: R, policy: Policy): R {
  const operations = typeDefs.definitions.flatMap((definition) =>
    (definition.kind === Kind.OBJECT_TYPE_DEFINITION || definition.kind === Kind.OBJECT_TYPE_EXTENSION) &&
    (definition.name.value === "Query" || definition.name.value === "Mutation")
      ? (definition.fields ?? []).map((field) => `${definition.name.value}.${field.name.value}`)
      : [],
  );
  const unguarded = operations.filter((name) => !policy[name]);
  if (unguarded.length > 0) throw new Error(`No policy rule for ${unguarded.join(", ")}`);

  const wrapped: ResolverMap = { ...(resolvers as ResolverMap) };
  for (const [name, rule] of Object.entries(policy)) {
    const [type, field] = name.split(".") as [string, string];
    const typeResolvers = { ...(wrapped[type] ?? {}) };
    const inner = (typeResolvers[field] ?? defaultFieldResolver) as GraphQLFieldResolver<unknown, { identity: Identity | null }>;
    typeResolvers[field] = (parent: unknown, args: unknown, context: { identity: Identity | null }, info: never) => {
      const refusal = rule(context.identity);
      if (refusal) throw refusal;
      return inner(parent, args as Record<string, unknown>, context, info);
    };
    wrapped[type] = typeResolvers;
  }
  return wrapped as R;
}

/** Hub administrators see across organisations; everyone else sees only what concerns their own. */
export const seesEveryOrganisation = (identity: Identity | null) => identity?.roles.includes("ADMIN") === true;
