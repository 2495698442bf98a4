/**
 * ILLUSTRATIVE: a deterministic demo register. Every record is made up by a seeded generator: the
 * MPAN cores are well-formed (valid check digits) but are not real meters, the postcodes have a real
 * outward code for the licence area and an invented inward code, and the installers are fictional
 * firms (any resemblance to a real business is coincidence). Values are plausible for GB, not data.
 */
import type { AssetCategoryCode, CarAsset, CommissioningStatus } from "./contract.js";

const MPAN_PRIMES = [3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43];

/** The MPAN check digit of the first 12 digits: Σ digit × prime, mod 11, mod 10. */
export function mpanCheckDigit(first12: string): number {
  const sum = [...first12].reduce((total, digit, i) => total + Number(digit) * MPAN_PRIMES[i]!, 0);
  return (sum % 11) % 10;
}

/** A 13-digit MPAN core for a distributor id (10–23) and a 10-digit unique reference. */
export function mpanCore(distributorId: number, reference: string | number): string {
  const first12 = `${String(distributorId).padStart(2, "0")}${String(reference).padStart(10, "0")}`;
  return `${first12}${mpanCheckDigit(first12)}`;
}

/** 13 digits, distributor id 10–23, valid check digit. */
export function isValidMpanCore(value: string): boolean {
  if (!/^\d{13}$/.test(value)) return false;
  const distributor = Number(value.slice(0, 2));
  return distributor >= 10 && distributor <= 23 && mpanCheckDigit(value.slice(0, 12)) === Number(value[12]);
}

export const carId = (n: number) => `CAR-${String(n).padStart(6, "0")}`;

/** Licence areas by MPAN distributor id (domain.md §3.2), with Elexon's `DNOCode` and some outward codes in each. */
export const LICENCE_AREAS: Record<number, { licenceArea: string; dnoCode: string; outwardCodes: string[] }> = {
  10: { licenceArea: "Eastern", dnoCode: "UKPN_EPN", outwardCodes: ["CB1", "IP4", "NR3", "CO2", "CM2", "SG1"] },
  11: { licenceArea: "East Midlands", dnoCode: "NGED_EMID", outwardCodes: ["NG7", "LE1", "DE22", "NN1"] },
  12: { licenceArea: "London", dnoCode: "UKPN_LPN", outwardCodes: ["SW1A", "E14", "N7", "SE1", "W12", "NW4"] },
  13: { licenceArea: "Merseyside & North Wales", dnoCode: "SPEN_SPM", outwardCodes: ["L3", "CH1", "LL57", "LL11"] },
  14: { licenceArea: "West Midlands", dnoCode: "NGED_WMID", outwardCodes: ["B1", "CV1", "WV1", "WR1", "HR1"] },
  15: { licenceArea: "North East", dnoCode: "NPG_NE", outwardCodes: ["NE1", "SR1", "DH1", "TS1"] },
  16: { licenceArea: "North West", dnoCode: "ENWL", outwardCodes: ["M1", "PR1", "BB1", "LA1", "CA1"] },
  17: { licenceArea: "North Scotland", dnoCode: "SSEN_SHEPD", outwardCodes: ["AB10", "IV1", "PH1", "DD1"] },
  18: { licenceArea: "South Scotland", dnoCode: "SPEN_SPD", outwardCodes: ["G1", "EH1", "KA1", "DG1"] },
  19: { licenceArea: "South Eastern", dnoCode: "UKPN_SPN", outwardCodes: ["BN1", "CT1", "ME1", "TN1", "RH10"] },
  20: { licenceArea: "Southern", dnoCode: "SSEN_SEPD", outwardCodes: ["SO14", "RG1", "OX1", "PO1", "SN1", "SL1"] },
  21: { licenceArea: "South Wales", dnoCode: "NGED_WALES", outwardCodes: ["CF10", "SA1", "NP20"] },
  22: { licenceArea: "South Western", dnoCode: "NGED_SWEST", outwardCodes: ["BS1", "EX1", "PL1", "TR1", "TA1"] },
  23: { licenceArea: "Yorkshire", dnoCode: "NPG_YK", outwardCodes: ["LS1", "S1", "HU1", "YO1", "BD1"] },
};

/** Fictional installers. */
const INSTALLERS = [
  "Brightwire Electrical Ltd",
  "Greenfield Energy Installations Ltd",
  "Northern Heat & Power Services Ltd",
  "Volt Ridge Renewables Ltd",
  "Hearth & Grid Ltd",
  "Kestrel Charging Solutions Ltd",
  "Meridian Storage Engineering Ltd",
  "Coastline Solar Co-operative",
  "Thistle Controls Ltd",
  "Severnside Electrical Contractors Ltd",
];

/** mulberry32: a small seeded generator, so every run builds the same register. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round2 = (value: number) => Math.round(value * 100) / 100;
const day = (date: Date) => date.toISOString().slice(0, 10);

interface Rating {
  importKw: number;
  exportKw: number;
  energyKwh: number | null;
}

/** Category weights and typical sizes (domain.md §4.4). */
const MIX: { code: AssetCategoryCode; weight: number; rate(r: () => number): Rating }[] = [
  {
    code: "EV_CHARGER",
    weight: 25,
    rate: (r) => ({ importKw: pick(r, [7, 7, 7, 7, 22, 50]), exportKw: 0, energyKwh: null }),
  },
  {
    code: "BESS",
    weight: 20,
    rate: (r) =>
      pick(r, [
        { importKw: 5, exportKw: 5, energyKwh: 13.5 },
        { importKw: 5, exportKw: 5, energyKwh: 13.5 },
        { importKw: 3.68, exportKw: 3.68, energyKwh: 9.5 },
        { importKw: 500, exportKw: 500, energyKwh: 1000 },
        { importKw: 2000, exportKw: 2000, energyKwh: 4000 },
      ]),
  },
  { code: "HEAT_PUMP", weight: 15, rate: (r) => ({ importKw: between(r, 2, 12, 0.5), exportKw: 0, energyKwh: null }) },
  {
    code: "SOLAR_PV",
    weight: 12,
    rate: (r) => ({ importKw: 0, exportKw: pick(r, [3.68, 4, 4, 250, 1000]), energyKwh: null }),
  },
  { code: "WIND_TURBINE", weight: 4, rate: (r) => ({ importKw: 0, exportKw: pick(r, [500, 2000, 2300]), energyKwh: null }) },
  { code: "CHP", weight: 4, rate: (r) => ({ importKw: 0, exportKw: pick(r, [400, 1500]), energyKwh: null }) },
  { code: "INDUSTRIAL_LOAD", weight: 8, rate: (r) => ({ importKw: between(r, 200, 2000, 50), exportKw: 0, energyKwh: null }) },
  { code: "HVAC", weight: 6, rate: (r) => ({ importKw: between(r, 50, 400, 10), exportKw: 0, energyKwh: null }) },
  { code: "REFRIGERATION", weight: 4, rate: (r) => ({ importKw: between(r, 100, 800, 25), exportKw: 0, energyKwh: null }) },
  { code: "ELECTRIC_BOILER", weight: 2, rate: (r) => ({ importKw: between(r, 100, 1000, 50), exportKw: 0, energyKwh: null }) },
];

function pick<T>(r: () => number, values: readonly T[]): T {
  return values[Math.floor(r() * values.length)]!;
}

function between(r: () => number, min: number, max: number, step: number): number {
  return round2(min + Math.floor(r() * ((max - min) / step + 1)) * step);
}

function weighted(r: () => number) {
  const total = MIX.reduce((sum, entry) => sum + entry.weight, 0);
  let x = r() * total;
  for (const entry of MIX) {
    x -= entry.weight;
    if (x < 0) return entry;
  }
  return MIX[MIX.length - 1]!;
}

const INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"; // the letters Royal Mail uses in inward codes

/** The register's "today": records are dated before it, so the demo never changes with the clock. */
const AS_OF = Date.UTC(2025, 9, 1);
const FIRST_CONNECTION = Date.UTC(2012, 0, 1);
const DAY_MS = 86_400_000;

/**
 * The hub's own demo assets (stack/src/demo/seed.ts: NewFlex's two batteries), so that `npm start`
 * finds them in the register by MPAN. Everything else is generated.
 */
const PINNED: CarAsset[] = [
  {
    carId: carId(1),
    meterPointId: mpanCore(12, "0048213907"),
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
  },
  {
    carId: carId(2),
    meterPointId: mpanCore(22, "0073150264"),
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
  },
];

/**
 * `count` records, CAR-000001 upwards, the same on every call (seeded). The first two are the hub's
 * demo batteries; MPAN cores are unique and valid.
 */
export function demoRegister(count = 300, seed = 20_251_001): CarAsset[] {
  const r = random(seed);
  const records = PINNED.slice(0, count).map((record) => ({ ...record }));
  const usedMpans = new Set(records.map((record) => record.meterPointId));
  for (let n = records.length + 1; n <= count; n++) {
    const distributor = 10 + Math.floor(r() * 14);
    const area = LICENCE_AREAS[distributor]!;
    let meterPointId: string;
    do meterPointId = mpanCore(distributor, Math.floor(r() * 1e10));
    while (usedMpans.has(meterPointId));
    usedMpans.add(meterPointId);
    const category = weighted(r);
    const rating = category.rate(r);
    const connected = FIRST_CONNECTION + Math.floor(r() * ((AS_OF - FIRST_CONNECTION) / DAY_MS)) * DAY_MS;
    const status: CommissioningStatus = AS_OF - connected < 120 * DAY_MS ? "COMMISSIONING" : r() < 0.05 ? "DECOMMISSIONED" : "COMMISSIONED";
    const updated = connected + Math.floor((r() * (AS_OF - connected)) / 1000) * 1000; // whole seconds
    const inward = `${Math.floor(r() * 10)}${pick(r, [...INWARD_LETTERS])}${pick(r, [...INWARD_LETTERS])}`;
    records.push({
      carId: carId(n),
      meterPointId,
      technology: category.code,
      ratedCapacityKw: Math.max(rating.importKw, rating.exportKw),
      ratedImportKw: rating.importKw,
      ratedExportKw: rating.exportKw,
      energyCapacityKwh: rating.energyKwh,
      connectionDate: day(new Date(connected)),
      installer: pick(r, INSTALLERS),
      commissioningStatus: status,
      dnoCode: area.dnoCode,
      postcode: `${pick(r, area.outwardCodes)} ${inward}`,
      updatedAt: new Date(updated).toISOString(),
    });
  }
  return records;
}
