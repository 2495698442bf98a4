import { type EntityReferences, type Identity, perRequest, SfeError, seesEveryOrganisation } from "@sfe/kit";
import DataLoader from "dataloader";

/** products' gateway-only route answering system operators' service areas (modules/zones/routes.ts there). */
export const SERVICE_AREAS_PATH = "/internal/service-areas";

/**
 * A system operator's service area as the products subgraph derives it: the GSP groups of the zones it operates
 * plus the location scope of its published products (a GB-scoped product: the whole of GB).
 */
export interface ServiceArea {
  organisationId: string;
  wholeGb: boolean;
  gspGroups: string[];
}

/** Every GSP group, for callers who see the whole market (hub administrators). */
export const WHOLE_GB = (organisationId: string): ServiceArea => ({ organisationId, wholeGb: true, gspGroups: [] });

/** Whether `area` covers a GSP group; an unknown group (null) only by a whole-GB area. */
export const covers = (area: ServiceArea, gspGroup: string | null | undefined) =>
  area.wholeGb || (gspGroup != null && area.gspGroups.includes(gspGroup));

/** Whether `area` covers any of `gspGroups` (a unit's, a notice's). */
export const coversAny = (area: ServiceArea, gspGroups: readonly string[]) =>
  area.wholeGb || gspGroups.some((group) => area.gspGroups.includes(group));

/** The areas of `organisationIds`, in order, in one call to the products subgraph (as the caller). */
export async function fetchServiceAreas(references: EntityReferences, organisationIds: readonly string[]): Promise<ServiceArea[]> {
  if (organisationIds.length === 0) return [];
  if (!references.call) throw new Error("service areas need references that can call the products subgraph");
  const { status, body } = await references.call<{ areas?: ServiceArea[] }>("products", SERVICE_AREAS_PATH, {
    organisationIds: [...organisationIds],
  });
  const areas = body?.areas;
  if (status !== 200 || !Array.isArray(areas) || areas.length !== organisationIds.length) {
    throw new SfeError("UPSTREAM_UNAVAILABLE", "The products subgraph could not answer system operators' service areas", {
      subgraph: "products",
    });
  }
  return areas;
}

/** Per request: service areas by organisation, batched (one call for every SO asked about in the request). */
export const serviceAreaLoader = (references: EntityReferences) =>
  perRequest(
    () =>
      new DataLoader<string, ServiceArea>((ids) => fetchServiceAreas(references, ids), {
        // One call per request in practice; a batch is bounded by the route's limit.
        maxBatchSize: 1000,
      }),
  );

/** The caller's area as a system operator: whole GB for an administrator, null for anyone not acting as an SO. */
export async function callerArea(identity: Identity | null, areas: DataLoader<string, ServiceArea>): Promise<ServiceArea | null> {
  if (!identity) return null;
  if (seesEveryOrganisation(identity)) return WHOLE_GB(identity.organisationId ?? "");
  if (!identity.roles.includes("SYSTEM_OPERATOR") || !identity.organisationId) return null;
  return areas.load(identity.organisationId);
}

/**
 * Throws unless every asset lies in the service area of system operator `soOrganisationId` (an asset of unknown
 * GSP group lies only in a whole-GB area): BAD_USER_INPUT with `extensions { field: "assetId", reason:
 * "OUTSIDE_SERVICE_AREA", assetId, gspGroup, organisationId }`, naming the first asset outside it. One call to the
 * products subgraph. For writes that act on an asset for an SO, e.g. a dispatch instruction.
 */
export async function requireCoveredBy(
  references: EntityReferences,
  soOrganisationId: string,
  assets: readonly { id: string; gspGroup: string | null | undefined }[],
): Promise<void> {
  if (assets.length === 0) return;
  const [area] = await fetchServiceAreas(references, [soOrganisationId]);
  const outside = assets.find((asset) => !covers(area!, asset.gspGroup));
  if (!outside) return;
  const where = outside.gspGroup ? `GSP group ${outside.gspGroup}` : "an unknown GSP group";
  throw new SfeError(
    "BAD_USER_INPUT",
    `assetId: asset ${outside.id} (${where}) lies outside the service area of system operator ${soOrganisationId}`,
    {
      field: "assetId",
      reason: "OUTSIDE_SERVICE_AREA",
      assetId: outside.id,
      gspGroup: outside.gspGroup ?? null,
      organisationId: soOrganisationId,
    },
  );
}
