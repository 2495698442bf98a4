/**
 * The audit trail through the graph, over real HTTP: each entity's events for whoever may see the
 * entity, batched; and the chain in the database, which refuses changes and shows the first broken link.
 */
import { sql } from "drizzle-orm";
import { verifyAuditChain } from "@sfe/kit";
import { testGateway, testIdentity } from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, gql, gqlOk, startTestStack } from "./helpers.js";

let stack: Awaited<ReturnType<typeof startTestStack>>;
let productId: string;

beforeAll(async () => {
  // The kit's test key, so the tests can call a subgraph's gateway-only route as the gateway would.
  stack = await startTestStack({ identityKey: testGateway.key });
  const so = await gqlOk(
    stack.url,
    `mutation { registerOrganisation(input: { name: "UKPN", roles: [SYSTEM_OPERATOR], areas: ["_C"] }) { organisation { id } } }`,
    {},
    stack.admin,
  );
  const created = await gqlOk(
    stack.url,
    `mutation ($o: ID!) { createProduct(input: { ownerId: $o, code: "SUSTAIN", name: "Sustain", serviceType: UTILISATION_ONLY,
      directions: [DEMAND_TURN_DOWN], minimumCapacityKw: 10 }) { product { id } } }`,
    { o: so.registerOrganisation.organisation.id },
    stack.admin,
  );
  productId = created.createProduct.product.id;
  await gqlOk(
    stack.url,
    `mutation ($id: ID!) { updateProduct(input: { id: $id, name: "Sustain Peak" }) { product { id } } }`,
    { id: productId },
    stack.admin,
  );
  await gqlOk(
    stack.url,
    `mutation ($p: ID!) { createMarketRule(input: { code: "MIN-SIZE", name: "Minimum size", kind: ELIGIBILITY, mode: BLOCK,
      productId: $p, parameters: { minimumCapacityKw: 10 } }) { marketRule { id } } }`,
    { p: productId },
    stack.admin,
  );
}, 120_000);
afterAll(() => stack?.stop());

describe("reading the audit trail", () => {
  it("answers an entity's events, oldest first, with its subgraph and place in the chain", async () => {
    const data = await gqlOk(
      stack.url,
      `query ($id: ID!) { product(id: $id) { name auditEvents { action entityType subgraph chainIndex hash }
        currentVersion { auditEvents { action entityType subgraph chainIndex prevHash hash before after } }
        rules { auditEvents { action subgraph } } } }`,
      { id: productId },
      stack.admin,
    );
    // The product was created; its attributes are its version's, so the rename is the version's event.
    expect(data.product.auditEvents.map((e: { action: string; entityType: string }) => [e.action, e.entityType])).toEqual([
      ["CREATE", "Product"],
    ]);
    const events = data.product.currentVersion.auditEvents;
    expect(events.map((e: { action: string }) => e.action)).toEqual(["CREATE", "UPDATE"]);
    expect(
      events.every((e: { subgraph: string; entityType: string }) => e.subgraph === "products" && e.entityType === "ProductVersion"),
    ).toBe(true);
    // One chain per subgraph: the product's CREATE, then its version's CREATE and UPDATE.
    expect(events[0].chainIndex).toBe(data.product.auditEvents[0].chainIndex + 1);
    expect(events[1].prevHash).toBe(events[0].hash);
    expect(events[1].before.name).toBe("Sustain");
    expect(events[1].after.name).toBe("Sustain Peak");
    expect(data.product.rules[0].auditEvents).toEqual([{ action: "CREATE", subgraph: "rules" }]);
  });

  it("answers Query.auditEvents for one record, from the subgraph that owns it, newest first", async () => {
    const version = (
      await gqlOk(stack.url, `query ($id: ID!) { product(id: $id) { currentVersion { id } } }`, { id: productId }, stack.admin)
    ).product.currentVersion.id;
    const data = await gqlOk(
      stack.url,
      `query ($id: ID!, $v: ID!) { product: auditEvents(entityType: "Product", entityId: $id) { action subgraph }
        version: auditEvents(entityType: "ProductVersion", entityId: $v) { action subgraph } }`,
      { id: productId, v: version },
      stack.admin,
    );
    expect(data.product).toEqual([{ action: "CREATE", subgraph: "products" }]);
    expect(data.version).toEqual([
      { action: "UPDATE", subgraph: "products" },
      { action: "CREATE", subgraph: "products" },
    ]);
    const bad = await gql(stack.url, `{ auditEvents(entityType: "Nothing", entityId: "x") { id } }`, {}, stack.admin);
    expect(codes(bad)).toEqual(["BAD_USER_INPUT"]);
  });

  it("gathers an organisation's trail from every subgraph for its members only", async () => {
    const fsp = await stack.signUp("louis@audit.test", "FSP", "Audited Flex Ltd");
    await gqlOk(
      stack.url,
      `mutation ($o: ID!) { registerAsset(input: { ownerId: $o, name: "Battery", categoryCode: "BESS", importCapacityKw: 5,
        exportCapacityKw: 5, energyCapacityKwh: 10 }) { asset { id } } }`,
      { o: fsp.organisationId },
      fsp.as,
    );
    const query = `query ($o: ID!) { auditEvents(organisationId: $o) { action entityType subgraph } }`;
    const own = await gqlOk(stack.url, query, { o: fsp.organisationId }, fsp.as);
    const subgraphs = new Set(own.auditEvents.map((e: { subgraph: string }) => e.subgraph));
    expect(subgraphs).toEqual(new Set(["users", "assets"]));
    expect(own.auditEvents[0]).toEqual({ action: "CREATE", entityType: "Asset", subgraph: "assets" }); // newest first
    const stranger = await stack.signUp("rival@audit.test", "FSP", "Rival Flex Ltd");
    expect(codes(await gql(stack.url, query, { o: fsp.organisationId }, stranger.as))).toEqual(["FORBIDDEN"]);
    // Another subgraph's route answers only for the organisation's members, whoever asks it directly.
    const route = await fetch(stack.subgraphs.get("assets")!.url.replace(/graphql$/, "internal/audit-events"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ actorOrganisationId: fsp.organisationId }),
    });
    expect(route.status).toBe(401);
    // With the gateway's token: a stranger is refused, a malformed body or id is a coded 400.
    const ask = async (identity: ReturnType<typeof testIdentity> | null, body: string) =>
      fetch(stack.subgraphs.get("assets")!.url.replace(/graphql$/, "internal/audit-events"), {
        method: "POST",
        headers: { "content-type": "application/json", ...(await testGateway.headers("assets", identity)) },
        body,
      });
    const strangerAsks = await ask(testIdentity({ roles: ["FSP"] }), JSON.stringify({ actorOrganisationId: fsp.organisationId }));
    expect([
      strangerAsks.status,
      ((await strangerAsks.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code,
    ]).toEqual([403, "FORBIDDEN"]);
    const member = testIdentity({ roles: ["FSP"], organisationId: fsp.organisationId });
    const asMember = await ask(member, JSON.stringify({ actorOrganisationId: fsp.organisationId }));
    expect(((await asMember.json()) as { events: { entityType: string }[] }).events.map((e) => e.entityType)).toEqual(["Asset"]);
    for (const body of ["{not json", "null", JSON.stringify({ actorOrganisationId: "not-an-id" })]) {
      const bad = await ask(member, body);
      expect(bad.status).toBe(400);
    }
  });

  it("refuses a trail query that names neither an organisation nor a record, or pages too deep", async () => {
    for (const query of [
      `{ auditEvents { id } }`,
      `{ auditEvents(entityType: "Asset") { id } }`,
      `query ($o: ID!) { auditEvents(organisationId: $o, entityType: "Asset", entityId: $o) { id } }`,
      `query ($o: ID!) { auditEvents(organisationId: $o, first: 500, offset: 9600) { id } }`,
    ]) {
      const result = await gql(stack.url, query, { o: "6f1c2a0e-3b4d-4e5f-8a9b-0c1d2e3f4a5b" }, stack.admin);
      expect([query, codes(result)]).toEqual([query, ["BAD_USER_INPUT"]]);
    }
  });

  it("gives nothing of an entity the caller may not see", async () => {
    const anonymous = await gql(stack.url, `query ($id: ID!) { product(id: $id) { auditEvents { action } } }`, { id: productId });
    expect(codes(anonymous)).toEqual(["UNAUTHENTICATED"]);
  });
});

describe("the chain in the database", () => {
  const schemas = ["users", "assets", "products", "transactions", "rules"];

  it("holds for every subgraph's trail, and no statement can change it", async () => {
    for (const schema of schemas) expect((await verifyAuditChain(stack.database.db, schema)).firstBroken).toBeNull();
    await expect(stack.database.db.execute(sql.raw(`update products.audit_events set action = 'DELETE'`))).rejects.toThrow();
    await expect(stack.database.db.execute(sql.raw(`delete from rules.audit_events`))).rejects.toThrow();
  });

  it("names the first event edited behind the API's back", async () => {
    await stack.database.db.execute(sql.raw(`alter table products.audit_events disable trigger audit_events_append_only`));
    await stack.database.db.execute(
      sql.raw(`update products.audit_events set after = after || '{"name": "Forged"}' where chain_index = 2`),
    );
    await stack.database.db.execute(sql.raw(`alter table products.audit_events enable trigger audit_events_append_only`));
    const report = await verifyAuditChain(stack.database.db, "products");
    expect(report.firstBroken).toMatchObject({ chainIndex: 2, reason: expect.stringMatching(/changed/) });
    expect((await verifyAuditChain(stack.database.db, "rules")).firstBroken).toBeNull();
  });
});
