/**
 * Notifications through the gateway, over real HTTP (issue 11 item 5): NESO refuses Louis's qualification; the
 * decision's event, written by the products subgraph in the decision's transaction (kit outbox), is relayed to the
 * rules subgraph, which puts it in Louis's organisation's inbox, pushes it down the live stream Louis has open
 * (GET /events/stream, Server-Sent Events) and POSTs it, signed, to his organisation's webhook endpoint.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { verifyWebhook } from "@sfe/kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, type Credential, gql, gqlOk, PASSWORD, signIn, startTestStack } from "./helpers.js";

let stack: Awaited<ReturnType<typeof startTestStack>>;
type Account = Awaited<ReturnType<typeof stack.signUp>>;
let louis: Account;
let rival: Account;
let neso: Account & { verified: Credential };
let gatewayBase: string;
let receiver: Server;
let receiverUrl: string;
const hooks: { headers: IncomingMessage["headers"]; body: string }[] = [];
let hookStatuses: number[] = [];
const DAY = 86_400_000;

beforeAll(async () => {
  stack = await startTestStack({
    env: { WEBHOOK_POLL_MS: "50", WEBHOOK_RETRY_BASE_MS: "20", WEBHOOK_MAX_ATTEMPTS: "3", NOTIFICATION_HEARTBEAT_MS: "200" },
  });
  gatewayBase = stack.url.replace(/\/graphql$/, "");
  receiver = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    hooks.push({ headers: req.headers, body });
    res.statusCode = hookStatuses.shift() ?? 200;
    res.end();
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

  louis = await stack.signUp("louis@notify-flex.test", "FSP", "Notify Flex Ltd");
  rival = await stack.signUp("rival@notify-other.test", "FSP", "Notify Other Ltd");
  const so = await stack.signUp("ed@notify-neso.test", "SYSTEM_OPERATOR", "NESO");
  await gqlOk(stack.url, `mutation ($u: ID!) { verifySystemOperator(userId: $u) { user { status } } }`, { u: so.userId }, stack.admin);
  neso = { ...so, verified: await signIn(stack.url, "ed@notify-neso.test", PASSWORD) };
  await gqlOk(
    stack.url,
    `mutation ($i: UpdateOrganisationInput!) { updateOrganisation(input: $i) { organisation { status } } }`,
    { i: { id: louis.organisationId, status: "ACTIVE" } },
    stack.admin,
  );
  const validity = { validFrom: new Date(Date.now() - DAY).toISOString(), validTo: new Date(Date.now() + 365 * DAY).toISOString() };
  await gqlOk(
    stack.url,
    `mutation ($i: AssessCommercialQualificationInput!) { assessCommercialQualification(input: $i) { commercialQualification { status } } }`,
    {
      i: {
        organisationId: louis.organisationId,
        status: "QUALIFIED",
        checks: ["COMPANY", "CREDIT", "INSURANCE"].map((kind) => ({ kind, passed: true, evidenceRef: `${kind}:1` })),
        ...validity,
      },
    },
    stack.admin,
  );
}, 180_000);
afterAll(async () => {
  await stack?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

/** Opens the live stream as `as` and collects what arrives; `close` ends it from the client side. */
async function openStream(as: Credential) {
  const aborted = new AbortController();
  const headers: Record<string, string> = { accept: "text/event-stream" };
  if (as && "token" in as) headers.authorization = `Bearer ${as.token}`;
  const response = await fetch(`${gatewayBase}/events/stream`, { headers, signal: aborted.signal });
  let text = "";
  const reading = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true });
    } catch {
      // aborted by close()
    }
  })();
  return {
    response,
    text: () => text,
    /** The `data:` of each `event: notification` so far. */
    notifications: () =>
      text
        .split("\n\n")
        .filter((block) => block.includes("event: notification"))
        .map((block) =>
          JSON.parse(
            block
              .split("\n")
              .find((line) => line.startsWith("data: "))!
              .slice(6),
          ),
        ),
    async close() {
      aborted.abort();
      await reading;
    },
  };
}

async function eventually<T>(check: () => Promise<T | undefined | null | false> | T | undefined | null | false): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const value = await check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error("condition never held");
}

const INBOX = `{ notifications { id type title body payload subject { type id } recipientOrganisation { id } readAt } unreadNotificationCount }`;

describe("notifications through the gateway", () => {
  it("refuses the live stream without credentials", async () => {
    const response = await fetch(`${gatewayBase}/events/stream`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as any).errors[0].extensions.code).toBe("UNAUTHENTICATED");
    const bad = await fetch(`${gatewayBase}/events/stream`, { headers: { authorization: "Bearer not-a-token" } });
    expect(bad.status).toBe(401);
  });

  it("a qualification decision reaches the applicant's inbox, live stream and webhook, and nobody else's", async () => {
    // Louis's organisation's admin registers a webhook for qualification decisions: the secret is shown once.
    const created = await gqlOk(
      stack.url,
      `mutation ($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { secret endpoint { id url eventTypes } } }`,
      { i: { url: receiverUrl, eventTypes: ["QUALIFICATION_DECIDED"] } },
      louis.as,
    );
    const { secret, endpoint } = created.createWebhookEndpoint;
    expect(endpoint.eventTypes).toEqual(["QUALIFICATION_DECIDED"]);
    hookStatuses = [500]; // the first attempt fails: it is retried
    expect(
      codes(
        await gql(
          stack.url,
          `mutation ($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { secret } }`,
          { i: { url: receiverUrl, organisationId: louis.organisationId } },
          rival.as,
        ),
      ),
    ).toEqual(["FORBIDDEN"]);

    const louisStream = await openStream(louis.as);
    const rivalStream = await openStream(rival.as);
    expect(louisStream.response.status).toBe(200);
    expect(louisStream.response.headers.get("content-type")).toMatch(/^text\/event-stream/);

    // NESO's product, Louis's application, NESO's refusal.
    const { createProduct } = await gqlOk(
      stack.url,
      `mutation ($i: CreateProductInput!) { createProduct(input: $i) { product { id } } }`,
      {
        i: {
          ownerId: neso.organisationId,
          code: "NQR",
          name: "Notify QR",
          serviceType: "AVAILABILITY_AND_UTILISATION",
          directions: ["DEMAND_TURN_DOWN"],
          minimumCapacityKw: 100,
        },
      },
      neso.verified,
    );
    const productId = createProduct.product.id;
    await gqlOk(
      stack.url,
      `mutation ($i: UpdateProductInput!) { updateProduct(input: $i) { product { status } } }`,
      { i: { id: productId, status: "PUBLISHED" } },
      stack.admin,
    );
    const applied = await gqlOk(
      stack.url,
      `mutation ($i: ApplyForQualificationInput!) { applyForQualification(input: $i) { application { id } } }`,
      { i: { subjectType: "ORGANISATION", subjectId: louis.organisationId, productIds: [productId] } },
      louis.as,
    );
    const submitted = await gqlOk(
      stack.url,
      `mutation ($i: SubmitQualificationApplicationInput!) { submitQualificationApplication(input: $i) { application { assessments { id } } } }`,
      { i: { applicationId: applied.applyForQualification.application.id } },
      louis.as,
    );
    const assessmentId = submitted.submitQualificationApplication.application.assessments[0].id;
    const ASSESS = `mutation ($i: AssessQualificationInput!) { assessQualification(input: $i) { assessment { status } } }`;
    await gqlOk(stack.url, ASSESS, { i: { assessmentId, status: "FAILED", reason: "Insurance certificate expired" } }, neso.verified);
    // A refused second decision (FAILED is final) writes nothing, so it sends nothing.
    const validity = { validFrom: new Date(Date.now() - DAY).toISOString(), validTo: new Date(Date.now() + 365 * DAY).toISOString() };
    expect(codes(await gql(stack.url, ASSESS, { i: { assessmentId, status: "QUALIFIED", ...validity } }, neso.verified))).toEqual([
      "CONFLICT",
    ]);

    // The live stream: the pop-up, without polling.
    const [pushed] = await eventually(() => (louisStream.notifications().length ? louisStream.notifications() : null));
    expect(pushed).toMatchObject({
      type: "QUALIFICATION_DECIDED",
      title: "Qualification refused",
      subject: { type: "QualificationAssessment", id: assessmentId },
      recipientOrganisationId: louis.organisationId,
      payload: { status: "FAILED", productId, reason: "Insurance certificate expired" },
    });
    await eventually(() => louisStream.text().includes(": heartbeat"));

    // The inbox, for Louis only.
    const inbox = await gqlOk(stack.url, INBOX, {}, louis.as);
    expect(inbox.unreadNotificationCount).toBe(1);
    expect(inbox.notifications).toEqual([
      expect.objectContaining({
        id: pushed.id,
        type: "QUALIFICATION_DECIDED",
        recipientOrganisation: { id: louis.organisationId },
        readAt: null,
      }),
    ]);
    expect(await gqlOk(stack.url, INBOX, {}, rival.as)).toEqual({ notifications: [], unreadNotificationCount: 0 });
    expect(rivalStream.notifications()).toEqual([]);
    const marked = await gqlOk(
      stack.url,
      `mutation ($i: MarkNotificationsReadInput!) { markNotificationsRead(input: $i) { marked unreadCount } }`,
      { i: { ids: [pushed.id] } },
      louis.as,
    );
    expect(marked.markNotificationsRead).toEqual({ marked: 1, unreadCount: 0 });

    // The webhook: a 500, then delivered; signed over timestamp.body with the secret shown at creation.
    const deliveries = await eventually(async () => {
      const data = await gqlOk(
        stack.url,
        `query ($e: ID!) { webhookDeliveries(endpointId: $e, status: DELIVERED) { eventId status attempts lastStatusCode } }`,
        { e: endpoint.id },
        louis.as,
      );
      return data.webhookDeliveries.length ? data.webhookDeliveries : null;
    });
    expect(deliveries).toEqual([expect.objectContaining({ status: "DELIVERED", attempts: 2, lastStatusCode: 200 })]);
    expect(hooks).toHaveLength(2);
    const hook = hooks.at(-1)!;
    expect(verifyWebhook(secret, hook.headers, hook.body)).toMatchObject({ ok: true, id: deliveries[0].eventId });
    expect(JSON.parse(hook.body)).toMatchObject({ type: "QUALIFICATION_DECIDED", subject: { id: assessmentId } });
    expect(
      codes(await gql(stack.url, `query ($e: ID!) { webhookDeliveries(endpointId: $e) { id } }`, { e: endpoint.id }, rival.as)),
    ).toEqual(["NOT_FOUND"]);

    await louisStream.close();
    await rivalStream.close();
  });
});
