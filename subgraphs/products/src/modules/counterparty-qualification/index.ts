import type { EntityReferences, SchemaModule } from "@sfe/kit";
import type { Context } from "../../loaders.js";
import { policy } from "./policy.js";
import type { CounterpartyQualificationRepository } from "./repository.js";
import { resolvers } from "./resolvers.js";

/** Counterparty (commercial) qualification, Q.2: per organisation, assessed once by a hub administrator. */
export const createCounterpartyQualificationModule = (deps: {
  counterparty: CounterpartyQualificationRepository;
  references: EntityReferences;
}): SchemaModule<Context> => ({
  name: "counterparty-qualification",
  resolvers: resolvers(deps),
  policy,
});
