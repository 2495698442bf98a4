import type { Policy } from "./policy.js";

/**
 * One aggregate of a subgraph (`src/modules/<aggregate>/`): its resolvers and the policy rules of its fields.
 * Its SDL fragment is read from `schema.graphql` in the same folder (see readSubgraphSdl).
 */
export interface SchemaModule<TContext = never> {
  /** For error messages: the module's folder name. */
  name: string;
  /** `{ Type: { field: resolver } }`, typed by the subgraph with its generated resolver types. */
  resolvers?: object;
  policy?: Policy<TContext>;
}

type ResolverMap = Record<string, Record<string, unknown>>;

/**
 * The resolvers and the policy of a subgraph's modules, merged for createSubgraph. A type may take fields from
 * several modules (Query, Mutation, an entity extended by another aggregate); the same field, or the same
 * policy rule, in two modules stops the build, naming both.
 */
export function mergeModules<TContext = never>(
  modules: readonly SchemaModule<TContext>[],
): { resolvers: ResolverMap; policy: Policy<TContext> } {
  const resolvers: ResolverMap = {};
  const resolvedBy: Record<string, string> = {};
  const policy: Record<string, unknown> = {};
  const ruledBy: Record<string, string> = {};
  for (const module of modules) {
    for (const [type, fields] of Object.entries((module.resolvers ?? {}) as Record<string, unknown>)) {
      // A scalar (or any resolver object that is not a plain field map) is taken whole.
      const plain = typeof fields === "object" && fields !== null && Object.getPrototypeOf(fields) === Object.prototype;
      const names = plain ? Object.keys(fields) : [""];
      for (const field of names) {
        const key = field ? `${type}.${field}` : type;
        const first = resolvedBy[key];
        if (first !== undefined) throw new Error(`mergeModules: ${key} is resolved by both ${first} and ${module.name}`);
        resolvedBy[key] = module.name;
      }
      if (!plain) resolvers[type] = fields as Record<string, unknown>;
      else resolvers[type] = { ...(resolvers[type] ?? {}), ...(fields as object) };
    }
    for (const [key, rule] of Object.entries(module.policy ?? {})) {
      const first = ruledBy[key];
      if (first !== undefined) throw new Error(`mergeModules: ${key} has a policy rule in both ${first} and ${module.name}`);
      ruledBy[key] = module.name;
      policy[key] = rule;
    }
  }
  return { resolvers, policy: policy as Policy<TContext> };
}
