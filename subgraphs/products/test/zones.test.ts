import type { DatabaseHandle } from "@sfe/kit";
import { staticReferences } from "@sfe/kit";
import { as, countRows, errorCodes, execute, MISSING_ID as UNKNOWN, orgs, setUpSubgraph, testIdentity } from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { createProductsSubgraph } from "../src/server.js";
import { productsSubgraph } from "./helpers.js";

// Organisations the (stubbed) users subgraph knows.
const { soA: UKPN, soB: NGED } = orgs;
const so = (organisationId: string) => testIdentity({ roles: ["SYSTEM_OPERATOR"], organisationId, areas: ["*"] });
const AS_UKPN = so(UKPN);
const AS_NGED = so(NGED);

let handle: DatabaseHandle;
let subgraph: ReturnType<typeof createProductsSubgraph>;

beforeAll(async () => {
  ({ handle, subgraph } = await setUpSubgraph(productsSubgraph, staticReferences({ Organisation: [UKPN, NGED] })));
});
afterAll(() => handle.close());

const FIELDS = "id code name operator { id } licenceArea gspGroups createdAt updatedAt";
const CREATE = /* GraphQL */ `
  mutation ($input: CreateConstraintManagedZoneInput!) { createConstraintManagedZone(input: $input) { constraintManagedZone { ${FIELDS} } } }`;
const UPDATE = /* GraphQL */ `
  mutation ($input: UpdateConstraintManagedZoneInput!) { updateConstraintManagedZone(input: $input) { constraintManagedZone { ${FIELDS} } } }`;
const LIST = /* GraphQL */ `
  query ($operatorId: ID, $gspGroup: String, $first: Int, $offset: Int) {
    constraintManagedZones(operatorId: $operatorId, gspGroup: $gspGroup, first: $first, offset: $offset) { code }
  }`;
const ONE = /* GraphQL */ `query ($code: String!) { constraintManagedZone(code: $code) { ${FIELDS} } }`;

type Zone = { id: string; code: string; updatedAt: string; [field: string]: unknown };

const hendonWay = (overrides: Record<string, unknown> = {}) => ({
  operatorId: UKPN,
  code: " ukpn_hendon_way ",
  name: " Hendon Way ",
  licenceArea: "London",
  gspGroups: ["c", "_C"],
  ...overrides,
});

async function create(input: Record<string, unknown>, caller = so(String(input.operatorId))): Promise<Zone> {
  const result = await execute(subgraph, CREATE, { input }, caller);
  expect(result.errors).toBeUndefined();
  return result.data!.createConstraintManagedZone.constraintManagedZone as Zone;
}

const count = (table: string) => countRows(handle, `products.${table}`);
const codesOf = async (variables: Record<string, unknown>, caller = as.investor) => {
  const result = await execute(subgraph, LIST, variables, caller);
  expect(result.errors).toBeUndefined();
  return (result.data!.constraintManagedZones as { code: string }[]).map((z) => z.code);
};

describe("createConstraintManagedZone", () => {
  it("creates a zone normalised, audits it, and any signed-in caller (an investor) reads it by code", async () => {
    const audits = await count("audit_events");
    const zone = await create(hendonWay());
    expect(zone).toMatchObject({
      code: "UKPN_HENDON_WAY",
      name: "Hendon Way",
      operator: { id: UKPN },
      licenceArea: "London",
      gspGroups: ["_C"],
    });
    expect(await count("audit_events")).toBe(audits + 1);
    const found = await execute(subgraph, ONE, { code: "ukpn_hendon_way" }, as.investor);
    expect(found.errors).toBeUndefined();
    expect(found.data?.constraintManagedZone).toEqual(zone);
    const trail = await execute(
      subgraph,
      `query ($code: String!) { constraintManagedZone(code: $code) { auditEvents { action } } }`,
      { code: zone.code },
      as.admin,
    );
    expect(trail.data?.constraintManagedZone).toEqual({ auditEvents: [{ action: "CREATE" }] });
  });

  it("lets an administrator create a zone for any operator", async () => {
    const zone = await create(
      { operatorId: NGED, code: "CMZ_T7B_SWA_0012", name: "Ashgrove", licenceArea: "South Wales", gspGroups: ["_K"] },
      as.admin,
    );
    expect(zone).toMatchObject({ code: "CMZ_T7B_SWA_0012", operator: { id: NGED }, gspGroups: ["_K"] });
  });

  it.each([
    ["a malformed code", { code: "CMZ 12!" }],
    ["a code too short", { code: "AB" }],
    ["a code too long", { code: `A${"B".repeat(64)}` }],
    ["an empty name", { name: "  " }],
    ["a name over 200 characters", { name: "x".repeat(201) }],
    ["an empty licence area", { licenceArea: "" }],
    ["no GSP groups", { gspGroups: [] }],
    ["a GSP group that does not exist", { gspGroups: ["_C", "_I"] }],
    ["a GSP group past _P", { gspGroups: ["_Q"] }],
    ["a malformed operator id", { operatorId: "ukpn" }],
  ])("refuses %s with BAD_USER_INPUT, writing nothing", async (_, overrides) => {
    const [zones, audits] = [await count("constraint_managed_zones"), await count("audit_events")];
    const result = await execute(subgraph, CREATE, { input: hendonWay({ code: "UKPN_BAD", ...overrides }) }, as.admin);
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    expect([await count("constraint_managed_zones"), await count("audit_events")]).toEqual([zones, audits]);
  });

  it("refuses an operator the users subgraph does not know", async () => {
    const result = await execute(subgraph, CREATE, { input: hendonWay({ code: "UKPN_NOWHERE", operatorId: UNKNOWN }) }, as.admin);
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
  });

  it("answers CONFLICT for a code already taken (whatever its case), writing nothing", async () => {
    const [zones, audits] = [await count("constraint_managed_zones"), await count("audit_events")];
    const result = await execute(subgraph, CREATE, { input: hendonWay({ name: "Another Hendon Way", code: "Ukpn_Hendon_Way" }) }, AS_UKPN);
    expect(errorCodes(result)).toEqual(["CONFLICT"]);
    expect([await count("constraint_managed_zones"), await count("audit_events")]).toEqual([zones, audits]);
  });

  it("refuses FSPs, investors, unverified and anonymous callers, and an SO for another organisation", async () => {
    const input = hendonWay({ code: "UKPN_REFUSED" });
    expect(errorCodes(await execute(subgraph, CREATE, { input }, as.fspA))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await execute(subgraph, CREATE, { input }, as.investor))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await execute(subgraph, CREATE, { input }, as.unverifiedSoA))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await execute(subgraph, CREATE, { input }, AS_NGED))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await execute(subgraph, CREATE, { input }, null))).toEqual(["UNAUTHENTICATED"]);
    expect((await execute(subgraph, ONE, { code: "UKPN_REFUSED" }, as.admin)).data?.constraintManagedZone).toBeNull();
  });
});

describe("constraintManagedZones", () => {
  beforeAll(async () => {
    await create({ operatorId: UKPN, code: "UKPN_BRAMFORD", name: "Bramford", licenceArea: "Eastern", gspGroups: ["_A"] });
    await create({ operatorId: UKPN, code: "UKPN_CROSSING", name: "Crossing", licenceArea: "Eastern", gspGroups: ["_J", "_A"] });
  });

  it("lists by code, filtered by operator and by GSP group, a page at a time", async () => {
    expect(await codesOf({})).toEqual(["CMZ_T7B_SWA_0012", "UKPN_BRAMFORD", "UKPN_CROSSING", "UKPN_HENDON_WAY"]);
    expect(await codesOf({ operatorId: UKPN })).toEqual(["UKPN_BRAMFORD", "UKPN_CROSSING", "UKPN_HENDON_WAY"]);
    expect(await codesOf({ operatorId: NGED })).toEqual(["CMZ_T7B_SWA_0012"]);
    expect(await codesOf({ gspGroup: "a" })).toEqual(["UKPN_BRAMFORD", "UKPN_CROSSING"]);
    expect(await codesOf({ gspGroup: "_J" })).toEqual(["UKPN_CROSSING"]);
    expect(await codesOf({ operatorId: NGED, gspGroup: "_A" })).toEqual([]);
    expect(await codesOf({ gspGroup: "nowhere" })).toEqual([]);
    expect(await codesOf({ operatorId: "not-a-uuid" })).toEqual([]);
    expect(await codesOf({ operatorId: UKPN, first: 1, offset: 1 })).toEqual(["UKPN_CROSSING"]);
    expect(errorCodes(await execute(subgraph, LIST, { first: 1001 }, as.investor))).toEqual(["BAD_USER_INPUT"]);
  });

  it("answers FSPs and investors, but nobody anonymous", async () => {
    expect(await codesOf({ operatorId: NGED }, as.fspA)).toEqual(["CMZ_T7B_SWA_0012"]);
    expect(errorCodes(await execute(subgraph, LIST, {}, null))).toEqual(["UNAUTHENTICATED"]);
  });

  it("resolves zone references in one batch, null for an unknown id", async () => {
    const zone = (await execute(subgraph, ONE, { code: "UKPN_BRAMFORD" }, as.admin)).data!.constraintManagedZone as Zone;
    const result = await execute(
      subgraph,
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on ConstraintManagedZone { code } } }`,
      {
        r: [
          { __typename: "ConstraintManagedZone", id: zone.id },
          { __typename: "ConstraintManagedZone", id: UNKNOWN },
        ],
      },
      as.investor,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities).toEqual([{ code: "UKPN_BRAMFORD" }, null]);
  });
});

describe("updateConstraintManagedZone", () => {
  const zoneOf = async (code: string) => (await execute(subgraph, ONE, { code }, as.admin)).data!.constraintManagedZone as Zone;

  it("changes the fields given for the zone's own SO, audited with before and after", async () => {
    const before = await zoneOf("UKPN_HENDON_WAY");
    const audits = await count("audit_events");
    const result = await execute(
      subgraph,
      UPDATE,
      { input: { id: before.id, name: "Hendon Way (North)", gspGroups: ["_c", "_a"] } },
      AS_UKPN,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.updateConstraintManagedZone.constraintManagedZone).toMatchObject({
      code: "UKPN_HENDON_WAY",
      name: "Hendon Way (North)",
      licenceArea: "London",
      gspGroups: ["_A", "_C"],
    });
    expect(await count("audit_events")).toBe(audits + 1);
    // A change to nothing writes nothing.
    await execute(subgraph, UPDATE, { input: { id: before.id, name: "Hendon Way (North)" } }, AS_UKPN);
    expect(await count("audit_events")).toBe(audits + 1);
  });

  it("lets an administrator change any zone", async () => {
    const zone = await zoneOf("CMZ_T7B_SWA_0012");
    const result = await execute(subgraph, UPDATE, { input: { id: zone.id, licenceArea: "South Wales (Swansea)" } }, as.admin);
    expect(result.data?.updateConstraintManagedZone.constraintManagedZone.licenceArea).toBe("South Wales (Swansea)");
  });

  it("refuses another organisation's SO, FSPs and investors, writing nothing", async () => {
    const zone = await zoneOf("CMZ_T7B_SWA_0012");
    const audits = await count("audit_events");
    for (const caller of [AS_UKPN, as.fspA, as.investor]) {
      expect(errorCodes(await execute(subgraph, UPDATE, { input: { id: zone.id, name: "Taken over" } }, caller))).toEqual(["FORBIDDEN"]);
    }
    expect((await zoneOf("CMZ_T7B_SWA_0012")).name).toBe("Ashgrove");
    expect(await count("audit_events")).toBe(audits);
  });

  it("refuses a bad GSP group (BAD_USER_INPUT) and an unknown zone (NOT_FOUND), writing nothing", async () => {
    const zone = await zoneOf("UKPN_BRAMFORD");
    const audits = await count("audit_events");
    expect(errorCodes(await execute(subgraph, UPDATE, { input: { id: zone.id, gspGroups: ["_O"] } }, AS_UKPN))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await execute(subgraph, UPDATE, { input: { id: zone.id, gspGroups: [] } }, AS_UKPN))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await execute(subgraph, UPDATE, { input: { id: UNKNOWN, name: "Nowhere" } }, as.admin))).toEqual(["NOT_FOUND"]);
    expect((await zoneOf("UKPN_BRAMFORD")).gspGroups).toEqual(["_A"]);
    expect(await count("audit_events")).toBe(audits);
  });
});
