import type { DatabaseHandle } from "@sfe/kit";
import { staticReferences } from "@sfe/kit";
import { as, countRows, errorCodes, execute, MISSING_ID, orgs, setUpSubgraph } from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { createProductsSubgraph, createRepositories } from "../src/server.js";
import { productsSubgraph } from "./helpers.js";

// UKPN (SO A) runs a local flexibility sub-market in its zone; NESO (SO B) is another system operator.
const { soA: UKPN, soB: NESO } = orgs;
const { soA: AS_UKPN, nationalSo: AS_NESO, admin: ADMIN, investor: INVESTOR, fspA: FSP } = as;

let handle: DatabaseHandle;
let repos: ReturnType<typeof createRepositories>;
let subgraph: ReturnType<typeof createProductsSubgraph>;

beforeAll(async () => {
  ({ handle, repos, subgraph } = await setUpSubgraph(productsSubgraph, staticReferences({ Organisation: [UKPN, NESO] })));
  await repos.zones.create(
    { code: "UKPN_HENDON_WAY", name: "Hendon Way", operatorId: UKPN, licenceArea: "London", gspGroups: ["_C"] },
    null,
  );
});
afterAll(() => handle.close());

const FIELDS = `id name operator { id } procurer { id } needType geography objective ruleDocumentRefs timingProfile products { code }`;
const CREATE = `mutation ($input: CreateSubMarketInput!) { createSubMarket(input: $input) { subMarket { ${FIELDS} } } }`;
const UPDATE = `mutation ($input: UpdateSubMarketInput!) { updateSubMarket(input: $input) { subMarket { ${FIELDS} } } }`;
const LIST = `query ($operatorId: ID) { subMarkets(operatorId: $operatorId) { name } }`;

const ukpnLocal = (overrides: Record<string, unknown> = {}) => ({
  operatorId: UKPN,
  name: " DSO Local Constraint Market – UKPN ",
  needType: "CONSTRAINT_MANAGEMENT",
  geography: ["ukpn_hendon_way", "c", "_C"],
  objective: "Manage constraints on UKPN's network in its flexibility zones.",
  ruleDocumentRefs: ["ENA Standard Agreement v3.0", "ENA Standard Agreement v3.0"],
  timingProfile: "Day-ahead availability (SAOU), long-term utilisation tenders",
  ...overrides,
});

describe("sub-markets", () => {
  let id: string;

  it("an SO records its sub-market, normalised and audited", async () => {
    const audits = await countRows(handle, "products.audit_events");
    const result = await execute(subgraph, CREATE, { input: ukpnLocal() }, AS_UKPN);
    expect(result.errors).toBeUndefined();
    const subMarket = result.data!.createSubMarket.subMarket;
    id = subMarket.id;
    expect(subMarket).toEqual({
      id,
      name: "DSO Local Constraint Market – UKPN",
      operator: { id: UKPN },
      procurer: { id: UKPN },
      needType: "CONSTRAINT_MANAGEMENT",
      geography: ["UKPN_HENDON_WAY", "_C"],
      objective: "Manage constraints on UKPN's network in its flexibility zones.",
      ruleDocumentRefs: ["ENA Standard Agreement v3.0"],
      timingProfile: "Day-ahead availability (SAOU), long-term utilisation tenders",
      products: [],
    });
    expect(await countRows(handle, "products.audit_events")).toBe(audits + 1);
    // Market information: an investor reads it.
    expect((await execute(subgraph, LIST, { operatorId: UKPN }, INVESTOR)).data?.subMarkets).toEqual([
      { name: "DSO Local Constraint Market – UKPN" },
    ]);
  });

  it("links products to it; a product may join only a sub-market its owner operates or procures in", async () => {
    const product = (subMarketId: string, ownerId: string, code: string) => ({
      ownerId,
      code,
      name: "Scheduled Availability",
      serviceType: "AVAILABILITY_AND_UTILISATION",
      directions: ["DEMAND_TURN_DOWN"],
      minimumCapacityKw: 10,
      locations: ["UKPN_HENDON_WAY"],
      subMarketId,
    });
    const CREATE_PRODUCT = `mutation ($input: CreateProductInput!) {
      createProduct(input: $input) { product { code subMarket { id name } currentVersion { locations zones { code operator { id } } } } } }`;
    const ok = await execute(subgraph, CREATE_PRODUCT, { input: product(id, UKPN, "SAOU") }, AS_UKPN);
    expect(ok.data?.createProduct.product).toEqual({
      code: "SAOU",
      subMarket: { id, name: "DSO Local Constraint Market – UKPN" },
      // The location scope's zone codes resolve to the zones.
      currentVersion: { locations: ["UKPN_HENDON_WAY"], zones: [{ code: "UKPN_HENDON_WAY", operator: { id: UKPN } }] },
    });
    const theirs = await execute(subgraph, CREATE_PRODUCT, { input: { ...product(id, NESO, "DCL"), locations: ["GB"] } }, AS_NESO);
    expect(errorCodes(theirs)).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await execute(subgraph, CREATE_PRODUCT, { input: product(MISSING_ID, UKPN, "PR") }, AS_UKPN))).toEqual([
      "BAD_USER_INPUT",
    ]);
    // The product is a draft: its owner sees it in the sub-market, an FSP does not.
    const read = (identity: typeof FSP) =>
      execute(subgraph, `query ($id: ID!) { subMarket(id: $id) { products { code } } }`, { id }, identity);
    expect((await read(AS_UKPN)).data?.subMarket.products).toEqual([{ code: "SAOU" }]);
    expect((await read(FSP)).data?.subMarket.products).toEqual([]);
    const listed = `query ($id: ID!) { products(subMarketId: $id) { code } }`;
    expect((await execute(subgraph, listed, { id }, AS_UKPN)).data?.products).toEqual([{ code: "SAOU" }]);
    expect((await execute(subgraph, listed, { id: MISSING_ID }, AS_UKPN)).data?.products).toEqual([]);
  });

  it("refuses bad input: an unknown zone, another SO's zone, no geography, a long objective", async () => {
    const before = await countRows(handle, "products.sub_markets");
    for (const input of [
      ukpnLocal({ name: "A", geography: ["UKPN_NOWHERE"] }),
      ukpnLocal({ name: "B", operatorId: NESO, geography: ["UKPN_HENDON_WAY"] }),
      ukpnLocal({ name: "C", geography: [] }),
      ukpnLocal({ name: "D", objective: "x".repeat(2001) }),
      ukpnLocal({ name: " " }),
    ]) {
      const identity = input.operatorId === NESO ? AS_NESO : AS_UKPN;
      expect(errorCodes(await execute(subgraph, CREATE, { input }, identity))).toEqual(["BAD_USER_INPUT"]);
    }
    // The same name twice for one operator.
    expect(errorCodes(await execute(subgraph, CREATE, { input: ukpnLocal() }, AS_UKPN))).toEqual(["CONFLICT"]);
    expect(await countRows(handle, "products.sub_markets")).toBe(before);
  });

  it("one SO cannot create or change another's sub-market; an FSP or investor none; the administrator any", async () => {
    expect(errorCodes(await execute(subgraph, CREATE, { input: ukpnLocal({ name: "By NESO" }) }, AS_NESO))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await execute(subgraph, CREATE, { input: ukpnLocal({ name: "By an FSP" }) }, FSP))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await execute(subgraph, UPDATE, { input: { id, name: "Hijacked" } }, AS_NESO))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await execute(subgraph, UPDATE, { input: { id, name: "Hijacked" } }, INVESTOR))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await execute(subgraph, UPDATE, { input: { id: MISSING_ID, name: "X" } }, AS_UKPN))).toEqual(["NOT_FOUND"]);
    const renamed = await execute(subgraph, UPDATE, { input: { id, timingProfile: null, procurerId: NESO } }, ADMIN);
    expect(renamed.data?.updateSubMarket.subMarket).toMatchObject({
      timingProfile: null,
      procurer: { id: NESO },
      name: "DSO Local Constraint Market – UKPN",
    });
  });

  it("resolves SubMarket references in one batched read", async () => {
    const spy = vi.spyOn(repos.subMarkets, "byIds");
    const query = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on SubMarket { id name } } }`;
    const result = await execute(subgraph, query, { r: [id, MISSING_ID, id].map((i) => ({ __typename: "SubMarket", id: i })) }, FSP);
    expect(result.data?._entities).toEqual([
      { id, name: "DSO Local Constraint Market – UKPN" },
      null,
      { id, name: "DSO Local Constraint Market – UKPN" },
    ]);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
  });
});
