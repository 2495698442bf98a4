import { badInput, type Identity, notFound, requireUuid } from "@sfe/kit";
import type { ServiceDeps } from "../../services/context.js";

/** De-registration and reinstatement of organisations. */
export function createOrganisationService(deps: ServiceDeps) {
  const { repos } = deps;

  return {
    async deregisterOrganisation(actor: Identity, id: string) {
      const result = await repos.organisations.changeStatus(
        requireUuid(id, "id"),
        {
          to: "INACTIVE",
          from: ["PENDING_VERIFICATION", "ACTIVE", "SUSPENDED", "DEREGISTRATION_REQUESTED"],
          action: "ORGANISATION_DEREGISTERED",
        },
        actor,
      );
      if (result === "missing") throw notFound("Organisation", id);
      if (result === "wrong-status") throw badInput("The organisation is de-registered already", "id");
      return { organisation: result };
    },

    async reinstateOrganisation(actor: Identity, id: string) {
      const result = await repos.organisations.changeStatus(
        requireUuid(id, "id"),
        { to: "ACTIVE", from: ["INACTIVE", "SUSPENDED", "DEREGISTRATION_REQUESTED"], action: "ORGANISATION_REINSTATED" },
        actor,
      );
      if (result === "missing") throw notFound("Organisation", id);
      if (result === "wrong-status") throw badInput("Only an inactive, suspended or de-registering organisation can be reinstated", "id");
      return { organisation: result };
    },
  };
}
