import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMigratedDatabase } from "@sfe/kit/testing";
import { type StackOptions, startStack } from "@sfe/stack";
import { SUBGRAPH_MODULES } from "@sfe/stack/modules";
import { ensureAdministrator } from "@sfe/stack/accounts";
import { mpanCore } from "@sfe/car-registry";

export interface GraphQLResponse<T = any> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

/** Who a request is sent as: an access token, an API key, or nobody. */
export type Credential = { token: string } | { apiKey: string } | null;

/** POSTs one operation over real HTTP. */
export async function gql<T = any>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  as: Credential = null,
): Promise<GraphQLResponse<T>> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (as && "token" in as) headers.authorization = `Bearer ${as.token}`;
  if (as && "apiKey" in as) headers["x-api-key"] = as.apiKey;
  const response = await fetch(url, { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  return (await response.json()) as GraphQLResponse<T>;
}

/** Like `gql`, but fails the test on any error. */
export async function gqlOk<T = any>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  as: Credential = null,
): Promise<T> {
  const result = await gql<T>(url, query, variables, as);
  if (result.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
  return result.data as T;
}

/** Signs in through the gateway: the access token. */
export async function signIn(url: string, email: string, password: string): Promise<{ token: string }> {
  const data = await gqlOk(url, `mutation ($i: SignInInput!) { signIn(input: $i) { accessToken } }`, { i: { email, password } });
  return { token: data.signIn.accessToken };
}

export const ADMIN = { email: "admin@hub.test", password: "Administrator-Test-2025", name: "Test administrator" };
/** The password of every account `signUp` makes. */
export const PASSWORD = "Flexibility-Market-2025";

/**
 * The whole hub on free ports over a fresh database of its own, with a hub administrator signed in
 * (`admin`) and mail going to a development outbox the test can read (`mailedToken`).
 */
export async function startTestStack(options: Omit<StackOptions, "database" | "port"> = {}) {
  // Copied from the run's migrated template: the stack's own migrating then finds nothing to apply.
  const database = await createMigratedDatabase(...(options.modules ?? SUBGRAPH_MODULES));
  const outboxDir = mkdtempSync(join(tmpdir(), "sfe-outbox-"));
  const stack = await startStack({ ...options, database, port: 0, env: { OUTBOX_DIR: outboxDir, ...options.env } });
  await ensureAdministrator(database.db, ADMIN);
  const admin = await signIn(stack.url, ADMIN.email, ADMIN.password);
  /** The token in the last link mailed to `email` (the development outbox, as README describes). */
  function mailedToken(email: string): string {
    const mails = readFileSync(join(outboxDir, "outbox.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { to: string; text: string });
    const token = mails
      .filter((m) => m.to === email)
      .at(-1)
      ?.text.match(/token=([A-Za-z0-9_%-]+)/)?.[1];
    if (!token) throw new Error(`no link mailed to ${email}`);
    return decodeURIComponent(token);
  }
  /** Every mail sent to `email` so far (the development outbox). */
  const mailsTo = (email: string): { to: string; subject: string; text: string }[] =>
    readFileSync(join(outboxDir, "outbox.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { to: string; subject: string; text: string })
      .filter((m) => m.to === email);
  return {
    ...stack,
    admin,
    mailedToken,
    mailsTo,
    /** Signs up (registering an organisation), follows the link mailed to the outbox, signs in. */
    async signUp(email: string, role: string, organisation: string) {
      const input = { email, name: email.split("@")[0], password: PASSWORD, role, newOrganisation: { name: organisation } };
      await gqlOk(stack.url, `mutation ($i: SignUpInput!) { signUp(input: $i) { message } }`, { i: input });
      const verified = await gqlOk(
        stack.url,
        `mutation ($t: String!) { verifyEmail(token: $t) { user { id status organisation { id } } } }`,
        { t: mailedToken(email) },
      );
      const session = await gqlOk(stack.url, `mutation ($i: SignInInput!) { signIn(input: $i) { accessToken refreshToken } }`, {
        i: { email, password: PASSWORD },
      });
      const { id, status, organisation: org } = verified.verifyEmail.user;
      return {
        userId: id as string,
        status: status as string,
        organisationId: org.id as string,
        as: { token: session.signIn.accessToken as string },
        refreshToken: session.signIn.refreshToken as string,
      };
    },
    /**
     * A system operator's account the hub administrator has verified (`signUp`, `verifySystemOperator`), with
     * `areas` set when given, and `verified`: a session signed in again afterwards, as roles are in the token.
     */
    async signUpVerifiedSo(email: string, organisation: string, areas?: string[]) {
      const so = await this.signUp(email, "SYSTEM_OPERATOR", organisation);
      await gqlOk(stack.url, `mutation ($u: ID!) { verifySystemOperator(userId: $u) { user { status } } }`, { u: so.userId }, admin);
      if (areas) {
        await gqlOk(
          stack.url,
          `mutation ($o: ID!, $a: [String!]!) { updateOrganisation(input: { id: $o, areas: $a }) { organisation { id } } }`,
          { o: so.organisationId, a: areas },
          admin,
        );
      }
      return { ...so, verified: await signIn(stack.url, email, PASSWORD) };
    },
    /** GraphQL requests each subgraph has received so far. */
    requestCounts: () => Object.fromEntries([...stack.subgraphs].map(([name, s]) => [name, s.requestCount()])),
    async stop() {
      await stack.stop();
      await database.close();
    },
  };
}

/**
 * An FSP's ACTIVE market unit of two 1 MW / 2 MWh batteries (meter points `mpan(12, n)` for each n): the unit id and
 * its assets' ids.
 */
export async function activeBatteryUnit(
  url: string,
  fsp: { organisationId: string; as: Credential },
  name: string,
  meterNumbers: readonly number[],
): Promise<{ unitId: string; assetIds: string[] }> {
  const assetIds: string[] = [];
  for (const n of meterNumbers) {
    const registered = await gqlOk(
      url,
      `mutation ($o: ID!, $m: String!) { registerAsset(input: { ownerId: $o, name: "Battery", categoryCode: "BESS",
        importCapacityKw: 1000, exportCapacityKw: 1000, energyCapacityKwh: 2000, meterPointId: $m }) { asset { id } } }`,
      { o: fsp.organisationId, m: mpanCore(12, n) },
      fsp.as,
    );
    assetIds.push(registered.registerAsset.asset.id);
  }
  const unit = await gqlOk(
    url,
    `mutation ($i: CreateMarketUnitInput!) { createMarketUnit(input: $i) { marketUnit { id } } }`,
    { i: { ownerId: fsp.organisationId, name, unitType: "SPG", assetIds } },
    fsp.as,
  );
  const unitId: string = unit.createMarketUnit.marketUnit.id;
  await gqlOk(
    url,
    `mutation ($i: UpdateMarketUnitInput!) { updateMarketUnit(input: $i) { marketUnit { status } } }`,
    { i: { id: unitId, status: "ACTIVE" } },
    fsp.as,
  );
  return { unitId, assetIds };
}

export const codes = (result: GraphQLResponse) => (result.errors ?? []).map((e) => e.extensions?.code);

/** A valid 13-digit MPAN core for a distributor id (10–23): the stand-in register's helper. */
export { mpanCore as mpan } from "@sfe/car-registry";
