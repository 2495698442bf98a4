import { fileURLToPath } from "node:url";
import { usersSettings } from "./config.js";
import {
  applyPolicy,
  createSubgraph,
  type Database,
  type EntityReferences,
  type IdentityVerifier,
  mergeModules,
  readSubgraphSdl,
  type SubgraphModule,
} from "@sfe/kit";
import { parse } from "graphql";
import type { OidcIssuer } from "./clients/oidc.js";
import { type PasswordVerifier, verifyPassword as scryptVerify } from "./crypto.js";
import { type Context, createLoaders } from "./loaders.js";
import { type Mailer, outboxMailer } from "./mail.js";
import { createAccountsModule } from "./modules/accounts/index.js";
import { createApiKeysModule } from "./modules/api-keys/index.js";
import { createAuditModule } from "./modules/audit/index.js";
import { createOrganisationsModule } from "./modules/organisations/index.js";
import { createSessionsModule } from "./modules/sessions/index.js";
import { createRepositories, type Repositories } from "./repositories/index.js";
import { createRoutes } from "./routes.js";
import { createServices } from "./services/index.js";
import { createTokenIssuer } from "./tokens.js";

export const typeDefs = parse(readSubgraphSdl(new URL("..", import.meta.url)));

/** What the users subgraph is built from; everything but `db` has a default that reads no environment. */
export interface UsersDeps {
  db: Database;
  repos?: Repositories;
  /** Default: an outbox file, `.data/outbox/outbox.jsonl`. */
  mailer?: Mailer;
  /** The front end's URL, for links in mails. Default: http://127.0.0.1:4000. */
  publicUrl?: string;
  /** The clock (tests move it). */
  now?: () => Date;
  /** Checks the gateway's identity tokens: without it, `POST /internal/{api-keys,sessions}/verify` answer 404. */
  verifier?: IdentityVerifier | undefined;
  auth?: {
    /** OpenID Connect issuers whose ID tokens `signInWithIdToken` accepts. Default: none. */
    oidcIssuers?: OidcIssuer[];
  };
  /** Checks a password against its stored hash (tests count the checks). Default: scrypt, crypto.ts. */
  verifyPassword?: PasswordVerifier;
  /** Other subgraphs' entities and routes, as the caller (audit trails of their records). */
  references?: EntityReferences;
}

/** Builds the users subgraph from its modules: schema, resolvers behind their policies, per-request loaders, HTTP routes. No environment, no listening. */
export function createUsersSubgraph({
  db,
  repos = createRepositories(db),
  mailer = outboxMailer(".data/outbox"),
  publicUrl = "http://127.0.0.1:4000",
  now = () => new Date(),
  verifier,
  auth = {},
  verifyPassword = scryptVerify,
  references,
}: UsersDeps) {
  const tokens = createTokenIssuer(repos.sessions);
  const services = createServices({ repos, mailer, publicUrl, now, tokens, oidcIssuers: auth.oidcIssuers ?? [], verifyPassword });
  // Each module (src/modules/<aggregate>/) brings its resolvers and the policy rules of its fields. The kit's
  // policy model is applied here: createSubgraph's `policy` takes identity rules only.
  const modules = [createOrganisationsModule, createAccountsModule, createSessionsModule, createApiKeysModule].map((create) =>
    create({ repos, services }),
  );
  const merged = mergeModules<Context>([...modules, createAuditModule(repos, references)]);
  const resolvers = applyPolicy(typeDefs, merged.resolvers, merged.policy);
  return createSubgraph({
    name: "users",
    typeDefs,
    resolvers,
    createLoaders: () => createLoaders(repos),
    routes: createRoutes({ tokens, services, repos, verifier }),
  });
}

export const usersModule: SubgraphModule = {
  name: "users",
  defaultPort: 4001,
  migrationsFolder: fileURLToPath(new URL("../migrations", import.meta.url)),
  // Mail, links and SSO issuers come from the settings it is given (the environment, via index.ts or the stack).
  create: (deps) => createUsersSubgraph({ ...deps, ...usersSettings(deps.env ?? {}) }),
};

export { createRepositories };
export type { Mailer, OidcIssuer };
export { outboxMailer, smtpMailer } from "./mail.js";
