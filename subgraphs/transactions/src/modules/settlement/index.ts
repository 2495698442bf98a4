import type { EntityReferences, SchemaModule } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import { settlementLoaders } from "./loaders.js";
import { policy } from "./policy.js";
import type { SettlementRepository } from "./repository.js";
import { resolvers } from "./resolvers.js";
import type { SettlementService } from "./service.js";

export { createSettlementRepository, type SettlementRepository } from "./repository.js";
export { createSettlementService, type SettlementService } from "./service.js";
export { noUnavailabilityNotices, type UnavailableHours } from "./unavailability.js";

/** The entity types whose audit trail the graph reads (`auditEvents`; terms and payments are audited too). */
export const SETTLEMENT_ENTITY_TYPES = ["SettlementStatement", "Invoice"];

/** Settlement (S.1–S.2): terms per product, statements per provider × product × month, invoices, credit notes, payments. */
export const createSettlementModule = (deps: {
  repo: SettlementRepository;
  service: SettlementService;
  references: EntityReferences;
}): SchemaModule<Context> => ({
  name: "settlement",
  resolvers: resolvers({ ...deps, loaders: settlementLoaders(deps.repo) }),
  policy,
});
