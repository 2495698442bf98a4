import type { EntityReferences, Policy } from "@sfe/kit";
import type { Resolvers } from "./__generated__/resolvers-types.js";
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

/** One module (src/modules/<aggregate>/): its resolvers and the policy rules of its fields (its SDL is its schema.graphql). */
export interface AssetsModule {
  /** Its folder's name, for error messages. */
  name: string;
  resolvers: Resolvers;
  policy: Policy;
}
