import { readFileSync } from "node:fs";
import type { DatabaseHandle } from "@sfe/kit";
import { staticReferences } from "@sfe/kit";
import { as, countRows, createTestDatabase, errorCodes, execute, orgs, raceAtRowLock, setUpSubgraph } from "@sfe/kit/testing";
import { sql } from "drizzle-orm";
import type { ObjectTypeDefinitionNode } from "graphql";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type createProductsSubgraph, type createRepositories, productsModule, typeDefs } from "../src/server.js";
import { productsSubgraph } from "./helpers.js";

// NESO (SO B, national) owns the products here; UKPN (SO A) is the other system operator.
const { soA: UKPN, soB: NESO } = orgs;
const { nationalSo: AS_NESO, soA: AS_UKPN, admin: ADMIN, investor: INVESTOR, fspA: FSP } = as;

let handle: DatabaseHandle;
let repos: ReturnType<typeof createRepositories>;
let subgraph: ReturnType<typeof createProductsSubgraph>;

beforeAll(async () => {
  ({ handle, repos, subgraph } = await setUpSubgraph(productsSubgraph, staticReferences({ Organisation: [UKPN, NESO] })));
});
afterAll(() => handle.close());

const VERSION = `id version status effectiveFrom supersedes { id version } superseded supersededAt publishedAt name
  minimumCapacityKw maximumCapacityKw responseTimeSeconds durationMinutes noticeMinutes needType faultTiming aggregationScope
  locations efaBlocks procurement { cadence daysBeforeDelivery gateClosesLocal pricingRule availabilityCeilingGbp }
  pricingUnits { availability utilisation } metering { point granularitySeconds telemetryRequired } baselineMethods
  stackingRulesRef agreementVersion dispatchMethod`;
const PRODUCT_FIELDS = `id code status name minimumCapacityKw version currentVersion { ${VERSION} } versions { ${VERSION} }`;
const CREATE = `mutation ($input: CreateProductInput!) { createProduct(input: $input) { product { ${PRODUCT_FIELDS} } } }`;
const UPDATE = `mutation ($input: UpdateProductInput!) { updateProduct(input: $input) { product { ${PRODUCT_FIELDS} } } }`;
const REVISE = `mutation ($input: ReviseProductInput!) { reviseProduct(input: $input) { product { ${PRODUCT_FIELDS} } version { ${VERSION} } } }`;
const SET_STATUS = `mutation ($input: SetProductVersionStatusInput!) {
  setProductVersionStatus(input: $input) { product { ${PRODUCT_FIELDS} } version { ${VERSION} } } }`;
const PRODUCT = `query ($id: ID!) { product(id: $id) { ${PRODUCT_FIELDS} } }`;
const PRODUCT_VERSION = `query ($id: ID!) { productVersion(id: $id) { ${VERSION} product { id } } }`;

type Version = { id: string; version: number; status: string; superseded: boolean; [field: string]: unknown };
type Product = { id: string; status: string; version: number; currentVersion: Version; versions: Version[]; [field: string]: unknown };

/** NESO's Positive Quick Reserve (domain §5.2): full activation within 1 min, at least 15 min, by GSP group. */
const pqr = (code: string) => ({
  ownerId: NESO,
  code,
  name: "Positive Quick Reserve",
  serviceType: "AVAILABILITY_AND_UTILISATION",
  directions: ["GENERATION_TURN_UP", "DEMAND_TURN_DOWN"],
  minimumCapacityKw: 1000,
  responseTimeSeconds: 60,
  durationMinutes: 15,
  noticeMinutes: 0,
  needType: "RESERVE",
  faultTiming: "PRE_FAULT",
  aggregationScope: "WITHIN_GSP_GROUP",
  locations: ["GB"],
  efaBlocks: [6, 1, 2, 3, 4, 5, 1],
  procurement: {
    cadence: "DAY_AHEAD",
    daysBeforeDelivery: 1,
    gateClosesLocal: "14:00",
    pricingRule: "PAY_AS_CLEAR",
    availabilityCeilingGbp: "90",
  },
  pricingUnits: { availability: "GBP_PER_MW_PER_H", utilisation: "GBP_PER_MWH" },
  metering: { point: "ASSET", granularitySeconds: 1, telemetryRequired: true },
  baselineMethods: ["NOMINATED"],
  stackingRulesRef: "NESO: no co-delivery with another NESO reserve service",
  agreementVersion: "NESO Quick Reserve service terms",
  dispatchMethod: "BOA",
});

async function ok<T = Record<string, any>>(query: string, variables: Record<string, unknown>, identity: (typeof as)[keyof typeof as]) {
  const result = await execute<T>(subgraph, query, variables, identity);
  expect(result.errors).toBeUndefined();
  return result.data!;
}

/** A product of NESO's whose version 1 an administrator published. */
async function publishedProduct(code: string): Promise<Product> {
  const created = (await ok(CREATE, { input: pqr(code) }, AS_NESO)).createProduct.product as Product;
  return (await ok(UPDATE, { input: { id: created.id, status: "PUBLISHED" } }, ADMIN)).updateProduct.product as Product;
}

describe("versions", () => {
  it("a new product is version 1 with every attribute, normalised", async () => {
    const product = (await ok(CREATE, { input: pqr("PQR-NEW") }, AS_NESO)).createProduct.product as Product;
    expect(product).toMatchObject({ status: "DRAFT", version: 1 });
    expect(product.versions).toEqual([product.currentVersion]);
    expect(product.currentVersion).toMatchObject({
      version: 1,
      status: "DRAFT",
      supersedes: null,
      superseded: false,
      publishedAt: null,
      noticeMinutes: 0,
      needType: "RESERVE",
      aggregationScope: "WITHIN_GSP_GROUP",
      locations: ["GB"],
      efaBlocks: [1, 2, 3, 4, 5, 6],
      procurement: {
        cadence: "DAY_AHEAD",
        daysBeforeDelivery: 1,
        gateClosesLocal: "14:00",
        pricingRule: "PAY_AS_CLEAR",
        availabilityCeilingGbp: "90.00",
      },
      pricingUnits: { availability: "GBP_PER_MW_PER_H", utilisation: "GBP_PER_MWH" },
      metering: { point: "ASSET", granularitySeconds: 1, telemetryRequired: true },
      baselineMethods: ["NOMINATED"],
      dispatchMethod: "BOA",
    });
  });

  it("publish v1; revise → v2 DRAFT while v1 stays PUBLISHED and current; publish v2 → v2 current, v1 kept and superseded", async () => {
    const v1 = await publishedProduct("PQR");
    expect(v1).toMatchObject({ status: "PUBLISHED", version: 1 });
    const v1Id = v1.currentVersion.id;
    expect(v1.currentVersion.publishedAt).not.toBeNull();

    const effectiveFrom = "2026-04-01T00:00:00.000Z";
    const revised = (await ok(REVISE, { input: { productId: v1.id, effectiveFrom, minimumCapacityKw: 500, durationMinutes: 30 } }, AS_NESO))
      .reviseProduct;
    expect(revised.version).toMatchObject({
      version: 2,
      status: "DRAFT",
      supersedes: { id: v1Id, version: 1 },
      minimumCapacityKw: 500,
      durationMinutes: 30,
      // Everything not changed is copied from version 1.
      responseTimeSeconds: 60,
      dispatchMethod: "BOA",
      efaBlocks: [1, 2, 3, 4, 5, 6],
    });
    expect(new Date(revised.version.effectiveFrom).toISOString()).toBe(effectiveFrom);
    // The published version stays current: the product answers its values and status.
    expect(revised.product).toMatchObject({ status: "PUBLISHED", version: 1, minimumCapacityKw: 1000, currentVersion: { id: v1Id } });
    expect(revised.product.versions.map((v: Version) => [v.version, v.status])).toEqual([
      [1, "PUBLISHED"],
      [2, "DRAFT"],
    ]);
    // While v2 is pending, updateProduct edits v2; v1 is untouched.
    const edited = (await ok(UPDATE, { input: { id: v1.id, name: "Positive Quick Reserve (2026)" } }, AS_NESO)).updateProduct.product;
    expect(edited).toMatchObject({ name: "Positive Quick Reserve", version: 1 });
    expect(edited.versions[1]).toMatchObject({ version: 2, name: "Positive Quick Reserve (2026)" });
    // A second revision while one is pending is refused.
    const twice = await execute(subgraph, REVISE, { input: { productId: v1.id } }, AS_NESO);
    expect(errorCodes(twice)).toEqual(["CONFLICT"]);
    expect(twice.errors?.[0]?.extensions?.reason).toBe("VERSION_NOT_PUBLISHED");

    const published = (await ok(UPDATE, { input: { id: v1.id, status: "PUBLISHED" } }, ADMIN)).updateProduct.product as Product;
    expect(published).toMatchObject({ status: "PUBLISHED", version: 2, minimumCapacityKw: 500, name: "Positive Quick Reserve (2026)" });
    expect(published.currentVersion).toMatchObject({ version: 2, status: "PUBLISHED", superseded: false });
    const [old, current] = published.versions;
    expect(old).toMatchObject({ id: v1Id, version: 1, status: "PUBLISHED", superseded: true, minimumCapacityKw: 1000 });
    expect(old?.supersededAt).not.toBeNull();
    expect(current?.id).toBe(published.currentVersion.id);
    // The old version keeps its id and stays queryable (qualifications against it stay valid).
    const found = (await ok(PRODUCT_VERSION, { id: v1Id }, FSP)).productVersion;
    expect(found).toMatchObject({ id: v1Id, version: 1, status: "PUBLISHED", superseded: true, product: { id: v1.id } });
  });

  it("a published version cannot change: CONFLICT VERSION_PUBLISHED, nothing written; its status still moves", async () => {
    const product = await publishedProduct("PQR-IMMUTABLE");
    const audits = await countRows(handle, "products.audit_events");
    for (const input of [{ minimumCapacityKw: 2000 }, { name: "Renamed" }, { locations: ["_C"] }, { efaBlocks: [1] }]) {
      const result = await execute(subgraph, UPDATE, { input: { id: product.id, ...input } }, ADMIN);
      expect(errorCodes(result)).toEqual(["CONFLICT"]);
      expect(result.errors?.[0]?.extensions).toMatchObject({
        reason: "VERSION_PUBLISHED",
        versionId: product.currentVersion.id,
        version: 1,
      });
    }
    expect(await countRows(handle, "products.audit_events")).toBe(audits);
    expect((await ok(PRODUCT, { id: product.id }, ADMIN)).product).toEqual(product);
    // Giving the values it already has is no change.
    expect(errorCodes(await execute(subgraph, UPDATE, { input: { id: product.id, minimumCapacityKw: 1000 } }, ADMIN))).toEqual([]);
    const suspended = await ok(UPDATE, { input: { id: product.id, status: "SUSPENDED" } }, AS_NESO);
    expect(suspended.updateProduct.product).toMatchObject({ status: "SUSPENDED", version: 1 });
  });

  it("refuses illegal lifecycle moves of a version with CONFLICT naming both statuses", async () => {
    const product = await publishedProduct("PQR-LIFECYCLE");
    const v1 = product.currentVersion.id;
    const back = await execute(subgraph, SET_STATUS, { input: { id: v1, status: "DRAFT" } }, AS_NESO);
    expect(errorCodes(back)).toEqual(["CONFLICT"]);
    expect(back.errors?.[0]?.extensions).toMatchObject({ currentStatus: "PUBLISHED", requestedStatus: "DRAFT" });
    const consult = await execute(subgraph, SET_STATUS, { input: { id: v1, status: "IN_CONSULTATION" } }, AS_NESO);
    expect(consult.errors?.[0]?.extensions).toMatchObject({
      code: "CONFLICT",
      currentStatus: "PUBLISHED",
      requestedStatus: "IN_CONSULTATION",
    });
    await ok(SET_STATUS, { input: { id: v1, status: "RETIRED" } }, AS_NESO);
    const revived = await execute(subgraph, SET_STATUS, { input: { id: v1, status: "PUBLISHED" } }, ADMIN);
    expect(revived.errors?.[0]?.extensions).toMatchObject({ code: "CONFLICT", currentStatus: "RETIRED" });
    // A retired product has no next version.
    const revise = await execute(subgraph, REVISE, { input: { productId: product.id } }, AS_NESO);
    expect(errorCodes(revise)).toEqual(["CONFLICT"]);
  });

  it("suspends an old version on its own while a revision is pending", async () => {
    const product = await publishedProduct("PQR-SUSPEND");
    await ok(REVISE, { input: { productId: product.id, durationMinutes: 20 } }, AS_NESO);
    const { setProductVersionStatus: result } = await ok(
      SET_STATUS,
      { input: { id: product.currentVersion.id, status: "SUSPENDED" } },
      AS_NESO,
    );
    expect(result.version).toMatchObject({ version: 1, status: "SUSPENDED" });
    expect(result.product).toMatchObject({ status: "SUSPENDED", version: 1 });
    // Only the administrator publishes a version, an old one too.
    const byOwner = await execute(subgraph, SET_STATUS, { input: { id: product.currentVersion.id, status: "PUBLISHED" } }, AS_NESO);
    expect(errorCodes(byOwner)).toEqual(["FORBIDDEN"]);
  });

  it("of two racing revisions one makes version 2, the other is refused (the product row is locked)", async () => {
    const product = await publishedProduct("PQR-RACE");
    const revise = (durationMinutes: number) => () =>
      execute(subgraph, REVISE, { input: { productId: product.id, durationMinutes } }, AS_NESO);
    const results = await raceAtRowLock(
      handle,
      (tx) => tx.execute(sql`select id from products.products where id = ${product.id} for update`),
      [revise(20), revise(25)],
    );
    const outcomes = results.map((r) => (r.status === "fulfilled" ? (errorCodes(r.value)[0] ?? "ok") : "threw"));
    expect(outcomes.sort()).toEqual(["CONFLICT", "ok"]);
    const versions = (await ok(PRODUCT, { id: product.id }, AS_NESO)).product.versions as Version[];
    expect(versions.map((v) => [v.version, v.status])).toEqual([
      [1, "PUBLISHED"],
      [2, "DRAFT"],
    ]);
  });

  it("validates a revision like a new product: BAD_USER_INPUT, nothing written", async () => {
    const product = await publishedProduct("PQR-BAD-REVISION");
    const versions = await countRows(handle, "products.product_versions");
    for (const input of [
      { minimumCapacityKw: -1 },
      { maximumCapacityKw: 10 }, // below the minimum of 1,000 kW
      { serviceType: "UTILISATION_ONLY" }, // the copied availability unit no longer fits
      { locations: ["UKPN_NOWHERE"] },
      { noticeMinutes: 600_000 },
    ]) {
      const result = await execute(subgraph, REVISE, { input: { productId: product.id, ...input } }, AS_NESO);
      expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    }
    expect(await countRows(handle, "products.product_versions")).toBe(versions);
  });
});

describe("who sees and changes versions", () => {
  let product: Product;
  let draftId: string;
  beforeAll(async () => {
    product = await publishedProduct("PQR-ACCESS");
    draftId = (await ok(REVISE, { input: { productId: product.id, durationMinutes: 45 } }, AS_NESO)).reviseProduct.version.id;
  });

  it("an investor, an FSP and another SO see the published version only; the owner and the admin see the draft too", async () => {
    for (const [caller, identity, expected] of [
      ["investor", INVESTOR, [1]],
      ["FSP", FSP, [1]],
      ["UKPN", AS_UKPN, [1]],
      ["NESO", AS_NESO, [1, 2]],
      ["admin", ADMIN, [1, 2]],
    ] as const) {
      const seen = (await ok(PRODUCT, { id: product.id }, identity)).product as Product;
      expect(
        seen.versions.map((v) => v.version),
        caller,
      ).toEqual(expected);
      expect(seen.currentVersion.version, caller).toBe(1);
      const draft = (await ok(PRODUCT_VERSION, { id: draftId }, identity)).productVersion;
      expect(draft === null, caller).toBe(expected.length === 1);
    }
  });

  it("another SO cannot revise or change the product: FORBIDDEN; its pending draft is NOT_FOUND to it", async () => {
    expect(errorCodes(await execute(subgraph, REVISE, { input: { productId: product.id } }, AS_UKPN))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await execute(subgraph, SET_STATUS, { input: { id: draftId, status: "IN_CONSULTATION" } }, AS_UKPN))).toEqual([
      "NOT_FOUND",
    ]);
    expect(errorCodes(await execute(subgraph, REVISE, { input: { productId: product.id } }, FSP))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await execute(subgraph, REVISE, { input: { productId: product.id } }, as.anonymous))).toEqual(["UNAUTHENTICATED"]);
  });

  it("resolves ProductVersion references in one batched read, null for another's draft", async () => {
    const spy = vi.spyOn(repos.products, "versionsByIds");
    const query = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on ProductVersion { id version } } }`;
    const r = [product.currentVersion.id, draftId, product.currentVersion.id].map((id) => ({ __typename: "ProductVersion", id }));
    const result = await ok(query, { r }, INVESTOR);
    expect(result._entities).toEqual([{ id: product.currentVersion.id, version: 1 }, null, { id: product.currentVersion.id, version: 1 }]);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
  });
});

describe("schema", () => {
  it("tags every Query and Mutation field with @processStep", () => {
    const operations = typeDefs.definitions.filter(
      (d): d is ObjectTypeDefinitionNode => "name" in d && (d.name?.value === "Query" || d.name?.value === "Mutation") && "fields" in d,
    );
    const untagged = operations.flatMap((type) =>
      (type.fields ?? [])
        .filter((f) => !f.directives?.some((d) => d.name.value === "processStep"))
        .map((f) => `${type.name.value}.${f.name.value}`),
    );
    expect(operations.length).toBeGreaterThan(2);
    expect(untagged).toEqual([]);
  });
});

describe("migration 0003_versions", () => {
  it("moves every existing product to its version 1, keeping the product's id", async () => {
    const db = await createTestDatabase();
    try {
      const folder = productsModule.migrationsFolder;
      const run = async (file: string) => {
        for (const statement of readFileSync(`${folder}/${file}`, "utf8").split("--> statement-breakpoint")) {
          if (statement.trim()) await db.exec(statement);
        }
      };
      for (const file of ["0000_init.sql", "0001_audit_hash_chain.sql", "0002_constraint_managed_zones.sql"]) await run(file);
      const id = "7e570000-0000-4000-8000-000000000001";
      await db.exec(`insert into products.products (id, owner_id, code, name, service_type, directions, minimum_capacity_kw,
        response_time_seconds, duration_minutes, locations, status)
        values ('${id}', '${NESO}', 'DCL', 'Dynamic Containment Low', 'AVAILABILITY_ONLY', '{GENERATION_TURN_UP}', 1000, 1, 15, '{GB}', 'PUBLISHED')`);
      await run("0003_versions.sql");
      const migrated = createProductsRepositories(db);
      const [row] = await migrated.products.byIds([id], { everything: true });
      expect(row).toMatchObject({
        id,
        code: "DCL",
        name: "Dynamic Containment Low",
        status: "PUBLISHED",
        version: 1,
        minimumCapacityKw: 1000,
      });
      expect(row?.publishedAt).not.toBeNull();
      expect(await countRows(db, "products.product_versions")).toBe(1);
    } finally {
      await db.close();
    }
  });
});

const createProductsRepositories = (db: DatabaseHandle) => productsSubgraph.createRepositories(db.db);
