import { createGateway, type GatewayOptions } from "@sfe/gateway";
import {
  close,
  createEntityReferences,
  createIdentitySigner,
  createIdentityVerifier,
  generateIdentityKeyPem,
  type IdentityKey,
  loadIdentityKey,
  createHttpServer,
  type DatabaseHandle,
  listen,
  migrateSubgraph,
  openDatabase,
  type RunningSubgraph,
  startSubgraph,
  type SubgraphModule,
} from "@sfe/kit";
import { SUBGRAPH_MODULES } from "./modules.js";

export interface StackOptions {
  /** An open database to use (tests); otherwise one is opened from `databaseUrl` / `dataDir`. */
  database?: DatabaseHandle;
  databaseUrl?: string | undefined;
  dataDir?: string;
  host?: string;
  /** Gateway port; subgraphs take their default ports, or free ports when this is 0. */
  port?: number;
  /** Loads the demo data set after migrating (idempotent). */
  seed?: (database: DatabaseHandle) => Promise<unknown>;
  /** Everything the gateway accepts beyond URLs (extra subgraphs, polling, production). */
  gateway?: Omit<GatewayOptions, "subgraphUrls" | "identityKey">;
  /** The identity-token key shared by the gateway and the subgraphs; default: a fresh one per start. */
  identityKey?: IdentityKey;
  modules?: SubgraphModule[];
  /** Settings the subgraphs read beyond the database (SMTP_URL, OUTBOX_DIR, OIDC_ISSUERS, …). */
  env?: Record<string, string | undefined>;
  log?: (message: string) => void;
}

export interface RunningStack {
  url: string;
  database: DatabaseHandle;
  subgraphs: Map<string, RunningSubgraph>;
  gateway: ReturnType<typeof createGateway>;
  stop(): Promise<void>;
}

/**
 * The whole hub in one process: one database (on the embedded default a PGlite folder can be opened by
 * one process only, so every subgraph shares this instance), migrations, the subgraphs, the gateway.
 */
export async function startStack(options: StackOptions = {}): Promise<RunningStack> {
  const log = options.log ?? (() => {});
  const host = options.host ?? "127.0.0.1";
  const modules = options.modules ?? SUBGRAPH_MODULES;
  const ownsDatabase = !options.database;
  const database = options.database ?? (await openDatabase({ url: options.databaseUrl, dataDir: options.dataDir ?? ".data/pglite" }));
  const subgraphs = new Map<string, RunningSubgraph>();
  // Only the gateway (and sibling subgraphs checking references) may call the subgraphs: they accept only
  // tokens signed with this key for their own name.
  const identityKey = options.identityKey ?? loadIdentityKey(generateIdentityKeyPem());
  const stopAll = async () => {
    for (const running of subgraphs.values()) await running.stop();
    if (ownsDatabase) await database.close();
  };
  try {
    for (const module of modules) await migrateSubgraph(database, module.name, module.migrationsFolder);
    log(`migrations applied (${database.kind})`);
    if (options.seed) await options.seed(database);
    const references = createEntityReferences({ urlOf: (name) => subgraphs.get(name)?.url, signer: createIdentitySigner(identityKey) });
    for (const module of modules) {
      const port = options.port === 0 ? 0 : module.defaultPort;
      const verifier = createIdentityVerifier({ audience: module.name, jwks: identityKey.jwks });
      const subgraph = module.create({ db: database.db, references, verifier, env: options.env ?? {} });
      subgraphs.set(module.name, await startSubgraph(subgraph, { port, host, verifier }));
    }
    const gateway = createGateway({
      ...options.gateway,
      subgraphUrls: Object.fromEntries([...subgraphs].map(([name, running]) => [name, running.url])),
      identityKey,
      log: options.gateway?.log ?? log,
    });
    await gateway.apollo.start();
    const server = createHttpServer(gateway.apollo, { context: gateway.context, routes: gateway.routes });
    const url = `${await listen(server, options.port ?? 4000, host)}/graphql`;
    return {
      url,
      database,
      subgraphs,
      gateway,
      async stop() {
        await close(server);
        await gateway.stop();
        await stopAll();
      },
    };
  } catch (error) {
    await stopAll().catch(() => {});
    throw error;
  }
}
