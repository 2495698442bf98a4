import type { DatabaseHandle, Identity } from "@sfe/kit";
import { staticReferences } from "@sfe/kit";
import {
  apiKeyOf as apiKey,
  as,
  countRows,
  errorCodes,
  execute,
  type OperationResult,
  orgs,
  setUpSubgraph,
  testIdentity,
} from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { ProductStatus } from "../src/db/schema.js";
import type { createProductsSubgraph, createRepositories } from "../src/server.js";
import { productsSubgraph } from "./helpers.js";

// Organisations the (stubbed) users subgraph knows: SO A (e.g. UKPN) and SO B (e.g. NESO), verified; an SO signed up
// but not yet verified; an FSP; an investor; a third-party platform with API keys; the hub operator's administrators.
const { soA: SO_A, soB: SO_B, unverifiedSo: SO_UNVERIFIED, fspA: FSP_ORG, investor: INVESTOR_ORG, platform: PLATFORM, hub: HUB } = orgs;

const CALLERS = {
  anonymous: as.anonymous,
  FSP: as.fspA,
  "SO A (owner)": as.soA,
  "SO B": as.nationalSo,
  "unverified SO": as.unverifiedSo,
  INVESTOR: as.investor,
  ADMIN: as.admin,
  "API key products:read": apiKey(PLATFORM, ["THIRD_PARTY"], ["products:read"]),
  "API key assets:read": apiKey(PLATFORM, ["THIRD_PARTY"], ["assets:read"]),
} satisfies Record<string, Identity | null>;
type Caller = keyof typeof CALLERS;

let handle: DatabaseHandle;
let repos: ReturnType<typeof createRepositories>;
let subgraph: ReturnType<typeof createProductsSubgraph>;

/** The products every read test looks at: a draft, a consultation and a published product per SO. */
const fixtures = {} as Record<"aDraft" | "aConsultation" | "aPublished" | "bDraft" | "bPublished", string>;
const CODES: Record<string, string> = {};

const product = (ownerId: string, code: string, status: ProductStatus) => ({
  ownerId,
  code,
  name: `${code} service`,
  serviceType: "UTILISATION_ONLY" as const,
  directions: ["DEMAND_TURN_DOWN" as const],
  minimumCapacityKw: 50,
  status,
});

beforeAll(async () => {
  ({ handle, repos, subgraph } = await setUpSubgraph(
    productsSubgraph,
    staticReferences({ Organisation: [SO_A, SO_B, SO_UNVERIFIED, FSP_ORG, INVESTOR_ORG, PLATFORM, HUB] }),
  ));
  for (const [name, ownerId, code, status] of [
    ["aDraft", SO_A, "A-DRAFT", "DRAFT"],
    ["aConsultation", SO_A, "A-CONSULT", "IN_CONSULTATION"],
    ["aPublished", SO_A, "A-PUB", "PUBLISHED"],
    ["bDraft", SO_B, "B-DRAFT", "DRAFT"],
    ["bPublished", SO_B, "B-PUB", "PUBLISHED"],
  ] as const) {
    const row = await repos.products.create(product(ownerId, code, status), null);
    fixtures[name] = row.id;
    CODES[row.id] = code;
  }
});
afterAll(() => handle.close());

const count = (table: string) => countRows(handle, `products.${table}`);

/** What a caller got: the error code, or whether the thing came back. */
function outcome(result: OperationResult, value: (data: Record<string, any>) => unknown): string {
  const [code] = errorCodes(result);
  if (code) return String(code);
  return value(result.data!) == null ? "null" : "seen";
}

const PRODUCT = /* GraphQL */ `query ($id: ID!) { product(id: $id) { id code status } }`;
const LIST = /* GraphQL */ `
  query ($ownerId: ID, $status: ProductStatus) {
    products(ownerId: $ownerId, status: $status, first: 500) { id code status owner { id } }
  }`;
const ENTITIES = /* GraphQL */ `
  query ($r: [_Any!]!) {
    _entities(representations: $r) {
      ... on Product { id code }
      ... on Organisation { id products { id code status } }
    }
  }`;
const CREATE = /* GraphQL */ `mutation ($input: CreateProductInput!) { createProduct(input: $input) { product { id code status owner { id } } } }`;
const UPDATE = /* GraphQL */ `mutation ($input: UpdateProductInput!) { updateProduct(input: $input) { product { id name status } } }`;

const NON_DRAFTS = ["A-CONSULT", "A-PUB", "B-PUB"];
const PUBLISHED = ["A-PUB", "B-PUB"];
/** Callers with no participant role (FSP, SO, third party, regulator): they see PUBLISHED products only. */
const OBSERVERS = new Set<Caller>(["INVESTOR", "unverified SO"]);

describe("product(id)", () => {
  it.each<[Caller, string, string]>([
    ["anonymous", "UNAUTHENTICATED", "UNAUTHENTICATED"],
    ["FSP", "null", "seen"],
    ["SO A (owner)", "seen", "seen"],
    ["SO B", "null", "seen"],
    ["unverified SO", "null", "seen"],
    ["INVESTOR", "null", "seen"],
    ["ADMIN", "seen", "seen"],
    ["API key products:read", "null", "seen"],
    ["API key assets:read", "FORBIDDEN", "FORBIDDEN"],
  ])("%s: SO A's draft → %s, SO A's published product → %s", async (caller, draft, published) => {
    const read = async (id: string) => outcome(await execute(subgraph, PRODUCT, { id }, CALLERS[caller]), (d) => d.product);
    expect(await read(fixtures.aDraft)).toBe(draft);
    expect(await read(fixtures.aPublished)).toBe(published);
    // A product in consultation is for market participants; an observer (an investor, or a user whose SO role is not
    // verified, so has no participant role) sees published products only.
    expect(await read(fixtures.aConsultation)).toBe(OBSERVERS.has(caller) ? "null" : published);
  });

  it("an SO's draft is invisible to the SO's own members once its SO role is not effective (unverified)", async () => {
    const unverifiedMemberOfA = testIdentity({ roles: [], organisationId: SO_A });
    expect((await execute(subgraph, PRODUCT, { id: fixtures.aDraft }, unverifiedMemberOfA)).data).toEqual({ product: null });
  });
});

describe("products list", () => {
  it.each<[Caller, string[] | string]>([
    ["anonymous", "UNAUTHENTICATED"],
    ["FSP", NON_DRAFTS],
    ["SO A (owner)", ["A-CONSULT", "A-DRAFT", "A-PUB", "B-PUB"]],
    ["SO B", ["A-CONSULT", "A-PUB", "B-DRAFT", "B-PUB"]],
    ["unverified SO", PUBLISHED],
    ["INVESTOR", PUBLISHED],
    ["ADMIN", ["A-CONSULT", "A-DRAFT", "A-PUB", "B-DRAFT", "B-PUB"]],
    ["API key products:read", NON_DRAFTS],
    ["API key assets:read", "FORBIDDEN"],
  ])("%s sees %j (other organisations' drafts hidden)", async (caller, expected) => {
    const identity = CALLERS[caller];
    const result = await execute(subgraph, LIST, {}, identity);
    if (typeof expected === "string") {
      expect(errorCodes(result)).toEqual([expected]);
      expect(result.data ?? null).toBeNull();
      return;
    }
    expect(result.errors).toBeUndefined();
    const rows = result.data!.products as { id: string; code: string; status: string; owner: { id: string } }[];
    // Products the mutation tests add may also be listed: compare the fixtures, and check every draft.
    expect(rows.filter((p) => CODES[p.id]).map((p) => p.code)).toEqual(expected);
    if (caller !== "ADMIN") expect(rows.every((p) => p.status !== "DRAFT" || p.owner.id === identity?.organisationId)).toBe(true);
  });

  it("filters drafts in SQL also when asking for another SO's products or for drafts", async () => {
    const soA = CALLERS["SO A (owner)"];
    const codes = async (variables: Record<string, unknown>, identity: Identity) =>
      ((await execute(subgraph, LIST, variables, identity)).data!.products as { code: string }[]).map((p) => p.code);
    expect(await codes({ ownerId: SO_B }, soA)).toEqual(["B-PUB"]);
    expect(await codes({ ownerId: SO_B, status: "DRAFT" }, soA)).toEqual([]);
    expect(await codes({ status: "DRAFT" }, CALLERS.FSP)).toEqual([]);
    expect(await codes({ ownerId: SO_B, status: "DRAFT" }, CALLERS["SO B"])).toEqual(["B-DRAFT"]);
    const list = vi.spyOn(repos.products, "list");
    try {
      await codes({ ownerId: SO_B }, soA);
      expect(list.mock.calls[0]?.[0].visible).toEqual({ everything: false, draftsOf: SO_A, publishedOnly: false });
    } finally {
      list.mockRestore();
    }
  });
});

describe("Organisation.products via _entities", () => {
  const organisations = [SO_A, SO_B].map((id) => ({ __typename: "Organisation", id }));

  it.each<[Caller, string[] | string, string[] | string]>([
    ["anonymous", "UNAUTHENTICATED", "UNAUTHENTICATED"],
    ["FSP", ["A-CONSULT", "A-PUB"], ["B-PUB"]],
    ["SO A (owner)", ["A-CONSULT", "A-DRAFT", "A-PUB"], ["B-PUB"]],
    ["SO B", ["A-CONSULT", "A-PUB"], ["B-DRAFT", "B-PUB"]],
    ["unverified SO", ["A-PUB"], ["B-PUB"]],
    ["INVESTOR", ["A-PUB"], ["B-PUB"]],
    ["ADMIN", ["A-CONSULT", "A-DRAFT", "A-PUB"], ["B-DRAFT", "B-PUB"]],
    ["API key products:read", ["A-CONSULT", "A-PUB"], ["B-PUB"]],
    ["API key assets:read", "FORBIDDEN", "FORBIDDEN"],
  ])("%s: SO A's products %j, SO B's %j", async (caller, ofA, ofB) => {
    const byOwnerIds = vi.spyOn(repos.products, "byOwnerIds");
    try {
      const result = await execute(subgraph, ENTITIES, { r: organisations }, CALLERS[caller]);
      const entities = result.data?._entities as { id: string; products: { id: string; code: string }[] | null }[];
      for (const [i, expected] of [ofA, ofB].entries()) {
        if (typeof expected === "string") {
          expect(errorCodes(result)).toContain(expected);
          expect(entities[i]?.products).toBeNull();
        } else {
          expect(result.errors).toBeUndefined();
          expect(entities[i]?.products?.filter((p) => CODES[p.id]).map((p) => p.code)).toEqual(expected);
        }
      }
      // One batched read per field per request, whoever asks (none when refused).
      expect(byOwnerIds).toHaveBeenCalledTimes(typeof ofA === "string" ? 0 : 1);
    } finally {
      byOwnerIds.mockRestore();
    }
  });
});

describe("Product via _entities", () => {
  const ids = () => [fixtures.aDraft, fixtures.aPublished, fixtures.bDraft, fixtures.bPublished];

  it.each<[Caller, (string | null)[] | string]>([
    ["anonymous", "UNAUTHENTICATED"],
    ["FSP", [null, "A-PUB", null, "B-PUB"]],
    ["SO A (owner)", ["A-DRAFT", "A-PUB", null, "B-PUB"]],
    ["SO B", [null, "A-PUB", "B-DRAFT", "B-PUB"]],
    ["unverified SO", [null, "A-PUB", null, "B-PUB"]],
    ["INVESTOR", [null, "A-PUB", null, "B-PUB"]],
    ["ADMIN", ["A-DRAFT", "A-PUB", "B-DRAFT", "B-PUB"]],
    ["API key products:read", [null, "A-PUB", null, "B-PUB"]],
    ["API key assets:read", "FORBIDDEN"],
  ])("%s resolves SO A's draft, SO A's published, SO B's draft, SO B's published as %j", async (caller, expected) => {
    const byIds = vi.spyOn(repos.products, "byIds");
    try {
      const representations = ids().map((id) => ({ __typename: "Product", id }));
      const result = await execute(subgraph, ENTITIES, { r: representations }, CALLERS[caller]);
      const entities = result.data?._entities as ({ code: string } | null)[];
      if (typeof expected === "string") {
        expect(new Set(errorCodes(result))).toEqual(new Set([expected]));
        expect(entities).toEqual([null, null, null, null]);
        expect(byIds).not.toHaveBeenCalled();
      } else {
        expect(result.errors).toBeUndefined();
        expect(entities.map((e) => e?.code ?? null)).toEqual(expected);
        expect(byIds).toHaveBeenCalledTimes(1);
      }
    } finally {
      byIds.mockRestore();
    }
  });
});

describe("createProduct", () => {
  let n = 0;
  const input = (ownerId: string, status?: ProductStatus) => ({
    ...product(ownerId, `NEW-${++n}`, "DRAFT"),
    status,
  });

  it.each<[string, string, Identity | null, ReturnType<typeof input>]>([
    ["SO A for its own organisation (DRAFT)", "ok", CALLERS["SO A (owner)"], input(SO_A)],
    ["SO A for its own organisation (IN_CONSULTATION)", "ok", CALLERS["SO A (owner)"], input(SO_A, "IN_CONSULTATION")],
    ["SO A's API key with products:write", "ok", apiKey(SO_A, ["SYSTEM_OPERATOR"], ["products:write"]), input(SO_A)],
    ["ADMIN for SO B", "ok", CALLERS.ADMIN, input(SO_B)],
    ["ADMIN directly PUBLISHED", "ok", CALLERS.ADMIN, input(SO_B, "PUBLISHED")],
    ["SO A for another organisation", "FORBIDDEN", CALLERS["SO A (owner)"], input(SO_B)],
    ["SO A directly PUBLISHED", "FORBIDDEN", CALLERS["SO A (owner)"], input(SO_A, "PUBLISHED")],
    ["an FSP", "FORBIDDEN", CALLERS.FSP, input(FSP_ORG)],
    ["an FSP for an SO", "FORBIDDEN", CALLERS.FSP, input(SO_A)],
    ["an unverified SO for its own organisation", "FORBIDDEN", CALLERS["unverified SO"], input(SO_UNVERIFIED)],
    ["an INVESTOR", "FORBIDDEN", CALLERS.INVESTOR, input(INVESTOR_ORG)],
    ["a platform API key with products:read", "FORBIDDEN", CALLERS["API key products:read"], input(PLATFORM)],
    ["SO A's API key with products:read only", "FORBIDDEN", apiKey(SO_A, ["SYSTEM_OPERATOR"], ["products:read"]), input(SO_A)],
    ["SO A's API key with assets:read only", "FORBIDDEN", apiKey(SO_A, ["SYSTEM_OPERATOR"], ["assets:read"]), input(SO_A)],
    ["anonymous", "UNAUTHENTICATED", null, input(SO_A)],
  ])("%s → %s", async (_case, expected, identity, values) => {
    const [products, audits] = [await count("products"), await count("audit_events")];
    const result = await execute(subgraph, CREATE, { input: values }, identity);
    if (expected === "ok") {
      expect(result.errors).toBeUndefined();
      expect(result.data?.createProduct.product).toMatchObject({
        code: values.code,
        owner: { id: values.ownerId },
        status: values.status ?? "DRAFT",
      });
      expect(await count("products")).toBe(products + 1);
      expect(await count("audit_events")).toBe(audits + 2); // the product and its version 1
    } else {
      expect(errorCodes(result)).toEqual([expected]);
      expect(result.data ?? null).toBeNull();
      expect(await count("products")).toBe(products);
      expect(await count("audit_events")).toBe(audits);
    }
  });
});

describe("updateProduct", () => {
  let n = 0;
  const make = async (ownerId: string, status: ProductStatus) =>
    (await repos.products.create(product(ownerId, `UPD-${++n}`, status), null)).id;

  /** Runs an update that must be refused with `code`, proving nothing was written. */
  async function refused(identity: Identity | null, input: Record<string, unknown>, code: string) {
    const [before] = await repos.products.byIds([String(input.id)], { everything: true });
    const audits = await count("audit_events");
    const result = await execute(subgraph, UPDATE, { input }, identity);
    expect(errorCodes(result)).toEqual([code]);
    expect(result.data ?? null).toBeNull();
    expect(await count("audit_events")).toBe(audits);
    expect(await repos.products.byIds([String(input.id)], { everything: true })).toEqual([before]);
    return result;
  }
  async function allowed(identity: Identity | null, input: Record<string, unknown>) {
    const result = await execute(subgraph, UPDATE, { input }, identity);
    expect(result.errors).toBeUndefined();
    return result.data?.updateProduct.product as { id: string; name: string; status: string };
  }

  it("the owning SO and ADMIN may change a product", async () => {
    const draft = await make(SO_A, "DRAFT");
    expect((await allowed(CALLERS["SO A (owner)"], { id: draft, name: "Renamed by owner" })).name).toBe("Renamed by owner");
    expect((await allowed(CALLERS.ADMIN, { id: draft, name: "Renamed by admin" })).name).toBe("Renamed by admin");
    const consulted = await make(SO_A, "IN_CONSULTATION");
    expect((await allowed(CALLERS["SO A (owner)"], { id: consulted, minimumCapacityKw: 75 })).status).toBe("IN_CONSULTATION");
    expect((await allowed(apiKey(SO_A, ["SYSTEM_OPERATOR"], ["products:write"]), { id: consulted, name: "By key" })).name).toBe("By key");
    // A published version is immutable, for its owner and the administrator alike (a change makes a new version).
    const published = await make(SO_A, "PUBLISHED");
    const immutable = await refused(CALLERS.ADMIN, { id: published, minimumCapacityKw: 75 }, "CONFLICT");
    expect(immutable.errors?.[0]?.extensions?.reason).toBe("VERSION_PUBLISHED");
    expect((await allowed(CALLERS["SO A (owner)"], { id: published, status: "SUSPENDED" })).status).toBe("SUSPENDED");
  });

  it("another SO: NOT_FOUND for a draft it cannot see, FORBIDDEN for a product it sees", async () => {
    const soB = CALLERS["SO B"];
    const draft = await make(SO_A, "DRAFT");
    const published = await make(SO_A, "PUBLISHED");
    const hidden = await refused(soB, { id: draft, name: "Hijacked" }, "NOT_FOUND");
    // Indistinguishable from a product that does not exist.
    const unknown = await execute(subgraph, UPDATE, { input: { id: "00000000-0000-4000-8000-000000000000", name: "X" } }, soB);
    expect(hidden.errors?.[0]?.message.replace(draft, "<id>")).toBe(unknown.errors?.[0]?.message.replace(/[0-9a-f-]{36}/, "<id>"));
    await refused(soB, { id: published, name: "Hijacked" }, "FORBIDDEN");
    await refused(soB, { id: published, status: "SUSPENDED" }, "FORBIDDEN");
  });

  it.each<[string, string, Identity | null]>([
    ["an FSP", "FORBIDDEN", CALLERS.FSP],
    ["an INVESTOR", "FORBIDDEN", CALLERS.INVESTOR],
    ["a REGULATOR", "FORBIDDEN", testIdentity({ roles: ["REGULATOR"] })],
    ["an unverified member of the owning SO", "FORBIDDEN", testIdentity({ roles: [], organisationId: SO_A })],
    ["SO A's API key with products:read only", "FORBIDDEN", apiKey(SO_A, ["SYSTEM_OPERATOR"], ["products:read"])],
    ["a platform API key with assets:read", "FORBIDDEN", CALLERS["API key assets:read"]],
    ["anonymous", "UNAUTHENTICATED", null],
  ])("%s may not change a product: %s", async (_case, code, identity) => {
    await refused(identity, { id: await make(SO_A, "PUBLISHED"), name: "Changed" }, code);
    await refused(identity, { id: await make(SO_A, "DRAFT"), name: "Changed" }, code);
  });

  it("SO proposes, administrator publishes: the SO moves DRAFT ↔ IN_CONSULTATION, SUSPENDED, RETIRED; only ADMIN sets PUBLISHED", async () => {
    const soA = CALLERS["SO A (owner)"];
    const id = await make(SO_A, "DRAFT");
    const move = (identity: Identity, status: string) => allowed(identity, { id, status });

    await refused(soA, { id, status: "PUBLISHED" }, "FORBIDDEN"); // DRAFT → PUBLISHED
    expect((await move(soA, "IN_CONSULTATION")).status).toBe("IN_CONSULTATION");
    expect((await move(soA, "DRAFT")).status).toBe("DRAFT");
    expect((await move(soA, "IN_CONSULTATION")).status).toBe("IN_CONSULTATION");
    const publishing = await refused(soA, { id, status: "PUBLISHED", name: "Also renamed" }, "FORBIDDEN");
    expect(publishing.errors?.[0]?.message).toMatch(/administrator/);
    await refused(CALLERS["SO B"], { id, status: "PUBLISHED" }, "FORBIDDEN");
    expect((await move(CALLERS.ADMIN, "PUBLISHED")).status).toBe("PUBLISHED");
    expect((await move(soA, "SUSPENDED")).status).toBe("SUSPENDED");
    await refused(soA, { id, status: "PUBLISHED" }, "FORBIDDEN"); // SUSPENDED → PUBLISHED is publishing again
    expect((await move(CALLERS.ADMIN, "PUBLISHED")).status).toBe("PUBLISHED");
    expect((await move(soA, "RETIRED")).status).toBe("RETIRED");
    // The lifecycle still applies to the administrator.
    await refused(CALLERS.ADMIN, { id, status: "PUBLISHED" }, "CONFLICT");
  });
});
