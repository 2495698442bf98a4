import { fileURLToPath } from "node:url";
import { createSubgraph, mergeModules, readSubgraphSdl, relayOutboxToRules, type SubgraphDeps, type SubgraphModule } from "@sfe/kit";
import { parse } from "graphql";
import { auditEvents, outboxEvents } from "./db/schema.js";
import { type Context, createLoaders } from "./loaders.js";
import { createProcessModule } from "./modules/process/index.js";
import { createEligibilityModule } from "./modules/eligibility/index.js";
import { createContractsModule, issueAgreementOnQualification } from "./modules/contracts/index.js";
import { createConsultationsModule } from "./modules/consultations/index.js";
import { createCounterpartyQualificationModule } from "./modules/counterparty-qualification/index.js";
import { createQualificationModule, type OnQualified } from "./modules/qualification/index.js";
import {
  createSoProductApis,
  createSoProductApisModule,
  type SoProductApis,
  soProductApisReadiness,
  soProductApisSettings,
} from "./modules/so-product-apis/index.js";
import { createSubMarketsModule } from "./modules/sub-markets/index.js";
import { createZonesModule } from "./modules/zones/index.js";
import { serviceAreaRoutes } from "./modules/zones/routes.js";
import { policy as productsPolicy } from "./policy.js";
import { createRepositories, type Repositories } from "./repositories/index.js";
import { Mutation } from "./resolvers/Mutation.js";
import { Organisation } from "./resolvers/Organisation.js";
import { Product } from "./resolvers/Product.js";
import { ProductVersion } from "./resolvers/ProductVersion.js";
import { Query } from "./resolvers/Query.js";

export const typeDefs = parse(readSubgraphSdl(new URL("..", import.meta.url)));

/** On QUALIFIED (in the decision's transaction), the provider is issued the product's agreement, once (contracts module). */
const issueAgreementWhenQualified: OnQualified = async ({ tx, assessment, actor }) => {
  await issueAgreementOnQualification(
    tx,
    { productId: assessment.productId, providerOrganisationId: assessment.applicantId, qualificationId: assessment.id },
    actor,
  );
};

/** Builds the products subgraph: schema, resolvers, access policy, per-request loaders. No environment, no listening. */
export function createProductsSubgraph({
  db,
  references,
  repos = createRepositories(db),
  verifier,
  env,
  onQualified = issueAgreementWhenQualified,
  soProductApis = createSoProductApis({ apis: [], mappings: repos.externalProducts }),
}: Pick<SubgraphDeps, "db" | "references" | "verifier" | "env"> & {
  repos?: Repositories;
  onQualified?: OnQualified;
  soProductApis?: SoProductApis;
}) {
  const qualification = createQualificationModule({ qualification: repos.qualification, references, verifier, onQualified });
  const contracts = createContractsModule({ db, products: repos.products, references, verifier });
  // The product catalogue keeps its flat src/resolvers/ shape as one module; later aggregates are src/modules/<aggregate>/.
  const { resolvers, policy } = mergeModules<Context>([
    {
      name: "products",
      resolvers: { Query: Query(repos), Mutation: Mutation(repos, references), Product, ProductVersion, Organisation },
      policy: productsPolicy,
    },
    createZonesModule({ zones: repos.zones, references }),
    createProcessModule({ typeDefs, references }),
    createEligibilityModule({ products: repos.products, zones: repos.zones }),
    createSubMarketsModule({ repos, references }),
    createConsultationsModule({ repos }),
    createCounterpartyQualificationModule({ counterparty: repos.counterparty, references }),
    qualification,
    contracts,
    createSoProductApisModule({ soProductApis }),
  ]);
  // Events of its writes (QUALIFICATION_DECIDED) go to the rules subgraph; in-process tests have no subgraph to call.
  const relay = relayOutboxToRules({ db, references, table: outboxEvents, source: "products", env });
  return createSubgraph({
    name: "products",
    typeDefs,
    audit: {
      subgraph: "products",
      db,
      table: auditEvents,
      entityTypes: [
        "Product",
        "ProductVersion",
        "ConstraintManagedZone",
        "SubMarket",
        "Consultation",
        "CommercialQualification",
        "QualificationApplication",
        "QualificationAssessment",
        ...contracts.entityTypes,
      ],
      verifier,
    },
    resolvers,
    policy,
    createLoaders: () => createLoaders(repos, soProductApis),
    routes: [...qualification.routes, ...contracts.routes, soProductApisReadiness(soProductApis), ...serviceAreaRoutes({ db, verifier })],
    close: async () => {
      await relay?.stop();
      await soProductApis.close();
    },
  });
}

export const productsModule: SubgraphModule = {
  name: "products",
  defaultPort: 4003,
  migrationsFolder: fileURLToPath(new URL("../migrations", import.meta.url)),
  // The SO product APIs come from the settings it is given (the environment, via index.ts or the stack).
  create: (deps) => {
    const repos = createRepositories(deps.db);
    const settings = soProductApisSettings(deps.env ?? {});
    return createProductsSubgraph({
      ...deps,
      repos,
      soProductApis: createSoProductApis({ ...settings, mappings: repos.externalProducts }),
    });
  },
};

export { createRepositories };
