import { type Identity, type IdentityVerifier, type Role, startSubgraph } from "@sfe/kit";
import { countRows, execute, setUpSubgraph, testGateway, testIdentity } from "@sfe/kit/testing";
import { decodeJwt } from "jose";
import { expect } from "vitest";
import type { OidcIssuer } from "../src/clients/oidc.js";
import { verifyPassword } from "../src/crypto.js";
import type { Mail, Mailer } from "../src/mail.js";
import { createRepositories, createUsersSubgraph, type UsersDeps, usersModule } from "../src/server.js";

export const PUBLIC_URL = "https://hub.example";
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** The users tables whose row counts prove that a refused call wrote nothing. */
const TABLES = [
  "organisations",
  "users",
  "email_verifications",
  "invitations",
  "refresh_tokens",
  "api_keys",
  "audit_events",
  "signing_keys",
] as const;

/** A person of `organisationId` (one a test made: the kit's `as` are of fixed organisations), as the gateway would forward them. */
export const member = (organisationId: string, roles: Role[] = ["FSP"], overrides: Partial<Identity> = {}) =>
  testIdentity({ roles, organisationId, ...overrides });

/** Records mails instead of sending them. */
export function recordingMailer() {
  const sent: Mail[] = [];
  const mailer: Mailer & { sent: Mail[] } = {
    sent,
    async send(mail) {
      sent.push(mail);
    },
  };
  return mailer;
}

/** A clock tests move by hand (no sleeps). */
export function testClock(start = Date.now()) {
  let now = start;
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
  };
}

/** Everything a test file needs: the kit's `setUpSubgraph`, the subgraph with a recording mailer and a test clock; `deps` to build it again. */
export async function setUp(options: { oidcIssuers?: OidcIssuer[]; verifier?: IdentityVerifier } = {}) {
  const mailer = recordingMailer();
  const clock = testClock();
  /** Password checks made so far (sign-in, unknown e-mails included, and password changes). */
  const passwordChecks = { count: 0 };
  let deps!: UsersDeps;
  const { handle, repos, subgraph } = await setUpSubgraph({
    module: usersModule,
    createRepositories,
    createSubgraph: (base) => {
      deps = {
        ...base,
        mailer,
        now: clock.now,
        publicUrl: PUBLIC_URL,
        verifier: options.verifier,
        auth: { oidcIssuers: options.oidcIssuers ?? [] },
        verifyPassword: async (password: string, stored: string | null | undefined) => {
          passwordChecks.count++;
          return verifyPassword(password, stored);
        },
      };
      return createUsersSubgraph(deps);
    },
  });
  /** Runs an operation as `identity`, from `clientAddress` (what the gateway forwards; null: unknown). */
  const run = <T = Record<string, any>>(
    query: string,
    variables: Record<string, unknown> = {},
    identity: Identity | null = null,
    clientAddress: string | null = null,
  ) => execute<T>(subgraph, query, variables, identity, { clientAddress });
  /** Runs and fails the test on any error. */
  const ok = async <T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}, identity: Identity | null = null) => {
    const result = await run<T>(query, variables, identity);
    expect(result.errors).toBeUndefined();
    return result.data as T;
  };
  const count = (table: string) => countRows(handle, `users.${table}`);
  /** Row counts of every users table, to prove that a refused call wrote nothing. */
  const counts = async (): Promise<Record<(typeof TABLES)[number], number>> => {
    const entries = await Promise.all(TABLES.map(async (table) => [table, await count(table)] as const));
    return Object.fromEntries(entries) as Record<(typeof TABLES)[number], number>;
  };
  /** The token in the last mail sent to `to`. */
  const tokenMailedTo = (to: string) => {
    const mail = mailer.sent.filter((m) => m.to === to).at(-1);
    const token = mail?.text.match(/token=([A-Za-z0-9_%-]+)/)?.[1];
    if (!token) throw new Error(`no link mailed to ${to}`);
    return decodeURIComponent(token);
  };
  return { handle, repos, mailer, clock, subgraph, deps, run, ok, count, counts, tokenMailedTo, passwordChecks };
}

export type Setup = Awaited<ReturnType<typeof setUp>>;

/** `setUp` with the gateway's key, the subgraph over HTTP as the gateway reaches it (`http`) and one without the key (`open`). */
export async function setUpOverHttp() {
  const verifier = testGateway.verifier("users");
  const t = await setUp({ verifier });
  const http = await startSubgraph(createUsersSubgraph({ ...t.deps }), { port: 0, host: "127.0.0.1", verifier });
  const open = await startSubgraph(createUsersSubgraph({ ...t.deps, verifier: undefined }), { port: 0, host: "127.0.0.1" });
  const close = async () => {
    await http.stop();
    await open.stop();
    await t.handle.close();
  };
  return { ...t, http, open, close };
}

export type HttpSetup = Awaited<ReturnType<typeof setUpOverHttp>>;

export const SIGN_UP = /* GraphQL */ `
  mutation ($input: SignUpInput!) { signUp(input: $input) { email message } }`;
export const VERIFY_EMAIL = /* GraphQL */ `
  mutation ($token: String!) { verifyEmail(token: $token) { user { id status emailVerifiedAt orgAdmin organisation { id status } } } }`;
export const SESSION_FIELDS = "accessToken accessTokenExpiresAt refreshToken refreshTokenExpiresAt user { id email status orgAdmin }";
export const SIGN_IN = /* GraphQL */ `
  mutation ($input: SignInInput!) { signIn(input: $input) { ${SESSION_FIELDS} } }`;
export const REFRESH = /* GraphQL */ `
  mutation ($token: String!) { refreshSession(refreshToken: $token) { ${SESSION_FIELDS} } }`;

export const PASSWORD = "Correct-Horse-42";

export interface Session {
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenExpiresAt: string;
  user: { id: string; email: string; status: string; orgAdmin: boolean };
}

/** The identity the gateway builds from an access token (see gateway/src/auth.ts). */
export function identityOf(session: Pick<Session, "accessToken">): Identity {
  const claims = decodeJwt(session.accessToken);
  return {
    kind: "user",
    userId: claims.sub ?? null,
    organisationId: typeof claims.org === "string" ? claims.org : null,
    roles: claims.roles as Role[],
    orgAdmin: claims.adm === true,
    scopes: ["*"],
    areas: (claims.areas as string[] | undefined) ?? [],
  };
}

export interface SignUpOptions {
  email: string;
  role?: Role;
  password?: string;
  name?: string;
  newOrganisation?: { name: string; companyNumber?: string | null };
  /** Join this organisation instead, invited by its admin (`invitedBy`). */
  organisationId?: string;
  invitedBy?: Identity;
}

export const signUpInput = (o: SignUpOptions) => ({
  email: o.email,
  name: o.name ?? "Louis Martin",
  password: o.password ?? PASSWORD,
  role: o.role ?? "FSP",
  newOrganisation: o.newOrganisation ?? { name: `${o.email} Ltd` },
});

const INVITE_MEMBER = /* GraphQL */ `
  mutation ($input: InviteMemberInput!) { inviteMember(input: $input) { invitation { id } } }`;
const ACCEPT_INVITATION = /* GraphQL */ `
  mutation ($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { user { id status organisation { id status } } } }`;

/** Signs up, clicks the link and signs in: the user, their organisation and a session. */
export async function account(t: Setup, options: SignUpOptions) {
  let user: { id: string; status: string; organisation: { id: string; status: string } };
  if (options.organisationId) {
    if (!options.invitedBy) throw new Error("joining an organisation needs invitedBy (its admin)");
    const invitation = { organisationId: options.organisationId, email: options.email, role: options.role ?? "FSP" };
    await t.ok(INVITE_MEMBER, { input: invitation }, options.invitedBy);
    const accepted = await t.ok(ACCEPT_INVITATION, {
      input: {
        token: t.tokenMailedTo(options.email.toLowerCase()),
        name: options.name ?? "Louis Martin",
        password: options.password ?? PASSWORD,
      },
    });
    user = accepted.acceptInvitation.user;
  } else {
    await t.ok(SIGN_UP, { input: signUpInput(options) });
    const verified = await t.ok(VERIFY_EMAIL, { token: t.tokenMailedTo(options.email.toLowerCase()) });
    user = verified.verifyEmail.user;
  }
  const session = (await t.ok(SIGN_IN, { input: { email: options.email, password: options.password ?? PASSWORD } })).signIn as Session;
  return { userId: user.id, organisationId: user.organisation.id, status: user.status, session, identity: identityOf(session) };
}
