import type { DeliveredEvent, StaticRoutes } from "@sfe/kit";
import type { TestableSubgraph } from "@sfe/kit/testing";
import { inProcessRulesEngine, type TestRule } from "@sfe/rules/in-process";
import { assetsModule, createAssetsSubgraph, createRepositories } from "../src/server.js";

/**
 * Shared by the assets tests. The MPAN builder is an oracle written apart from src/modules/assets/validation.ts on
 * purpose: a mistake in the validator cannot make the tests agree with it.
 */

/** A valid 13-digit MPAN core for a distributor id (10–23): prime-weighted check digit. */
export function mpan(distributor: number, serial: number): string {
  const body = `${distributor}${String(serial).padStart(10, "0")}`;
  const primes = [3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43];
  const sum = [...body].reduce((total, digit, i) => total + Number(digit) * primes[i]!, 0);
  return `${body}${(sum % 11) % 10}`;
}

/** The assets subgraph as the kit's `setUpSubgraph` builds it for a test file. */
export const assetsSubgraph: TestableSubgraph<ReturnType<typeof createRepositories>, ReturnType<typeof createAssetsSubgraph>> = {
  module: assetsModule,
  createRepositories,
  createSubgraph: createAssetsSubgraph,
};

/**
 * The internal routes a unit's member change or an asset's capacity change needs now that rule checks fail closed:
 * the real rules engine in process (`rules` in force), the products subgraph's products-of-subjects (`products`, by
 * unit id) and reassessment routes, and rules' events route; what the latter two receive is kept.
 */
export function ruleRoutes(rules: TestRule[] = [], products: Record<string, string[]> = {}) {
  const engine = inProcessRulesEngine(rules);
  const reassessments: unknown[] = [];
  const events: DeliveredEvent[] = [];
  const routes: StaticRoutes = {
    ...engine.routes,
    "products /internal/qualifications/products": (body: { subjectIds: string[] }) => ({
      status: 200,
      body: { subjects: body.subjectIds.map((subjectId) => ({ subjectId, productIds: products[subjectId] ?? [] })) },
    }),
    "products /internal/market-units/reassessment": (body: unknown) => {
      reassessments.push(body);
      return { status: 200, body: { assessments: [] } };
    },
    "rules /internal/events": (body: { events: DeliveredEvent[] }) => {
      events.push(...body.events);
      return { status: 200, body: {} };
    },
  };
  return { engine, reassessments, events, routes };
}
