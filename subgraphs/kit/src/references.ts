import { Agent, request } from "undici";
import { SECRET_HEADER } from "./identity.js";
import { badInput, SfeError } from "./errors.js";

/**
 * Checks that entities owned by another subgraph exist, before a write refers to them. One batched
 * `_entities` call per owning subgraph (the federation protocol itself), never one per id.
 */
export interface EntityReferences {
  /** The ids among `ids` that the owner of `typename` does not know. */
  missing(typename: string, ids: readonly string[]): Promise<string[]>;
}

/** Which subgraph owns which entity type. */
export const ENTITY_OWNERS: Record<string, string> = {
  Organisation: "users",
  User: "users",
  Asset: "assets",
  AssetCategory: "assets",
  Product: "products",
  Bid: "transactions",
  Award: "transactions",
  DispatchInstruction: "transactions",
  MarketRule: "rules",
  Conflict: "rules",
};

export interface ReferenceOptions {
  /** The owning subgraph's GraphQL URL, looked up at call time (ports may be chosen at start). */
  urlOf(subgraph: string): string | undefined;
  secret?: string | undefined;
  timeoutMs?: number;
}

const agent = new Agent({ keepAliveTimeout: 30_000, connections: 16 });

export function createEntityReferences(options: ReferenceOptions): EntityReferences {
  return {
    async missing(typename, ids) {
      const unique = [...new Set(ids)];
      if (unique.length === 0) return [];
      const owner = ENTITY_OWNERS[typename];
      const url = owner && options.urlOf(owner);
      if (!owner || !url) throw new Error(`no subgraph URL configured for ${typename}`);
      const body = JSON.stringify({
        query: `query ($r: [_Any!]!) { _entities(representations: $r) { ... on ${typename} { id } } }`,
        variables: { r: unique.map((id) => ({ __typename: typename, id })) },
      });
      let json: { data?: { _entities?: ({ id: string } | null)[] }; errors?: unknown[] };
      try {
        const response = await request(url, {
          method: "POST",
          dispatcher: agent,
          headers: { "content-type": "application/json", ...(options.secret && { [SECRET_HEADER]: options.secret }) },
          body,
          headersTimeout: options.timeoutMs ?? 5_000,
          bodyTimeout: options.timeoutMs ?? 5_000,
        });
        json = (await response.body.json()) as typeof json;
      } catch {
        throw new SfeError("UPSTREAM_UNAVAILABLE", `Cannot check ${typename} references: the ${owner} subgraph is unavailable`, {
          subgraph: owner,
        });
      }
      const found = json.data?._entities;
      if (!found)
        throw new SfeError("UPSTREAM_UNAVAILABLE", `The ${owner} subgraph could not check ${typename} references`, { subgraph: owner });
      return unique.filter((_, i) => !found[i]);
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

/** For in-process tests: every id in `known` exists; anything else is missing. */
export function staticReferences(known: Record<string, Iterable<string>>): EntityReferences {
  const sets = Object.fromEntries(Object.entries(known).map(([type, ids]) => [type, new Set(ids)]));
  return { missing: async (typename, ids) => [...new Set(ids)].filter((id) => !sets[typename]?.has(id)) };
}
