/**
 * Identity and access through the gateway, over real HTTP: sign-up with the mailed link, sign-in, SO
 * verification, API keys, and one organisation trying to read or change another's data directly, through
 * nested fields and through entity references.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, type Credential, gql, gqlOk, mpan, PASSWORD, signIn, startTestStack } from "./helpers.js";

let stack: Awaited<ReturnType<typeof startTestStack>>;

const signUp = (email: string, role: string, organisation: string) => stack.signUp(email, role, organisation);

const REGISTER_ASSET = `mutation ($o: ID!, $m: String!) { registerAsset(input: { ownerId: $o, name: "Home battery", categoryCode: "BESS",
  importCapacityKw: 5, exportCapacityKw: 5, energyCapacityKwh: 13.5, meterPointId: $m }) { asset { id } } }`;

let fspA: Awaited<ReturnType<typeof signUp>>;
let fspB: Awaited<ReturnType<typeof signUp>>;
let assetOfA: string;

beforeAll(async () => {
  stack = await startTestStack();
  fspA = await signUp("louis@newflex.test", "FSP", "NewFlex Ltd");
  fspB = await signUp("rival@otherflex.test", "FSP", "OtherFlex Ltd");
  assetOfA = (await gqlOk(stack.url, REGISTER_ASSET, { o: fspA.organisationId, m: mpan(12, 4242) }, fspA.as)).registerAsset.asset.id;
}, 120_000);
afterAll(() => stack?.stop());

describe("signing up and in", () => {
  it("a verified FSP signs in and sees itself and its organisation's assets", async () => {
    expect(fspA.status).toBe("ACTIVE");
    const data = await gqlOk(stack.url, `{ me { email orgAdmin organisation { name roles assets { id } } } }`, {}, fspA.as);
    expect(data.me).toEqual({
      email: "louis@newflex.test",
      orgAdmin: true,
      organisation: { name: "NewFlex Ltd", roles: ["FSP"], assets: [{ id: assetOfA }] },
    });
  });

  it("refuses sign-in before the e-mail is verified, with the same answer as a wrong password", async () => {
    await gqlOk(stack.url, `mutation ($i: SignUpInput!) { signUp(input: $i) { message } }`, {
      i: { email: "late@pending.test", name: "Late", password: PASSWORD, role: "FSP", newOrganisation: { name: "Pending Ltd" } },
    });
    const pending = await gql(
      stack.url,
      `mutation { signIn(input: { email: "late@pending.test", password: "${PASSWORD}" }) { accessToken } }`,
    );
    const wrong = await gql(
      stack.url,
      `mutation { signIn(input: { email: "louis@newflex.test", password: "not-the-password-1" }) { accessToken } }`,
    );
    const unknown = await gql(
      stack.url,
      `mutation { signIn(input: { email: "nobody@nowhere.test", password: "${PASSWORD}" }) { accessToken } }`,
    );
    for (const result of [pending, wrong, unknown]) expect(codes(result)).toEqual(["UNAUTHENTICATED"]);
    expect(new Set([pending, wrong, unknown].map((r) => r.errors?.[0]?.message)).size).toBe(1);
  });

  it("refuses forged and malformed credentials before any subgraph is asked", async () => {
    const [header, payload] = fspA.as.token.split(".");
    const forged = `${header}.${payload}.${"A".repeat(86)}`;
    expect(codes(await gql(stack.url, `{ me { id } }`, {}, { token: forged }))).toEqual(["UNAUTHENTICATED"]);
    expect(codes(await gql(stack.url, `{ me { id } }`, {}, { token: "nonsense" }))).toEqual(["UNAUTHENTICATED"]);
    expect(codes(await gql(stack.url, `{ assets { id } }`))).toEqual(["UNAUTHENTICATED"]);
  });
});

describe("one organisation cannot read or change another's data", () => {
  it("directly: another FSP's asset is invisible, and updating it is NOT_FOUND with nothing changed", async () => {
    const seen = await gqlOk(stack.url, `query ($id: ID!) { asset(id: $id) { id } assets { id } }`, { id: assetOfA }, fspB.as);
    expect(seen).toEqual({ asset: null, assets: [] });
    const update = await gql(
      stack.url,
      `mutation ($id: ID!) { updateAsset(input: { id: $id, name: "Stolen" }) { asset { id } } }`,
      { id: assetOfA },
      fspB.as,
    );
    expect(codes(update)).toEqual(["NOT_FOUND"]);
    const again = await gqlOk(stack.url, `query ($id: ID!) { asset(id: $id) { name } }`, { id: assetOfA }, fspA.as);
    expect(again.asset.name).toBe("Home battery");
  });

  it("through nested fields and entity references: another organisation's assets, users and audit trail", async () => {
    const nested = await gql(
      stack.url,
      `query ($o: ID!) { organisation(id: $o) { name assets { id } users { email } } }`,
      { o: fspA.organisationId },
      fspB.as,
    );
    expect(nested.data?.organisation).toMatchObject({ name: "NewFlex Ltd", assets: [] });
    expect(nested.data?.organisation.users).toBeNull();
    expect(codes(nested)).toEqual(["FORBIDDEN"]);
    const audit = await gql(
      stack.url,
      `query ($o: ID!) { auditEvents(organisationId: $o) { action } }`,
      { o: fspA.organisationId },
      fspB.as,
    );
    expect(codes(audit)).toEqual(["FORBIDDEN"]);
    const own = await gqlOk(
      stack.url,
      `query ($o: ID!) { auditEvents(organisationId: $o) { action entityType } }`,
      { o: fspA.organisationId },
      fspA.as,
    );
    // The identity events of the organisation (each subgraph keeps the audit trail of what it owns).
    expect(own.auditEvents.length).toBeGreaterThanOrEqual(3);
    expect(new Set(own.auditEvents.map((e: { entityType: string }) => e.entityType))).toContain("User");
  });

  it("cannot register an asset for another organisation", async () => {
    const result = await gql(stack.url, REGISTER_ASSET, { o: fspA.organisationId, m: mpan(12, 4343) }, fspB.as);
    expect(codes(result)).toEqual(["FORBIDDEN"]);
    expect((await gqlOk(stack.url, `{ assets { id } }`, {}, stack.admin)).assets).toHaveLength(1);
  });

  it("a conflict shows each party the assets it may see, not a null list (D18)", async () => {
    const assetOfB = (await gqlOk(stack.url, REGISTER_ASSET, { o: fspB.organisationId, m: mpan(12, 4545) }, fspB.as)).registerAsset.asset
      .id;
    const recorded = await gqlOk(
      stack.url,
      `mutation ($a: [ID!]!) { recordConflict(input: { kind: OVERLAPPING_COMMITMENT, assetIds: $a,
        overlapStart: "2025-06-01T17:00:00Z", overlapEnd: "2025-06-01T18:00:00Z" }) { conflict { id assets { id } } } }`,
      { a: [assetOfA, assetOfB] },
      stack.admin,
    );
    expect(recorded.recordConflict.conflict.assets.map((a: { id: string }) => a.id).sort()).toEqual([assetOfA, assetOfB].sort());
    const query = `query ($id: ID!) { asset(id: $id) { conflicts { id assets { id } } } }`;
    const seenByA = await gql(stack.url, query, { id: assetOfA }, fspA.as);
    expect(seenByA.errors).toBeUndefined();
    expect(seenByA.data?.asset.conflicts).toEqual([{ id: recorded.recordConflict.conflict.id, assets: [{ id: assetOfA }] }]);
    const seenByB = await gqlOk(stack.url, query, { id: assetOfB }, fspB.as);
    expect(seenByB.asset.conflicts[0].assets).toEqual([{ id: assetOfB }]);
  });
});

describe("system operators", () => {
  it("can do nothing an SO does until a hub administrator verifies them", async () => {
    const ed = await signUp("ed@neso.test", "SYSTEM_OPERATOR", "National Energy System Operator");
    expect(ed.status).toBe("PENDING_ROLE_VERIFICATION");
    const CREATE = `mutation ($o: ID!) { createProduct(input: { ownerId: $o, code: "DCL", name: "Dynamic Containment Low",
      serviceType: AVAILABILITY_ONLY, directions: [GENERATION_TURN_UP], minimumCapacityKw: 1000 }) { product { id status } } }`;
    expect(codes(await gql(stack.url, CREATE, { o: ed.organisationId }, ed.as))).toEqual(["FORBIDDEN"]);
    expect(
      codes(await gql(stack.url, `mutation ($u: ID!) { verifySystemOperator(userId: $u) { user { status } } }`, { u: ed.userId }, fspA.as)),
    ).toEqual(["FORBIDDEN"]);
    const verified = await gqlOk(
      stack.url,
      `mutation ($u: ID!) { verifySystemOperator(userId: $u) { user { status } } }`,
      { u: ed.userId },
      stack.admin,
    );
    expect(verified.verifySystemOperator.user.status).toBe("VERIFIED_SO");
    const edNow = await signIn(stack.url, "ed@neso.test", PASSWORD); // roles are in the token: sign in again
    const product = (await gqlOk(stack.url, CREATE, { o: ed.organisationId }, edNow)).createProduct.product;
    expect(product.status).toBe("DRAFT");
    // Drafts are the SO's own business; FSPs see only products on the market.
    expect((await gqlOk(stack.url, `query ($id: ID!) { product(id: $id) { id } }`, { id: product.id }, fspA.as)).product).toBeNull();
    const publish = `mutation ($id: ID!) { updateProduct(input: { id: $id, status: PUBLISHED }) { product { status } } }`;
    expect(codes(await gql(stack.url, publish, { id: product.id }, edNow))).toEqual(["FORBIDDEN"]);
    expect((await gqlOk(stack.url, publish, { id: product.id }, stack.admin)).updateProduct.product.status).toBe("PUBLISHED");
    expect(
      (await gqlOk(stack.url, `query ($id: ID!) { product(id: $id) { name owner { name } } }`, { id: product.id }, fspA.as)).product,
    ).toEqual({
      name: "Dynamic Containment Low",
      owner: { name: "National Energy System Operator" },
    });
  });
});

describe("API keys for third-party platforms", () => {
  it("are scoped, shown once, listed with last use, and stop working at once when revoked", async () => {
    const created = await gqlOk(
      stack.url,
      `mutation ($o: ID!) { createApiKey(input: { organisationId: $o, name: "Bid strategy", scopes: ["assets:read"] }) { secret apiKey { id prefix } } }`,
      { o: fspA.organisationId },
      fspA.as,
    );
    const key: Credential = { apiKey: created.createApiKey.secret };
    expect((await gqlOk(stack.url, `{ assets { id name } }`, {}, key)).assets).toEqual([{ id: assetOfA, name: "Home battery" }]);
    expect(codes(await gql(stack.url, REGISTER_ASSET, { o: fspA.organisationId, m: mpan(12, 4444) }, key))).toEqual(["FORBIDDEN"]);
    expect(codes(await gql(stack.url, `{ products { id } }`, {}, key))).toEqual(["FORBIDDEN"]);
    const listed = await gqlOk(
      stack.url,
      `query ($o: ID!) { apiKeys(organisationId: $o) { id prefix lastUsedAt revokedAt } }`,
      { o: fspA.organisationId },
      fspA.as,
    );
    expect(listed.apiKeys).toEqual([
      { id: created.createApiKey.apiKey.id, prefix: created.createApiKey.apiKey.prefix, lastUsedAt: expect.any(String), revokedAt: null },
    ]);
    expect(JSON.stringify(listed)).not.toContain(created.createApiKey.secret);
    expect(
      codes(await gql(stack.url, `query ($o: ID!) { apiKeys(organisationId: $o) { id } }`, { o: fspA.organisationId }, fspB.as)),
    ).toEqual(["FORBIDDEN"]);
    await gqlOk(
      stack.url,
      `mutation ($id: ID!) { revokeApiKey(id: $id) { apiKey { revokedAt } } }`,
      { id: created.createApiKey.apiKey.id },
      fspA.as,
    );
    expect(codes(await gql(stack.url, `{ assets { id } }`, {}, key))).toEqual(["UNAUTHENTICATED"]);
  });
});

describe("investors", () => {
  it("see anonymised aggregates only", async () => {
    const emma = await signUp("emma@greenbank.test", "INVESTOR", "Greenbank Capital");
    expect(codes(await gql(stack.url, `{ assets { id } }`, {}, emma.as))).toEqual(["FORBIDDEN"]);
    expect((await gqlOk(stack.url, `query ($id: ID!) { asset(id: $id) { id } }`, { id: assetOfA }, emma.as)).asset).toBeNull();
    // One battery is below the anonymisation threshold: no group is shown.
    expect((await gqlOk(stack.url, `{ assetStatistics { categoryCode assetCount } }`, {}, emma.as)).assetStatistics).toEqual([]);
  });
});
