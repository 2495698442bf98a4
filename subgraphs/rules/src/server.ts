import { fileURLToPath } from "node:url";
import { createSubgraph, mergeModules, type SubgraphDeps, type SubgraphModule, readSubgraphSdl } from "@sfe/kit";
import { parse } from "graphql";
import { auditEvents } from "./db/schema.js";
import { type Context, createLoaders } from "./loaders.js";
import { policy as rulesPolicy } from "./policy.js";
import { createRepositories, type Repositories } from "./repositories/index.js";
import { Asset } from "./resolvers/Asset.js";
import { Conflict } from "./resolvers/Conflict.js";
import { MarketRule } from "./resolvers/MarketRule.js";
import { Mutation } from "./resolvers/Mutation.js";
import { Product } from "./resolvers/Product.js";
import { Query } from "./resolvers/Query.js";

export const typeDefs = parse(readSubgraphSdl(new URL("..", import.meta.url)));

/** Builds the rules subgraph: schema, resolvers, per-request loaders. No environment, no listening. */
export function createRulesSubgraph({
  db,
  references,
  repos = createRepositories(db),
  verifier,
}: Pick<SubgraphDeps, "db" | "references" | "verifier"> & { repos?: Repositories }) {
  // Market rules and conflicts keep their flat src/resolvers/ shape as one module; later aggregates are src/modules/<aggregate>/.
  const { resolvers, policy } = mergeModules<Context>([
    {
      name: "rules",
      resolvers: { Query: Query(repos), Mutation: Mutation(repos, references), MarketRule, Conflict, Asset, Product },
      policy: rulesPolicy,
    },
  ]);
  return createSubgraph({
    name: "rules",
    typeDefs,
    audit: { subgraph: "rules", db, table: auditEvents, entityTypes: ["MarketRule", "Conflict"], verifier },
    resolvers,
    policy,
    createLoaders: () => createLoaders(repos),
  });
}

export const rulesModule: SubgraphModule = {
  name: "rules",
  defaultPort: 4005,
  migrationsFolder: fileURLToPath(new URL("../migrations", import.meta.url)),
  create: createRulesSubgraph,
};

export { createRepositories };
