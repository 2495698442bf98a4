import { fileURLToPath } from "node:url";
import { createSubgraph, type HttpRoute, type Policy, sendJson, type SubgraphDeps, type SubgraphModule, readSubgraphSdl } from "@sfe/kit";
import type { CarClient } from "./clients/car.js";
import { createBulkRoutes } from "./bulk.js";
import { assetsSettings } from "./config.js";
import { parse } from "graphql";
import type { AssetsModule } from "./deps.js";
import { createLoaders } from "./loaders.js";
import { categoriesModule } from "./modules/categories/index.js";
import { policy } from "./policy.js";
import { createRepositories, type Repositories } from "./repositories/index.js";
import { Asset } from "./resolvers/Asset.js";
import { AssetStatistic } from "./resolvers/AssetStatistic.js";
import { AssetTransfer } from "./resolvers/AssetTransfer.js";
import { Conflict } from "./resolvers/Conflict.js";
import { Mutation } from "./resolvers/Mutation.js";
import { MarketUnit } from "./resolvers/MarketUnit.js";
import { Organisation } from "./resolvers/Organisation.js";
import { Query } from "./resolvers/Query.js";

export const typeDefs = parse(readSubgraphSdl(new URL("..", import.meta.url)));

/**
 * Builds the assets subgraph: schema, resolvers guarded by `policy` (who may call what) and access.ts
 * (which assets and market units they see), per-request loaders. No environment, no listening.
 */
export function createAssetsSubgraph({
  db,
  references,
  repos = createRepositories(db),
  car = assetsSettings({}).car,
  verifier,
}: Pick<SubgraphDeps, "db" | "references" | "verifier"> & { repos?: Repositories; car?: CarClient }) {
  const deps = { repos, references, car };
  // Each module (src/modules/<aggregate>/) brings its resolvers and the policy rules of its fields.
  const { resolvers, policy: rules } = mergeModules([
    {
      name: "assets",
      resolvers: {
        Query: Query(repos),
        Mutation: Mutation(repos, references, car),
        Asset,
        AssetStatistic,
        AssetTransfer,
        Conflict,
        MarketUnit,
        Organisation,
      },
      policy,
    },
    categoriesModule(deps),
  ]);
  return createSubgraph({
    name: "assets",
    typeDefs,
    resolvers,
    policy: rules,
    createLoaders: () => createLoaders(repos, car),
    routes: [carReadiness(car), ...createBulkRoutes({ db, references, repos, car, verifier })],
    close: () => car.close(),
  });
}

export const assetsModule: SubgraphModule = {
  name: "assets",
  defaultPort: 4002,
  migrationsFolder: fileURLToPath(new URL("../migrations", import.meta.url)),
  // The CAR's address and timeout come from the settings it is given (the environment, via index.ts or the stack).
  create: (deps) => createAssetsSubgraph({ ...deps, ...assetsSettings(deps.env ?? {}) }),
};

/** `GET /readyz`: the CAR client's circuit breaker and cache, for operators. */
const carReadiness = (car: CarClient): HttpRoute => ({
  method: "GET",
  path: "/readyz",
  handle: (_req, res) => sendJson(res, 200, { ready: true, registries: { CAR: car.state() } }),
});

export { createRepositories };

/**
 * The modules' resolvers, type by type, and their policy rules. A field resolved, or ruled, by two modules stops the
 * build. (The kit's mergeModules, being written for the users subgraph, does the same; this goes once it is in.)
 */
function mergeModules(modules: readonly AssetsModule[]): { resolvers: Record<string, object>; policy: Policy } {
  const resolvers: Record<string, Record<string, unknown>> = {};
  const policy: Policy = {};
  for (const { name, resolvers: types, policy: rules } of modules) {
    for (const [type, fields] of Object.entries(types as Record<string, Record<string, unknown>>)) {
      const twice = Object.keys(fields).find((field) => resolvers[type]?.[field] !== undefined);
      if (twice) throw new Error(`${type}.${twice} is resolved by two modules (one of them ${name})`);
      resolvers[type] = { ...resolvers[type], ...fields };
    }
    const ruledTwice = Object.keys(rules).find((key) => policy[key] !== undefined);
    if (ruledTwice) throw new Error(`${ruledTwice} has a policy rule in two modules (one of them ${name})`);
    Object.assign(policy, rules);
  }
  return { resolvers, policy };
}
