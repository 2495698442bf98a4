/**
 * The CAR's REST contract (CONTRACT.md) as requests and the answers they get: one fixture both sides are
 * held to by test/contract.test.ts. The stand-in must answer each request with its answer; the hub's CAR
 * client (subgraphs/assets/src/clients/car.ts) must send exactly the requests marked `client` and make of
 * their answers exactly the CarAssets given. The records are from the ILLUSTRATIVE demo register.
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
  carId: "CAR-000001",
  meterPointId: "1200482139071",
  technology: "BESS",
  ratedCapacityKw: 2000,
  ratedImportKw: 2000,
  ratedExportKw: 2000,
  energyCapacityKwh: 4000,
  connectionDate: "2023-03-14",
  installer: "Meridian Storage Engineering Ltd",
  commissioningStatus: "COMMISSIONED",
  dnoCode: "UKPN_LPN",
  postcode: "NW4 3FN",
  updatedAt: "2025-06-02T09:15:00.000Z",
};
const SOUTH_WEST_BATTERY: CarAsset = {
  carId: "CAR-000002",
  meterPointId: "2200731502645",
  technology: "BESS",
  ratedCapacityKw: 500,
  ratedImportKw: 500,
  ratedExportKw: 500,
  energyCapacityKwh: 1000,
  connectionDate: "2022-11-28",
  installer: "Severnside Electrical Contractors Ltd",
  commissioningStatus: "COMMISSIONED",
  dnoCode: "NGED_SWEST",
  postcode: "EX1 2LB",
  updatedAt: "2025-04-17T13:40:00.000Z",
};
/** Stores no energy (null), and is decommissioned. */
const SOLAR: CarAsset = {
  carId: "CAR-000006",
  meterPointId: "1293623980806",
  technology: "SOLAR_PV",
  ratedCapacityKw: 1000,
  ratedImportKw: 0,
  ratedExportKw: 1000,
  energyCapacityKwh: null,
  connectionDate: "2021-10-19",
  installer: "Volt Ridge Renewables Ltd",
  commissioningStatus: "DECOMMISSIONED",
  dnoCode: "UKPN_LPN",
  postcode: "NW4 1RZ",
  updatedAt: "2022-05-12T08:37:11.000Z",
};
/** A later record on SOUTH_WEST_BATTERY's MPAN core, as a real register might answer. */
const REPLACEMENT: CarAsset = { ...SOUTH_WEST_BATTERY, carId: "CAR-000102", ratedCapacityKw: 750, updatedAt: "2025-07-01T00:00:00.000Z" };

/** What the stand-in is loaded with. */
export const CONTRACT_RECORDS: CarAsset[] = [BATTERY, SOUTH_WEST_BATTERY, SOLAR];

const TOO_MANY = Array.from({ length: 101 }, (_, i) => `CAR-${String(i + 1).padStart(6, "0")}`).join(",");

export const CONTRACT_EXCHANGES: ContractExchange[] = [
  {
    name: "a batch read by CAR id answers the assets found, in any order; an unknown id is simply absent",
    request: { method: "GET", path: "/v1/assets?ids=CAR-000006,CAR-000001,CAR-999999" },
    response: { status: 200, body: { assets: [BATTERY, SOLAR] } },
    client: { call: "byIds", keys: ["CAR-000006", "CAR-000001", "CAR-999999"], answers: [SOLAR, BATTERY, null] },
  },
  {
    name: "so is a malformed id",
    request: { method: "GET", path: "/v1/assets?ids=not-an-id,CAR-000002" },
    response: { status: 200, body: { assets: [SOUTH_WEST_BATTERY] } },
    client: { call: "byIds", keys: ["not-an-id", "CAR-000002"], answers: [null, SOUTH_WEST_BATTERY] },
  },
  {
    name: "a batch read by MPAN core answers the asset on each meter point held",
    request: { method: "GET", path: "/v1/assets?meterPointIds=2200731502645,1200000000009" },
    response: { status: 200, body: { assets: [SOUTH_WEST_BATTERY] } },
    client: { call: "byMeterPoints", keys: ["2200731502645", "1200000000009"], answers: [SOUTH_WEST_BATTERY, null] },
  },
  {
    name: "several assets on one MPAN core: the client keeps the latest updatedAt",
    request: { method: "GET", path: "/v1/assets?meterPointIds=2200731502645" },
    response: { status: 200, body: { assets: [REPLACEMENT, SOUTH_WEST_BATTERY] } },
    clientOnly: true,
    client: { call: "byMeterPoints", keys: ["2200731502645"], answers: [REPLACEMENT] },
  },
  {
    name: "the batch parameter may be repeated",
    request: { method: "GET", path: "/v1/assets?ids=CAR-000001&ids=CAR-000002" },
    response: { status: 200, body: { assets: [BATTERY, SOUTH_WEST_BATTERY] } },
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
    request: { method: "GET", path: "/v1/assets?ids=CAR-000001&meterPointIds=1200482139071" },
    response: { status: 400, body: { error: "Give exactly one of ids or meterPointIds" } },
  },
  {
    name: "exactly one of ids and meterPointIds (neither)",
    request: { method: "GET", path: "/v1/assets" },
    response: { status: 400, body: { error: "Give exactly one of ids or meterPointIds" } },
  },
  {
    name: "one asset by CAR id",
    request: { method: "GET", path: "/v1/assets/CAR-000006" },
    response: { status: 200, body: SOLAR },
  },
  {
    name: "an unknown CAR id is 404",
    request: { method: "GET", path: "/v1/assets/CAR-999999" },
    response: { status: 404, body: { error: "No asset CAR-999999 in the register" } },
  },
  {
    name: "only GET",
    request: { method: "POST", path: "/v1/assets?ids=CAR-000001" },
    response: { status: 405, body: { error: "Only GET is supported" }, headers: { allow: "GET" } },
  },
  {
    name: "health",
    request: { method: "GET", path: "/healthz" },
    response: { status: 200, body: { status: "ok" } },
  },
];
