import { RemoteGraphQLDataSource } from "@apollo/gateway";
import { IDENTITY_HEADER, type Identity, type IdentitySigner } from "@sfe/kit";
import { GraphQLError } from "graphql";
import { Agent, fetch as undiciFetch } from "undici";

export interface GatewayContext {
  identity: Identity | null;
  /** The caller's network address, forwarded so the subgraphs can throttle per source. */
  clientAddress: string | null;
  /** Refuses a write whose access token's session has ended (checked with the users subgraph). */
  requireCurrentSession: () => Promise<void>;
}

export interface DataSourceOptions {
  name: string;
  url: string;
  /** Signs the caller's identity for this subgraph's audience (its name); without it nothing is sent. */
  signer?: IdentitySigner | undefined;
  timeoutMs: number;
  agent: Agent;
}

/** One keep-alive pool for every subgraph; idle sockets close before the subgraphs' (75 s) do. */
export const createAgent = () => new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, connections: 64 });

/**
 * Sends subgraph requests over undici with a per-subgraph timeout, forwards the caller's identity as a
 * token signed for this subgraph alone (an SO's subgraph cannot replay it against the hub's), and retries an idempotent fetch once when a kept-alive socket was reset.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(private readonly options: DataSourceOptions) {
    super({
      url: options.url,
      fetcher: ((input: string, init: RequestInit & { body?: string }) => this.send(input, init)) as never,
    });
  }

  override async willSendRequest({ request, context }: Parameters<RemoteGraphQLDataSource<GatewayContext>["willSendRequest"] & {}>[0]) {
    const headers = request.http?.headers;
    if (!headers || !this.options.signer) return;
    headers.set(
      IDENTITY_HEADER,
      await this.options.signer.sign(this.options.name, context.identity ?? null, context.clientAddress ?? null),
    );
  }

  /**
   * A subgraph answers 400 with GraphQL errors when it rejects a value the gateway could not check (a
   * malformed DateTime in a query, say): pass its message and code on rather than "400: Bad Request".
   */
  override async errorFromResponse(response: Parameters<RemoteGraphQLDataSource["errorFromResponse"]>[0]) {
    const body = (await this.parseBody(response).catch(() => null)) as {
      errors?: { message?: string; extensions?: { code?: string } }[];
    } | null;
    const first = body?.errors?.[0];
    if (typeof first?.message === "string" && typeof first.extensions?.code === "string") {
      return new GraphQLError(first.message, { extensions: { code: first.extensions.code, subgraph: this.options.name } });
    }
    return super.errorFromResponse(response);
  }

  private async send(input: string, init: RequestInit & { body?: string }) {
    const attempt = () =>
      undiciFetch(input, { ...(init as object), dispatcher: this.options.agent, signal: AbortSignal.timeout(this.options.timeoutMs) });
    try {
      return await attempt();
    } catch (error) {
      const isMutation = typeof init.body === "string" && /"query":"\s*mutation\b/.test(init.body);
      if (!isMutation && isConnectionReset(error)) return attempt().catch((retryError) => this.unavailable(retryError));
      return this.unavailable(error);
    }
  }

  /** A subgraph that cannot be reached is named in the error; the address and the cause stay in the log. */
  private unavailable(error: unknown): never {
    const timedOut = (error as Error).name === "TimeoutError";
    console.error(`subgraph ${this.options.name} unavailable:`, (error as Error).message, (error as { cause?: unknown }).cause ?? "");
    throw new GraphQLError(`The ${this.options.name} subgraph is unavailable${timedOut ? " (timed out)" : ""}`, {
      extensions: { code: "UPSTREAM_UNAVAILABLE", subgraph: this.options.name },
    });
  }
}

function isConnectionReset(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code === "ECONNRESET" || cause?.code === "UND_ERR_SOCKET";
}
