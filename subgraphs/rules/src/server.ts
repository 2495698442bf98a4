import { fileURLToPath } from "node:url";
import { createSubgraph, mergeModules, type SubgraphDeps, type SubgraphModule, readSubgraphSdl } from "@sfe/kit";
import { parse } from "graphql";
import type { Resolvers } from "./__generated__/resolvers-types.js";
import { auditEvents } from "./db/schema.js";
import { type Context, createLoaders } from "./loaders.js";
import { createNotificationsModule, notificationSettings } from "./modules/notifications/index.js";
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
  env = {},
  notifications = createNotificationsModule({ db, references, verifier, settings: notificationSettings(env) }),
}: Pick<SubgraphDeps, "db" | "references" | "verifier" | "env"> & {
  repos?: Repositories;
  notifications?: ReturnType<typeof createNotificationsModule>;
}) {
  const rules: Resolvers = {
    Query: Query(repos),
    Mutation: Mutation(repos, references),
    MarketRule,
    Conflict,
    Asset,
    Product,
  };
  const { resolvers, policy } = mergeModules<Context>([{ name: "rules", resolvers: rules, policy: rulesPolicy }, notifications]);
  return createSubgraph({
    name: "rules",
    typeDefs,
    audit: { subgraph: "rules", db, table: auditEvents, entityTypes: ["MarketRule", "Conflict"], verifier },
    resolvers,
    policy,
    createLoaders: () => createLoaders(repos),
    routes: notifications.routes,
    close: notifications.close,
  });
}

export const rulesModule: SubgraphModule = {
  name: "rules",
  defaultPort: 4005,
  migrationsFolder: fileURLToPath(new URL("../migrations", import.meta.url)),
  create: createRulesSubgraph,
};

export { createRepositories };
