import { allow, type Rule as IdentityRule, type Identity } from "@sfe/kit";
import { forbidden, unauthenticated } from "@sfe/kit";
import { type DocumentNode, type GraphQLResolveInfo, Kind } from "graphql";
import { canRead, canSeeUser, isHubAdmin, isMember, isOrgAdmin, isPerson } from "./identity.js";
import type { Context } from "./loaders.js";

/**
 * Who may call what in the users subgraph, in one table next to the schema. Every Query and Mutation field
 * must have a rule (the build fails otherwise); other fields may have one.
 *
 * The kit's `Policy` decides from the identity alone; most rules here also need the arguments, the parent
 * or a row ("the administrator of *this* organisation"), so this table takes a `Call` and may answer
 * "hide". Identity-only rules are the kit's `allow.*`. `applyPolicy` wraps the resolvers at build time:
 * - refused → null and UNAUTHENTICATED (anonymous) or FORBIDDEN (for a nullable field, the field is null);
 * - "hide" → null without an error (single lookups of things you may not see);
 * - `Type.__resolveReference` refused or hidden → null;
 * - `Type.*`: every field of Type but its key `id` that has no rule of its own.
 */

export interface Call {
  identity: Identity | null;
  args: Record<string, any>;
  parent: any;
  context: Context;
  /** The field's resolve info (absent for `__resolveReference`). */
  info?: GraphQLResolveInfo;
}
export type Verdict = boolean | "hide";
export type Rule = (call: Call) => Verdict | Promise<Verdict>;

/** A kit rule (identity only) in this table; its refusal, with its message, is what the caller gets. */
const gate =
  (rule: IdentityRule): Rule =>
  ({ identity }) => {
    const refusal = rule(identity);
    if (refusal) throw refusal;
    return true;
  };

const anyone = gate(allow.anyone());
/** Any person, or an API key with users:read (or users:write). */
const readUsers = gate(allow.all(allow.signedIn(), allow.scope("users", "read")));
/** A signed-in person (not an API key). */
const person: Rule = ({ identity }) => isPerson(identity);
const hubAdmin: Rule = ({ identity }) => isHubAdmin(identity);
/** The administrator of the organisation `orgId` names (or, with `orHubAdmin`, a hub administrator). */
const orgAdminOf =
  (orgId: (call: Call) => string | undefined, orHubAdmin = false): Rule =>
  (call) => {
    const id = orgId(call);
    return (id !== undefined && isOrgAdmin(call.identity, id)) || (orHubAdmin && isHubAdmin(call.identity));
  };
/** Hidden unless visible to the caller; a user that does not exist stays null as it is. */
const visibleUser = async ({ identity, context }: Call, id: string): Promise<Verdict> => {
  const user = await context.loaders.user.load(id);
  return !user || canSeeUser(identity, user) ? true : "hide";
};

export const policy: Record<string, Rule> = {
  // A public directory for anyone signed in: names, roles and status of organisations.
  "Query.organisation": readUsers,
  "Query.organisations": readUsers,
  "Query.user": async (call) => (await readUsers(call)) && visibleUser(call, call.args.id),
  "Query.me": person,
  "Query.apiKeys": orgAdminOf(({ args }) => args.organisationId, true),
  "Query.auditEvents": ({ identity, args }) => isMember(identity, args.organisationId) || isHubAdmin(identity),

  "Organisation.users": ({ identity, parent }) => isMember(identity, parent.id) || isHubAdmin(identity),
  // Every other field of an organisation, however it is reached (a query, `asset.owner` through
  // `_entities`, `user.organisation`), needs the same read rule as the queries; its key `id` resolves for
  // anyone, so federation and other subgraphs' existence checks keep working. Anonymous callers see one
  // only in a mutation's payload: the way in (sign-up, sign-in, accepting an invitation) shows their own.
  "Organisation.*": (call) => (call.identity === null && call.info?.operation.operation === "mutation") || readUsers(call),
  "User.__resolveReference": (call) => canRead(call.identity) && visibleUser(call, call.parent.id),

  // The way in, for anyone.
  "Mutation.signUp": anyone,
  "Mutation.verifyEmail": anyone,
  "Mutation.resendVerification": anyone,
  "Mutation.signIn": anyone,
  "Mutation.signInWithIdToken": anyone,
  "Mutation.refreshSession": anyone,
  "Mutation.signOut": anyone,
  "Mutation.acceptInvitation": anyone,

  "Mutation.changePassword": person,
  "Mutation.registerOrganisation": hubAdmin,
  "Mutation.createUser": hubAdmin,
  "Mutation.verifySystemOperator": hubAdmin,
  "Mutation.reinstateOrganisation": hubAdmin,
  // The organisation's administrators may rename it; its roles, areas and status are the hub's to set.
  "Mutation.updateOrganisation": ({ identity, args }) =>
    isHubAdmin(identity) ||
    (isOrgAdmin(identity, args.input.id) && args.input.status == null && args.input.roles == null && args.input.areas == null),
  "Mutation.deregisterOrganisation": orgAdminOf(({ args }) => args.id, true),
  // Yourself: your name; your organisation's administrators: name and role; hub administrators: also status.
  "Mutation.updateUser": async ({ identity, args, context }) => {
    if (isHubAdmin(identity)) return true;
    const target = await context.loaders.user.load(args.input.id);
    if (!target || args.input.status != null) return false;
    if (isOrgAdmin(identity, target.organisationId)) return true;
    return isPerson(identity) && identity.userId === target.id && args.input.role == null;
  },
  "Mutation.inviteMember": orgAdminOf(({ args }) => args.input.organisationId),
  "Mutation.changeMemberRole": async (call) => {
    const target = await call.context.loaders.user.load(call.args.input.userId);
    return target !== null && isOrgAdmin(call.identity, target.organisationId);
  },
  "Mutation.createApiKey": orgAdminOf(({ args }) => args.input.organisationId),
  "Mutation.revokeApiKey": async (call) => {
    const key = await call.context.loaders.apiKey.load(call.args.id);
    return key !== null && (isOrgAdmin(call.identity, key.organisationId) || isHubAdmin(call.identity));
  },
};

type Resolver = (...args: any[]) => unknown;
type ResolverMap = Record<string, Record<string, unknown>>;

/** Fields of `typeName` declared in the SDL (definitions and extensions). */
function fieldsOf(typeDefs: DocumentNode, typeName: string): string[] {
  return typeDefs.definitions.flatMap((definition) =>
    (definition.kind === Kind.OBJECT_TYPE_DEFINITION || definition.kind === Kind.OBJECT_TYPE_EXTENSION) &&
    definition.name.value === typeName
      ? (definition.fields ?? []).map((field) => field.name.value)
      : [],
  );
}

/** `Type.*` stands for every field of Type but `id` (the entity key) and those with a rule of their own. */
function expandWildcards(typeDefs: DocumentNode, rules: Record<string, Rule>): Record<string, Rule> {
  return Object.fromEntries(
    Object.entries(rules).flatMap(([key, rule]) => {
      if (!key.endsWith(".*")) return [[key, rule]];
      const type = key.slice(0, -2);
      return fieldsOf(typeDefs, type)
        .filter((field) => field !== "id" && !rules[`${type}.${field}`])
        .map((field) => [`${type}.${field}`, rule]);
    }),
  );
}

/** Wraps `resolvers` with `rules`; throws when a root field has no rule or a rule names no field. */
export function applyPolicy<T extends object>(resolvers: T, typeDefs: DocumentNode, given: Record<string, Rule> = policy): T {
  const rules = expandWildcards(typeDefs, given);
  for (const root of ["Query", "Mutation"]) {
    const missing = fieldsOf(typeDefs, root).filter((field) => !rules[`${root}.${field}`]);
    if (missing.length > 0) throw new Error(`policy: no rule for ${missing.map((field) => `${root}.${field}`).join(", ")}`);
  }
  const wrapped: ResolverMap = Object.fromEntries(Object.entries(resolvers).map(([type, fields]) => [type, { ...fields }]));
  for (const [key, rule] of Object.entries(rules)) {
    const [type, field] = key.split(".") as [string, string];
    if (field !== "__resolveReference" && !fieldsOf(typeDefs, type).includes(field)) throw new Error(`policy: ${key} is not in the schema`);
    const fields = wrapped[type] ?? {};
    wrapped[type] = fields;
    const resolve = (fields[field] as Resolver | undefined) ?? ((parent: any) => parent[field]);
    fields[field] =
      field === "__resolveReference"
        ? async (reference: any, context: Context, info: unknown) => {
            const verdict = await Promise.resolve()
              .then(() => rule({ identity: context.identity, args: {}, parent: reference, context }))
              .catch(() => false);
            return verdict === true ? resolve(reference, context, info) : null;
          }
        : async (parent: any, args: Record<string, any>, context: Context, info: GraphQLResolveInfo) => {
            const verdict = await rule({ identity: context.identity, args, parent, context, info });
            if (verdict === "hide") return null;
            if (!verdict) throw context.identity ? forbidden() : unauthenticated();
            return resolve(parent, args, context, info);
          };
  }
  return wrapped as T;
}
