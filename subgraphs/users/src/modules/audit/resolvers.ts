import { type AuditEventView, badInput, ENTITY_OWNERS, type EntityReferences, page, perRequest, requireUuid, SfeError } from "@sfe/kit";
import DataLoader from "dataloader";
import type { QueryResolvers } from "../../__generated__/resolvers-types.js";
import { canSeeUser, isHubAdmin, isMember } from "../../identity.js";
import type { Repositories } from "../../repositories/index.js";
import type { AuditEventRow } from "./repository.js";

/** The deepest an organisation's trail is paged: each subgraph is asked for its newest `offset + first`. */
const MAX_DEPTH = 10_000;
const EVENT_FIELDS =
  "id occurredAt action entityType entityId organisationId actorUserId actorOrganisationId before after subgraph chainIndex prevHash hash";
/** Every other subgraph keeps a trail of its own. */
const OTHER_SUBGRAPHS = [...new Set(Object.values(ENTITY_OWNERS))].filter((name) => name !== "users");

type Event = AuditEventView;
const newestFirst = (a: Event, b: Event) => new Date(b.occurredAt).getTime() - new Date(a.occurredAt).getTime();
const local = (rows: AuditEventRow[]): Event[] => rows.map((row) => ({ ...row, subgraph: "users" }));

/**
 * `Query.auditEvents`: an organisation's trail gathered from every subgraph (one call each), or one record's
 * trail from the subgraph that owns it (entity lookups batched per request, one per owner and type), always
 * as the caller: what a subgraph answers is only what the caller may see there.
 */
export function createAuditResolvers(repos: Repositories, references: EntityReferences | undefined): { Query: QueryResolvers } {
  const lookups = perRequest(() => new Map<string, DataLoader<string, Event[]>>());
  const entityLoader = (context: object, entityType: string) => {
    const perType = lookups(context);
    let loader = perType.get(entityType);
    if (!loader) {
      loader = new DataLoader(async (ids) => {
        if (!references) return ids.map(() => []);
        const found = await references.lookup<{ auditEvents: Event[] | null }>(entityType, ids, `auditEvents { ${EVENT_FIELDS} }`);
        return found.map((entity) => entity?.auditEvents ?? []);
      });
      perType.set(entityType, loader);
    }
    return loader;
  };

  async function organisationTrail(organisationId: string, limit: number, offset: number): Promise<Event[]> {
    const depth = offset + limit;
    const own = local(await repos.audit.byOrganisation(organisationId, { limit: depth, offset: 0 }));
    const others = await Promise.all(
      OTHER_SUBGRAPHS.map(async (subgraph) => {
        if (!references?.call) return [];
        const { status, body } = await references.call<{ events?: AuditEventView[] }>(subgraph, "/internal/audit-events", {
          actorOrganisationId: organisationId,
          limit: depth,
        });
        if (status !== 200 || !Array.isArray(body.events)) {
          throw new SfeError("UPSTREAM_UNAVAILABLE", `The ${subgraph} subgraph could not answer its audit trail`, { subgraph });
        }
        return body.events;
      }),
    );
    return [...own, ...others.flat()].sort(newestFirst).slice(offset, depth);
  }

  return {
    Query: {
      auditEvents: async (_, { organisationId, entityType, entityId, first, offset }, context) => {
        const { limit, offset: skip } = page(first, offset, 500);
        if (skip + limit > MAX_DEPTH) throw badInput(`first + offset must be at most ${MAX_DEPTH}`, "offset");
        if (organisationId != null && entityType == null && entityId == null) {
          return organisationTrail(requireUuid(organisationId, "organisationId"), limit, skip);
        }
        if (organisationId != null || entityType == null || entityId == null) {
          throw badInput("Give organisationId, or entityType and entityId", "entityType");
        }
        const owner = ENTITY_OWNERS[entityType];
        if (!owner || entityType === "AssetCategory") {
          const known = Object.keys(ENTITY_OWNERS).filter((type) => type !== "AssetCategory");
          throw badInput(
            `entityType must be one of ${known.join(", ")} (a category's trail: assetCategory(code:) { auditEvents })`,
            "entityType",
          );
        }
        const id = requireUuid(entityId, "entityId");
        if (owner !== "users") {
          const events = await entityLoader(context, entityType).load(id);
          return [...events].sort(newestFirst).slice(skip, skip + limit);
        }
        // The users subgraph's own records: an organisation's trail is its members', a user's whoever may see them.
        const { identity } = context;
        if (entityType === "Organisation" && !(isMember(identity, id) || isHubAdmin(identity))) return [];
        if (entityType === "User") {
          const [user] = await repos.users.byIds([id]);
          if (!user || !canSeeUser(identity, user)) return [];
        }
        return local(await repos.audit.byEntity(entityType, id, { limit, offset: skip }));
      },
    },
  };
}
