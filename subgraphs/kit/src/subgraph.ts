import type { Server } from "node:http";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { buildSubgraphSchema } from "@apollo/subgraph";
import type { GraphQLResolverMap } from "@apollo/subgraph/dist/schema-helper/resolverMap.js";
import type { DocumentNode } from "graphql";
import { DateTimeResolver, JSONObjectResolver } from "graphql-scalars";
import { ConfigError, parseConfig, subgraphEnv } from "./config.js";
import { type Database, type DatabaseHandle, openDatabase } from "./database.js";
import { type AuditTrailOptions, auditEventsRoute, auditTrailResolvers } from "./audit-read.js";
import { formatError } from "./errors.js";
import { refuseNulPlugin } from "./input-guard.js";
import { close, createHttpServer, type HttpRoute, listen } from "./http.js";
import type { Identity } from "./identity.js";
import {
  createIdentitySigner,
  createIdentityVerifier,
  type IdentityVerifier,
  loadIdentityKey,
  type VerifiedCaller,
} from "./identity-token.js";
import { migrateSubgraph } from "./migrate.js";
import { type ProcessOperation, processOperations, processOperationsRoute, requireKnownProcessSteps } from "./process-catalogue.js";
import { setScopeIdentity } from "./request-scope.js";
import { applyPolicy, type PolicyEntry } from "./policy.js";
import { createEntityReferences, type EntityReferences } from "./references.js";

/** What every resolver receives: who is calling and this request's dataloaders. */
export interface SubgraphContext<TLoaders = unknown> {
  identity: Identity | null;
  /** The address the caller reached the gateway from (throttles count per source); null when unknown. */
  clientAddress: string | null;
  loaders: TLoaders;
}

/** What a subgraph's `server.ts` builds: no environment, no listening. */
// `any`: callers outside the subgraph do not know its loaders' type.
export interface Subgraph<TLoaders = any> {
  name: string;
  apollo: ApolloServer<SubgraphContext<TLoaders>>;
  createLoaders(): TLoaders;
  routes: HttpRoute[];
  /** Its Query and Mutation fields and the toolkit steps they serve, served at `POST /internal/process-operations`. */
  processOperations: ProcessOperation[];
  /** Releases what the subgraph holds beyond the database (an external registry's connections). */
  close(): Promise<void>;
}

export interface SubgraphDefinition<TLoaders> {
  name: string;
  typeDefs: DocumentNode;
  /** Typed by each subgraph with its generated `Resolvers`; checked against the SDL at build. */
  resolvers: object;
  /** Who may call each operation (see policy.ts); when given, every Query and Mutation field needs a rule. */
  // `any`: each subgraph's rules see its own context type.
  policy?: Record<string, PolicyEntry<any>>;
  createLoaders(): TLoaders;
  routes?: HttpRoute[];
  /** The subgraph's audit trail, read through `<Type>.auditEvents` and `POST /internal/audit-events`. */
  audit?: AuditTrailOptions;
  close?: () => Promise<void>;
}

/** Scalars shared by every subgraph's schema. */
export const scalarResolvers = { DateTime: DateTimeResolver, JSONObject: JSONObjectResolver };

export function createSubgraph<TLoaders>(definition: SubgraphDefinition<TLoaders>): Subgraph<TLoaders> {
  requireKnownProcessSteps(definition.typeDefs);
  // The kit's audit-trail resolvers join the subgraph's own before the policy wraps them, so a rule (a
  // `Type.*` wildcard, say) covers `auditEvents` too.
  const given = definition.resolvers as Record<string, object>;
  const audit = definition.audit ? auditTrailResolvers(definition.audit) : {};
  const resolvers: Record<string, object> = {
    ...given,
    ...Object.fromEntries(Object.entries(audit).map(([type, fields]) => [type, { ...given[type], ...fields }])),
    // Every subgraph's SDL holds AuditEvent (readSubgraphSdl): an event says which trail it comes from.
    AuditEvent: { subgraph: (event: { subgraph?: string }) => event.subgraph ?? definition.name, ...given.AuditEvent },
  };
  const schema = buildSubgraphSchema({
    typeDefs: definition.typeDefs,
    resolvers: {
      ...scalarResolvers,
      ...(definition.policy ? applyPolicy(definition.typeDefs, resolvers, definition.policy) : resolvers),
    } as GraphQLResolverMap<unknown>,
  });
  const apollo = new ApolloServer<SubgraphContext<TLoaders>>({
    schema,
    formatError: (formatted, error) => formatError(formatted, error),
    includeStacktraceInErrorResponses: false,
    // No Apollo Studio (traces would only cost time); NUL characters refused in any argument.
    plugins: [ApolloServerPluginInlineTraceDisabled(), refuseNulPlugin()],
    // Subgraphs sit behind the gateway, which owns CSRF prevention and introspection policy.
    csrfPrevention: false,
  });
  return {
    name: definition.name,
    apollo,
    createLoaders: definition.createLoaders,
    routes: [...(definition.routes ?? []), ...(definition.audit ? [auditEventsRoute(definition.audit)] : [])],
    processOperations: processOperations(definition.name, definition.typeDefs),
    close: definition.close ?? (async () => {}),
  };
}

/** What a subgraph is built from: its database, and how to check entities other subgraphs own. */
export interface SubgraphDeps {
  db: Database;
  references: EntityReferences;
  /**
   * Checks the gateway's identity tokens for this subgraph's audience (internal routes use it too).
   * Without one no identity is believed and internal routes do not exist.
   */
  verifier?: IdentityVerifier | undefined;
  /**
   * The environment, for a subgraph's own settings (parsed by the subgraph with parseConfig). Only
   * index.ts and the stack's start script pass process.env; tests pass what they need.
   */
  env?: Record<string, string | undefined>;
}

/** A module every subgraph package exports from `server.ts`, so the stack and `index.ts` treat them alike. */
export interface SubgraphModule {
  name: string;
  defaultPort: number;
  migrationsFolder: string;
  create(deps: SubgraphDeps): Subgraph;
}

export interface RunningSubgraph {
  name: string;
  url: string;
  /** GraphQL requests received since start (the no-N+1 tests read this). */
  requestCount(): number;
  /** Requests received since start on one of its plain HTTP routes, e.g. `/internal/process-operations`. */
  routeRequestCount(path: string): number;
  stop(): Promise<void>;
}

export interface StartOptions {
  port: number;
  host: string;
  /** When set, only requests carrying a valid identity token for this subgraph are served. */
  verifier?: IdentityVerifier | undefined;
}

export async function startSubgraph(subgraph: Subgraph, options: StartOptions): Promise<RunningSubgraph> {
  await subgraph.apollo.start();
  let requests = 0;
  const routeRequests = new Map<string, number>();
  // The process-operations route needs the verifier, which only starting knows; every hub subgraph serves it.
  const routes = [...subgraph.routes, processOperationsRoute(subgraph.name, subgraph.processOperations, options.verifier)].map(
    (route): HttpRoute => ({
      ...route,
      handle: (req, res, url) => {
        routeRequests.set(route.path, (routeRequests.get(route.path) ?? 0) + 1);
        return route.handle(req, res, url);
      },
    }),
  );
  const server: Server = createHttpServer(subgraph.apollo, {
    routes,
    onGraphQLRequest: () => void requests++,
    context: async (req) => {
      // Who is calling is believed only from a token the gateway signed for this subgraph.
      const caller: VerifiedCaller = options.verifier ? await options.verifier.verify(req.headers) : ANONYMOUS;
      setScopeIdentity(caller.identity);
      return { identity: caller.identity, clientAddress: caller.clientAddress, loaders: subgraph.createLoaders() };
    },
  });
  const url = `${await listen(server, options.port, options.host)}/graphql`;
  let stopped: Promise<void> | undefined;
  return {
    name: subgraph.name,
    url,
    requestCount: () => requests,
    routeRequestCount: (path) => routeRequests.get(path) ?? 0,
    stop: () => {
      stopped ??= close(server)
        .then(() => subgraph.apollo.stop())
        .then(() => subgraph.close());
      return stopped;
    },
  };
}

const ANONYMOUS: VerifiedCaller = { identity: null, clientAddress: null };

/**
 * `index.ts` of every subgraph: read the environment, open the database, migrate, serve, and shut
 * down cleanly on Ctrl-C. A wrong variable stops start-up with one line naming it.
 */
export async function runSubgraph(module: SubgraphModule, env: Record<string, string | undefined> = process.env) {
  let handle: DatabaseHandle | undefined;
  try {
    const config = parseConfig(subgraphEnv(module.defaultPort), env);
    handle = await openDatabase({ url: config.DATABASE_URL, dataDir: config.PGLITE_DIR });
    await migrateSubgraph(handle, module.name, module.migrationsFolder);
    const key = config.IDENTITY_SIGNING_KEY ? loadIdentityKey(config.IDENTITY_SIGNING_KEY) : undefined;
    const verifier = key && createIdentityVerifier({ audience: module.name, jwks: key.jwks });
    const references = createEntityReferences({
      urlOf: (name) => env[`SUBGRAPH_URL_${name.toUpperCase()}`],
      signer: key && createIdentitySigner(key),
    });
    const running = await startSubgraph(module.create({ db: handle.db, references, verifier, env }), {
      port: config.PORT,
      host: config.HOST,
      verifier,
    });
    console.log(`${module.name} subgraph ready at ${running.url}`);
    onShutdown(async () => {
      await running.stop();
      await handle?.close();
    });
  } catch (error) {
    await handle?.close().catch(() => {});
    exitWith(error);
  }
}

/** Prints a configuration error as one line (anything else with its stack) and exits non-zero. */
export function exitWith(error: unknown): never {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}

/** Runs `stop` once on SIGINT/SIGTERM, then exits. */
export function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: shutting down`);
    stop().then(
      () => process.exit(0),
      (error) => exitWith(error),
    );
  };
  process.once("SIGINT", handler);
  process.once("SIGTERM", handler);
}
