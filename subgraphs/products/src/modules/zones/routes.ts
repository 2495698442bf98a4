import { type Database, gatewayJsonRequest, type HttpRoute, type IdentityVerifier, isUuid, sendError, sendJson } from "@sfe/kit";
import { and, eq, inArray } from "drizzle-orm";
import { constraintManagedZones, products, productVersions } from "../../db/schema.js";

export const SERVICE_AREAS_PATH = "/internal/service-areas";

const MAX_ORGANISATIONS = 1000;
/** A GB GSP group, as zones and product locations store them. */
const GSP_GROUP = /^_[A-P]$/;

/** A system operator's service area: the whole of GB, or the GSP groups it covers (sorted). */
export interface ServiceArea {
  organisationId: string;
  wholeGb: boolean;
  gspGroups: string[];
}

/**
 * The service areas of `organisationIds`, in their order: the GSP groups of the zones each operates plus the
 * location scope of its products' PUBLISHED or SUSPENDED versions (GSP groups; `GB` makes it the whole of GB; a
 * CMZ code is one of its own zones, already counted). A draft never widens an area: only an administrator
 * publishes. Two queries for any number of organisations.
 */
export async function serviceAreas(db: Database, organisationIds: readonly string[]): Promise<ServiceArea[]> {
  const ids = [...new Set(organisationIds)];
  const areas = new Map(ids.map((id) => [id, { whole: false, groups: new Set<string>() }]));
  if (ids.length > 0) {
    const [zones, locations] = await Promise.all([
      db
        .select({ operatorId: constraintManagedZones.operatorId, gspGroups: constraintManagedZones.gspGroups })
        .from(constraintManagedZones)
        .where(inArray(constraintManagedZones.operatorId, ids)),
      db
        .select({ ownerId: products.ownerId, locations: productVersions.locations })
        .from(productVersions)
        .innerJoin(products, eq(products.id, productVersions.productId))
        .where(and(inArray(products.ownerId, ids), inArray(productVersions.status, ["PUBLISHED", "SUSPENDED"]))),
    ]);
    for (const zone of zones) for (const group of zone.gspGroups) areas.get(zone.operatorId)?.groups.add(group);
    for (const { ownerId, locations: scope } of locations) {
      const area = areas.get(ownerId);
      if (!area) continue;
      for (const location of scope) {
        if (location === "GB") area.whole = true;
        else if (GSP_GROUP.test(location)) area.groups.add(location);
      }
    }
  }
  return organisationIds.map((organisationId) => {
    const area = areas.get(organisationId)!;
    return { organisationId, wholeGb: area.whole, gspGroups: area.whole ? [] : [...area.groups].sort() };
  });
}

/**
 * Gateway-only route (the gateway's identity tokens for `products`, which only the hub's own subgraphs hold):
 * `POST /internal/service-areas` `{ "organisationIds": ["<uuid>", …] }` (≤ 1000) → `{ "areas": [{ organisationId,
 * wholeGb, gspGroups }] }`, one per id in order (an organisation with no zones or products: not whole GB, no groups).
 * Asked by the transactions subgraph for an SO's positions view and for dispatch checks (OUTSIDE_SERVICE_AREA). Zones
 * and published products are market information, so any verified caller may ask about any organisation.
 */
export function serviceAreaRoutes(deps: { db: Database; verifier?: IdentityVerifier | undefined }): HttpRoute[] {
  return [
    {
      method: "POST",
      path: SERVICE_AREAS_PATH,
      async handle(req, res) {
        const request = await gatewayJsonRequest(deps.verifier, req, res, { maxBytes: 128 * 1024, usage: "Send a JSON object" });
        if (!request) return;
        const ids = (request.body as Record<string, unknown> | null)?.organisationIds;
        if (!Array.isArray(ids) || ids.length > MAX_ORGANISATIONS || ids.some((id) => typeof id !== "string" || !isUuid(id))) {
          return sendError(res, 400, "BAD_USER_INPUT", `Send { "organisationIds": ["<uuid>", …] } (at most ${MAX_ORGANISATIONS})`);
        }
        sendJson(res, 200, { areas: await serviceAreas(deps.db, ids as string[]) });
      },
    },
  ];
}
