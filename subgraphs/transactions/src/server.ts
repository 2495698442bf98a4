import { fileURLToPath } from "node:url";
import { createSubgraph, mergeModules, type SubgraphDeps, type SubgraphModule, readSubgraphSdl } from "@sfe/kit";
import { parse } from "graphql";
import { auditEvents } from "./db/schema.js";
import { type Context, createLoaders } from "./loaders.js";
import { createIngestModule } from "./modules/ingest/index.js";
import { policy } from "./policy.js";
import { createRepositories, type Repositories } from "./repositories/index.js";
import { Asset } from "./resolvers/Asset.js";
import { Award } from "./resolvers/Award.js";
import { AwardStatistic } from "./resolvers/AwardStatistic.js";
import { Bid } from "./resolvers/Bid.js";
import { DispatchInstruction } from "./resolvers/DispatchInstruction.js";
import { Mutation } from "./resolvers/Mutation.js";
import { Product } from "./resolvers/Product.js";
import { Query } from "./resolvers/Query.js";

export const typeDefs = parse(readSubgraphSdl(new URL("..", import.meta.url)));

/**
 * Builds the transactions subgraph: schema, resolvers guarded by `policy`, per-request loaders. No
 * environment, no listening.
 */
export function createTransactionsSubgraph({
  db,
  references,
  repos = createRepositories(db),
  verifier,
}: Pick<SubgraphDeps, "db" | "references" | "verifier"> & { repos?: Repositories }) {
  const ingest = createIngestModule({ db, references, verifier });
  // Bids, awards and dispatches keep their flat src/resolvers/ shape as one module; later aggregates are src/modules/<aggregate>/.
  const merged = mergeModules<Context>([
    {
      name: "transactions",
      resolvers: {
        Query: Query(repos),
        Mutation: Mutation(repos, references),
        Bid,
        Award,
        AwardStatistic,
        DispatchInstruction,
        Asset,
        Product,
      },
      policy,
    },
    ingest,
  ]);
  return createSubgraph({
    name: "transactions",
    typeDefs,
    audit: { subgraph: "transactions", db, table: auditEvents, entityTypes: ["Bid", "Award", "DispatchInstruction"], verifier },
    resolvers: merged.resolvers,
    // createSubgraph types its `policy` as identity rules; it applies any entry of the kit's model (call, row).
    policy: merged.policy,
    routes: ingest.routes,
    createLoaders: () => createLoaders(repos),
  });
}

export const transactionsModule: SubgraphModule = {
  name: "transactions",
  defaultPort: 4004,
  migrationsFolder: fileURLToPath(new URL("../migrations", import.meta.url)),
  create: createTransactionsSubgraph,
};

export { createRepositories };
