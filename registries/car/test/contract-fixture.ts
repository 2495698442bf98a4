/**
 * The CAR's REST contract (CONTRACT.md) as requests and the answers they get: one fixture both sides are
 * held to by test/contract.test.ts. The stand-in must answer each request with its answer; the hub's CAR
 * client (subgraphs/assets/src/clients/car.ts) must send exactly the requests marked `client` and make of
 * their answers exactly the CarAssets given. The records are ILLUSTRATIVE, made up for the fixture.
 */
import type { CarAsset } from "../src/contract.js";

export interface ContractExchange {
  name: string;
  request: { method: "GET" | "POST"; path: string };
  /** A batch answer's `assets` may come in any order: they are compared without it. */
  response: { status: number; body: unknown; headers?: Record<string, string> };
  /** An answer only a real register could give (the stand-in holds one asset per MPAN core). */
  clientOnly?: true;
  /** The client call that sends exactly this request, and what it must answer. */
  client?: { call: "byIds" | "byMeterPoints"; keys: string[]; answers: (CarAsset | null)[] };
}

const BATTERY: CarAsset = {
  carId: "CAR-000101",
  meterPointId: "1200900173423",
  technology: "BESS",
  ratedCapacityKw: 1500,
  ratedImportKw: 1200,
  ratedExportKw: 1500,
  energyCapacityKwh: 3000,
  connectionDate: "2024-02-09",
  installer: "Fixture Storage Works Ltd",
  commissioningStatus: "COMMISSIONED",
  dnoCode: "UKPN_LPN",
  postcode: "E14 9ZZ",
  updatedAt: "2025-05-20T10:00:00.000Z",
};
const EV_HUB: CarAsset = {
  carId: "CAR-000102",
  meterPointId: "2200618442035",
  technology: "EV_CHARGER",
  ratedCapacityKw: 350,
  ratedImportKw: 350,
  ratedExportKw: 0,
  energyCapacityKwh: null,
  connectionDate: "2024-08-30",
  installer: "Fixture Charging Co",
  commissioningStatus: "COMMISSIONING",
  dnoCode: "NGED_SWEST",
  postcode: "EX2 9ZZ",
  updatedAt: "2025-03-01T12:30:00.000Z",
};
/** Stores no energy (null), and is decommissioned. */
const SOLAR: CarAsset = {
  carId: "CAR-000106",
  meterPointId: "1200362900410",
  technology: "SOLAR_PV",
  ratedCapacityKw: 1000,
  ratedImportKw: 0,
  ratedExportKw: 1000,
  energyCapacityKwh: null,
  connectionDate: "2021-10-19",
  installer: "Fixture Solar Partners",
  commissioningStatus: "DECOMMISSIONED",
  dnoCode: "UKPN_LPN",
  postcode: "N7 9ZZ",
  updatedAt: "2022-05-12T08:37:11.000Z",
};
/** A later record on EV_HUB's MPAN core, as a real register might answer. */
const REPLACEMENT: CarAsset = { ...EV_HUB, carId: "CAR-000103", ratedCapacityKw: 700, updatedAt: "2025-07-01T00:00:00.000Z" };

/** What the stand-in is loaded with. */
export const CONTRACT_RECORDS: CarAsset[] = [BATTERY, EV_HUB, SOLAR];

const TOO_MANY = Array.from({ length: 101 }, (_, i) => `CAR-${String(i + 1).padStart(6, "0")}`).join(",");

export const CONTRACT_EXCHANGES: ContractExchange[] = [
  {
    name: "a batch read by CAR id answers the assets found, in any order; an unknown id is simply absent",
    request: { method: "GET", path: "/v1/assets?ids=CAR-000106,CAR-000101,CAR-999999" },
    response: { status: 200, body: { assets: [BATTERY, SOLAR] } },
    client: { call: "byIds", keys: ["CAR-000106", "CAR-000101", "CAR-999999"], answers: [SOLAR, BATTERY, null] },
  },
  {
    name: "so is a malformed id",
    request: { method: "GET", path: "/v1/assets?ids=not-an-id,CAR-000102" },
    response: { status: 200, body: { assets: [EV_HUB] } },
    client: { call: "byIds", keys: ["not-an-id", "CAR-000102"], answers: [null, EV_HUB] },
  },
  {
    name: "a batch read by MPAN core answers the asset on each meter point held",
    request: { method: "GET", path: "/v1/assets?meterPointIds=2200618442035,1200000000009" },
    response: { status: 200, body: { assets: [EV_HUB] } },
    client: { call: "byMeterPoints", keys: ["2200618442035", "1200000000009"], answers: [EV_HUB, null] },
  },
  {
    name: "several assets on one MPAN core: the client keeps the latest updatedAt",
    request: { method: "GET", path: "/v1/assets?meterPointIds=2200618442035" },
    response: { status: 200, body: { assets: [REPLACEMENT, EV_HUB] } },
    clientOnly: true,
    client: { call: "byMeterPoints", keys: ["2200618442035"], answers: [REPLACEMENT] },
  },
  {
    name: "the batch parameter may be repeated",
    request: { method: "GET", path: "/v1/assets?ids=CAR-000101&ids=CAR-000102" },
    response: { status: 200, body: { assets: [BATTERY, EV_HUB] } },
  },
  {
    name: "at most 100 ids a request",
    request: { method: "GET", path: `/v1/assets?ids=${TOO_MANY}` },
    response: { status: 400, body: { error: "At most 100 ids per request, got 101" } },
  },
  {
    name: "at least one id",
    request: { method: "GET", path: "/v1/assets?ids=" },
    response: { status: 400, body: { error: "Give at least one id" } },
  },
  {
    name: "exactly one of ids and meterPointIds (both)",
    request: { method: "GET", path: "/v1/assets?ids=CAR-000101&meterPointIds=1200900173423" },
    response: { status: 400, body: { error: "Give exactly one of ids or meterPointIds" } },
  },
  {
    name: "exactly one of ids and meterPointIds (neither)",
    request: { method: "GET", path: "/v1/assets" },
    response: { status: 400, body: { error: "Give exactly one of ids or meterPointIds" } },
  },
  {
    name: "one asset by CAR id",
    request: { method: "GET", path: "/v1/assets/CAR-000106" },
    response: { status: 200, body: SOLAR },
  },
  {
    name: "an unknown CAR id is 404",
    request: { method: "GET", path: "/v1/assets/CAR-999999" },
    response: { status: 404, body: { error: "No asset CAR-999999 in the register" } },
  },
  {
    name: "only GET",
    request: { method: "POST", path: "/v1/assets?ids=CAR-000101" },
    response: { status: 405, body: { error: "Only GET is supported" }, headers: { allow: "GET" } },
  },
  {
    name: "health",
    request: { method: "GET", path: "/healthz" },
    response: { status: 200, body: { status: "ok" } },
  },
];
