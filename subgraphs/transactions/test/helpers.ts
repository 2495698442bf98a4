import type { TestableSubgraph } from "@sfe/kit/testing";
import { createRepositories, createTransactionsSubgraph, transactionsModule } from "../src/server.js";

/** The transactions subgraph as the kit's `setUpSubgraph` builds it for a test file. */
export const transactionsSubgraph: TestableSubgraph<
  ReturnType<typeof createRepositories>,
  ReturnType<typeof createTransactionsSubgraph>
> = {
  module: transactionsModule,
  createRepositories,
  createSubgraph: createTransactionsSubgraph,
};
