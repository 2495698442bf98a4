import { type Identity, notFound, requireUuid } from "@sfe/kit";
import type { ServiceDeps } from "../../services/context.js";

/** De-registration and reinstatement of organisations. */
export function createOrganisationService(deps: ServiceDeps) {
  const { repos } = deps;

  return {
    async deregisterOrganisation(actor: Identity, id: string) {
      const organisation = await repos.organisations.changeStatus(
        requireUuid(id, "id"),
        {
          to: "INACTIVE",
          from: ["PENDING_VERIFICATION", "ACTIVE", "SUSPENDED", "DEREGISTRATION_REQUESTED"],
          action: "ORGANISATION_DEREGISTERED",
          refusal: "it is de-registered already",
        },
        actor,
      );
      if (!organisation) throw notFound("Organisation", id);
      return { organisation };
    },

    async reinstateOrganisation(actor: Identity, id: string) {
      const organisation = await repos.organisations.changeStatus(
        requireUuid(id, "id"),
        {
          to: "ACTIVE",
          from: ["INACTIVE", "SUSPENDED", "DEREGISTRATION_REQUESTED"],
          action: "ORGANISATION_REINSTATED",
          refusal: "only an inactive, suspended or de-registering organisation can be reinstated",
        },
        actor,
      );
      if (!organisation) throw notFound("Organisation", id);
      return { organisation };
    },
  };
}
