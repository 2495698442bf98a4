import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { close, createHttpServer, createIdentityVerifier, formatError, type Identity, listen, unauthenticated } from "@sfe/kit";
import { parse } from "graphql";
import { ILLUSTRATIVE_DATA, type SoData } from "./data.js";
import { SO_SUBGRAPH_SDL } from "./schema.js";

export * from "./data.js";
export { SO_SUBGRAPH_SDL } from "./schema.js";

/** The gateway path whose public keys verify identity tokens. */
export const GATEWAY_JWKS_PATH = "/.well-known/jwks.json";

/** `http://host:4000/graphql` (or the gateway's base URL) → its JWKS URL. */
export const jwksUrlOf = (gatewayUrl: string) => new URL(GATEWAY_JWKS_PATH, gatewayUrl);

export interface SoSubgraphOptions {
  /** The name the gateway knows this subgraph by (EXTRA_SUBGRAPHS `name=url`): the identity tokens' audience. */
  name: string;
  /** The gateway's key set: its JWKS URL (what an SO uses), or the keys themselves. */
  jwks: Parameters<typeof createIdentityVerifier>[0]["jwks"];
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Where answers come from; ILLUSTRATIVE data when omitted. */
  data?: SoData;
}

export interface RunningSoSubgraph {
  name: string;
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4200/graphql: what the gateway is configured with. */
  url: string;
  stop(): Promise<void>;
}

interface Context {
  /** The caller the gateway vouched for; null for an anonymous caller (and for the gateway's SDL fetch). */
  identity: Identity | null;
}

/** Every field of this subgraph answers only a caller the gateway says is signed in. */
function signedIn(context: Context): Identity {
  if (!context.identity) throw unauthenticated("Sign in first: this System Operator's data is not public");
  return context.identity;
}

/**
 * Starts the example SO subgraph: a real Apollo subgraph on node:http. A request without a valid identity
 * token for this subgraph's name (missing, forged, expired, or signed for another audience) is answered
 * HTTP 401 with an UNAUTHENTICATED error before any resolver runs.
 */
export async function createSoSubgraph(options: SoSubgraphOptions): Promise<RunningSoSubgraph> {
  const data = options.data ?? ILLUSTRATIVE_DATA;
  const verifier = createIdentityVerifier({ audience: options.name, jwks: options.jwks });
  const resolvers = {
    Product: {
      __resolveReference: ({ id }: { id: string }) => ({ id }),
      soRequirements: ({ id }: { id: string }, _args: unknown, context: Context) => {
        signedIn(context);
        return data.requirementsFor(id);
      },
    },
    Asset: {
      __resolveReference: ({ id }: { id: string }) => ({ id }),
      networkConstraint: ({ id }: { id: string }, _args: unknown, context: Context) => {
        signedIn(context);
        return data.constraintFor(id);
      },
    },
  };
  const apollo = new ApolloServer<Context>({
    schema: buildSubgraphSchema({ typeDefs: parse(SO_SUBGRAPH_SDL), resolvers: resolvers as never }),
    formatError: (formatted, error) => formatError(formatted, error),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  await apollo.start();
  const server = createHttpServer(apollo, {
    // Throws UNAUTHENTICATED with HTTP 401 for a request the gateway did not sign for this audience.
    context: async (req) => ({ identity: (await verifier.verify(req.headers)).identity }),
  });
  const url = `${await listen(server, options.port ?? 0, options.host ?? "127.0.0.1")}/graphql`;
  return {
    name: options.name,
    url,
    async stop() {
      await close(server);
      await apollo.stop();
    },
  };
}
