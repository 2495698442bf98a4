import { type CarRegistry, createCarRegistry, demoRegister } from "@sfe/car-registry";
import {
  type Database,
  type DatabaseHandle,
  type EntityReferences,
  type IdentityVerifier,
  IDENTITY_HEADER,
  type Identity,
  type RunningSubgraph,
  startSubgraph,
  staticReferences,
} from "@sfe/kit";
import { apiKeyOf, as, countRows, createMigratedDatabase, execute, MISSING_ID as UNKNOWN_ORG, orgs, testGateway } from "@sfe/kit/testing";
import { parse } from "csv-parse/sync";
import { inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scopeIdentity } from "@sfe/kit";
import { createBulkRoutes, EXPORT_COLUMNS, EXPORT_PATH, IMPORT_PATH, type ImportReport, type Rejection } from "../src/bulk.js";
import { type CarClient, createCarClient } from "../src/clients/car.js";
import { auditEvents } from "../src/db/schema.js";
import type { NewAsset } from "../src/modules/assets/repository.js";
import { assetsModule, createAssetsSubgraph, createRepositories } from "../src/server.js";
import { mpan } from "./helpers.js";

const verifier = testGateway.verifier("assets");
const { fspA: ORG_A, fspB: ORG_B, hub: ORG_HUB } = orgs;
const { fspA, fspB, admin, soA: soOfC, investor } = as;
const keyOfA = (scopes: string[]) => apiKeyOf(ORG_A, ["FSP"], scopes);

let serial = 1;
const nextMpan = (distributor = 12) => mpan(distributor, serial++);

// ---- CSV ---------------------------------------------------------------------------------------------

type Row = Record<string, string>;
/** A data line: cells by column, a raw line as written, or a blank line. */
type Line = Row | { raw: string } | null;

const quote = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

/** A CSV file of `lines` under `columns` (default: every column the rows use, in order of appearance). */
function csv(lines: readonly Line[], columns?: readonly string[]): string {
  const header = columns ?? [...new Set(lines.flatMap((line) => (line && !("raw" in line) ? Object.keys(line) : [])))];
  const body = lines.map((line) => {
    if (line === null) return "";
    if ("raw" in line) return line.raw;
    return header.map((column) => quote(line[column] ?? "")).join(",");
  });
  return `${[header.join(","), ...body].join("\r\n")}\r\n`;
}

const battery = (overrides: Row = {}): Row => ({
  name: `Battery ${serial}`,
  categoryCode: "BESS",
  importCapacityKw: "500",
  exportCapacityKw: "500",
  energyCapacityKwh: "1000",
  meterPointId: nextMpan(),
  ...overrides,
});
const charger = (overrides: Row = {}): Row => ({
  name: `Charger ${serial++}`,
  categoryCode: "EV_CHARGER",
  importCapacityKw: "22",
  exportCapacityKw: "0",
  "attr.chargePointCount": "2",
  ...overrides,
});

// ---- The subgraph, over HTTP ----------------------------------------------------------------------------

let handle: DatabaseHandle;
let repos: ReturnType<typeof createRepositories>;
let guarded: RunningSubgraph;
let open: RunningSubgraph;
let subgraph: ReturnType<typeof createAssetsSubgraph>;
/** Every owner lookup the routes made, with the identity it was made as. */
const lookups: { ids: string[]; identity: Identity | null }[] = [];
/** The stand-in Central Asset Register (CAR-000001 … CAR-000020), and every CAR lookup made of it. */
let registry: CarRegistry;
let realCar: CarClient;
let car: CarClient;
const carLookups: string[][] = [];
const IN_CAR = ["CAR-000001", "CAR-000002", "CAR-000003", "CAR-000004"];
/** The meter points the register holds CAR-000001 (a BESS) and CAR-000004 (an EV charger) for: a CAR id binds only with its own. */
const CAR_MPAN = Object.fromEntries(demoRegister(4).map((r) => [r.carId, r.meterPointId]));
/**
 * A registration that lands between the import's checks and its insert (a racing request): committed just
 * before the import's next transaction starts.
 */
let racer: NewAsset | null = null;
let racerId: string | null = null;

const known = staticReferences({ Organisation: [ORG_A, ORG_B, ORG_HUB] });
const references: EntityReferences = {
  lookup: known.lookup,
  async missing(typename, ids) {
    lookups.push({ ids: [...ids], identity: scopeIdentity() });
    return known.missing(typename, ids);
  },
};

/** The database as the routes see it: as it is, but for `racer`, registered as their next transaction begins. */
function racingDatabase(db: Database): Database {
  return new Proxy(db, {
    get(target, property) {
      if (property === "transaction" && racer) {
        return async (...args: Parameters<Database["transaction"]>) => {
          const values = racer!;
          racer = null;
          racerId = (await repos.assets.create(values, null)).id;
          return target.transaction(...args);
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** The subgraph with the bulk routes first (the ones under test, whatever server.ts already has). */
async function start(verifier: IdentityVerifier | undefined): Promise<RunningSubgraph> {
  const built = createAssetsSubgraph({ db: handle.db, references, repos, car });
  const routes = [...createBulkRoutes({ db: racingDatabase(handle.db), references, repos, car, verifier }), ...built.routes];
  return startSubgraph({ ...built, routes }, { port: 0, host: "127.0.0.1", verifier });
}

beforeAll(async () => {
  handle = await createMigratedDatabase(assetsModule);
  repos = createRepositories(handle.db);
  registry = await createCarRegistry({ records: demoRegister(20) });
  // A generous timeout: the "CAR down" test uses setDown, and a 200 ms one failed under machine load (503 on import).
  realCar = createCarClient({ baseUrl: registry.url, timeoutMs: 5_000, retries: 0, cacheTtlMs: 0, breaker: { failureThreshold: 1000 } });
  car = {
    ...realCar,
    byIds(ids) {
      carLookups.push([...ids]);
      return realCar.byIds(ids);
    },
    // Every subgraph built on it closes it when stopped: it is closed once, in afterAll.
    close: async () => {},
  };
  subgraph = createAssetsSubgraph({ db: handle.db, references, repos, car });
  guarded = await start(verifier);
  open = await start(undefined);
});
afterAll(async () => {
  await guarded?.stop();
  await open?.stop();
  await realCar?.close();
  await registry?.stop();
  await handle?.close();
});

const baseOf = (server: RunningSubgraph) => server.url.replace(/\/graphql$/, "");
const count = (table: string) => countRows(handle, `assets.${table}`);

interface CallOptions {
  mode?: string;
  /** The identity header to send instead of the gateway's token for `as` (null: none). */
  token?: string | null;
  server?: RunningSubgraph;
  headers?: Record<string, string>;
}
async function headersFor(as: Identity | null, options: CallOptions): Promise<Record<string, string>> {
  const token = options.token === undefined ? (await testGateway.headers("assets", as))[IDENTITY_HEADER] : options.token;
  return { ...(token !== null && { [IDENTITY_HEADER]: token }), ...options.headers };
}

type ErrorBody = { errors: { message: string; extensions: { code: string } }[] };

async function importCsv(body: string | Uint8Array, as: Identity | null, options: CallOptions = {}) {
  const query = options.mode ? `?mode=${options.mode}` : "";
  const response = await fetch(`${baseOf(options.server ?? guarded)}${IMPORT_PATH}${query}`, {
    method: "POST",
    headers: { "content-type": "text/csv", ...(await headersFor(as, options)) },
    body,
  });
  return { status: response.status, body: (await response.json()) as ImportReport & ErrorBody };
}

async function exportCsv(as: Identity | null, query = "", options: CallOptions = {}) {
  const response = await fetch(`${baseOf(options.server ?? guarded)}${EXPORT_PATH}${query}`, { headers: await headersFor(as, options) });
  const text = await response.text();
  return { status: response.status, type: response.headers.get("content-type"), text };
}
const exportedRows = (text: string) => parse(text, { columns: true }) as Row[];

// ---- Every way a row can be wrong ---------------------------------------------------------------------

/** registerAsset's input for a row, as a GraphQL client would send it (attributes typed by hand). */
function asInput(row: Row, owner: string) {
  const typed = (key: string, value: string): unknown => {
    if (key === "ocppVersion") return value;
    if (key === "curtailable") return value.toLowerCase() === "true" ? true : value.toLowerCase() === "false" ? false : value;
    return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  };
  const optional = (key: string) => (row[key] ? row[key] : undefined);
  return {
    ownerId: row.ownerId || owner,
    name: row.name ?? "",
    categoryCode: row.categoryCode ?? "",
    importCapacityKw: Number(row.importCapacityKw),
    exportCapacityKw: Number(row.exportCapacityKw),
    energyCapacityKwh: row.energyCapacityKwh ? Number(row.energyCapacityKwh) : undefined,
    postcode: optional("postcode"),
    gspGroup: optional("gspGroup"),
    meterPointId: optional("meterPointId"),
    externalId: optional("externalId"),
    carId: optional("carId"),
    attributes: Object.fromEntries(
      Object.entries(row)
        .filter(([key, value]) => key.startsWith("attr.") && value !== "")
        .map(([key, value]) => [key.slice(5), typed(key.slice(5), value)]),
    ),
  };
}
const REGISTER = /* GraphQL */ `mutation ($input: RegisterAssetInput!) { registerAsset(input: $input) { asset { id } } }`;

interface BadRow {
  what: string;
  row: Row | { raw: string };
  field: string | null;
  code: Rejection["code"];
  message: RegExp;
  /** registerAsset can be sent the same input (a file's typing errors never reach it: GraphQL refuses them first). */
  sameAsMutation?: boolean;
}

describe("POST /assets/import", () => {
  const TAKEN_MPAN = mpan(12, 900_001);
  const OWN_MPAN = mpan(12, 900_002);
  let ownAssetId: string;
  beforeAll(async () => {
    const heatPump = { categoryCode: "HEAT_PUMP", importCapacityKw: 5, exportCapacityKw: 0 };
    await repos.assets.create(
      { ...heatPump, ownerId: ORG_B, name: "B's, registered", meterPointId: TAKEN_MPAN, externalId: "TAKEN-1", carId: IN_CAR[3] },
      null,
    );
    ownAssetId = (await repos.assets.create({ ...heatPump, ownerId: ORG_A, name: "A's, registered", meterPointId: OWN_MPAN }, null)).id;
  });

  it("reports every kind of bad row with registerAsset's message, and registers the good rows (partial)", async () => {
    const first = battery({
      "attr.roundTripEfficiencyPct": "90.5",
      externalId: "FILE-1",
      carId: "car-000001",
      meterPointId: CAR_MPAN["CAR-000001"]!,
    });
    const second = charger({ ownerId: ORG_A, postcode: "nw36ds", "attr.ocppVersion": "2.0.1", "attr.chargePointCount": "4" });
    const third: Row = {
      name: "Roof, south",
      categoryCode: "solar_pv",
      importCapacityKw: "0",
      exportCapacityKw: "4.5",
      gspGroup: "m",
      "attr.curtailable": "TRUE",
    };
    const wrongDigit = nextMpan();
    const bad: BadRow[] = [
      {
        what: "an MPAN of 12 digits",
        row: battery({ meterPointId: "120000000001" }),
        field: "meterPointId",
        code: "BAD_USER_INPUT",
        message: /13-digit MPAN core, got 12 characters/,
        sameAsMutation: true,
      },
      {
        what: "an MPAN of distributor 24",
        row: battery({ meterPointId: mpan(24, 1) }),
        field: "meterPointId",
        code: "BAD_USER_INPUT",
        message: /distributor id 24/,
        sameAsMutation: true,
      },
      {
        what: "a wrong check digit",
        row: battery({ meterPointId: `${wrongDigit.slice(0, 12)}${(Number(wrongDigit[12]) + 1) % 10}` }),
        field: "meterPointId",
        code: "BAD_USER_INPUT",
        message: /check digit \(13th digit\) is \d, expected \d/,
        sameAsMutation: true,
      },
      {
        what: "an unknown category",
        row: battery({ categoryCode: "SPACESHIP" }),
        field: "categoryCode",
        code: "BAD_USER_INPUT",
        message: /unknown asset category "SPACESHIP"/,
        sameAsMutation: true,
      },
      {
        what: "a required attribute missing",
        row: charger({ "attr.chargePointCount": "" }),
        field: "attributes.chargePointCount",
        code: "BAD_USER_INPUT",
        message: /attributes\.chargePointCount is required/,
        sameAsMutation: true,
      },
      {
        what: "an INTEGER attribute that is text",
        row: charger({ "attr.chargePointCount": "two" }),
        field: "attributes.chargePointCount",
        code: "BAD_USER_INPUT",
        message: /chargePointCount must be an integer/,
        sameAsMutation: true,
      },
      {
        what: "an INTEGER attribute that is a fraction",
        row: charger({ "attr.chargePointCount": "2.5" }),
        field: "attributes.chargePointCount",
        code: "BAD_USER_INPUT",
        message: /must be an integer/,
        sameAsMutation: true,
      },
      {
        what: "a BOOLEAN attribute that is neither",
        row: { ...third, name: "Roof 2", "attr.curtailable": "maybe" },
        field: "attributes.curtailable",
        code: "BAD_USER_INPUT",
        message: /curtailable must be true or false/,
        sameAsMutation: true,
      },
      {
        what: "an attribute of another category",
        row: battery({ "attr.chargePointCount": "3" }),
        field: "attributes.chargePointCount",
        code: "BAD_USER_INPUT",
        message: /is not an attribute of BESS/,
        sameAsMutation: true,
      },
      {
        what: "a negative capacity",
        row: battery({ importCapacityKw: "-5" }),
        field: "importCapacityKw",
        code: "BAD_USER_INPUT",
        message: /importCapacityKw must be a number ≥ 0/,
        sameAsMutation: true,
      },
      {
        what: "a BESS without energy capacity",
        row: battery({ energyCapacityKwh: "" }),
        field: "energyCapacityKwh",
        code: "BAD_USER_INPUT",
        message: /energyCapacityKwh must be > 0 for a BESS/,
        sameAsMutation: true,
      },
      {
        what: "a malformed postcode",
        row: battery({ postcode: "NOT A POSTCODE" }),
        field: "postcode",
        code: "BAD_USER_INPUT",
        message: /UK postcode/,
        sameAsMutation: true,
      },
      {
        what: "a GSP group contradicting the MPAN",
        row: battery({ gspGroup: "_M" }),
        field: "gspGroup",
        code: "BAD_USER_INPUT",
        message: /gspGroup _M contradicts meterPointId/,
        sameAsMutation: true,
      },
      {
        what: "another FSP's organisation",
        row: battery({ ownerId: ORG_B }),
        field: "ownerId",
        code: "FORBIDDEN",
        message: /FSPs register assets for their own organisation/,
        sameAsMutation: true,
      },
      {
        what: "an owner that is not an id",
        row: battery({ ownerId: "newflex" }),
        field: "ownerId",
        code: "BAD_USER_INPUT",
        message: /ownerId must be an id/,
        sameAsMutation: true,
      },
      {
        what: "an empty name",
        row: battery({ name: "  " }),
        field: "name",
        code: "BAD_USER_INPUT",
        message: /^name must not be empty$/,
        sameAsMutation: true,
      },
      {
        what: "a name too long",
        row: battery({ name: "x".repeat(201) }),
        field: "name",
        code: "BAD_USER_INPUT",
        message: /name must be at most 200 characters/,
        sameAsMutation: true,
      },
      {
        what: "another organisation's meter point",
        row: battery({ meterPointId: TAKEN_MPAN }),
        field: "meterPointId",
        code: "CONFLICT",
        message: /^An asset with the same meter point is registered already by another organisation: one entry per physical asset$/,
        sameAsMutation: true,
      },
      {
        what: "an own asset's meter point",
        row: battery({ meterPointId: OWN_MPAN }),
        field: "meterPointId",
        code: "CONFLICT",
        message: /^An asset with the same meter point is registered already \(asset [0-9a-f-]{36}\): one entry per physical asset$/,
        sameAsMutation: true,
      },
      {
        what: "an already registered external id",
        row: battery({ externalId: "TAKEN-1" }),
        field: "externalId",
        code: "CONFLICT",
        message: /^An asset with the same external id is registered already by another organisation/,
        sameAsMutation: true,
      },
      {
        what: "a capacity over 2 GW",
        row: battery({ exportCapacityKw: "2000000.5" }),
        field: "exportCapacityKw",
        code: "BAD_USER_INPUT",
        message: /^exportCapacityKw must be a number ≥ 0 and ≤ 2,000,000 kW \(2 GW\)$/,
        sameAsMutation: true,
      },
      {
        what: "a capacity of 1e308",
        row: battery({ importCapacityKw: "1e308" }),
        field: "importCapacityKw",
        code: "BAD_USER_INPUT",
        message: /^importCapacityKw must be a number ≥ 0 and ≤ 2,000,000 kW/,
        sameAsMutation: true,
      },
      {
        what: "an energy capacity over 10 GWh",
        row: battery({ energyCapacityKwh: "10000001" }),
        field: "energyCapacityKwh",
        code: "BAD_USER_INPUT",
        message: /^energyCapacityKwh must be a number ≥ 0 and ≤ 10,000,000 kWh \(10 GWh\)$/,
        sameAsMutation: true,
      },
      {
        what: "an attribute number over 10⁹",
        row: battery({ "attr.roundTripEfficiencyPct": "1000000000000" }),
        field: "attributes.roundTripEfficiencyPct",
        code: "BAD_USER_INPUT",
        message: /^attributes\.roundTripEfficiencyPct must be between -1,000,000,000 and 1,000,000,000$/,
        sameAsMutation: true,
      },
      {
        what: "a CAR id whose record is another meter point's",
        row: battery({ carId: IN_CAR[1]! }),
        field: "carId",
        code: "BAD_USER_INPUT",
        message: /^carId: the Central Asset Register holds CAR-000002 for another meter point than this meterPointId/,
        sameAsMutation: true,
      },
      {
        what: "an already registered CAR id",
        row: charger({ carId: IN_CAR[3]!, meterPointId: CAR_MPAN[IN_CAR[3]!]! }),
        field: "carId",
        code: "CONFLICT",
        message: /^An asset with the same CAR id is registered already by another organisation/,
        sameAsMutation: true,
      },
      {
        what: "a CAR id the CAR does not know",
        row: battery({ carId: "CAR-999999" }),
        field: "carId",
        code: "BAD_USER_INPUT",
        message: /^carId: CAR-999999 is not in the Central Asset Register$/,
        sameAsMutation: true,
      },
      {
        what: "a malformed CAR id",
        row: battery({ carId: "CAR 1!" }),
        field: "carId",
        code: "BAD_USER_INPUT",
        message: /^carId "CAR 1!" is not a Central Asset Register id$/,
        sameAsMutation: true,
      },
      {
        what: "an empty category",
        row: battery({ categoryCode: "" }),
        field: "categoryCode",
        code: "BAD_USER_INPUT",
        message: /^categoryCode must not be empty$/,
      },
      {
        what: "an empty capacity",
        row: battery({ exportCapacityKw: "" }),
        field: "exportCapacityKw",
        code: "BAD_USER_INPUT",
        message: /^exportCapacityKw must not be empty$/,
      },
      {
        what: "a capacity that is not a number",
        row: battery({ importCapacityKw: "lots" }),
        field: "importCapacityKw",
        code: "BAD_USER_INPUT",
        message: /importCapacityKw must be a number, got "lots"/,
      },
      {
        what: "the first row's meter point again (spaces aside)",
        row: battery({ meterPointId: first.meterPointId!.replace(/(\d{4})/, "$1 ") }),
        field: "meterPointId",
        code: "CONFLICT",
        message: new RegExp(`^meterPointId ${first.meterPointId} is in row 1 of this file already: one entry per physical asset$`),
      },
      {
        // Only the record's own meter point binds it, and that is row 1's: another row naming it is another asset.
        what: "the first row's CAR id again (in upper case), with another meter point",
        row: battery({ carId: "CAR-000001" }),
        field: "carId",
        code: "BAD_USER_INPUT",
        message: /^carId: the Central Asset Register holds CAR-000001 for another meter point/,
      },
      {
        what: "the first row's external id again",
        row: charger({ externalId: "FILE-1" }),
        field: "externalId",
        code: "CONFLICT",
        message: /externalId FILE-1 is in row 1 of this file already/,
      },
      {
        what: "a row with too few fields",
        row: { raw: "Lonely,BESS,1" },
        field: null,
        code: "BAD_USER_INPUT",
        message: /The row has 3 fields, the header \d+/,
      },
    ];
    // Good rows 1–3, a blank line (row 4: skipped, not counted), then the bad rows from row 5 on.
    const lines: Line[] = [first, second, third, null, ...bad.map((b) => b.row)];
    const header = [
      ...["ownerId", "name", "categoryCode", "importCapacityKw", "exportCapacityKw", "energyCapacityKwh", "postcode", "gspGroup"],
      ...["meterPointId", "externalId", "carId", "attr.chargePointCount", "attr.ocppVersion", "attr.roundTripEfficiencyPct"],
      "attr.curtailable",
    ];
    const [assetsBefore, auditsBefore] = [await count("assets"), await count("audit_events")];
    lookups.length = 0;
    carLookups.length = 0;

    const { status, body } = await importCsv(csv(lines, header), fspA);
    const [ownerLookups, carIdLookups] = [[...lookups], [...carLookups]];

    expect(status).toBe(200);
    expect(body).toMatchObject({ mode: "partial", received: 3 + bad.length, accepted: 3 });
    expect(body.rejected.map((r) => r.row)).toEqual(bad.map((_, i) => 5 + i));
    bad.forEach((b, i) => {
      const rejection = body.rejected[i]!;
      expect({ what: b.what, field: rejection.field, code: rejection.code }).toEqual({ what: b.what, field: b.field, code: b.code });
      expect(rejection.message, b.what).toMatch(b.message);
    });
    // The very message and code registerAsset answers the same input with.
    for (const [i, b] of bad.entries()) {
      if (!b.sameAsMutation || "raw" in b.row) continue;
      const result = await execute(subgraph, REGISTER, { input: asInput(b.row, ORG_A) }, fspA);
      expect({ what: b.what, message: result.errors?.[0]?.message, code: result.errors?.[0]?.extensions?.code }).toEqual({
        what: b.what,
        message: body.rejected[i]!.message,
        code: b.code,
      });
    }

    // The good rows, as registered; one audit entry each; the owner looked up once, as the caller.
    expect(body.assetIds).toHaveLength(3);
    expect(await count("assets")).toBe(assetsBefore + 3);
    expect(await count("audit_events")).toBe(auditsBefore + 3);
    const audited = await handle.db.select().from(auditEvents).where(inArray(auditEvents.entityId, body.assetIds));
    expect(audited).toHaveLength(3);
    for (const entry of audited) expect(entry).toMatchObject({ action: "CREATE", entityType: "Asset", actorUserId: fspA.userId });
    const rows = await repos.assets.byIds(body.assetIds);
    const byId = new Map(rows.map((r) => [r.id, r]));
    const [a, b, c] = body.assetIds.map((id) => byId.get(id)!);
    expect(a).toMatchObject({
      ownerId: ORG_A,
      categoryCode: "BESS",
      energyCapacityKwh: 1000,
      gspGroup: "_C",
      licenceArea: "London",
      carId: "CAR-000001",
      attributes: { roundTripEfficiencyPct: 90.5 },
    });
    expect(b).toMatchObject({ postcode: "NW3 6DS", meterPointId: null, attributes: { chargePointCount: 4, ocppVersion: "2.0.1" } });
    expect(c).toMatchObject({
      name: "Roof, south",
      categoryCode: "SOLAR_PV",
      exportCapacityKw: 4.5,
      gspGroup: "_M",
      attributes: { curtailable: true },
    });
    expect(ownerLookups).toEqual([{ ids: [ORG_A], identity: fspA }]);
    // The CAR ids of the rows still standing then, in one lookup.
    expect(carIdLookups).toHaveLength(1);
    expect([...carIdLookups[0]!].sort()).toEqual(["CAR-000001", IN_CAR[1], IN_CAR[3], "CAR-999999"].sort());
    expect(body.rejected.find((r) => r.message.includes("(asset "))!.message).toContain(ownAssetId);
  });

  it("writes nothing, and answers 503, when the CAR cannot be asked", async () => {
    const before = await count("assets");
    registry.setDown(true);
    try {
      const { status, body } = await importCsv(csv([battery(), battery({ carId: IN_CAR[1]! })]), fspA);
      expect([status, body.errors[0]!.extensions.code, body.errors[0]!.message]).toEqual([
        503,
        "UPSTREAM_UNAVAILABLE",
        "The Central Asset Register is unavailable",
      ]);
    } finally {
      registry.setDown(false);
    }
    expect(await count("assets")).toBe(before);
  });

  it("checks the owners of a file in one lookup, and refuses rows whose owner does not exist", async () => {
    lookups.length = 0;
    const { status, body } = await importCsv(
      csv([
        battery({ ownerId: ORG_A }),
        battery({ ownerId: UNKNOWN_ORG }),
        battery({ ownerId: ORG_B }),
        battery({ ownerId: "" }),
        battery({ ownerId: UNKNOWN_ORG }),
      ]),
      admin,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ received: 5, accepted: 3 });
    expect(body.rejected).toEqual(
      [2, 5].map((row) => ({
        row,
        field: "ownerId",
        code: "BAD_USER_INPUT",
        message: `ownerId: Organisation ${UNKNOWN_ORG} does not exist`,
      })),
    );
    // The administrator's own organisation by default.
    expect((await repos.assets.byIds(body.assetIds)).map((r) => r.ownerId).sort()).toEqual([ORG_A, ORG_B, ORG_HUB].sort());
    expect(lookups).toHaveLength(1);
    expect([...lookups[0]!.ids].sort()).toEqual([ORG_A, ORG_B, ORG_HUB, UNKNOWN_ORG].sort());
    const result = await execute(subgraph, REGISTER, { input: asInput(battery({ ownerId: UNKNOWN_ORG }), ORG_A) }, admin);
    expect(result.errors?.[0]?.message).toBe(body.rejected[0]!.message);
  });

  it("all-or-nothing: registers nothing while a row is wrong, then everything once it is fixed", async () => {
    const rows = [battery(), charger(), battery({ energyCapacityKwh: "0" }), charger({ "attr.chargePointCount": "0" })];
    const before = [await count("assets"), await count("audit_events")];
    const refused = await importCsv(csv(rows), fspA, { mode: "all-or-nothing" });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ mode: "all-or-nothing", received: 4, accepted: 0, assetIds: [] });
    expect(refused.body.rejected.map((r) => [r.row, r.field])).toEqual([
      [3, "energyCapacityKwh"],
      [4, "attributes.chargePointCount"],
    ]);
    expect(refused.body.rejected[1]!.message).toBe("attributes.chargePointCount must be ≥ 1 (is 0)");
    expect([await count("assets"), await count("audit_events")]).toEqual(before);

    rows[2]!.energyCapacityKwh = "250";
    rows[3]!["attr.chargePointCount"] = "1";
    const accepted = await importCsv(csv(rows), fspA, { mode: "all-or-nothing" });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ mode: "all-or-nothing", received: 4, accepted: 4, rejected: [] });
    expect(accepted.body.assetIds).toHaveLength(4);
    expect([await count("assets"), await count("audit_events")]).toEqual([before[0]! + 4, before[1]! + 4]);
  });

  describe("a registration landing between the import's checks and its insert", () => {
    it("partial: the batch falls back to one row at a time; the clashing row is CONFLICT, the others land", async () => {
      const rows = [battery(), battery(), battery()];
      racer = {
        ownerId: ORG_B,
        name: "Racer",
        categoryCode: "HEAT_PUMP",
        importCapacityKw: 1,
        exportCapacityKw: 0,
        meterPointId: rows[1]!.meterPointId,
      };
      const [assetsBefore, auditsBefore] = [await count("assets"), await count("audit_events")];
      const { status, body } = await importCsv(csv(rows), fspA);
      expect(racer).toBeNull();
      expect(status).toBe(200);
      expect(body).toMatchObject({ received: 3, accepted: 2 });
      expect(body.rejected).toEqual([
        {
          row: 2,
          field: "meterPointId",
          code: "CONFLICT",
          message: "An asset with the same meter point is registered already by another organisation: one entry per physical asset",
        },
      ]);
      // The racer, and the two other rows: nothing of the failed batch twice, nothing lost.
      expect([await count("assets"), await count("audit_events")]).toEqual([assetsBefore + 3, auditsBefore + 3]);
      const names = (await repos.assets.byIds(body.assetIds)).map((r) => r.meterPointId).sort();
      expect(names).toEqual([rows[0]!.meterPointId, rows[2]!.meterPointId].sort());
    });

    it("all-or-nothing: the whole import is rolled back and the clashing row reported", async () => {
      const rows = [battery(), battery(), battery({ externalId: "RACE-3" })];
      racer = { ownerId: ORG_A, name: "Racer", categoryCode: "HEAT_PUMP", importCapacityKw: 1, exportCapacityKw: 0, externalId: "RACE-3" };
      const [assetsBefore, auditsBefore] = [await count("assets"), await count("audit_events")];
      const { status, body } = await importCsv(csv(rows), fspA, { mode: "all-or-nothing" });
      expect(status).toBe(422);
      expect(body).toMatchObject({ received: 3, accepted: 0, assetIds: [] });
      expect(body.rejected).toEqual([
        {
          row: 3,
          field: "externalId",
          code: "CONFLICT",
          message: `An asset with the same external id is registered already (asset ${racerId}): one entry per physical asset`,
        },
      ]);
      // Only the racer.
      expect([await count("assets"), await count("audit_events")]).toEqual([assetsBefore + 1, auditsBefore + 1]);
    });
  });

  it("registers 10,000 rows in one request (partial), one audit entry each", async () => {
    const rows = Array.from({ length: 10_000 }, (_, i) =>
      i % 2 === 0
        ? battery({ name: `Bulk battery ${i}`, meterPointId: mpan(10 + (i % 14), 1_000_000 + i), externalId: `BULK-${i}` })
        : charger({ name: `Bulk charger ${i}`, externalId: `BULK-${i}`, "attr.chargePointCount": String(1 + (i % 8)) }),
    );
    const before = [await count("assets"), await count("audit_events")];
    lookups.length = 0;
    const { status, body } = await importCsv(csv(rows), fspA);
    expect(status).toBe(200);
    expect(body).toMatchObject({ received: 10_000, accepted: 10_000, rejected: [] });
    expect(new Set(body.assetIds).size).toBe(10_000);
    expect([await count("assets"), await count("audit_events")]).toEqual([before[0]! + 10_000, before[1]! + 10_000]);
    expect(lookups).toHaveLength(1);
    // Most of its time is the audit trail's hash chain, one trigger run per entry (BENCHMARKS.md).
  }, 120_000);

  describe("the file as a whole", () => {
    it("refuses unknown columns (400), naming each, and registers nothing", async () => {
      const before = await count("assets");
      const { status, body } = await importCsv(csv([{ ...battery(), colour: "red", id: "x", "attr.wingspan": "3" }]), fspA);
      expect(status).toBe(400);
      expect(body.errors[0]!.extensions.code).toBe("BAD_USER_INPUT");
      const { message } = body.errors[0]!;
      expect(message).toContain('unknown column "colour"');
      expect(message).toContain('column "id" is exported but cannot be imported');
      expect(message).toContain('no asset category has an attribute "wingspan"');
      expect(await count("assets")).toBe(before);
    });

    it.each([
      ["no header at all", "", /first line must be a header row/],
      ["a required column missing", "name,categoryCode,importCapacityKw\nx,BESS,1\n", /missing column exportCapacityKw/],
      ["a column twice", "name,name,categoryCode,importCapacityKw,exportCapacityKw\n", /"name" appears more than once/],
      ["an unclosed quote", 'name,categoryCode,importCapacityKw,exportCapacityKw\n"x,BESS,1,1\n', /not valid CSV/],
    ])("refuses %s (400)", async (_what, text, message) => {
      const { status, body } = await importCsv(text, fspA);
      expect(status).toBe(400);
      expect(body.errors[0]!.message).toMatch(message);
    });

    it("takes a byte order mark, CRLF or LF, and quoted fields with commas, quotes and line breaks", async () => {
      const row = battery({ name: 'Unit "B", hall 2\nrear' });
      const text = `\uFEFF${csv([row]).replaceAll("\r\n", "\n")}`;
      const { status, body } = await importCsv(text, fspA);
      expect(status).toBe(200);
      expect(body.accepted).toBe(1);
      expect((await repos.assets.byIds(body.assetIds))[0]!.name).toBe('Unit "B", hall 2\nrear');
    });

    it("refuses a file that is not UTF-8 (400), a bad mode (400) and a form upload (415)", async () => {
      const latin1 = Buffer.concat([
        Buffer.from("name,categoryCode,importCapacityKw,exportCapacityKw\nCaf"),
        Buffer.from([0xe9]),
        Buffer.from(",BESS,1,1\n"),
      ]);
      const notUtf8 = await importCsv(latin1, fspA);
      expect([notUtf8.status, notUtf8.body.errors[0]!.message]).toEqual([400, "The file is not UTF-8 text: save it as CSV UTF-8"]);
      const mode = await importCsv(csv([battery()]), fspA, { mode: "some" });
      expect([mode.status, mode.body.errors[0]!.message]).toEqual([400, 'mode must be partial or all-or-nothing, got "some"']);
      const form = await importCsv(csv([battery()]), fspA, { headers: { "content-type": "multipart/form-data; boundary=x" } });
      expect(form.status).toBe(415);
    });

    it("refuses more than 20,000 rows and more than 10 MB (413)", async () => {
      const rows = `name,categoryCode,importCapacityKw,exportCapacityKw\n${"x,HEAT_PUMP,1,1\n".repeat(20_001)}`;
      const many = await importCsv(rows, fspA);
      expect(many.status).toBe(413);
      expect(many.body.errors[0]!.message).toMatch(/at most 20000 data rows, this one has 20001/);
      const big = await importCsv(`name,categoryCode,importCapacityKw,exportCapacityKw\n${"x".repeat(10 * 1024 * 1024)}`, fspA);
      expect(big.status).toBe(413);
    });
  });

  describe("who may import", () => {
    const file = () => csv([battery()]);

    it("exists only where a gateway key is configured (404 without one)", async () => {
      const { status } = await importCsv(file(), fspA, { server: open });
      expect(status).toBe(404);
      expect((await exportCsv(fspA, "", { server: open })).status).toBe(404);
    });

    it.each([
      ["a forged token", "eyJhbGciOiJub25lIn0.eyJpZG4iOnsicm9sZXMiOlsiQURNSU4iXX19."],
      ["no token", null],
    ])("answers only the gateway: %s is 401", async (_what, token) => {
      const { status, body } = await importCsv(file(), fspA, { token });
      expect([status, body.errors[0]!.extensions.code]).toEqual([401, "UNAUTHENTICATED"]);
      expect((await exportCsv(fspA, "", { token })).status).toBe(401);
    });

    it("refuses a token the gateway signed for another subgraph (an SO's own)", async () => {
      const token = (await testGateway.headers("so_ukpn", fspA))[IDENTITY_HEADER];
      expect((await importCsv(file(), fspA, { token })).status).toBe(401);
    });

    it.each([
      ["anonymous", null, 401, "UNAUTHENTICATED"],
      ["an API key with assets:read only", keyOfA(["assets:read"]), 403, "FORBIDDEN"],
      ["an investor", investor, 403, "FORBIDDEN"],
      ["a system operator", soOfC, 403, "FORBIDDEN"],
    ])("refuses %s (%i)", async (_what, as, status, code) => {
      const before = await count("assets");
      const answer = await importCsv(file(), as);
      expect([answer.status, answer.body.errors[0]!.extensions.code]).toEqual([status, code]);
      expect(await count("assets")).toBe(before);
    });

    it("admits an FSP's API key with assets:write", async () => {
      const { status, body } = await importCsv(file(), keyOfA(["assets:write"]));
      expect([status, body.accepted]).toEqual([200, 1]);
    });
  });
});

describe("GET /assets/export.csv", () => {
  const awkward = ["Comma, Ltd", 'Quote "Q" unit', "Two\nlines", "Carriage\r\nreturn", "=SUM(A1)", " padded "];

  beforeAll(async () => {
    const a = await importCsv(csv(awkward.map((name) => battery({ name, ownerId: ORG_A }))), admin);
    const b = await importCsv(
      csv([battery({ name: "B's battery", ownerId: ORG_B }), charger({ name: "B's charger", ownerId: ORG_B, gspGroup: "_C" })]),
      admin,
    );
    expect([a.body.accepted, b.body.accepted]).toEqual([awkward.length, 2]);
  });

  const ownedBy = async (owner: string) =>
    (await repos.assets.list({ visible: { all: true }, ownerId: owner, limit: 1_000_000, offset: 0 })).length;

  it("gives an FSP its own assets only, every field quoted so that it reads back unchanged", async () => {
    const { status, type, text } = await exportCsv(fspA);
    expect([status, type]).toEqual([200, "text/csv; charset=utf-8"]);
    const rows = exportedRows(text);
    const header = text.slice(0, text.indexOf("\r\n")).split(",");
    expect(header.slice(0, EXPORT_COLUMNS.length)).toEqual([...EXPORT_COLUMNS]);
    expect(header.slice(EXPORT_COLUMNS.length)).toEqual(expect.arrayContaining(["attr.chargePointCount", "attr.roundTripEfficiencyPct"]));
    expect(rows.length).toBe(await ownedBy(ORG_A));
    expect(new Set(rows.map((r) => r.ownerId))).toEqual(new Set([ORG_A]));
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    const names = new Set(rows.map((r) => r.name));
    // Names are stored trimmed (requireText), so " padded " is "padded"; a formula is neutralised (a leading ').
    for (const name of awkward) expect(names).toContain(name.startsWith("=") ? `'${name}` : name.trim());
    const charger = rows.find((r) => r.categoryCode === "EV_CHARGER" && r["attr.ocppVersion"] === "2.0.1")!;
    expect(charger).toMatchObject({ "attr.chargePointCount": "4", postcode: "NW3 6DS", status: "REGISTERED", energyCapacityKwh: "" });
    expect(new Date(charger.createdAt!).toISOString()).toBe(charger.createdAt);
  });

  it("gives an administrator everyone's assets (in pages: more than 1,000), and one owner's with ownerId", async () => {
    const all = exportedRows((await exportCsv(admin)).text);
    expect(all.length).toBe(await count("assets"));
    expect(new Set(all.map((r) => r.id)).size).toBe(all.length);
    expect(all.length).toBeGreaterThan(10_000);
    const onlyB = exportedRows((await exportCsv(admin, `?ownerId=${ORG_B}`)).text);
    expect(onlyB.length).toBe(await ownedBy(ORG_B));
    expect(new Set(onlyB.map((r) => r.ownerId))).toEqual(new Set([ORG_B]));
    // An FSP asking for another's assets gets none of them.
    expect(exportedRows((await exportCsv(fspA, `?ownerId=${ORG_B}`)).text)).toEqual([]);
  });

  it("gives a system operator the assets in its area, and refuses investors, anonymous callers and malformed ids", async () => {
    const so = exportedRows((await exportCsv(soOfC)).text);
    expect(so.length).toBeGreaterThan(0);
    expect(new Set(so.map((r) => r.gspGroup))).toEqual(new Set(["_C"]));
    expect((await exportCsv(investor)).status).toBe(403);
    expect((await exportCsv(null)).status).toBe(401);
    expect((await exportCsv(keyOfA(["products:read"]))).status).toBe(403);
    expect((await exportCsv(keyOfA(["assets:read"]))).status).toBe(200);
    expect((await exportCsv(fspA, "?ownerId=newflex")).status).toBe(400);
  });

  it("reads back as an import: the exported rows, less what the hub sets, register again elsewhere", async () => {
    const exported = exportedRows((await exportCsv(fspB)).text);
    const fields = [
      "name",
      "categoryCode",
      "importCapacityKw",
      "exportCapacityKw",
      "energyCapacityKwh",
      "postcode",
      "gspGroup",
      "attr.chargePointCount",
    ];
    const rows = exported.map((r) => Object.fromEntries(fields.map((f) => [f, r[f] ?? ""])));
    const { status, body } = await importCsv(csv(rows, fields), fspB, { mode: "all-or-nothing" });
    expect([status, body.accepted]).toEqual([200, exported.length]);
  });
});
