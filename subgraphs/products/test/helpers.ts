import type { TestableSubgraph } from "@sfe/kit/testing";
import { createProductsSubgraph, createRepositories, productsModule } from "../src/server.js";

/** The products subgraph as the kit's `setUpSubgraph` builds it for a test file. */
export const productsSubgraph: TestableSubgraph<ReturnType<typeof createRepositories>, ReturnType<typeof createProductsSubgraph>> = {
  module: productsModule,
  createRepositories,
  createSubgraph: createProductsSubgraph,
};
