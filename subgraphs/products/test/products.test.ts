import type { DatabaseHandle } from "@sfe/kit";
import { staticReferences } from "@sfe/kit";
import { as, countRows, errorCodes, execute, MISSING_ID as UNKNOWN, orgs, setUpSubgraph, testIdentity } from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type EnumTypeDefinitionNode, print } from "graphql";
import { productLifecycle } from "../src/db/schema.js";
import { type createProductsSubgraph, type createRepositories, typeDefs } from "../src/server.js";
import { productsSubgraph } from "./helpers.js";

// Organisations the (stubbed) users subgraph knows.
const { soA: UKPN, soB: NESO } = orgs;
const LISTED = "11111111-2222-4333-8444-555555555555"; // owns only the products the list tests make
const EMPTY = "99999999-8888-4777-8666-555555555555"; // owns nothing

// Who calls: each owner's (verified) system operator, and a hub administrator (who alone publishes).
const so = (organisationId: string) => testIdentity({ roles: ["SYSTEM_OPERATOR"], organisationId, areas: ["*"] });
const ADMIN = as.admin;
const AS_UKPN = so(UKPN);
const AS_NESO = so(NESO);

let handle: DatabaseHandle;
let repos: ReturnType<typeof createRepositories>;
let subgraph: ReturnType<typeof createProductsSubgraph>;

beforeAll(async () => {
  ({ handle, repos, subgraph } = await setUpSubgraph(productsSubgraph, staticReferences({ Organisation: [UKPN, NESO, LISTED, EMPTY] })));
  // UKPN's zone, which its products' location scope may name by code.
  await repos.zones.create(
    { code: "UKPN_HENDON_WAY", name: "Hendon Way", operatorId: UKPN, licenceArea: "London", gspGroups: ["_C"] },
    null,
  );
});
afterAll(() => handle.close());

const FIELDS = `id code name owner { id } serviceType directions minimumCapacityKw responseTimeSeconds durationMinutes
  serviceWindows { daysOfWeek startLocal endLocal seasonStart seasonEnd } eligibleTechnologies locations status createdAt updatedAt
  version currentVersion { id version }`;
const CREATE = /* GraphQL */ `
  mutation ($input: CreateProductInput!) { createProduct(input: $input) { product { ${FIELDS} } } }`;
const UPDATE = /* GraphQL */ `
  mutation ($input: UpdateProductInput!) { updateProduct(input: $input) { product { ${FIELDS} } } }`;
const PRODUCT = /* GraphQL */ `query ($id: ID!) { product(id: $id) { ${FIELDS} } }`;
const LIST = /* GraphQL */ `
  query ($ownerId: ID, $status: ProductStatus, $first: Int, $offset: Int) {
    products(ownerId: $ownerId, status: $status, first: $first, offset: $offset) { code status owner { id } }
  }`;

type Product = {
  id: string;
  code: string;
  status: string;
  updatedAt: string;
  currentVersion: { id: string; version: number };
  [field: string]: unknown;
};

/** UKPN's Scheduled Availability (SAOU): weekday evening peak in the Hendon Way zone. */
const saou = (overrides: Record<string, unknown> = {}) => ({
  ownerId: UKPN,
  code: "saou",
  name: "Scheduled Availability",
  serviceType: "AVAILABILITY_AND_UTILISATION",
  directions: ["DEMAND_TURN_DOWN", "DEMAND_TURN_DOWN"],
  minimumCapacityKw: 10,
  responseTimeSeconds: 900,
  durationMinutes: 180,
  serviceWindows: [
    { daysOfWeek: [5, 1, 2, 3, 4, 1], startLocal: "16:00", endLocal: "19:00", seasonStart: "2025-11-01", seasonEnd: "2026-03-31" },
  ],
  eligibleTechnologies: ["BESS", "EV_CHARGER", "HEAT_PUMP", "BESS"],
  locations: [" _c ", "C"],
  ...overrides,
});

/** Creates as the owner's system operator, or as ADMIN when the product starts PUBLISHED. */
async function create(input: Record<string, unknown>): Promise<Product> {
  const as = input.status === "PUBLISHED" ? ADMIN : so(String(input.ownerId));
  const result = await execute(subgraph, CREATE, { input }, as);
  expect(result.errors).toBeUndefined();
  return result.data!.createProduct.product as Product;
}

const count = (table: string) => countRows(handle, `products.${table}`);

describe("createProduct", () => {
  it("creates UKPN's SAOU normalised, audits it, and reads it back", async () => {
    const audits = await count("audit_events");
    const product = await create(saou({ locations: [" ukpn_hendon_way ", "UKPN_HENDON_WAY", "c"] }));
    expect(product).toMatchObject({
      code: "SAOU",
      name: "Scheduled Availability",
      owner: { id: UKPN },
      serviceType: "AVAILABILITY_AND_UTILISATION",
      directions: ["DEMAND_TURN_DOWN"],
      minimumCapacityKw: 10,
      responseTimeSeconds: 900,
      durationMinutes: 180,
      serviceWindows: [
        { daysOfWeek: [1, 2, 3, 4, 5], startLocal: "16:00", endLocal: "19:00", seasonStart: "2025-11-01", seasonEnd: "2026-03-31" },
      ],
      eligibleTechnologies: ["BESS", "EV_CHARGER", "HEAT_PUMP"],
      locations: ["UKPN_HENDON_WAY", "_C"],
      status: "DRAFT",
      version: 1,
    });
    // The product and its version 1.
    expect(await count("audit_events")).toBe(audits + 2);
    const found = await execute(subgraph, PRODUCT, { id: product.id }, AS_UKPN);
    expect(found.errors).toBeUndefined();
    expect(found.data?.product).toEqual(product);
  });

  it("creates NESO's Dynamic Containment Low with optional fields defaulted", async () => {
    const dcl = await create({
      ownerId: NESO,
      code: "DCL",
      name: "Dynamic Containment Low",
      serviceType: "AVAILABILITY_ONLY",
      directions: ["GENERATION_TURN_UP", "DEMAND_TURN_DOWN"],
      minimumCapacityKw: 1000,
      responseTimeSeconds: 1,
      durationMinutes: 15,
      status: "PUBLISHED",
    });
    expect(dcl).toMatchObject({ code: "DCL", serviceWindows: [], eligibleTechnologies: [], locations: [], status: "PUBLISHED" });
  });

  const window = { daysOfWeek: [1], startLocal: "16:00", endLocal: "19:00" };
  it.each([
    ["a malformed code", { code: "S AOU!" }],
    ["an over-long code", { code: "A".repeat(33) }],
    ["an empty name", { name: "  " }],
    ["no directions", { directions: [] }],
    ["a negative capacity", { minimumCapacityKw: -1 }],
    ["a negative response time", { responseTimeSeconds: -0.5 }],
    ["a zero duration", { durationMinutes: 0 }],
    ["a capacity over 2 GW", { minimumCapacityKw: 2_000_000.5 }],
    ["a capacity of 1e308", { minimumCapacityKw: 1e308 }],
    ["a response time over a day", { responseTimeSeconds: 86_401 }],
    ["a duration over a day", { durationMinutes: 1_441 }],
    ["a malformed window time", { serviceWindows: [{ ...window, startLocal: "4pm" }] }],
    ["an hour past 23", { serviceWindows: [{ ...window, startLocal: "24:00", endLocal: "24:00" }] }],
    ["a window ending before it starts", { serviceWindows: [{ ...window, startLocal: "19:00", endLocal: "16:00" }] }],
    ["a window ending when it starts", { serviceWindows: [{ ...window, endLocal: "16:00" }] }],
    ["day 8", { serviceWindows: [{ ...window, daysOfWeek: [1, 8] }] }],
    ["day 0", { serviceWindows: [{ ...window, daysOfWeek: [0] }] }],
    ["no days", { serviceWindows: [{ ...window, daysOfWeek: [] }] }],
    ["an impossible season date", { serviceWindows: [{ ...window, seasonStart: "2025-02-30" }] }],
    ["a season date in another format", { serviceWindows: [{ ...window, seasonEnd: "31/03/2026" }] }],
    ["a season ending before it starts", { serviceWindows: [{ ...window, seasonStart: "2026-03-31", seasonEnd: "2025-11-01" }] }],
    ["a malformed technology", { eligibleTechnologies: ["battery storage"] }],
    ["an empty location", { locations: ["_C", " "] }],
    ["an unknown zone", { locations: ["UKPN_NOWHERE"] }],
    ["another SO's zone", { ownerId: NESO, locations: ["UKPN_HENDON_WAY"] }],
    ["a maximum below the minimum", { maximumCapacityKw: 5 }],
    [
      "an availability unit for a utilisation-only product",
      { serviceType: "UTILISATION_ONLY", pricingUnits: { availability: "GBP_PER_MW_PER_H" } },
    ],
    ["EFA block 7", { efaBlocks: [1, 7] }],
    [
      "a ceiling with three decimals",
      { procurement: { cadence: "DAY_AHEAD", daysBeforeDelivery: 1, pricingRule: "PAY_AS_BID", utilisationCeilingGbp: "1.005" } },
    ],
    [
      "a gate time of 25:00",
      { procurement: { cadence: "DAY_AHEAD", daysBeforeDelivery: 1, pricingRule: "PAY_AS_BID", gateClosesLocal: "25:00" } },
    ],
    ["an unknown owner organisation", { ownerId: UNKNOWN }],
    ["a malformed owner id", { ownerId: "ukpn" }],
    ["a retired new product", { status: "RETIRED" }],
    ["an unknown service type", { serviceType: "FAST_RESERVE_PLUS" }],
    ["an unknown direction", { directions: ["SIDEWAYS"] }],
    ["a missing required field", { code: undefined }],
  ])("rejects %s with BAD_USER_INPUT and writes nothing", async (_case, overrides) => {
    const [products, audits] = [await count("products"), await count("audit_events")];
    const result = await execute(subgraph, CREATE, { input: saou({ code: "SAOU-BAD", ...overrides }) }, ADMIN);
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.data ?? null).toBeNull();
    expect(await count("products")).toBe(products);
    expect(await count("audit_events")).toBe(audits);
  });

  it.each([
    ["minimumCapacityKw", 1e308, "minimumCapacityKw must be a number ≥ 0 and ≤ 2,000,000 kW (2 GW)"],
    ["responseTimeSeconds", 1e9, "responseTimeSeconds must be a number ≥ 0 and ≤ 86,400 seconds (a day)"],
    ["durationMinutes", 100_000, "durationMinutes must be a whole number of minutes > 0 and ≤ 1,440 (a day)"],
  ] as const)("names the field and its bound: %s = %s", async (field, value, message) => {
    const result = await execute(subgraph, CREATE, { input: saou({ code: "SAOU-BOUND", [field]: value }) }, ADMIN);
    expect(result.errors?.[0]).toMatchObject({ message, extensions: { code: "BAD_USER_INPUT", field } });
  });

  it("takes the bounds themselves, and states them in the schema", async () => {
    const result = await execute(
      subgraph,
      CREATE,
      { input: saou({ code: "SAOU-MAX", minimumCapacityKw: 2_000_000, responseTimeSeconds: 86_400, durationMinutes: 1_440 }) },
      ADMIN,
    );
    expect(result.errors).toBeUndefined();
    const sdl = print(typeDefs);
    for (const bound of ["0 to 2,000,000 (2 GW)", "0 to 86,400 (a day)", "1 to 1,440 (a day)"]) expect(sdl).toContain(bound);
  });

  it("names the field and the missing organisation", async () => {
    const result = await execute(subgraph, CREATE, { input: saou({ code: "X1", ownerId: UNKNOWN }) }, ADMIN);
    expect(result.errors?.[0]?.message).toContain(UNKNOWN);
    expect(result.errors?.[0]?.extensions?.field).toBe("ownerId");
  });

  it("refuses a second product with the same owner and code as CONFLICT, writing nothing", async () => {
    await create(saou({ code: "PEAK-RED", name: "Peak Reduction", serviceType: "UTILISATION_ONLY" }));
    const [products, audits] = [await count("products"), await count("audit_events")];
    const duplicate = await execute(subgraph, CREATE, { input: saou({ code: " peak-red ", name: "Peak Reduction again" }) }, AS_UKPN);
    expect(errorCodes(duplicate)).toEqual(["CONFLICT"]);
    expect(duplicate.errors?.[0]?.message).toMatch(/owner code/);
    expect(await count("products")).toBe(products);
    expect(await count("audit_events")).toBe(audits);
    // The same code under another owner is a different product.
    expect((await create(saou({ code: "PEAK-RED", ownerId: NESO }))).code).toBe("PEAK-RED");
  });
});

describe("products query", () => {
  beforeAll(async () => {
    for (const [code, status] of [
      ["LTU", "PUBLISHED"],
      ["DAY-AHEAD", "DRAFT"],
      ["SAOU", "PUBLISHED"],
      ["PEAK", "IN_CONSULTATION"],
    ] as const) {
      await create(saou({ ownerId: LISTED, code, status }));
    }
  });

  const list = async (variables: Record<string, unknown>) => {
    const result = await execute(subgraph, LIST, variables, ADMIN);
    expect(result.errors).toBeUndefined();
    return (result.data!.products as { code: string; status: string; owner: { id: string } }[]).map((p) => p.code);
  };

  it("filters by owner and by status, ordered by code", async () => {
    expect(await list({ ownerId: LISTED })).toEqual(["DAY-AHEAD", "LTU", "PEAK", "SAOU"]);
    expect(await list({ ownerId: LISTED, status: "PUBLISHED" })).toEqual(["LTU", "SAOU"]);
    expect(await list({ ownerId: EMPTY })).toEqual([]);
    expect(await list({ ownerId: "not-an-id" })).toEqual([]);
    const published = await execute(subgraph, LIST, { status: "PUBLISHED" }, ADMIN);
    const rows = published.data!.products as { status: string; owner: { id: string } }[];
    expect(rows.every((p) => p.status === "PUBLISHED")).toBe(true);
    expect(new Set(rows.map((p) => p.owner.id))).toEqual(new Set([LISTED, NESO]));
  });

  it("pages with first and offset, and bounds first", async () => {
    expect(await list({ ownerId: LISTED, first: 2 })).toEqual(["DAY-AHEAD", "LTU"]);
    expect(await list({ ownerId: LISTED, first: 2, offset: 2 })).toEqual(["PEAK", "SAOU"]);
    expect(await list({ ownerId: LISTED, first: 2, offset: 4 })).toEqual([]);
    expect(errorCodes(await execute(subgraph, LIST, { first: 501 }, ADMIN))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await execute(subgraph, LIST, { offset: -1 }, ADMIN))).toEqual(["BAD_USER_INPUT"]);
  });

  it("answers null for unknown and malformed ids", async () => {
    expect((await execute(subgraph, PRODUCT, { id: UNKNOWN }, ADMIN)).data).toEqual({ product: null });
    expect((await execute(subgraph, PRODUCT, { id: "not-an-id" }, ADMIN)).data).toEqual({ product: null });
  });
});

describe("updateProduct", () => {
  it("changes only the fields given, re-validated, and can clear optional numbers", async () => {
    const product = await create(saou({ ownerId: NESO, code: "LT-UTIL", name: "Long-Term Utilisation" }));
    const result = await execute(
      subgraph,
      UPDATE,
      {
        input: {
          id: product.id,
          name: " Long-Term Utilisation (scheduled) ",
          durationMinutes: null,
          serviceWindows: [{ daysOfWeek: [6, 7], startLocal: "00:00", endLocal: "24:00" }],
          locations: ["_a", "_C", "gb"],
        },
      },
      AS_NESO,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.updateProduct.product).toMatchObject({
      id: product.id,
      code: "LT-UTIL",
      name: "Long-Term Utilisation (scheduled)",
      minimumCapacityKw: 10,
      responseTimeSeconds: 900,
      durationMinutes: null,
      serviceWindows: [{ daysOfWeek: [6, 7], startLocal: "00:00", endLocal: "24:00", seasonStart: null, seasonEnd: null }],
      eligibleTechnologies: ["BESS", "EV_CHARGER", "HEAT_PUMP"],
      locations: ["_A", "_C", "GB"],
      status: "DRAFT",
    });
    expect(new Date(result.data?.updateProduct.product.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(product.updatedAt).getTime());
  });

  it("refuses invalid changed fields, writing nothing", async () => {
    const product = await create(saou({ ownerId: NESO, code: "DA" }));
    const audits = await count("audit_events");
    for (const input of [
      { name: "" },
      { minimumCapacityKw: -5 },
      { minimumCapacityKw: 1e308 },
      { responseTimeSeconds: 1e308 },
      { durationMinutes: 2_000_000 },
      { serviceWindows: [{ daysOfWeek: [1], startLocal: "19:00", endLocal: "16:00" }] },
      { eligibleTechnologies: ["bess"] },
    ]) {
      expect(errorCodes(await execute(subgraph, UPDATE, { input: { id: product.id, ...input } }, AS_NESO))).toEqual(["BAD_USER_INPUT"]);
    }
    expect(await count("audit_events")).toBe(audits);
    expect((await execute(subgraph, PRODUCT, { id: product.id }, AS_NESO)).data?.product).toEqual(product);
  });

  it("moves status along the lifecycle and refuses a skipped or backward step", async () => {
    const product = await create(saou({ ownerId: NESO, code: "LIFECYCLE" }));
    // NESO proposes and withdraws; only the administrator publishes.
    const move = (status: string) =>
      execute(subgraph, UPDATE, { input: { id: product.id, status } }, status === "PUBLISHED" ? ADMIN : AS_NESO);

    const refused = await move("SUSPENDED");
    expect(errorCodes(refused)).toEqual(["CONFLICT"]);
    expect(refused.errors?.[0]?.message).toBe(
      `ProductVersion ${product.currentVersion.id} is DRAFT: it cannot become SUSPENDED; from DRAFT it may become IN_CONSULTATION, PUBLISHED`,
    );
    expect(refused.errors?.[0]?.extensions).toEqual({ code: "CONFLICT", currentStatus: "DRAFT", requestedStatus: "SUSPENDED" });

    for (const status of ["IN_CONSULTATION", "PUBLISHED", "SUSPENDED", "PUBLISHED", "RETIRED"]) {
      const moved = await move(status);
      expect(moved.errors).toBeUndefined();
      expect(moved.data?.updateProduct.product.status).toBe(status);
    }

    const audits = await count("audit_events");
    const fromRetired = await move("PUBLISHED");
    expect(errorCodes(fromRetired)).toEqual(["CONFLICT"]);
    expect(fromRetired.errors?.[0]?.message).toBe(
      `ProductVersion ${product.currentVersion.id} is RETIRED: it cannot become PUBLISHED (RETIRED is final)`,
    );
    expect(await count("audit_events")).toBe(audits);
    expect((await execute(subgraph, PRODUCT, { id: product.id }, AS_NESO)).data?.product.status).toBe("RETIRED");
  });

  it("changes nothing when asked for the status the product has: no audit event", async () => {
    const product = await create(saou({ ownerId: NESO, code: "SAME-STATUS" }));
    const audits = await count("audit_events");
    const again = await execute(subgraph, UPDATE, { input: { id: product.id, status: "DRAFT" } }, AS_NESO);
    expect(again.errors).toBeUndefined();
    expect(again.data?.updateProduct.product).toEqual(product);
    expect(await count("audit_events")).toBe(audits);
  });

  it("states the lifecycle in the schema: ProductStatus's values and transition table", () => {
    const node = typeDefs.definitions.find(
      (d): d is EnumTypeDefinitionNode => d.kind === "EnumTypeDefinition" && d.name.value === "ProductStatus",
    );
    expect(node?.values?.map((v) => v.name.value)).toEqual([...productLifecycle.states]);
    expect(node?.description?.value.replace(/\s+/g, " ")).toContain(`Lifecycle: ${productLifecycle.describe()}`);
  });

  it("answers NOT_FOUND for an unknown product and BAD_USER_INPUT for a malformed id", async () => {
    expect(errorCodes(await execute(subgraph, UPDATE, { input: { id: UNKNOWN, name: "Y" } }, ADMIN))).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await execute(subgraph, UPDATE, { input: { id: "nope", name: "Y" } }, ADMIN))).toEqual(["BAD_USER_INPUT"]);
  });
});

describe("entities", () => {
  const ENTITIES = /* GraphQL */ `
    query ($r: [_Any!]!) {
      _entities(representations: $r) {
        ... on Product { id code owner { id } }
        ... on Organisation { id products { code } }
      }
    }`;

  it("resolves Product references, collapsing duplicates into one batched read", async () => {
    const a = await create(saou({ ownerId: EMPTY, code: "ENT-A" }));
    const b = await create(saou({ ownerId: EMPTY, code: "ENT-B" }));
    const spy = vi.spyOn(repos.products, "byIds");
    try {
      const representations = [a, b, a, a, b, { id: UNKNOWN }].map(({ id }) => ({ __typename: "Product", id }));
      const result = await execute(subgraph, ENTITIES, { r: representations }, ADMIN);
      expect(result.errors).toBeUndefined();
      const ea = { id: a.id, code: "ENT-A", owner: { id: EMPTY } };
      const eb = { id: b.id, code: "ENT-B", owner: { id: EMPTY } };
      expect(result.data?._entities).toEqual([ea, eb, ea, ea, eb, null]);
      expect(spy).toHaveBeenCalledTimes(1);
      expect([...(spy.mock.calls[0]?.[0] ?? [])].sort()).toEqual([a.id, b.id, UNKNOWN].sort());
    } finally {
      spy.mockRestore();
    }
  });

  it("resolves Organisation references to their products with one batched read and no lookup of the organisation", async () => {
    const spy = vi.spyOn(repos.products, "byOwnerIds");
    const byIds = vi.spyOn(repos.products, "byIds");
    try {
      const representations = [LISTED, UNKNOWN, LISTED, NESO].map((id) => ({ __typename: "Organisation", id }));
      const result = await execute(subgraph, ENTITIES, { r: representations }, ADMIN);
      expect(result.errors).toBeUndefined();
      const listed = { id: LISTED, products: ["DAY-AHEAD", "LTU", "PEAK", "SAOU"].map((code) => ({ code })) };
      const entities = result.data?._entities as { id: string; products: { code: string }[] }[];
      expect(entities[0]).toEqual(listed);
      expect(entities[1]).toEqual({ id: UNKNOWN, products: [] });
      expect(entities[2]).toEqual(listed);
      expect(entities[3]?.products.map((p) => p.code)).toContain("DCL");
      expect(spy).toHaveBeenCalledTimes(1);
      expect([...(spy.mock.calls[0]?.[0] ?? [])].sort()).toEqual([LISTED, NESO, UNKNOWN].sort());
      expect(byIds).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
      byIds.mockRestore();
    }
  });
});
