import { fileURLToPath } from "node:url";
import { createSubgraph, mergeModules, readSubgraphSdl, relayOutboxToRules, type SubgraphDeps, type SubgraphModule } from "@sfe/kit";
import { parse } from "graphql";
import { createBulkRoutes } from "./bulk.js";
import type { CarClient } from "./clients/car.js";
import { assetsSettings } from "./config.js";
import { auditEvents, outboxEvents } from "./db/schema.js";
import { deliverAssetsEvents } from "./events.js";
import { type Context, createLoaders } from "./loaders.js";
import { createAssetsModule } from "./modules/assets/index.js";
import { meterPointRoute } from "./modules/assets/meter-points.js";
import { createCarModule } from "./modules/car/index.js";
import { carReadiness } from "./modules/car/readiness.js";
import { createCategoriesModule } from "./modules/categories/index.js";
import { createMarketUnitsModule } from "./modules/market-units/index.js";
import { createTransfersModule } from "./modules/transfers/index.js";
import { createRepositories, type Repositories } from "./repositories.js";

/** The schema: schema.graphql, then each module's fragment (src/modules/<aggregate>/schema.graphql) in name order. */
export const typeDefs = parse(readSubgraphSdl(new URL("..", import.meta.url)));

/**
 * Builds the assets subgraph from its modules: schema, resolvers guarded by their policies (who may call what)
 * and access.ts (which assets, units and transfers they see), per-request loaders. No environment, no listening.
 */
export function createAssetsSubgraph({
  db,
  references,
  repos = createRepositories(db),
  car = assetsSettings({}).car,
  verifier,
  env,
}: Pick<SubgraphDeps, "db" | "references" | "verifier" | "env"> & { repos?: Repositories; car?: CarClient }) {
  const deps = { repos, references, car };
  // Each module (src/modules/<aggregate>/) brings its resolvers and the policy rules of its fields.
  const { resolvers, policy } = mergeModules<Context>(
    [createAssetsModule, createCarModule, createCategoriesModule, createMarketUnitsModule, createTransfersModule].map((create) =>
      create(deps),
    ),
  );
  // Events of its writes, recorded with the write: units needing reassessment go to products, the rest (a rule's
  // RULE_WARNING) to the rules subgraph (events.ts). None when the references cannot call (an in-process test).
  const relay = relayOutboxToRules({
    db,
    references,
    table: outboxEvents,
    source: "assets",
    env,
    deliver: deliverAssetsEvents(references),
  });
  return createSubgraph({
    name: "assets",
    typeDefs,
    audit: {
      subgraph: "assets",
      db,
      table: auditEvents,
      entityTypes: ["Asset", "AssetCategory", "MarketUnit", "AssetTransfer"],
      verifier,
    },
    resolvers,
    policy,
    createLoaders: () => createLoaders(repos, car),
    routes: [
      carReadiness(car),
      meterPointRoute({ byMeterPointIds: repos.assets.byMeterPointIds, verifier }),
      ...createBulkRoutes({ db, references, repos, car, verifier }),
    ],
    close: async () => {
      await relay?.stop();
      await car.close();
    },
  });
}

export const assetsModule: SubgraphModule = {
  name: "assets",
  defaultPort: 4002,
  migrationsFolder: fileURLToPath(new URL("../migrations", import.meta.url)),
  // The CAR's address and timeout come from the settings it is given (the environment, via index.ts or the stack).
  create: (deps) => createAssetsSubgraph({ ...deps, ...assetsSettings(deps.env ?? {}) }),
};

export { createRepositories };
