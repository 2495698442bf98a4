import type { EntityReferences } from "@sfe/kit";
import type { CarClient } from "./clients/car.js";
import type { Repositories } from "./repositories.js";

/** What a module's resolvers are built with: server.ts makes them once per subgraph and hands them to every module. */
export interface ModuleDeps {
  repos: Repositories;
  /** Lookups of other subgraphs' entities (an owner organisation, a transfer's receiver). */
  references: EntityReferences;
  /** The Central Asset Register. */
  car: CarClient;
}
