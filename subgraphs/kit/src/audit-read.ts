import { and, asc, desc, eq, inArray, or } from "drizzle-orm";
import DataLoader from "dataloader";
import type { AuditEventsTable } from "./audit.js";
import type { Database } from "./database.js";
import { isUuid } from "./errors.js";
import { type HttpRoute, sendError, sendJson } from "./http.js";
import type { Identity } from "./identity.js";
import { gatewayJsonRequest, type IdentityVerifier } from "./identity-token.js";
import { perRequest } from "./loaders.js";

/**
 * Reading the audit trail through the graph. Every subgraph's SDL ends with this fragment (readSubgraphSdl
 * appends it), so `AuditEvent` is one shared value type; each entity type a subgraph owns declares
 * `auditEvents: [AuditEvent!]` and the kit resolves it: the events of the entities the caller may see
 * (an entity it may not see is never resolved), one query per request for all of them.
 */
export const AUDIT_EVENT_SDL = `
"""
One entry of an audit trail: who did what, when, to which record, before and after. Append-only and
hash-chained per subgraph in the database: nobody can change it.
"""
type AuditEvent @federation__shareable {
  id: ID!
  occurredAt: DateTime!
  """CREATE, UPDATE, STATUS_CHANGE, or an identity event (SIGN_UP, SIGN_IN, PASSWORD_CHANGED, API_KEY_CREATED, …)."""
  action: String!
  entityType: String!
  entityId: String!
  """The organisation an identity event concerns (users subgraph); null elsewhere."""
  organisationId: ID
  actorUserId: ID
  actorOrganisationId: ID
  before: JSONObject
  after: JSONObject
  """The subgraph whose trail holds the event."""
  subgraph: String!
  """The event's place in that subgraph's hash chain, and the chain's SHA-256 hashes (hex)."""
  chainIndex: Int
  prevHash: String
  hash: String
}
`;

type AuditRow = AuditEventsTable["$inferSelect"] & { organisationId?: string | null };

/** An event as the graph answers it: the row, and the subgraph that keeps it. */
export type AuditEventView = AuditRow & { subgraph: string };

export interface AuditTrailOptions {
  /** The subgraph's name (AuditEvent.subgraph). */
  subgraph: string;
  db: Database;
  table: AuditEventsTable;
  /** The entity types whose `auditEvents` field this subgraph resolves. */
  entityTypes: string[];
  /** Guards `POST /internal/audit-events` (the gateway's identity tokens for this subgraph). */
  verifier?: IdentityVerifier | undefined;
}

/** How many events `auditEvents` answers per entity, newest last. */
const PER_ENTITY = 500;

/** Resolvers for `<Type>.auditEvents` of every listed entity type, batched per request. */
export function auditTrailResolvers(options: AuditTrailOptions) {
  const { db, table, subgraph } = options;
  // One loader per request.
  const loaderFor = perRequest(
    () =>
      new DataLoader<string, AuditEventView[]>(async (keys) => {
        const wanted = keys.map((key) => JSON.parse(key) as [string, string]);
        const byType = new Map<string, string[]>();
        for (const [type, id] of wanted) byType.set(type, [...(byType.get(type) ?? []), id]);
        const rows = (await db
          .select()
          .from(table)
          .where(or(...[...byType].map(([type, ids]) => and(eq(table.entityType, type), inArray(table.entityId, ids)))))
          .orderBy(asc(table.chainIndex))) as AuditRow[];
        const grouped = new Map<string, AuditEventView[]>();
        for (const row of rows) {
          const key = JSON.stringify([row.entityType, row.entityId]);
          grouped.set(key, [...(grouped.get(key) ?? []), { ...row, subgraph }]);
        }
        return keys.map((key) => (grouped.get(key) ?? []).slice(-PER_ENTITY));
      }),
  );
  return Object.fromEntries(
    options.entityTypes.map((type) => [
      type,
      {
        auditEvents: (parent: { id: string } | { code: string }, _args: unknown, context: object) =>
          loaderFor(context).load(JSON.stringify([type, "id" in parent ? parent.id : parent.code])),
      },
    ]),
  );
}

/** Who may read what an organisation's people and keys did: its members (people or keys) and hub administrators. */
export const mayReadOrganisationTrail = (identity: Identity | null, organisationId: string) =>
  identity !== null && (identity.roles.includes("ADMIN") || identity.organisationId === organisationId);

/**
 * `POST /internal/audit-events` `{ "actorOrganisationId": "…", "limit": 100 }` → `{ events }`: what an
 * organisation's people and keys did in this subgraph, newest first, for the users subgraph to gather
 * an organisation's trail across the hub. Only the gateway's tokens for this subgraph (a sibling
 * subgraph signs with the same key) and only for a caller who may read that organisation's trail.
 */
export function auditEventsRoute(options: AuditTrailOptions): HttpRoute {
  const { db, table, subgraph } = options;
  return {
    method: "POST",
    path: "/internal/audit-events",
    async handle(req, res) {
      const request = await gatewayJsonRequest(options.verifier, req, res, {
        maxBytes: 4096,
        usage: 'Send JSON { "actorOrganisationId": "…", "limit": 100 }',
      });
      if (!request) return;
      const { caller } = request;
      const body = (request.body ?? {}) as { actorOrganisationId?: unknown; limit?: unknown };
      const organisationId = body.actorOrganisationId;
      const limit = typeof body.limit === "number" && Number.isInteger(body.limit) ? Math.min(Math.max(body.limit, 1), 1000) : 100;
      if (typeof organisationId !== "string" || !isUuid(organisationId)) {
        return sendError(res, 400, "BAD_USER_INPUT", "actorOrganisationId must be an organisation id");
      }
      if (!mayReadOrganisationTrail(caller.identity, organisationId)) {
        return sendError(res, 403, "FORBIDDEN", "Only the organisation's members and hub administrators read its audit trail");
      }
      const rows = (await db
        .select()
        .from(table)
        .where(eq(table.actorOrganisationId, organisationId))
        .orderBy(desc(table.occurredAt), desc(table.chainIndex))
        .limit(limit)) as AuditRow[];
      sendJson(res, 200, { events: rows.map((row) => ({ ...row, subgraph })) });
    },
  };
}
