import type { DatabaseHandle } from "@sfe/kit";
import { staticReferences } from "@sfe/kit";
import { countRows, createMigratedDatabase, execute, testIdentity } from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProductsSubgraph, productsModule } from "../src/server.js";

/**
 * createProduct's owner and publishing rules live in policy.ts: the refusals, their messages, and which error
 * a request that is both malformed and refused gets (the malformed owner or status first, as the resolver reads
 * them; any other field after the refusal).
 */
const SO_A = "a0000000-0000-4000-8000-000000000001";
const SO_B = "b0000000-0000-4000-8000-000000000002";
const SO = testIdentity({ roles: ["SYSTEM_OPERATOR"], organisationId: SO_A });

let handle: DatabaseHandle;
let subgraph: ReturnType<typeof createProductsSubgraph>;

beforeAll(async () => {
  handle = await createMigratedDatabase(productsModule);
  subgraph = createProductsSubgraph({ db: handle.db, references: staticReferences({ Organisation: [SO_A, SO_B] }) });
});
afterAll(() => handle.close());

const CREATE = /* GraphQL */ `mutation ($input: CreateProductInput!) { createProduct(input: $input) { product { id } } }`;
const input = (overrides: Record<string, unknown>) => ({
  ownerId: SO_A,
  code: "NEW",
  name: "New service",
  serviceType: "UTILISATION_ONLY",
  directions: ["DEMAND_TURN_DOWN"],
  minimumCapacityKw: 50,
  ...overrides,
});

describe("createProduct's policy", () => {
  it.each<[string, Record<string, unknown>, string, string | RegExp]>([
    ["another organisation", { ownerId: SO_B }, "FORBIDDEN", "A system operator may create products only for its own organisation"],
    ["PUBLISHED", { status: "PUBLISHED" }, "FORBIDDEN", /^Only a hub administrator may publish a product/],
    ["a malformed owner", { ownerId: "not-an-id" }, "BAD_USER_INPUT", /^ownerId must be an id/],
    ["another organisation in a status no product starts in", { ownerId: SO_B, status: "RETIRED" }, "BAD_USER_INPUT", /status/],
    ["another organisation with a malformed code", { ownerId: SO_B, code: "no spaces allowed" }, "FORBIDDEN", /own organisation/],
    ["PUBLISHED with a malformed code", { status: "PUBLISHED", code: "no spaces allowed" }, "FORBIDDEN", /publish/],
  ])("an SO asking for %s: %s", async (_case, overrides, code, message) => {
    const before = await countRows(handle, "products.products");
    const result = await execute(subgraph, CREATE, { input: input(overrides) }, SO);
    expect(result.errors).toHaveLength(1);
    expect(result.errors?.[0]?.extensions?.code).toBe(code);
    expect(result.errors?.[0]?.message).toMatch(message);
    expect(await countRows(handle, "products.products")).toBe(before);
  });
});
