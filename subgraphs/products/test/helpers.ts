import type { DeliveredEvent, StaticRoutes } from "@sfe/kit";
import type { TestableSubgraph } from "@sfe/kit/testing";
import { inProcessRulesEngine, type TestRule } from "@sfe/rules/in-process";
import { createProductsSubgraph, createRepositories, productsModule } from "../src/server.js";

/** The products subgraph as the kit's `setUpSubgraph` builds it for a test file. */
export const productsSubgraph: TestableSubgraph<ReturnType<typeof createRepositories>, ReturnType<typeof createProductsSubgraph>> = {
  module: productsModule,
  createRepositories,
  createSubgraph: createProductsSubgraph,
};

/**
 * The rules subgraph's internal routes for products' in-process tests, now that rule checks fail closed: the real
 * rules engine in process (no rule in force until `engine.add`), and `/internal/events` keeping what the outbox relay
 * delivers in `events`.
 */
export function rulesRoutes(rules: TestRule[] = []) {
  const engine = inProcessRulesEngine(rules);
  const events: DeliveredEvent[] = [];
  const routes: StaticRoutes = {
    ...engine.routes,
    "rules /internal/events": (body: { events: DeliveredEvent[] }) => {
      events.push(...body.events);
      return { status: 200, body: { received: body.events.length } };
    },
  };
  return { engine, events, routes };
}
