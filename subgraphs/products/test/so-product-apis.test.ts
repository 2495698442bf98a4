import { createDsoProductsApi, type DsoProductsApi } from "@sfe/dso-products-registry";
import { ConfigError, type DatabaseHandle, staticReferences } from "@sfe/kit";
import { as, countRows, errorCodes, execute, orgs, setUpSubgraph } from "@sfe/kit/testing";
import { createNesoProductsApi, demoServices, type NesoProductsApi } from "@sfe/neso-products-registry";
import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createSoProductApis, soProductApisSettings } from "../src/modules/so-product-apis/index.js";
import { createProductsSubgraph, type createRepositories } from "../src/server.js";
import { productsSubgraph } from "./helpers.js";

/**
 * SO product APIs resolved on demand (AO.UC4 option 2b): the products subgraph against the two stand-ins
 * over loopback HTTP, on a real database. Request counts are read at the stand-ins.
 */
const { soB: NESO, soA: UKPN } = orgs;

let handle: DatabaseHandle;
let repos: ReturnType<typeof createRepositories>;
let neso: NesoProductsApi;
let dso: DsoProductsApi;
let time = 1_700_000_000_000;
const now = () => time;

beforeAll(async () => {
  ({ handle, repos } = await setUpSubgraph(productsSubgraph, staticReferences({ Organisation: [NESO, UKPN] })));
  [neso, dso] = await Promise.all([createNesoProductsApi(), createDsoProductsApi()]);
  // A hub product of NESO's, registered in the hub, beside the ones its API publishes.
  await repos.products.create(
    {
      ownerId: NESO,
      code: "BR",
      name: "Balancing Reserve",
      serviceType: "AVAILABILITY_ONLY",
      directions: ["GENERATION_TURN_UP"],
      minimumCapacityKw: 1000,
      status: "PUBLISHED",
    },
    null,
  );
});
afterAll(async () => {
  await Promise.all([neso.stop(), dso.stop(), ...made.map((m) => m.close())]);
  await handle.close();
});
afterEach(() => {
  neso.setDown(false);
  neso.setLatency(0);
  dso.setDown(false);
});

const made: { close(): Promise<void> }[] = [];
/** A products subgraph whose SO product API clients are fresh (empty cache, closed breaker). */
function subgraphWith(settings: Partial<Parameters<typeof createSoProductApis>[0]> = {}) {
  const soProductApis = createSoProductApis({
    apis: [
      { name: "neso-products", kind: "neso", operatorId: NESO, url: neso.url },
      { name: "ukpn-products", kind: "dso", operatorId: UKPN, url: dso.url },
    ],
    mappings: repos.externalProducts,
    timeoutMs: 300,
    retries: 1,
    backoffMs: 1,
    now,
    ...settings,
  });
  made.push(soProductApis);
  return createProductsSubgraph({ db: handle.db, references: staticReferences({ Organisation: [NESO, UKPN] }), repos, soProductApis });
}

const LIST = /* GraphQL */ `
  query ($ownerId: ID, $status: ProductStatus, $first: Int, $offset: Int) {
    products(ownerId: $ownerId, status: $status, first: $first, offset: $offset) {
      id code name owner { id } source { kind name adapter url } externalId
      serviceType directions minimumCapacityKw responseTimeSeconds durationMinutes
      serviceWindows { daysOfWeek startLocal endLocal seasonStart seasonEnd } eligibleTechnologies locations status
    }
  }`;
type Listed = {
  id: string;
  code: string;
  source: { kind: string; name: string; url?: string | null };
  externalId: string | null;
  [field: string]: unknown;
};

/** Requests each stand-in received while `fn` ran. */
async function counting<T>(fn: () => Promise<T>): Promise<{ neso: number; dso: number; value: T }> {
  const before = [neso.requestCount(), dso.requestCount()];
  const value = await fn();
  return { neso: neso.requestCount() - before[0]!, dso: dso.requestCount() - before[1]!, value };
}

describe("products from SO product APIs in Query.products", () => {
  it("lists the hub's products and both APIs' together, by code, each marked with its source", async () => {
    const subgraph = subgraphWith();
    const result = await execute(subgraph, LIST, {}, as.investor);
    expect(result.errors).toBeUndefined();
    const products = result.data!.products as Listed[];
    const codes = products.map((p) => p.code);
    expect(codes).toEqual([...codes].sort());
    expect(products.filter((p) => p.source.kind === "HUB").map((p) => p.code)).toEqual(["BR"]);
    expect(products.filter((p) => p.source.name === "neso-products")).toHaveLength(10);
    expect(products.filter((p) => p.source.name === "ukpn-products")).toHaveLength(5);
    expect(products.find((p) => p.code === "BR")).toMatchObject({
      externalId: null,
      source: { kind: "HUB", name: "hub", adapter: null, url: null },
    });
    expect(products.find((p) => p.code === "DCL")).toEqual({
      id: expect.any(String),
      code: "DCL",
      name: "Dynamic Containment Low",
      owner: { id: NESO },
      source: { kind: "SO_PRODUCT_API", name: "neso-products", adapter: "neso", url: null }, // the URL is configuration
      externalId: "DCL",
      serviceType: "AVAILABILITY_ONLY",
      directions: ["GENERATION_TURN_UP", "DEMAND_TURN_DOWN"],
      minimumCapacityKw: 1000,
      responseTimeSeconds: 1,
      durationMinutes: 15,
      serviceWindows: [],
      eligibleTechnologies: [],
      locations: ["GB"],
      status: "PUBLISHED",
    });
    expect(products.find((p) => p.code === "UKPN-SAOU")).toMatchObject({
      owner: { id: UKPN },
      source: { kind: "SO_PRODUCT_API", name: "ukpn-products", adapter: "dso" },
      externalId: "UKPN-SAOU",
      serviceType: "AVAILABILITY_AND_UTILISATION",
      minimumCapacityKw: 10,
      responseTimeSeconds: 900,
      serviceWindows: [
        { daysOfWeek: [1, 2, 3, 4, 5], startLocal: "15:00", endLocal: "19:00", seasonStart: "2025-11-01", seasonEnd: "2026-03-31" },
      ],
      eligibleTechnologies: ["EV_CHARGER", "BESS", "INDUSTRIAL_LOAD"],
      locations: expect.arrayContaining(["Hendon Way"]),
    });
  });

  it("costs one listing and one batch read per API for all 15 products, and nothing on the next query (cache)", async () => {
    const subgraph = subgraphWith({ cacheTtlMs: 60_000 });
    const first = await counting(() => execute(subgraph, LIST, {}, as.investor));
    expect(first.value.errors).toBeUndefined();
    expect(first.value.data!.products).toHaveLength(16);
    expect({ neso: first.neso, dso: first.dso }).toEqual({ neso: 2, dso: 2 });
    expect(neso.requests.slice(-2).map((url) => url.pathname)).toEqual(["/v1/services", "/v1/services:batchGet"]);
    expect((neso.bodies.at(-1) as { ids: string[] }).ids).toHaveLength(10);
    expect(dso.requests.at(-1)!.searchParams.get("product_id")!.split(",")).toHaveLength(5);
    const second = await counting(() => execute(subgraph, LIST, {}, as.investor));
    expect(second.value.data).toEqual(first.value.data);
    expect({ neso: second.neso, dso: second.dso }).toEqual({ neso: 0, dso: 0 });
  });

  it("keeps each product's hub id across queries and subgraphs, and stores only the id mapping", async () => {
    const ids = async () =>
      Object.fromEntries(((await execute(subgraphWith(), LIST, {}, as.investor)).data!.products as Listed[]).map((p) => [p.code, p.id]));
    const before = await ids();
    expect(await ids()).toEqual(before);
    const columns = (await handle.db.execute(
      sql`select column_name from information_schema.columns where table_schema = 'products' and table_name = 'external_products' order by ordinal_position`,
    )) as unknown;
    const names = ((Array.isArray(columns) ? columns : (columns as { rows: unknown[] }).rows) as { column_name: string }[]).map(
      (c) => c.column_name,
    );
    expect(names).toEqual(["id", "api", "external_id", "operator_id", "created_at"]);
    expect(await countRows(handle, "products.external_products")).toBe(15);
    expect(await countRows(handle, "products.products")).toBe(1);
  });

  it("registers a product the API publishes later, once the listing's cache expires", async () => {
    const subgraph = subgraphWith({ cacheTtlMs: 1_000 });
    await execute(subgraph, LIST, {}, as.investor);
    neso.put({ ...demoServices()[0]!, serviceCode: "DCX", serviceName: "Dynamic Containment (test)" });
    const stale = await execute(subgraph, LIST, {}, as.investor);
    expect((stale.data!.products as Listed[]).map((p) => p.code)).not.toContain("DCX");
    time += 1_001;
    const fresh = await execute(subgraph, LIST, {}, as.investor);
    expect((fresh.data!.products as Listed[]).find((p) => p.code === "DCX")).toMatchObject({
      externalId: "DCX",
      source: { name: "neso-products" },
    });
    expect(await countRows(handle, "products.external_products")).toBe(16);
  });

  it("asks only the APIs of the owner asked for, and filters by status and pages the merged list", async () => {
    const subgraph = subgraphWith();
    const ofNeso = await counting(() => execute(subgraph, LIST, { ownerId: NESO }, as.investor));
    expect((ofNeso.value.data!.products as Listed[]).every((p) => p.source.name !== "ukpn-products")).toBe(true);
    expect(ofNeso.dso).toBe(0);
    const all = (await execute(subgraph, LIST, {}, as.investor)).data!.products as Listed[];
    const page = (await execute(subgraph, LIST, { first: 4, offset: 3 }, as.investor)).data!.products as Listed[];
    expect(page.map((p) => p.code)).toEqual(all.slice(3, 7).map((p) => p.code));
    expect((await execute(subgraph, LIST, { status: "RETIRED" }, as.investor)).data!.products).toEqual([]);
  });
});

describe("one SO product API down or slow", () => {
  it("answers the hub's and the other API's products, with an error naming the one that failed, within the timeout", async () => {
    const subgraph = subgraphWith({ timeoutMs: 200, retries: 0 });
    neso.setLatency(5_000);
    const started = Date.now();
    const result = await execute(subgraph, LIST, {}, as.investor);
    expect(Date.now() - started).toBeLessThan(2_000);
    const products = result.data!.products as Listed[];
    expect(new Set(products.map((p) => p.source.name))).toEqual(new Set(["hub", "ukpn-products"]));
    expect(result.errors).toEqual([
      {
        message: "The NESO product API (neso-products) is unavailable",
        path: ["products"],
        extensions: { code: "UPSTREAM_UNAVAILABLE", registry: "neso-products" },
      },
    ]);
  });

  it("opens the API's breaker after repeated failures: then no request is made, and soProductApis says OPEN", async () => {
    const subgraph = subgraphWith({ retries: 0, breaker: { failureThreshold: 2, resetAfterMs: 60_000 } });
    dso.setDown(true);
    for (let i = 0; i < 2; i++) expect(errorCodes(await execute(subgraph, LIST, {}, as.investor))).toEqual(["UPSTREAM_UNAVAILABLE"]);
    const open = await counting(() => execute(subgraph, LIST, {}, as.investor));
    expect(open.dso).toBe(0);
    expect(open.value.errors?.[0]?.extensions).toEqual({ code: "UPSTREAM_UNAVAILABLE", registry: "ukpn-products" });
    expect((open.value.data!.products as Listed[]).length).toBe(12); // the hub's one and NESO's eleven
    const apis = await execute(subgraph, "{ soProductApis { name adapter url operator { id } breaker } }", {}, as.investor);
    expect(apis.data!.soProductApis).toEqual([
      { name: "neso-products", adapter: "neso", url: null, operator: { id: NESO }, breaker: "CLOSED" },
      { name: "ukpn-products", adapter: "dso", url: null, operator: { id: UKPN }, breaker: "OPEN" },
    ]);
    // Where the hub reaches each API is configuration: only an administrator reads it, here and on Product.source.
    const configured = await execute(subgraph, "{ soProductApis { url } products(first: 500) { source { url } } }", {}, as.admin);
    expect((configured.data!.soProductApis as { url: string }[]).map((api) => api.url)).toEqual([neso.url, dso.url]);
    expect(new Set((configured.data!.products as Listed[]).map((p) => p.source.url))).toEqual(new Set([null, neso.url]));
  });
});

describe("an external product by id", () => {
  const ENTITIES = /* GraphQL */ `
    query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id code externalId source { name } } } }`;

  it("resolves Query.product and N federation references with one batch read per API", async () => {
    const all = (await execute(subgraphWith(), LIST, {}, as.investor)).data!.products as Listed[];
    const dcl = all.find((p) => p.code === "DCL")!;
    const subgraph = subgraphWith(); // a cold cache: every record must be fetched
    const one = await execute(subgraph, "query ($id: ID!) { product(id: $id) { code source { name } } }", { id: dcl.id }, as.investor);
    expect(one.data!.product).toEqual({ code: "DCL", source: { name: "neso-products" } });
    const external = all.filter((p) => p.source.kind === "SO_PRODUCT_API");
    const representations = [...external, ...external].map(({ id }) => ({ __typename: "Product", id }));
    const result = await counting(() => execute(subgraphWith(), ENTITIES, { r: representations }, as.investor));
    expect(result.value.errors).toBeUndefined();
    expect((result.value.data!._entities as Listed[]).map((p) => p.externalId)).toEqual(
      [...external, ...external].map((p) => p.externalId),
    );
    expect({ neso: result.neso, dso: result.dso }).toEqual({ neso: 1, dso: 1 });
  });

  it("is read-only: updateProduct answers FORBIDDEN naming its API, and writes nothing", async () => {
    const all = (await execute(subgraphWith(), LIST, {}, as.admin)).data!.products as Listed[];
    const saou = all.find((p) => p.code === "UKPN-SAOU")!;
    const audits = await countRows(handle, "products.audit_events");
    const result = await execute(
      subgraphWith(),
      "mutation ($input: UpdateProductInput!) { updateProduct(input: $input) { product { id } } }",
      { input: { id: saou.id, name: "Renamed" } },
      as.admin,
    );
    expect(result.errors?.[0]).toMatchObject({
      message: expect.stringContaining("read-only in the hub"),
      extensions: { code: "FORBIDDEN", registry: "ukpn-products", externalId: "UKPN-SAOU" },
    });
    expect(await countRows(handle, "products.audit_events")).toBe(audits);
  });
});

describe("an external product's version", () => {
  const VERSIONED = /* GraphQL */ `
    query ($id: ID!) {
      product(id: $id) {
        id version subMarket { id } versions { id version }
        currentVersion {
          id version status name minimumCapacityKw locations product { id externalId } supersedes { id } superseded
          publishedAt effectiveFrom efaBlocks baselineMethods procurement { cadence } pricingUnits { availability utilisation }
        }
      }
      productVersion(id: $id) { id version product { code } }
    }`;

  it("is version 1, read-only, with the product's hub id: currentVersion, versions and productVersion(id) answer it", async () => {
    const all = (await execute(subgraphWith(), LIST, {}, as.investor)).data!.products as Listed[];
    const dcl = all.find((p) => p.code === "DCL")!;
    const result = await execute(subgraphWith(), VERSIONED, { id: dcl.id }, as.investor);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      product: {
        id: dcl.id,
        version: 1,
        subMarket: null,
        versions: [{ id: dcl.id, version: 1 }],
        currentVersion: {
          id: dcl.id,
          version: 1,
          status: "PUBLISHED",
          name: "Dynamic Containment Low",
          minimumCapacityKw: 1000,
          locations: ["GB"],
          product: { id: dcl.id, externalId: "DCL" },
          supersedes: null,
          superseded: false,
          publishedAt: null,
          effectiveFrom: null,
          efaBlocks: [],
          baselineMethods: [],
          procurement: null,
          pricingUnits: { availability: null, utilisation: null },
        },
      },
      productVersion: { id: dcl.id, version: 1, product: { code: "DCL" } },
    });
    const entities = await execute(
      subgraphWith(),
      "query ($r: [_Any!]!) { _entities(representations: $r) { ... on ProductVersion { id version product { externalId } } } }",
      { r: [{ __typename: "ProductVersion", id: dcl.id }] },
      as.investor,
    );
    expect(entities.data!._entities).toEqual([{ id: dcl.id, version: 1, product: { externalId: "DCL" } }]);
  });

  it("is left out of products(subMarketId:): an external product has no sub-market (and no API is asked)", async () => {
    const subgraph = subgraphWith();
    const result = await counting(() =>
      execute(subgraph, "query ($s: ID) { products(subMarketId: $s) { id } }", { s: "00000000-0000-4000-8000-00000000abcd" }, as.investor),
    );
    expect(result.value.data!.products).toEqual([]);
    expect({ neso: result.neso, dso: result.dso }).toEqual({ neso: 0, dso: 0 });
  });

  it("refuses every write naming it or its version (FORBIDDEN naming its API), and writes nothing", async () => {
    const all = (await execute(subgraphWith(), LIST, {}, as.admin)).data!.products as Listed[];
    const saou = all.find((p) => p.code === "UKPN-SAOU")!;
    const audits = await countRows(handle, "products.audit_events");
    const writes: [string, Record<string, unknown>, typeof as.admin][] = [
      [
        "mutation ($input: ReviseProductInput!) { reviseProduct(input: $input) { version { id } } }",
        { productId: saou.id, name: "X" },
        as.admin,
      ],
      [
        "mutation ($input: SetProductVersionStatusInput!) { setProductVersionStatus(input: $input) { version { id } } }",
        { id: saou.id, status: "SUSPENDED" },
        as.admin,
      ],
      [
        "mutation ($input: OpenConsultationInput!) { openConsultation(input: $input) { consultation { id } } }",
        { productId: saou.id, closesAt: "2099-01-01T00:00:00Z" },
        as.admin,
      ],
      [
        "mutation ($input: DeclarePrequalificationRequirementInput!) { declarePrequalificationRequirement(input: $input) { requirement { id } } }",
        { productVersionId: saou.id, level: "COUNTERPARTY", kind: "DOCUMENT", description: "Insurance certificate" },
        as.admin,
      ],
      [
        "mutation ($input: SaveContractTemplateInput!) { saveContractTemplate(input: $input) { contractTemplate { id } } }",
        { productId: saou.id, serviceTermsRef: "UKPN-TERMS", procurementRulesRef: "UKPN-RULES", liabilityCapGbp: "1000.00" },
        as.admin,
      ],
      [
        "mutation ($input: IssueContractInput!) { issueContract(input: $input) { contract { id } } }",
        { productId: saou.id, providerId: orgs.fspA },
        as.admin,
      ],
      [
        "mutation ($input: ApplyForQualificationInput!) { applyForQualification(input: $input) { application { id } } }",
        { subjectType: "ORGANISATION", subjectId: orgs.fspA, productIds: [saou.id] },
        as.fspA,
      ],
    ];
    for (const [mutation, input, identity] of writes) {
      const result = await execute(subgraphWith(), mutation, { input }, identity);
      expect(result.errors?.[0], mutation).toMatchObject({
        extensions: { code: "FORBIDDEN", registry: "ukpn-products", externalId: "UKPN-SAOU" },
      });
    }
    expect(await countRows(handle, "products.audit_events")).toBe(audits);
  });
});

describe("Organisation.products", () => {
  const ORGS = /* GraphQL */ `
    query ($r: [_Any!]!) { _entities(representations: $r) { ... on Organisation { id products { code source { name } } } } }`;
  const representations = [NESO, UKPN, NESO].map((id) => ({ __typename: "Organisation", id }));

  it("holds the products an organisation's API publishes beside its hub products, one listing per API however many ask", async () => {
    const result = await counting(() => execute(subgraphWith(), ORGS, { r: representations }, as.investor));
    expect(result.value.errors).toBeUndefined();
    const [ofNeso, ofUkpn] = result.value.data!._entities as { products: { code: string; source: { name: string } }[] }[];
    expect(ofNeso!.products.map((p) => p.code)).toEqual([...ofNeso!.products.map((p) => p.code)].sort());
    expect(new Set(ofNeso!.products.map((p) => p.source.name))).toEqual(new Set(["hub", "neso-products"]));
    expect(ofUkpn!.products.every((p) => p.source.name === "ukpn-products")).toBe(true);
    expect({ neso: result.neso, dso: result.dso }).toEqual({ neso: 2, dso: 2 });
  });

  it("answers the hub's products with an error at the field when the organisation's API is down", async () => {
    neso.setDown(true);
    const result = await execute(subgraphWith({ retries: 0 }), ORGS, { r: representations.slice(0, 1) }, as.investor);
    expect((result.data!._entities as { products: { code: string }[] }[])[0]!.products.map((p) => p.code)).toEqual(["BR"]);
    expect(result.errors).toEqual([
      expect.objectContaining({
        path: ["_entities", 0, "products"],
        extensions: { code: "UPSTREAM_UNAVAILABLE", registry: "neso-products" },
      }),
    ]);
  });
});

describe("configuration (SO_PRODUCT_APIS)", () => {
  const parse = (value: string) => soProductApisSettings({ SO_PRODUCT_APIS: value });

  it("reads a JSON list, naming each API by its kind unless named", () => {
    expect(parse("[]").apis).toEqual([]);
    expect(soProductApisSettings({})).toEqual({ apis: [], timeoutMs: 800, cacheTtlMs: 30_000 });
    expect(parse(JSON.stringify([{ kind: "dso", operatorId: UKPN, url: "http://127.0.0.1:4102" }])).apis).toEqual([
      { name: "dso-products", kind: "dso", operatorId: UKPN, url: "http://127.0.0.1:4102" },
    ]);
  });

  it("refuses a bad list with one line naming the variable and the place", () => {
    expect(() => parse("{")).toThrow(ConfigError);
    expect(() => parse("{")).toThrow(/^Invalid configuration: SO_PRODUCT_APIS="\{": must be a JSON list$/);
    expect(() => parse(JSON.stringify([{ kind: "neso", operatorId: "NESO", url: "http://x" }]))).toThrow(
      /SO_PRODUCT_APIS=.* at 0\.operatorId: must be an organisation id/,
    );
    expect(() => parse(JSON.stringify([{ kind: "soap", operatorId: NESO, url: "http://x" }]))).toThrow(/at 0\.kind/);
    const twice = { kind: "neso", operatorId: NESO, url: "http://x" };
    expect(() => parse(JSON.stringify([twice, twice]))).toThrow(/names must be unique/);
  });
});

describe("who sees an external product", () => {
  it("follows the hub's rule: an investor sees PUBLISHED ones only (listing, by id, its version), a participant every one", async () => {
    neso.put({ ...demoServices()[0]!, serviceCode: "DCS", serviceName: "Dynamic Containment (suspended)", status: "SUSPENDED" });
    const listed = (identity: typeof as.admin) =>
      execute(subgraphWith(), LIST, { ownerId: NESO }, identity).then((r) => (r.data!.products as Listed[]).map((p) => p.code));
    expect(await listed(as.fspA)).toContain("DCS");
    expect(await listed(as.investor)).not.toContain("DCS");
    const dcs = ((await execute(subgraphWith(), LIST, { ownerId: NESO }, as.fspA)).data!.products as Listed[]).find(
      (p) => p.code === "DCS",
    )!;
    const byId = "query ($id: ID!) { product(id: $id) { status } productVersion(id: $id) { status } }";
    expect((await execute(subgraphWith(), byId, { id: dcs.id }, as.fspA)).data).toEqual({
      product: { status: "SUSPENDED" },
      productVersion: { status: "SUSPENDED" },
    });
    expect((await execute(subgraphWith(), byId, { id: dcs.id }, as.investor)).data).toEqual({ product: null, productVersion: null });
  });
});
