import { type Identity, runInRequestScope, type StaticRoutes, scopeIdentity, seesEveryOrganisation, setScopeIdentity } from "@sfe/kit";
import type { TestableSubgraph } from "@sfe/kit/testing";
import { inProcessRulesEngine, type TestRule } from "@sfe/rules/in-process";
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

/**
 * The internal routes a bid, award, declaration or instruction needs now that rule checks fail closed (kit
 * rule-checks.ts) and an instruction checks the issuing SO's service area: the real rules engine in process (no rule
 * in force unless given), the products subgraph's qualification check answering `qualified` for every (subject,
 * product), and its service areas answering the whole of GB for every SO (a test of areas gives its own).
 */
export const ruleRoutes = (rules: TestRule[] = [], qualified = true): StaticRoutes => ({
  ...inProcessRulesEngine(rules).routes,
  "products /internal/qualifications/check": (body: { checks: unknown[] }) => ({
    status: 200,
    body: { results: body.checks.map(() => ({ qualified, counterpartyQualified: qualified })) },
  }),
  "products /internal/service-areas": wholeGbServiceAreas,
});

/** products' service areas as a test gives them: every SO asked about covers the whole of GB. */
export const wholeGbServiceAreas = (body: { organisationIds: string[] }) => ({
  status: 200,
  body: { areas: body.organisationIds.map((organisationId) => ({ organisationId, wholeGb: true, gspGroups: [] })) },
});

/**
 * assets' meter-point route (`POST /internal/assets/meter-points`) as a test gives it: `meterPoints` MPAN → its asset
 * and owner, answered as the caller of the request scope (asCaller) may see them, as the real route does: an FSP its
 * own, an administrator every one; another organisation's only as "registered". Each call's body is kept in `calls`.
 */
export function meterPointRoute(meterPoints: Record<string, { assetId: string; ownerId: string }>, calls: unknown[] = []) {
  return (body: { meterPointIds: string[] }) => {
    calls.push(body);
    const identity = scopeIdentity();
    const assets = body.meterPointIds.map((meterPointId) => {
      const asset = meterPoints[meterPointId];
      if (!asset) return null;
      const sees = seesEveryOrganisation(identity) || (identity?.roles.includes("FSP") && identity.organisationId === asset.ownerId);
      return sees ? { meterPointId, ...asset } : { meterPointId, registered: true };
    });
    return { status: 200, body: { assets } };
  };
}

/** Runs `work` in a request scope as `identity`, as a subgraph's HTTP server does (the identity other subgraphs see). */
export const asCaller = <T>(identity: Identity | null, work: () => Promise<T>): Promise<T> =>
  runInRequestScope(async () => {
    setScopeIdentity(identity);
    return work();
  });
