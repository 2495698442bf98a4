import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type DatabaseHandle, type Mail, type RunningSubgraph, startSubgraph, staticReferences, verifyWebhook } from "@sfe/kit";
import { apiKeyOf, createMigratedDatabase, errorCodes, execute, testGateway, testIdentity } from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNotificationsModule, notificationSettings } from "../src/modules/notifications/index.js";
import { checkWebhookUrl, decryptSecret, retryDelayMs } from "../src/modules/notifications/webhooks.js";
import { createRulesSubgraph, rulesModule } from "../src/server.js";

/**
 * The notifications module in-process and over the subgraph's own HTTP routes: outbox events in (each id once), the
 * inbox per person and organisation, read state and preferences, e-mail, webhooks with their signatures, retries,
 * dead letters and redelivery against a real loopback receiver, and who may see and do what.
 */
const orgA = randomUUID();
const orgB = randomUUID();
const adminA = testIdentity({ roles: ["FSP"], organisationId: orgA, orgAdmin: true });
const memberA = testIdentity({ roles: ["FSP"], organisationId: orgA });
const adminB = testIdentity({ roles: ["FSP"], organisationId: orgB, orgAdmin: true });
const keyA = apiKeyOf(orgA, ["FSP"], ["rules:read"]);

const mails: Mail[] = [];
/** The users subgraph's lookups and contacts calls the mailer made. */
const lookups: { typename: string; ids: string[] }[] = [];
const contactCalls: { userIds: string[]; organisationIds: string[] }[] = [];
/** The users subgraph's accounts, as its contacts route answers them (each id: only that recipient's own). */
const members = () => [
  { id: adminA.userId!, organisationId: orgA, email: "admin@a.example", status: "ACTIVE" },
  { id: memberA.userId!, organisationId: orgA, email: "member@a.example", status: "ACTIVE" },
  { id: suspendedA, organisationId: orgA, email: "gone@a.example", status: "SUSPENDED" },
];
const suspendedA = randomUUID();
const settings = notificationSettings({
  WEBHOOK_RETRY_BASE_MS: "10",
  WEBHOOK_POLL_MS: "20",
  WEBHOOK_MAX_ATTEMPTS: "3",
  WEBHOOK_TIMEOUT_MS: "2000",
});
const verifier = testGateway.verifier("rules");

let handle: DatabaseHandle;
let notifications: ReturnType<typeof createNotificationsModule>;
let subgraph: ReturnType<typeof createRulesSubgraph>;
let running: RunningSubgraph;
let base: string;

/** A loopback webhook receiver: answers each request with the next status of `plan` (then 200). */
let receiver: Server;
let receiverUrl: string;
const received: { path: string; headers: IncomingMessage["headers"]; body: string }[] = [];
const plans = new Map<string, number[]>();

beforeAll(async () => {
  handle = await createMigratedDatabase(rulesModule);
  const contact = ({ id, email, status }: ReturnType<typeof members>[number]) => ({ id, email, status });
  const given = staticReferences(
    {},
    {
      "users /internal/users/contacts": (body: { userIds: string[]; organisationIds: string[] }) => {
        contactCalls.push(body);
        return {
          status: 200,
          body: {
            users: members()
              .filter((m) => body.userIds.includes(m.id))
              .map(contact),
            organisations: body.organisationIds.map((id) => ({
              id,
              members: members()
                .filter((m) => m.organisationId === id)
                .map(contact),
            })),
          },
        };
      },
    },
  );
  const references = {
    ...given,
    lookup: ((typename: string, ids: readonly string[], selection: string, key?: string) => {
      lookups.push({ typename, ids: [...ids] });
      return given.lookup(typename, ids, selection, key);
    }) as typeof given.lookup,
  };
  notifications = createNotificationsModule({
    db: handle.db,
    references,
    verifier,
    settings,
    mailer: { send: async (mail) => void mails.push(mail) },
  });
  subgraph = createRulesSubgraph({ db: handle.db, references, verifier, notifications });
  running = await startSubgraph(subgraph, { port: 0, host: "127.0.0.1", verifier });
  base = running.url.replace(/\/graphql$/, "");
  receiver = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const path = req.url ?? "/";
    received.push({ path, headers: req.headers, body });
    const plan = plans.get(path) ?? [];
    res.statusCode = plan.shift() ?? 200;
    res.end("ok");
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await running?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
  await handle?.close();
});

/** POSTs outbox events as a sibling subgraph would (the kit relay). */
async function postEvents(events: unknown[], headers?: Record<string, string>) {
  const response = await fetch(`${base}/internal/events`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(headers ?? (await testGateway.headers("rules"))) },
    body: JSON.stringify({ events }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const event = (type: string, recipients: { users?: string[]; organisations?: string[] }, extra: Record<string, unknown> = {}) => ({
  id: randomUUID(),
  type,
  subject: { type: "QualificationAssessment", id: randomUUID() },
  recipients: { users: [], organisations: [], ...recipients },
  payload: { title: `${type} title`, body: `${type} body`, ...extra },
  occurredAt: new Date().toISOString(),
  source: "products",
});

const INBOX = `query ($u: Boolean, $t: String) { notifications(unreadOnly: $u, type: $t) { id type title body payload subject { type id }
  recipientUser { id } recipientOrganisation { id } readAt } unreadNotificationCount }`;

/** Waits until `check` answers something truthy (the dispatcher runs on its own). */
async function eventually<T>(check: () => Promise<T | undefined | null | false>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const value = await check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("condition never held");
}

describe("receiving outbox events", () => {
  it("makes one notification per recipient, once per event id, visible to its recipients only", async () => {
    const toOrg = event("QUALIFICATION_DECIDED", { organisations: [orgA] });
    const toAdmin = event("SO_VERIFIED", { users: [adminA.userId!] });
    expect(await postEvents([toOrg, toAdmin])).toEqual({ status: 200, body: { received: 2, created: 2 } });
    // At least once on the wire, once in the inbox.
    expect(await postEvents([toOrg])).toEqual({ status: 200, body: { received: 1, created: 0 } });

    const admin = await execute(subgraph, INBOX, {}, adminA);
    expect(admin.data?.notifications.map((n: { type: string }) => n.type).sort()).toEqual(["QUALIFICATION_DECIDED", "SO_VERIFIED"]);
    expect(admin.data?.unreadNotificationCount).toBe(2);
    const member = await execute(subgraph, INBOX, {}, memberA);
    expect(member.data?.notifications).toEqual([
      expect.objectContaining({
        type: "QUALIFICATION_DECIDED",
        title: "QUALIFICATION_DECIDED title",
        subject: toOrg.subject,
        recipientOrganisation: { id: orgA },
        recipientUser: null,
        readAt: null,
      }),
    ]);
    const other = await execute(subgraph, INBOX, {}, adminB);
    expect(other.data).toEqual({ notifications: [], unreadNotificationCount: 0 });
    // An API key reads its organisation's, never a person's.
    const key = await execute(subgraph, INBOX, {}, keyA);
    expect(key.data?.notifications.map((n: { type: string }) => n.type)).toEqual(["QUALIFICATION_DECIDED"]);
  });

  it("answers only the gateway and its siblings, and refuses malformed events whole", async () => {
    expect((await postEvents([event("X_Y", { organisations: [orgA] })], {})).status).toBe(401);
    expect((await postEvents([{ ...event("lower", { organisations: [orgA] }), type: "not snake" }])).status).toBe(400);
    const bad = await postEvents([event("FINE_ONE", { organisations: [orgB] }), { id: "nope" }]);
    expect(bad.status).toBe(400);
    expect((await execute(subgraph, INBOX, {}, adminB)).data?.notifications).toEqual([]);
  });

  it("mails the organisation's active members and the person, except those who switched EMAIL off", async () => {
    await notifications.mailed();
    const before = mails.length;
    const off = await execute(
      subgraph,
      `mutation { setNotificationPreference(input: { type: "CONFLICT_DETECTED", channel: EMAIL, enabled: false }) { preference { type channel enabled } } }`,
      {},
      memberA,
    );
    expect(off.data?.setNotificationPreference.preference).toEqual({ type: "CONFLICT_DETECTED", channel: "EMAIL", enabled: false });
    await postEvents([event("CONFLICT_DETECTED", { organisations: [orgA] })]);
    await notifications.mailed();
    expect(mails.slice(before).map((m) => m.to)).toEqual(["admin@a.example"]);
    expect(mails.at(-1)?.subject).toBe("SFE Hub: CONFLICT_DETECTED title");
  });
});

describe("e-mail of a batch", () => {
  it("30 notifications to one organisation and one person: one contacts call for the batch, no lookup; opt-outs and suspended accounts kept out", async () => {
    const off = await execute(
      subgraph,
      `mutation { setNotificationPreference(input: { type: "BATCH_MAIL_0", channel: EMAIL, enabled: false }) { preference { enabled } } }`,
      {},
      memberA,
    );
    expect(off.data?.setNotificationPreference.preference).toEqual({ enabled: false });
    await notifications.mailed();
    const before = mails.length;
    lookups.length = 0;
    contactCalls.length = 0;
    const events = Array.from({ length: 15 }, (_, i) => [
      event(`BATCH_MAIL_${i}`, { organisations: [orgA] }),
      event(`BATCH_MAIL_${i}`, { users: [adminA.userId!] }),
    ]).flat();
    expect((await postEvents(events)).status).toBe(200);
    await notifications.mailed();
    expect(lookups).toEqual([]);
    expect(contactCalls).toEqual([{ userIds: [adminA.userId], organisationIds: [orgA] }]);
    // The organisation's two active members and the person, for each of the 15 types, but the member's opted-out
    // one; never the suspended member.
    const sent = mails.slice(before).map((m) => m.to);
    expect(sent).toHaveLength(44);
    expect(sent.filter((to) => to === "member@a.example")).toHaveLength(14);
    expect(sent).not.toContain("gone@a.example");
    expect(sent.filter((to) => to === "admin@a.example")).toHaveLength(30);
  });
});

describe("the inbox", () => {
  it("marks read per person: an organisation's notification stays unread for its other members", async () => {
    const listed = await execute(subgraph, INBOX, { u: true }, memberA);
    const ids = listed.data?.notifications.map((n: { id: string }) => n.id) as string[];
    expect(ids.length).toBeGreaterThan(0);
    const adminUnread = (await execute(subgraph, INBOX, {}, adminA)).data?.unreadNotificationCount;
    const MARK = `mutation ($i: MarkNotificationsReadInput!) { markNotificationsRead(input: $i) { marked unreadCount } }`;
    expect((await execute(subgraph, MARK, { i: { ids: [ids[0]] } }, memberA)).data?.markNotificationsRead).toEqual({
      marked: 1,
      unreadCount: ids.length - 1,
    });
    // Another organisation's notification cannot be marked by anyone else: it is ignored.
    expect((await execute(subgraph, MARK, { i: { ids: [ids[0]] } }, adminB)).data?.markNotificationsRead).toEqual({
      marked: 0,
      unreadCount: 0,
    });
    expect((await execute(subgraph, INBOX, {}, adminA)).data?.unreadNotificationCount).toBe(adminUnread);
    expect((await execute(subgraph, MARK, { i: { all: true } }, memberA)).data?.markNotificationsRead.unreadCount).toBe(0);
    const read = await execute(subgraph, INBOX, {}, memberA);
    expect(read.data?.notifications.every((n: { readAt: string | null }) => n.readAt !== null)).toBe(true);
    expect(errorCodes(await execute(subgraph, MARK, { i: { ids: ["x"] } }, memberA))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await execute(subgraph, MARK, { i: {} }, memberA))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await execute(subgraph, MARK, { i: { all: true } }, keyA))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await execute(subgraph, INBOX, {}, null))).toEqual(["UNAUTHENTICATED"]);
  });

  it("hides a type from a person's inbox once they switch IN_APP off for it; WEBHOOK preferences are an admin's", async () => {
    const SET = `mutation ($i: SetNotificationPreferenceInput!) { setNotificationPreference(input: $i) { preference { type channel enabled } } }`;
    await execute(subgraph, SET, { i: { type: "SO_VERIFIED", channel: "IN_APP", enabled: false } }, adminA);
    const types = (await execute(subgraph, INBOX, {}, adminA)).data?.notifications.map((n: { type: string }) => n.type);
    expect(types).not.toContain("SO_VERIFIED");
    const prefs = await execute(subgraph, `{ notificationPreferences { type channel enabled } }`, {}, adminA);
    expect(prefs.data?.notificationPreferences).toContainEqual({ type: "SO_VERIFIED", channel: "IN_APP", enabled: false });
    expect(errorCodes(await execute(subgraph, SET, { i: { type: "X", channel: "WEBHOOK", enabled: false } }, memberA))).toEqual([
      "BAD_USER_INPUT",
    ]);
    expect(errorCodes(await execute(subgraph, SET, { i: { type: "XY", channel: "WEBHOOK", enabled: false } }, memberA))).toEqual([
      "FORBIDDEN",
    ]);
    expect(errorCodes(await execute(subgraph, INBOX, { t: "bad type" }, memberA))).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("the live stream route", () => {
  it("pushes a person's new notifications, not the types they muted, and forgets a closed stream", async () => {
    const aborted = new AbortController();
    const response = await fetch(`${base}/internal/notifications/stream`, {
      headers: await testGateway.headers("rules", adminA),
      signal: aborted.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    let text = "";
    const reading = (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true });
      } catch {
        // closed below
      }
    })();
    await eventually(async () => text.includes(": connected"));
    // adminA switched IN_APP off for SO_VERIFIED above.
    const muted = event("SO_VERIFIED", { organisations: [orgA] });
    const shown = event("CONFLICT_DETECTED", { organisations: [orgA] });
    await postEvents([muted, shown]);
    await eventually(async () => text.includes("event: notification"));
    expect(text).toContain('"type":"CONFLICT_DETECTED"');
    expect(text).not.toContain('"type":"SO_VERIFIED"');
    expect(notifications.openStreams()).toBe(1);
    aborted.abort();
    await reading;
    await eventually(async () => notifications.openStreams() === 0);
    expect((await fetch(`${base}/internal/notifications/stream`)).status).toBe(401);
    expect((await fetch(`${base}/internal/notifications/stream`, { headers: await testGateway.headers("rules", null) })).status).toBe(401);
  });
});

const CREATE = `mutation ($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { secret endpoint { id url eventTypes active secretPrefix organisation { id } } } }`;
const DELIVERIES = `query ($e: ID!, $s: WebhookDeliveryStatus) { webhookDeliveries(endpointId: $e, status: $s) { id eventId eventType status attempts lastStatusCode deliveredAt } }`;

async function endpoint(path: string, eventTypes: string[], as = adminA) {
  const result = await execute(subgraph, CREATE, { i: { url: `${receiverUrl}${path}`, eventTypes } }, as);
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data!.createWebhookEndpoint as { secret: string; endpoint: { id: string; secretPrefix: string } };
}

describe("webhooks", () => {
  it("retries a 500 with backoff, then delivers, signed so that the receiver can verify it", async () => {
    plans.set("/flaky", [500]);
    const { secret, endpoint: created } = await endpoint("/flaky", ["DISPATCH_ISSUED"]);
    expect(secret).toMatch(/^whsec_/);
    expect(secret.startsWith(created.secretPrefix)).toBe(true);
    const sent = event("DISPATCH_ISSUED", { organisations: [orgA] });
    await postEvents([sent, event("NOT_SUBSCRIBED", { organisations: [orgA] })]);
    const [delivery] = await eventually(async () => {
      const rows = (await execute(subgraph, DELIVERIES, { e: created.id, s: "DELIVERED" }, memberA)).data?.webhookDeliveries;
      return rows?.length ? rows : null;
    });
    expect(delivery).toMatchObject({
      eventId: sent.id,
      eventType: "DISPATCH_ISSUED",
      status: "DELIVERED",
      attempts: 2,
      lastStatusCode: 200,
    });
    const hits = received.filter((r) => r.path === "/flaky");
    expect(hits).toHaveLength(2);
    const last = hits.at(-1)!;
    expect(verifyWebhook(secret, last.headers, last.body)).toMatchObject({ ok: true, id: sent.id });
    expect(verifyWebhook("whsec_wrong", last.headers, last.body)).toEqual({ ok: false, reason: "BAD_SIGNATURE" });
    expect(JSON.parse(last.body)).toMatchObject({ id: sent.id, type: "DISPATCH_ISSUED", subject: sent.subject });
    // Only the filtered type went out.
    expect(hits.every((hit) => JSON.parse(hit.body).type === "DISPATCH_ISSUED")).toBe(true);
  });

  it("dead-letters after the last attempt, and redelivers on request", async () => {
    plans.set("/down", [500, 503, 502]);
    const { endpoint: created } = await endpoint("/down", []);
    await postEvents([event("CONFLICT_DETECTED", { organisations: [orgA] })]);
    const [dead] = await eventually(async () => {
      const rows = (await execute(subgraph, DELIVERIES, { e: created.id, s: "DEAD_LETTER" }, adminA)).data?.webhookDeliveries;
      return rows?.length ? rows : null;
    });
    expect(dead).toMatchObject({ status: "DEAD_LETTER", attempts: 3, lastStatusCode: 502, deliveredAt: null });
    const REDELIVER = `mutation ($d: ID!) { redeliverWebhook(deliveryId: $d) { delivery { id status attempts } } }`;
    expect(errorCodes(await execute(subgraph, REDELIVER, { d: dead.id }, memberA))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await execute(subgraph, REDELIVER, { d: dead.id }, adminB))).toEqual(["NOT_FOUND"]);
    const again = await execute(subgraph, REDELIVER, { d: dead.id }, adminA);
    expect(again.data?.redeliverWebhook.delivery).toMatchObject({ id: dead.id, status: "PENDING", attempts: 0 });
    await eventually(async () => {
      const rows = (await execute(subgraph, DELIVERIES, { e: created.id, s: "DELIVERED" }, adminA)).data?.webhookDeliveries;
      return rows?.length ? rows : null;
    });
    expect(errorCodes(await execute(subgraph, REDELIVER, { d: MISSING }, adminA))).toEqual(["NOT_FOUND"]);
  });

  it("shows endpoints to their organisation only, never the secret, and lets only its admins manage them", async () => {
    const LIST = `query ($o: ID) { webhookEndpoints(organisationId: $o) { id url secretPrefix } }`;
    const mine = (await execute(subgraph, LIST, {}, memberA)).data?.webhookEndpoints;
    expect(mine.length).toBeGreaterThanOrEqual(2);
    // The secret is not a field of the endpoint: it is never readable after creation.
    expect(errorCodes(await execute(subgraph, `{ webhookEndpoints { secret } }`, {}, adminA))).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    expect((await execute(subgraph, LIST, { o: orgA }, adminB)).data?.webhookEndpoints).toEqual([]);
    expect(errorCodes(await execute(subgraph, DELIVERIES, { e: mine[0].id }, adminB))).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await execute(subgraph, CREATE, { i: { url: `${receiverUrl}/x` } }, memberA))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await execute(subgraph, CREATE, { i: { url: `${receiverUrl}/x`, organisationId: orgA } }, adminB))).toEqual([
      "FORBIDDEN",
    ]);
    const UPDATE = `mutation ($i: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $i) { endpoint { id active } } }`;
    expect(errorCodes(await execute(subgraph, UPDATE, { i: { id: mine[0].id, active: false } }, adminB))).toEqual(["NOT_FOUND"]);
    expect(
      (await execute(subgraph, UPDATE, { i: { id: mine[0].id, active: false } }, adminA)).data?.updateWebhookEndpoint.endpoint.active,
    ).toBe(false);
    // The stored secret is ciphertext: decryptable only with the key.
    const [row] = await notificationsRows(mine[0].id);
    expect(row?.secret_ciphertext).toMatch(/^v1\./);
    expect(decryptSecret(settings.secretKey!, row!.secret_ciphertext)).toMatch(/^whsec_/);
  });

  it("refuses a URL that is not http(s), and in production one that is not https or points inside", async () => {
    const bad = await execute(subgraph, CREATE, { i: { url: "ftp://example.com/hook" } }, adminA);
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "url", reason: "SCHEME" });
    expect(errorCodes(await execute(subgraph, CREATE, { i: { url: "not a url" } }, adminA))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await execute(subgraph, CREATE, { i: { url: `${receiverUrl}/x`, eventTypes: ["bad type"] } }, adminA))).toEqual([
      "BAD_USER_INPUT",
    ]);
    const reason = (url: string) =>
      checkWebhookUrl(url, true).then(
        () => "accepted",
        (error) => error.extensions.reason,
      );
    expect(await reason("http://hooks.example.com/x")).toBe("HTTPS_REQUIRED");
    for (const inner of [
      "https://127.0.0.1/x",
      "https://10.1.2.3/x",
      "https://192.168.0.9/x",
      "https://169.254.169.254/x",
      "https://[::1]/x",
      "https://[fe80::1]/x",
      "https://[::ffff:127.0.0.1]/x",
    ]) {
      expect(await reason(inner)).toBe("PRIVATE_ADDRESS");
    }
    expect(await checkWebhookUrl("https://hooks.example.com/x", true, async () => ["10.0.0.8"]).catch((e) => e.extensions.reason)).toBe(
      "PRIVATE_ADDRESS",
    );
    expect(await checkWebhookUrl("https://hooks.example.com/x", true, async () => ["93.184.215.14"])).toBe("https://hooks.example.com/x");
  });

  it("makes no endpoint in production without WEBHOOK_SECRET_KEY, and a key of its own with it", async () => {
    expect(notificationSettings({ NODE_ENV: "production" }).secretKey).toBeNull();
    expect(notificationSettings({ NODE_ENV: "production", WEBHOOK_SECRET_KEY: "k".repeat(32) }).secretKey).not.toEqual(settings.secretKey);
    const off = createNotificationsModule({
      db: handle.db,
      references: staticReferences({}),
      settings: notificationSettings({ NODE_ENV: "production" }),
      dispatch: false,
    });
    const production = createRulesSubgraph({ db: handle.db, references: staticReferences({}), notifications: off });
    const refused = await execute(production, CREATE, { i: { url: "https://93.184.215.14/hook" } }, adminA);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", reason: "NOT_CONFIGURED" });
    await off.close();
  });

  it("backs off exponentially with jitter", () => {
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(1000, attempt, () => 0.5))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(1000, 3, () => 0)).toBe(2000);
    expect(retryDelayMs(1000, 3, () => 0.999)).toBeLessThan(6000);
  });
});

const MISSING = "00000000-0000-4000-8000-000000000000";

async function notificationsRows(endpointId: string): Promise<{ secret_ciphertext: string }[]> {
  const { sql } = await import("drizzle-orm");
  const result = (await handle.db.execute(
    sql`select secret_ciphertext from rules.webhook_endpoints where id = ${endpointId}`,
  )) as unknown as { rows: { secret_ciphertext: string }[] } | { secret_ciphertext: string }[];
  return Array.isArray(result) ? result : result.rows;
}
