import { fileURLToPath } from "node:url";
import { createSubgraph, mergeModules, type SubgraphDeps, type SubgraphModule, readSubgraphSdl } from "@sfe/kit";
import { parse } from "graphql";
import { auditEvents } from "./db/schema.js";
import { type Context, createLoaders } from "./loaders.js";
import { createEvaluationModule, evaluableRule, type RuleSources } from "./modules/evaluation/index.js";
import { createRulesApis, type RulesApis, rulesApisReadiness, rulesApisSettings } from "./modules/evaluation/external.js";
import { conflictSweepSettings, createConflictsModule } from "./modules/conflicts/index.js";
import { createLibraryModule } from "./modules/library/index.js";
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
  rulesApis = createRulesApis({ apis: [] }),
  env = {},
  notifications = createNotificationsModule({ db, references, verifier, settings: notificationSettings(env) }),
}: Pick<SubgraphDeps, "db" | "references" | "verifier" | "env"> & {
  repos?: Repositories;
  rulesApis?: RulesApis;
  notifications?: ReturnType<typeof createNotificationsModule>;
}) {
  // The rules an evaluation reads: the hub's stored ones and those of the SO rules APIs configured.
  const sources: RuleSources = {
    stored: async (subjectKind, from, to) => (await repos.marketRules.evaluable(subjectKind, from, to)).map(evaluableRule),
    external: (subjectKind, productIds, at) => rulesApis.rulesFor(subjectKind, productIds, at),
  };
  const evaluation = createEvaluationModule({ sources, evaluations: repos.evaluations, verifier });
  const conflicts = createConflictsModule({
    references,
    conflicts: repos.conflicts,
    marketRules: repos.marketRules,
    settings: conflictSweepSettings(env),
    notify: notifications.notify,
    onEvents: notifications.onEvents,
  });
  // Market rules and conflicts keep their flat src/resolvers/ shape as one module; later aggregates are src/modules/<aggregate>/.
  const { resolvers, policy } = mergeModules<Context>([
    {
      name: "rules",
      resolvers: { Query: Query(repos), Mutation: Mutation(repos, references), MarketRule, Conflict, Asset, Product },
      policy: rulesPolicy,
    },
    evaluation,
    createLibraryModule({ documents: repos.documents, marketRules: repos.marketRules }),
    notifications,
    conflicts,
  ]);
  return createSubgraph({
    name: "rules",
    typeDefs,
    audit: { subgraph: "rules", db, table: auditEvents, entityTypes: ["MarketRule", "Conflict", "RuleDocument"], verifier },
    resolvers,
    policy,
    createLoaders: () => createLoaders(repos),
    routes: [...evaluation.routes, rulesApisReadiness(rulesApis), ...notifications.routes],
    close: async () => {
      await conflicts.close();
      await notifications.close();
      await rulesApis.close();
    },
  });
}

export const rulesModule: SubgraphModule = {
  name: "rules",
  defaultPort: 4005,
  migrationsFolder: fileURLToPath(new URL("../migrations", import.meta.url)),
  // The SO rules APIs come from the settings it is given (the environment, via index.ts or the stack).
  create: (deps) => createRulesSubgraph({ ...deps, rulesApis: createRulesApis(rulesApisSettings(deps.env ?? {})) }),
};

export { createRepositories };
