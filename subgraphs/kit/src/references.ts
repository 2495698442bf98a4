import { Agent } from "undici";
import { IDENTITY_HEADER } from "./identity.js";
import type { IdentitySigner } from "./identity-token.js";
import { scopeIdentity } from "./request-scope.js";
import { badInput, SfeError } from "./errors.js";
import { postJson } from "./post-json.js";

/**
 * Checks that entities owned by another subgraph exist, before a write refers to them. One batched
 * `_entities` call per owning subgraph (the federation protocol itself), never one per id.
 */
export interface EntityReferences {
  /** The ids among `ids` that the owner of `typename` does not know. */
  missing(typename: string, ids: readonly string[]): Promise<string[]>;
  /**
   * Fields of entities another subgraph owns, e.g. lookup("Asset", ids, "owner { id }"): one object per
   * id in order, null where unknown. Used to record who a record concerns (an award's provider FSP).
   * `key`: another @key field of the type the values are (e.g. an Asset's `externalId`); default `id`.
   */
  lookup<T = Record<string, unknown>>(
    typename: string,
    ids: readonly string[],
    selection: string,
    key?: string,
  ): Promise<((T & { id: string }) | null)[]>;
  /**
   * POSTs JSON to another subgraph's gateway-only route (e.g. `/internal/audit-events`) as the caller: its
   * status and body. Optional: tests' static references have no other subgraphs to call.
   */
  call?<T = unknown>(subgraph: string, path: string, payload: unknown): Promise<{ status: number; body: T }>;
}

/** Which subgraph owns which entity type. */
export const ENTITY_OWNERS: Record<string, string> = {
  Organisation: "users",
  User: "users",
  Asset: "assets",
  AssetCategory: "assets",
  MarketUnit: "assets",
  Product: "products",
  ProductVersion: "products",
  ConstraintManagedZone: "products",
  SubMarket: "products",
  Consultation: "products",
  Bid: "transactions",
  Award: "transactions",
  DispatchInstruction: "transactions",
  MarketRule: "rules",
  Conflict: "rules",
};

/** The hub's own subgraphs (each owns entities above). */
export const HUB_SUBGRAPHS: readonly string[] = [...new Set(Object.values(ENTITY_OWNERS))];

export interface ReferenceOptions {
  /** The owning subgraph's GraphQL URL, looked up at call time (ports may be chosen at start). */
  urlOf(subgraph: string): string | undefined;
  /** Signs the caller's identity for the owning subgraph's audience; without it lookups go anonymous. */
  signer?: IdentitySigner | undefined;
  timeoutMs?: number;
}

const agent = new Agent({ keepAliveTimeout: 30_000, connections: 16 });

export function createEntityReferences(options: ReferenceOptions): EntityReferences {
  async function lookup(typename: string, ids: readonly string[], selection: string, key = "id") {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return ids.map(() => null);
    const owner = ENTITY_OWNERS[typename];
    const url = owner && options.urlOf(owner);
    if (!owner || !url) throw new Error(`no subgraph URL configured for ${typename}`);
    const identity = scopeIdentity();
    const { body: json } = await postJson<{ data?: { _entities?: ({ id: string } | null)[] }; errors?: unknown[] } | null>(
      url,
      {
        query: `query ($r: [_Any!]!) { _entities(representations: $r) { ... on ${typename} { id ${selection} } } }`,
        variables: { r: unique.map((id) => ({ __typename: typename, [key]: id })) },
      },
      {
        upstream: { subgraph: owner },
        unavailable: `Cannot check ${typename} references: the ${owner} subgraph is unavailable`,
        dispatcher: agent,
        // The lookup sees what the caller may see, no more: the owner applies its own access rules.
        headers: options.signer && { [IDENTITY_HEADER]: await options.signer.sign(owner, identity) },
        timeoutMs: options.timeoutMs,
      },
    );
    const found = json?.data?._entities;
    if (!found)
      throw new SfeError("UPSTREAM_UNAVAILABLE", `The ${owner} subgraph could not check ${typename} references`, { subgraph: owner });
    const byId = new Map(unique.map((id, i) => [id, found[i] ?? null]));
    return ids.map((id) => byId.get(id) ?? null) as never;
  }
  return {
    lookup,
    async call<T>(subgraph: string, path: string, payload: unknown) {
      const url = options.urlOf(subgraph);
      if (!url) throw new Error(`no subgraph URL configured for ${subgraph}`);
      return postJson<T>(url.replace(/\/graphql\/?$/, path), payload, {
        upstream: { subgraph },
        unavailable: `The ${subgraph} subgraph is unavailable`,
        dispatcher: agent,
        headers: options.signer && { [IDENTITY_HEADER]: await options.signer.sign(subgraph, scopeIdentity()) },
        timeoutMs: options.timeoutMs,
      });
    },
    async missing(typename, ids) {
      const found = await lookup(typename, ids, "");
      return [...new Set(ids.filter((_, i) => !found[i]))];
    },
  };
}

/** Throws BAD_USER_INPUT naming `field` unless every id exists in its owning subgraph. */
export async function requireReferences(
  references: EntityReferences,
  typename: string,
  ids: readonly string[],
  field: string,
): Promise<void> {
  const missing = await references.missing(typename, ids);
  if (missing.length > 0) throw badInput(`${field}: ${typename} ${missing.join(", ")} does not exist`, field);
}

/** What a test's stand-in for another subgraph's internal route answers: a status and a JSON body. */
export type StaticAnswer = { status: number; body: unknown };
export type StaticRoute = (body: any) => StaticAnswer | Promise<StaticAnswer>;
/**
 * The internal routes a test gives its references, by `"<subgraph> <path>"` (e.g. `"rules /internal/rules/evaluate"`),
 * or one function answering every call (undefined: no such route).
 */
export type StaticRoutes =
  | Record<string, StaticRoute>
  | ((subgraph: string, path: string, body: any) => StaticAnswer | undefined | Promise<StaticAnswer | undefined>);

/**
 * For in-process tests: the entities that exist, by type, as ids or as id → fields (what `lookup`
 * answers); anything else is missing. With `routes`, `call` answers from them (a route not given: 404, as a subgraph
 * without it would), after a JSON round trip of the payload and the answer, so nothing is shared by reference; without,
 * there is no `call`, and whatever needs another subgraph's route (the rules engine) refuses.
 */
export function staticReferences(
  known: Record<string, Iterable<string> | Record<string, Record<string, unknown>>>,
  routes?: StaticRoutes,
): EntityReferences {
  const tables = Object.fromEntries(
    Object.entries(known).map(([type, entries]) => [
      type,
      new Map<string, Record<string, unknown>>(
        Symbol.iterator in entries
          ? [...(entries as Iterable<string>)].map((id) => [id, {}])
          : Object.entries(entries as Record<string, Record<string, unknown>>),
      ),
    ]),
  );
  const lookup = async (typename: string, ids: readonly string[], _selection: string, key = "id") =>
    ids.map((value) => {
      if (key !== "id") {
        const found = [...(tables[typename] ?? new Map<string, Record<string, unknown>>())].find(([, f]) => f[key] === value);
        return found ? { ...found[1], id: found[0] } : null;
      }
      const fields = tables[typename]?.get(value);
      return fields ? { ...fields, id: value } : null;
    }) as never;
  const references: EntityReferences = {
    lookup,
    missing: async (typename, ids) => [...new Set(ids)].filter((id) => !tables[typename]?.has(id)),
  };
  if (!routes) return references;
  return {
    ...references,
    async call<T>(subgraph: string, path: string, payload: unknown) {
      const body = JSON.parse(JSON.stringify(payload ?? null));
      const answer = typeof routes === "function" ? await routes(subgraph, path, body) : await routes[`${subgraph} ${path}`]?.(body);
      if (!answer) return { status: 404, body: null as T };
      return { status: answer.status, body: JSON.parse(JSON.stringify(answer.body ?? null)) as T };
    },
  };
}
