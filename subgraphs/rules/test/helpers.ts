import type { TestableSubgraph } from "@sfe/kit/testing";
import { createRepositories, createRulesSubgraph, rulesModule } from "../src/server.js";

/** The rules subgraph as the kit's `setUpSubgraph` builds it for a test file. */
export const rulesSubgraph: TestableSubgraph<ReturnType<typeof createRepositories>, ReturnType<typeof createRulesSubgraph>> = {
  module: rulesModule,
  createRepositories,
  createSubgraph: createRulesSubgraph,
};
