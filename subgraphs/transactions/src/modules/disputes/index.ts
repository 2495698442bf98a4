import type { Database, SchemaModule } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import type { SettlementRepository, SettlementService } from "../settlement/index.js";
import { policy } from "./policy.js";
import { createDisputeRepository } from "./repository.js";
import { resolvers } from "./resolvers.js";

/** The entity types whose audit trail this module writes (the subgraph's audit option). */
export const DISPUTE_ENTITY_TYPES = ["Dispute"];

/** Disputes (V.4, §4.18, §7.10) of assessments, penalties and invoices; corrections flow through to credit notes. */
export const createDisputesModule = (deps: {
  db: Database;
  settlement: SettlementRepository;
  settlementService: SettlementService;
}): SchemaModule<Context> => ({
  name: "disputes",
  resolvers: resolvers({ repo: createDisputeRepository(deps.db, deps.settlementService), settlement: deps.settlement }),
  policy,
});
