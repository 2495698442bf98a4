import { fileURLToPath } from "node:url";
import { createSubgraph, mergeModules, readSubgraphSdl, relayOutboxToRules, type SubgraphDeps, type SubgraphModule } from "@sfe/kit";
import { parse } from "graphql";
import { auditEvents, outboxEvents } from "./db/schema.js";
import { type Context, createLoaders } from "./loaders.js";
import { createBuyRequirementsModule } from "./modules/buy-requirements/index.js";
import { createClearingResultsModule } from "./modules/clearing-results/index.js";
import { conflictRoutes } from "./modules/commitments/conflict-routes.js";
import { commitmentRoutes } from "./modules/commitments/index.js";
import { createAvailabilityModule, unavailableHoursFromNotices } from "./modules/availability/index.js";
import { createPositionsModule } from "./modules/positions/index.js";
import { createVerificationModule } from "./modules/verification/index.js";
import { createDisputesModule, DISPUTE_ENTITY_TYPES } from "./modules/disputes/index.js";
import {
  createSettlementModule,
  createSettlementRepository,
  createSettlementService,
  SETTLEMENT_ENTITY_TYPES,
  type UnavailableHours,
} from "./modules/settlement/index.js";
import { policy as transactionsPolicy } from "./policy.js";
import { createIngestModule } from "./modules/ingest/index.js";
import { createParticipationModule } from "./modules/participation/index.js";
import { createRepositories, type Repositories } from "./repositories/index.js";
import { Asset } from "./resolvers/Asset.js";
import { Award } from "./resolvers/Award.js";
import { AwardStatistic } from "./resolvers/AwardStatistic.js";
import { Bid } from "./resolvers/Bid.js";
import { DispatchInstruction } from "./resolvers/DispatchInstruction.js";
import { MarketUnit, TimeWindow } from "./resolvers/MarketUnit.js";
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
  unavailableHours = unavailableHoursFromNotices(db),
  env = {},
}: Pick<SubgraphDeps, "db" | "references" | "verifier" | "env"> & { repos?: Repositories; unavailableHours?: UnavailableHours }) {
  // Bids, awards and dispatch keep their flat src/resolvers/ shape as one module; later aggregates are src/modules/<aggregate>/.
  const availability = createAvailabilityModule({ db, references });
  const verification = createVerificationModule({ db, references });
  const settlement = createSettlementRepository(db);
  const settlementService = createSettlementService(settlement, unavailableHours);
  const ingest = createIngestModule({ db, references, verifier });
  const { resolvers, policy } = mergeModules<Context>([
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
        MarketUnit,
        Product,
        TimeWindow,
      },
      policy: transactionsPolicy,
    },
    createBuyRequirementsModule({ repos, references }),
    createClearingResultsModule({ repos, references }),
    availability,
    createPositionsModule({ db, references }),
    verification,
    createSettlementModule({ repo: settlement, service: settlementService, references }),
    createDisputesModule({ db, settlement, settlementService }),
    ingest,
    createParticipationModule({ references }),
  ]);
  // Events of its writes (commitments: the conflict detector's trigger) go to the rules subgraph, polled every
  // OUTBOX_RELAY_MS so a conflict is notified within a second; in-process tests have no subgraph to call.
  const relay = relayOutboxToRules({
    db,
    references,
    table: outboxEvents,
    source: "transactions",
    env,
    intervalMs: 50,
    // Small batches, each one detector run well inside the delivery's timeout; a failed one retried within 2 s.
    batchSize: 20,
    // The rules subgraph answers a batch after its detector run: four in flight, so one slow run (a large batch's
    // commitments) does not queue the batches behind it. A conflict is recorded once whichever run sees it first
    // (unique detection key).
    concurrency: 4,
    maxBackoffMs: 2_000,
  });
  return createSubgraph({
    name: "transactions",
    typeDefs,
    audit: {
      subgraph: "transactions",
      db,
      table: auditEvents,
      entityTypes: [
        "Bid",
        "Award",
        "DispatchInstruction",
        "BuyRequirement",
        "ClearingResult",
        ...availability.entityTypes,
        ...verification.entityTypes,
        ...SETTLEMENT_ENTITY_TYPES,
        ...DISPUTE_ENTITY_TYPES,
      ],
      verifier,
    },
    resolvers,
    // createSubgraph types its `policy` as identity rules; it applies any entry of the kit's model (call, row).
    policy,
    routes: [...ingest.routes, ...commitmentRoutes({ db, verifier }), ...conflictRoutes({ db, verifier })],
    createLoaders: () => createLoaders(repos),
    close: async () => {
      await relay?.stop();
    },
  });
}

export const transactionsModule: SubgraphModule = {
  name: "transactions",
  defaultPort: 4004,
  migrationsFolder: fileURLToPath(new URL("../migrations", import.meta.url)),
  create: createTransactionsSubgraph,
};

export { createRepositories };
