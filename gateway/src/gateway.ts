import { readFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { ApolloGateway } from "@apollo/gateway";
import type { QueryPlan } from "@apollo/query-planner";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import {
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from "@apollo/server/plugin/disabled";
import { createIdentitySigner, formatError, type HttpRoute, IDENTITY_HEADER, type Identity, type IdentityKey, sendJson } from "@sfe/kit";
import type { GraphQLFormattedError } from "graphql";
import { assetFileRoutes } from "./asset-files.js";
import { ingestFileRoutes } from "./ingest-files.js";
import { createAuthenticator, usersAuthEndpoints } from "./auth.js";
import { costLimitPlugin } from "./cost.js";
import { documentRoutes } from "./documents.js";
import { eventStreamRoutes } from "./event-stream.js";
import { type Dispatcher, request } from "undici";
import { createAgent, type GatewayContext, SubgraphDataSource } from "./data-source.js";
import { createSupergraphSource, type SubgraphRef } from "./supergraph.js";

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  maxCost: number;
}

/** Refused with GRAPHQL_VALIDATION_FAILED before any subgraph is asked. */
export const DEFAULT_LIMITS: QueryLimits = { maxDepth: 12, maxAliases: 150, maxTokens: 20_000, maxDirectives: 50, maxCost: 20_000 };

export const COMMITTED_SUPERGRAPH = new URL("../supergraph.graphql", import.meta.url);

export interface GatewayOptions {
  /** The pre-composed supergraph; defaults to the committed gateway/supergraph.graphql. */
  supergraphSdl?: string;
  /** URL per subgraph name, overriding the URLs composed into the supergraph. */
  subgraphUrls?: Record<string, string>;
  /** Subgraphs added by configuration (name + URL), read at start and at each poll. */
  extraSubgraphs?: () => Promise<SubgraphRef[]> | SubgraphRef[];
  pollIntervalMs?: number;
  /**
   * Signs the identity tokens the subgraphs require (one per subgraph audience); its public half is served at
   * `/.well-known/jwks.json` for SO subgraphs to verify with. Without it the subgraphs see every caller as anonymous.
   */
  identityKey?: IdentityKey | undefined;
  subgraphTimeoutMs?: number;
  /** Production hides introspection and the landing page. */
  production?: boolean;
  log?: (message: string) => void;
  /** Query limits; the defaults allow the largest legitimate operations the hub's clients send. */
  limits?: Partial<QueryLimits>;
  /**
   * Apollo's own telemetry (cloud-metadata detectors and a usage exporter to Apollo): off unless this is true.
   * `SFE_APOLLO_TELEMETRY=on` sets it; nothing else, not even a missing APOLLO_TELEMETRY_DISABLED, turns it on.
   */
  apolloTelemetry?: boolean;
  /** Called with each query plan (tests compare subgraph request counts against it). */
  onQueryPlan?: (plan: QueryPlan) => void;
}

/** Builds the gateway; never listens (index.ts and tests do). */
export function createGateway(options: GatewayOptions = {}) {
  const agent = createAgent();
  const signer = options.identityKey && createIdentitySigner(options.identityKey);
  /** The identity-token header for one subgraph's audience (none without a key). */
  const identityHeaders = async (audience: string, identity: Identity | null = null): Promise<Record<string, string>> =>
    signer ? { [IDENTITY_HEADER]: await signer.sign(audience, identity) } : {};
  const supergraph = createSupergraphSource({
    baseSupergraphSdl: options.supergraphSdl ?? readFileSync(COMMITTED_SUPERGRAPH, "utf8"),
    extraSubgraphs: options.extraSubgraphs ?? (() => []),
    pollIntervalMs: options.pollIntervalMs,
    headers: (name) => identityHeaders(name),
    log: options.log,
  });
  const urlOf = (name: string) => options.subgraphUrls?.[name] ?? supergraph.baseUrls[name];
  const authenticator = createAuthenticator({
    ...usersAuthEndpoints(urlOf("users") ?? "http://127.0.0.1:4001/graphql"),
    identityHeaders: () => identityHeaders("users"),
  });
  // @apollo/gateway reads this once, in its constructor: nothing leaves the machine that nobody asked for.
  if (options.apolloTelemetry !== true) process.env.APOLLO_TELEMETRY_DISABLED = "1";
  const gateway = new ApolloGateway({
    supergraphSdl: supergraph.manager,
    experimental_didResolveQueryPlan: options.onQueryPlan && (({ queryPlan }) => options.onQueryPlan?.(queryPlan)),
    buildService: ({ name, url }) =>
      new SubgraphDataSource({
        name,
        url: urlOf(name) ?? url ?? "",
        signer,
        timeoutMs: options.subgraphTimeoutMs ?? 10_000,
        agent,
      }),
  });
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const armor = new ApolloArmor({
    // Depth counts fields, not the fragments that name them.
    maxDepth: { n: limits.maxDepth, flattenFragments: true },
    maxAliases: { n: limits.maxAliases },
    // Armor's token plugin throws mid-request (a 500): graphql's own parser limit answers 400 instead.
    maxTokens: { enabled: false },
    maxDirectives: { n: limits.maxDirectives },
    // Armor's cost grows exponentially with fragments and misses `first: $variable`: costLimitPlugin prices instead.
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: options.production === true },
  }).protect();
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: !options.production,
    parseOptions: { maxTokens: limits.maxTokens },
    includeStacktraceInErrorResponses: false,
    formatError: formatGatewayError,
    validationRules: armor.validationRules,
    // Armor is typed against the CommonJS build of @apollo/server; at runtime the plugin shape is the same.
    plugins: [
      ...(armor.plugins as ApolloServerPlugin<GatewayContext>[]),
      costLimitPlugin<GatewayContext>(limits.maxCost),
      currentSessionPlugin,
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      ...(options.production ? [ApolloServerPluginLandingPageDisabled()] : []),
    ],
  });

  /**
   * `/readyz`: ready once the supergraph is loaded and every hub subgraph answers its /healthz; says what
   * it serves, which subgraphs are down and any refused configuration. (SO subgraphs are not probed:
   * they need not serve /healthz, and the hub answers without them.)
   */
  const readiness: HttpRoute = {
    method: "GET",
    path: "/readyz",
    handle: async (_req, res) => {
      const loaded = supergraph.state.lastAttemptAt !== null;
      const down = (
        await Promise.all(Object.keys(supergraph.baseUrls).map(async (name) => ((await isHealthy(urlOf(name), agent)) ? [] : [name])))
      ).flat();
      const ready = loaded && down.length === 0;
      sendJson(res, ready ? 200 : 503, { ready, subgraphs: supergraph.state.serving, down, lastError: supergraph.state.lastError });
    },
  };

  return {
    apollo,
    gateway,
    routes: [
      readiness,
      // The public key of the identity tokens, for SO subgraphs to verify who is calling.
      ...(options.identityKey ? [jwksRoute(options.identityKey)] : []),
      // CSV import and export of assets: authenticated here like GraphQL, then forwarded to the assets subgraph.
      ...assetFileRoutes({
        assetsUrl: () => urlOf("assets") ?? "http://127.0.0.1:4002/graphql",
        authenticate: async (req) => {
          const identity = await authenticator.authenticate(req);
          if (req.method === "POST") await authenticator.requireCurrentSession(req); // an import writes
          return identity;
        },
        identityHeaders: (identity) => identityHeaders("assets", identity),
      }),
      // Bulk ingest files (POST /ingest/<entity>): authenticated here like GraphQL, streamed to the transactions subgraph.
      ...ingestFileRoutes({
        transactionsUrl: () => urlOf("transactions") ?? "http://127.0.0.1:4004/graphql",
        authenticate: async (req) => {
          const identity = await authenticator.authenticate(req);
          await authenticator.requireCurrentSession(req); // an ingest writes
          return identity;
        },
        identityHeaders: (identity) => identityHeaders("transactions", identity),
      }),
      // Contracts as printable pages (GET /documents/contracts/<id>.html), rendered by the products subgraph.
      ...documentRoutes({
        productsUrl: () => urlOf("products") ?? "http://127.0.0.1:4003/graphql",
        authenticate: (req) => authenticator.authenticate(req),
        identityHeaders: (identity) => identityHeaders("products", identity),
        dispatcher: agent,
      }),
      // The caller's notifications as Server-Sent Events (GET /events/stream), relayed from the rules subgraph.
      ...eventStreamRoutes({
        rulesUrl: () => urlOf("rules") ?? "http://127.0.0.1:4005/graphql",
        authenticate: (req) => authenticator.authenticate(req),
        identityHeaders: (identity) => identityHeaders("rules", identity),
      }),
    ],
    supergraph,
    /** Each request's context: who is calling, forwarded to every subgraph. */
    context: async (req: IncomingMessage): Promise<GatewayContext> => ({
      identity: await authenticator.authenticate(req),
      clientAddress: req.socket.remoteAddress ?? null,
      requireCurrentSession: () => authenticator.requireCurrentSession(req),
    }),
    async stop() {
      await apollo.stop();
      await agent.close();
    },
  };
}

export type Gateway = ReturnType<typeof createGateway>;

/** Writes need a session that is still current: a signed-out or suspended user's access token stops at once. */
const currentSessionPlugin: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation, contextValue }) {
        if (operation?.operation === "mutation") await contextValue.requireCurrentSession();
      },
    };
  },
};

/** Whether a subgraph's /healthz answers 200 within a second. */
async function isHealthy(graphqlUrl: string | undefined, dispatcher: Dispatcher): Promise<boolean> {
  if (!graphqlUrl) return false;
  try {
    const response = await request(graphqlUrl.replace(/\/graphql\/?$/, "/healthz"), {
      dispatcher,
      headersTimeout: 1_000,
      bodyTimeout: 1_000,
    });
    await response.body.dump();
    return response.statusCode === 200;
  } catch {
    return false;
  }
}

/** Where the gateway publishes the public key its identity tokens are signed with. */
export const GATEWAY_JWKS_PATH = "/.well-known/jwks.json";

const jwksRoute = (key: IdentityKey): HttpRoute => ({
  method: "GET",
  path: GATEWAY_JWKS_PATH,
  handle: (_req, res) => {
    res.setHeader("cache-control", "public, max-age=300");
    sendJson(res, 200, key.jwks);
  },
});

/** Keeps subgraph error codes (UPSTREAM_UNAVAILABLE names an unreachable subgraph) and masks the rest. */
export const formatGatewayError = (formatted: GraphQLFormattedError, error: unknown) => formatError(formatted, error);
