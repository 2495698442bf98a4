/**
 * The demo data set: real public GB flexibility data (NESO Dynamic Containment bids, UKPN flexibility
 * dispatches, Elexon's draft FMAR codes) plus a few illustrative records (the personas Louis, Ed and Emma).
 * Sources, licences and what is invented: stack/data/ATTRIBUTION.md.
 *
 * Runs on every start, so it is idempotent: every id is derived from a natural key (`stableId`) and every
 * insert is `onConflictDoNothing`, so a second run adds nothing. Each subgraph's tables are written here
 * directly (no GraphQL, no audit events), in one transaction.
 */
import { assetCategories, assets } from "@sfe/assets/db";
import type { Database, DatabaseHandle, Role } from "@sfe/kit";
import { constraintManagedZones, products, productVersions, subMarkets } from "@sfe/products/db";
import { marketRules } from "@sfe/rules/db";
import { awards, bids, dispatchInstructions } from "@sfe/transactions/db";
import { hashPassword } from "@sfe/users/crypto";
import { organisations, users } from "@sfe/users/db";
import { and, eq, getTableColumns, inArray, isNotNull, sql } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import { mpanCore, stableId } from "./ids.js";
import { detectDemoConflicts } from "./conflicts.js";
import { seedRules } from "./rules.js";
import {
  NESO_DC_SOURCE,
  type NesoDcBid,
  readElexonCodes,
  readNesoDcBids,
  readUkpnDispatches,
  UKPN_DISPATCH_SOURCE,
  type UkpnDispatch,
  type UkpnProduct,
} from "./sources.js";
import { ukpnAreaOfZone } from "./zones.js";

export const DEMO_ENTITIES = [
  "organisations",
  "users",
  "assetCategories",
  "assets",
  "subMarkets",
  "products",
  "productVersions",
  "constraintManagedZones",
  "bids",
  "awards",
  "dispatchInstructions",
  "marketRules",
  "conflicts",
  "conflictAssets",
  "conflictInstructions",
  "conflictParties",
] as const;
export type DemoEntity = (typeof DEMO_ENTITIES)[number];

export interface DemoSummary {
  /** Records in the demo data set, per entity (all present in the database after the load). */
  records: Record<DemoEntity, number>;
  /** How many of those this run inserted: zero everywhere when the data was already loaded. */
  inserted: Record<DemoEntity, number>;
  /** UKPN rows skipped because an earlier row had the same (fu_id, product, start, end). */
  repeatedSourceRows: number;
  elapsedMs: number;
}

/** Keeps rows × columns per statement well under the parameter limits of PGlite and Postgres. */
const MAX_PARAMETERS = 30_000;
const MAX_BATCH_ROWS = 500;

// ------------------------------------------------------------------------------------------ organisations

interface OrgSeed {
  key: string;
  name: string;
  companyNumber: string | null;
  roles: Role[];
  /** A system operator's GSP groups (["*"] nationally): what its staff see of the asset register. */
  areas?: string[];
}

/** ILLUSTRATIVE: the one password of every demo account (README). Never use demo data in production. */
export const DEMO_PASSWORD = "Demo-Flexibility-2025";

const NESO = "National Energy System Operator (NESO)";
const UKPN = "UK Power Networks";
const NGED = "National Grid Electricity Distribution";
const NEWFLEX = "NewFlex Ltd";
const GREENBANK = "Greenbank Capital";
const REGULATOR = "Energy Regulator (demo)";
const PLATFORM = "Flex Platform (demo)";
const ADMIN_ORG = "SFE Hub Administration";

const orgKey = (name: string) => name.trim().replace(/\s+/g, " ").toLowerCase();

/** The demo's system operators' organisation ids (stable across starts): npm start configures their SO product APIs. */
export const DEMO_SO_IDS = { neso: stableId("organisation", orgKey(NESO)), ukpn: stableId("organisation", orgKey(UKPN)) };

const SYSTEM_OPERATORS: OrgSeed[] = [
  { key: orgKey(NESO), name: NESO, companyNumber: "11014226", roles: ["SYSTEM_OPERATOR"], areas: ["*"] },
  // UKPN's licence areas: Eastern, London, South Eastern.
  { key: orgKey(UKPN), name: UKPN, companyNumber: "03870728", roles: ["SYSTEM_OPERATOR"], areas: ["_A", "_C", "_J"] },
  // ILLUSTRATIVE company number. NGED: East Midlands, West Midlands, South Wales, South Western.
  { key: orgKey(NGED), name: NGED, companyNumber: "99000001", roles: ["SYSTEM_OPERATOR"], areas: ["_B", "_E", "_K", "_L"] },
];

const ILLUSTRATIVE_ORGS: OrgSeed[] = [
  { key: orgKey(NEWFLEX), name: NEWFLEX, companyNumber: null, roles: ["FSP"] },
  { key: orgKey(GREENBANK), name: GREENBANK, companyNumber: null, roles: ["INVESTOR"] },
  { key: orgKey(REGULATOR), name: REGULATOR, companyNumber: null, roles: ["REGULATOR"] },
  { key: orgKey(PLATFORM), name: PLATFORM, companyNumber: null, roles: ["THIRD_PARTY"] },
  { key: orgKey(ADMIN_ORG), name: ADMIN_ORG, companyNumber: null, roles: ["ADMIN"] },
];

const ILLUSTRATIVE_USERS = [
  { email: "louis@newflex.example", name: "Louis Martin", org: NEWFLEX, role: "FSP", status: "ACTIVE" },
  { email: "ed@neso.example", name: "Ed Harris", org: NESO, role: "SYSTEM_OPERATOR", status: "VERIFIED_SO" },
  { email: "emma@greenbank.example", name: "Emma Clarke", org: GREENBANK, role: "INVESTOR", status: "ACTIVE" },
  { email: "rita@regulator.example", name: "Rita Shah", org: REGULATOR, role: "REGULATOR", status: "ACTIVE" },
  { email: "tom@platform.example", name: "Tom Baker", org: PLATFORM, role: "THIRD_PARTY", status: "ACTIVE" },
  { email: "admin@sfe-hub.example", name: "SFE Hub Administrator", org: ADMIN_ORG, role: "ADMIN", status: "ACTIVE" },
] as const;

// ------------------------------------------------------------------------------------------ products

type VersionValues = typeof productVersions.$inferInsert;

/** A product as seeded: its code and owner, its sub-market, and the attributes of its version 1 (domain §5.2, §5.3). */
interface ProductSeed {
  key: string;
  owner: string;
  code: string;
  subMarket: string;
  version: Omit<VersionValues, "id" | "productId" | "version" | "createdAt" | "updatedAt" | "publishedAt"> & {
    status: NonNullable<VersionValues["status"]>;
  };
}

/** Sub-markets of the demo (domain §5.1): NESO's response and reserve, UKPN's and NGED's local flexibility. */
const SUB_MARKETS = [
  {
    key: "NESO Response",
    operator: NESO,
    needType: "FREQUENCY_RESPONSE",
    geography: ["GB"],
    objective: "Hold frequency within statutory limits: Dynamic Containment, Moderation and Regulation (post- and pre-fault).",
    ruleDocumentRefs: ["NESO Dynamic Response service terms", "NESO EAC auction rules"],
    timingProfile: "Day-ahead Enduring Auction Capability (EAC) auction, gate closure 14:00 D-1, by EFA block",
  },
  {
    key: "NESO Reserve",
    operator: NESO,
    needType: "RESERVE",
    geography: ["GB"],
    objective: "Restore the energy balance after a loss: Quick and Slow Reserve, held pre-fault.",
    ruleDocumentRefs: ["NESO Quick Reserve technical requirements", "NESO EAC auction rules"],
    timingProfile: "Day-ahead EAC auction, gate closure 14:00 D-1; utilisation via BOAs (BM) or ASDP (non-BM)",
  },
  {
    key: "UKPN Local Flexibility",
    operator: UKPN,
    needType: "CONSTRAINT_MANAGEMENT",
    geography: ["_A", "_C", "_J"],
    objective: "Manage constraints on UKPN's distribution network in its flexibility zones (ENA common products).",
    ruleDocumentRefs: ["ENA Standard Agreement v3.0", "UKPN Flexibility Services terms"],
    timingProfile: "Long-term tenders for PR and SU; day-ahead availability (SAOU) and day-ahead utilisation auctions",
  },
  {
    key: "NGED Local Flexibility",
    operator: NGED,
    needType: "CONSTRAINT_MANAGEMENT",
    geography: ["CMZ_T7B_SWA_0012"],
    objective: "Defer reinforcement in NGED's constraint managed zones.",
    ruleDocumentRefs: ["ENA Standard Agreement v3.0"],
    timingProfile: "Seasonal Scheduled Utilisation tenders",
  },
] as const;
const subMarketKey = (operator: string, name: string) => `${orgKey(operator)}|${name}`;

const ALL_EFA_BLOCKS = [1, 2, 3, 4, 5, 6];

/** What NESO's dynamic frequency response services share (domain §5.2): post- or pre-fault, pay-as-clear by EFA block. */
const nesoResponse = {
  needType: "FREQUENCY_RESPONSE",
  serviceType: "AVAILABILITY_ONLY",
  directions: ["GENERATION_TURN_UP", "DEMAND_TURN_DOWN"],
  minimumCapacityKw: 1000,
  aggregationScope: "NATIONAL",
  locations: ["GB"],
  efaBlocks: ALL_EFA_BLOCKS,
  procurement: {
    cadence: "DAY_AHEAD",
    daysBeforeDelivery: 1,
    gateOpensLocal: null,
    gateClosesLocal: "14:00",
    resultsLocal: null,
    pricingRule: "PAY_AS_CLEAR",
    availabilityCeilingGbp: null,
    utilisationCeilingGbp: null,
  },
  availabilityUnit: "GBP_PER_MW_PER_H",
  metering: { point: "ASSET", granularitySeconds: 1, telemetryRequired: true },
  baselineMethods: ["FREQUENCY_RESPONSE_ENVELOPE"],
  stackingRulesRef: "NESO: no co-delivery with another NESO response or reserve service in the same period",
  eligibleTechnologies: ["BESS"],
  agreementVersion: "NESO Dynamic Response service terms",
  dispatchMethod: "AUTONOMOUS_FREQUENCY",
} satisfies Partial<VersionValues>;

/** What UKPN's flexibility products share (domain §5.3, §5.4): within a zone, boundary metering, ENA SA v3.0. */
const ukpnFlexibility = {
  needType: "CONSTRAINT_MANAGEMENT",
  directions: ["DEMAND_TURN_DOWN"],
  minimumCapacityKw: 10,
  aggregationScope: "WITHIN_CMZ",
  metering: { point: "BOUNDARY", granularitySeconds: 1800, telemetryRequired: false },
  eligibleTechnologies: ["EV_CHARGER", "BESS", "INDUSTRIAL_LOAD"],
  agreementVersion: "ENA Standard Agreement v3.0 + UKPN service terms",
  dispatchMethod: "PLATFORM_API",
  stackingRulesRef: "UKPN: stacking allowed outside contracted windows; capacity released after the window",
} satisfies Partial<VersionValues>;

/** UKPN's products in its dispatch data, by the name the source uses: code and the attributes of each (ILLUSTRATIVE beyond code and payment). */
const UKPN_PRODUCTS: Record<UkpnProduct, { code: string; version: Partial<VersionValues> & Pick<VersionValues, "serviceType"> }> = {
  "Peak Reduction": {
    code: "PR",
    version: {
      serviceType: "UTILISATION_ONLY",
      faultTiming: "SCHEDULED",
      utilisationUnit: "GBP_PER_MWH",
      procurement: procurementOf("SEASON_AHEAD", 30, "PAY_AS_BID"),
      baselineMethods: ["FIXED_REFERENCE"],
      dispatchMethod: "SCHEDULE_AT_AWARD",
    },
  },
  "Long-Term Utilisation": {
    code: "LTU",
    version: {
      serviceType: "UTILISATION_ONLY",
      faultTiming: "SCHEDULED",
      utilisationUnit: "GBP_PER_MWH",
      procurement: procurementOf("SEASON_AHEAD", 30, "PAY_AS_BID"),
      baselineMethods: ["HISTORICAL_X_OF_Y"],
      dispatchMethod: "SCHEDULE_AT_AWARD",
    },
  },
  "Scheduled Availability": {
    code: "SAOU",
    version: {
      serviceType: "AVAILABILITY_AND_UTILISATION",
      faultTiming: "PRE_FAULT",
      availabilityUnit: "GBP_PER_MW_PER_H",
      utilisationUnit: "GBP_PER_MWH",
      // The source's availability prices top out at £500/MW/h (§5.4).
      procurement: { ...procurementOf("DAY_AHEAD", 1, "CEILING_PRICE_PAY_AS_BID"), availabilityCeilingGbp: "500.00" },
      noticeMinutes: 15,
      serviceWindows: [
        { daysOfWeek: [1, 2, 3, 4, 5], startLocal: "16:00", endLocal: "19:00", seasonStart: "2025-11-01", seasonEnd: "2026-02-28" },
      ],
      baselineMethods: ["NOMINATED"],
    },
  },
  "Day-Ahead": {
    code: "DA",
    version: {
      serviceType: "UTILISATION_ONLY",
      faultTiming: "SCHEDULED",
      utilisationUnit: "GBP_PER_MWH",
      procurement: procurementOf("DAY_AHEAD", 1, "PAY_AS_BID"),
      baselineMethods: ["NOMINATED"],
    },
  },
};

function procurementOf(
  cadence: NonNullable<VersionValues["procurement"]>["cadence"],
  daysBeforeDelivery: number,
  pricingRule: NonNullable<VersionValues["procurement"]>["pricingRule"],
): NonNullable<VersionValues["procurement"]> {
  return {
    cadence,
    daysBeforeDelivery,
    gateOpensLocal: null,
    gateClosesLocal: null,
    resultsLocal: null,
    pricingRule,
    availabilityCeilingGbp: null,
    utilisationCeilingGbp: null,
  };
}

const productKey = (owner: string, code: string) => `${orgKey(owner)}|${code}`;

// ------------------------------------------------------------------------------------------ constraint managed zones

/**
 * The hub's code for a UKPN flexibility zone, which the source names but does not code: UKPN_ and the name in
 * upper case, each run of other characters one '_' ("Tunbridge Wells-Pembury" → UKPN_TUNBRIDGE_WELLS_PEMBURY).
 */
export const ukpnZoneCode = (zone: string) =>
  `UKPN_${zone
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")}`;

// ------------------------------------------------------------------------------------------ helpers

const round = (value: number, places = 3) => Math.round(value * 10 ** places) / 10 ** places;
const maxOf = (values: Iterable<number>) => Math.max(0, ...values);
const emptyCounts = () => Object.fromEntries(DEMO_ENTITIES.map((e) => [e, 0])) as Record<DemoEntity, number>;

/** Inserts `rows` in batches, skipping any that conflict with a row already there; returns how many were new. */
async function insertNew<T extends PgTable>(db: Database, table: T, rows: T["$inferInsert"][]): Promise<number> {
  if (rows.length === 0) return 0;
  const columns = Object.keys(getTableColumns(table)).length;
  const size = Math.max(1, Math.min(MAX_BATCH_ROWS, Math.floor(MAX_PARAMETERS / columns)));
  let inserted = 0;
  for (let i = 0; i < rows.length; i += size) {
    const batch = rows.slice(i, i + size);
    const result = await db
      .insert(table as PgTable)
      .values(batch as PgTable["$inferInsert"][])
      .onConflictDoNothing()
      .returning({ one: sql<number>`1` });
    inserted += result.length;
  }
  return inserted;
}

function chunks<T>(items: readonly T[], size = 1000): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The id each natural key actually has in the database. Normally the stable id just inserted; different only
 * when a record with the same unique key (company number, product code, external id) was created another way
 * first, in which case the demo links to that record instead of a row that does not exist.
 */
async function resolveIds(
  wanted: Map<string, string>,
  fetch: (keys: string[]) => Promise<{ key: string | null; id: string }[]>,
): Promise<Map<string, string>> {
  const resolved = new Map(wanted);
  for (const keys of chunks([...wanted.keys()])) {
    for (const row of await fetch(keys)) if (row.key !== null) resolved.set(row.key, row.id);
  }
  return resolved;
}

function required<K, V>(map: Map<K, V>, key: K, what: string): V {
  const value = map.get(key);
  if (value === undefined) throw new Error(`demo data: no ${what} for ${String(key)}`);
  return value;
}

// ------------------------------------------------------------------------------------------ the load

export async function seedDemoData(handle: DatabaseHandle, options: { log?: (message: string) => void } = {}): Promise<DemoSummary> {
  const started = performance.now();
  const nesoBids = readNesoDcBids();
  const ukpn = readUkpnDispatches();
  const elexonCodes = readElexonCodes();
  const dispatches = ukpn.dispatches;

  const records = emptyCounts();
  const inserted = emptyCounts();

  await handle.db.transaction(async (tx) => {
    const db = tx as unknown as Database;
    const load = async <T extends PgTable>(entity: DemoEntity, table: T, rows: T["$inferInsert"][]) => {
      records[entity] = rows.length;
      inserted[entity] = await insertNew(db, table, rows);
    };

    // ---------------------------------------------------------------- users: organisations and users
    const orgSeeds = new Map<string, OrgSeed>();
    const addOrg = (seed: OrgSeed) => {
      if (!orgSeeds.has(seed.key)) orgSeeds.set(seed.key, seed);
    };
    for (const seed of SYSTEM_OPERATORS) addOrg(seed);
    for (const d of dispatches)
      addOrg({ key: orgKey(d.company), name: d.company.replace(/\s+/g, " "), companyNumber: null, roles: ["FSP"] });
    for (const b of nesoBids) addOrg({ key: orgKey(b.agent), name: b.agent.replace(/\s+/g, " "), companyNumber: null, roles: ["FSP"] });
    for (const seed of ILLUSTRATIVE_ORGS) addOrg(seed);

    await load(
      "organisations",
      organisations,
      [...orgSeeds.values()].map((o) => ({
        id: stableId("organisation", o.key),
        name: o.name,
        companyNumber: o.companyNumber,
        roles: o.roles,
        areas: o.areas ?? [],
        status: "ACTIVE" as const,
      })),
    );
    const orgIds = new Map([...orgSeeds.keys()].map((key) => [key, stableId("organisation", key)]));
    // An organisation registered through the graph first keeps its id (company numbers are unique).
    const byNumber = await db
      .select({ id: organisations.id, companyNumber: organisations.companyNumber })
      .from(organisations)
      .where(
        inArray(
          organisations.companyNumber,
          SYSTEM_OPERATORS.map((o) => o.companyNumber ?? ""),
        ),
      );
    for (const so of SYSTEM_OPERATORS) {
      const found = byNumber.find((row) => row.companyNumber === so.companyNumber);
      if (found) orgIds.set(so.key, found.id);
    }
    const orgId = (name: string) => required(orgIds, orgKey(name), "organisation");

    // One scrypt hash for every demo account (each is salted; one is enough for demo data).
    const demoPasswordHash = await hashPassword(DEMO_PASSWORD);
    await load(
      "users",
      users,
      ILLUSTRATIVE_USERS.map((u) => ({
        id: stableId("user", u.email),
        organisationId: orgId(u.org),
        email: u.email,
        name: u.name,
        role: u.role,
        status: u.status,
        orgAdmin: true,
        passwordHash: demoPasswordHash,
        emailVerifiedAt: new Date("2025-09-01T10:00:00Z"),
      })),
    );

    // ---------------------------------------------------------------- assets
    // Categories come with the assets migration; loading them from Elexon's catalogue too changes nothing there.
    await load(
      "assetCategories",
      assetCategories,
      elexonCodes
        .filter((c) => c.catalogue === "AssetCategory" && c.active)
        .map((c) => ({ code: c.code, label: c.label, definition: c.definition, requiresEnergyCapacity: c.appliesTo === "Storage" })),
    );

    type AssetRow = typeof assets.$inferInsert & { externalId: string };
    const assetRows: AssetRow[] = [];
    const ukpnUnits = new Map<string, UkpnDispatch[]>();
    for (const d of dispatches) {
      const list = ukpnUnits.get(d.fuId);
      if (list) list.push(d);
      else ukpnUnits.set(d.fuId, [d]);
    }
    for (const [fuId, rows] of ukpnUnits) {
      const first = rows[0] as UkpnDispatch;
      const area = ukpnAreaOfZone(first.zone);
      const importCapacityKw = Math.max(1, round(maxOf(rows.map((r) => Math.max(r.availabilityMw, r.utilisationMw))) * 1000));
      assetRows.push({
        id: stableId("asset", `ukpn:${fuId}`),
        ownerId: orgId(first.company),
        name: fuId,
        categoryCode: "EV_CHARGER",
        importCapacityKw,
        // ILLUSTRATIVE: the data gives no charger count; 7 kW domestic chargers are assumed.
        attributes: { chargePointCount: Math.max(1, Math.round(importCapacityKw / 7)) },
        exportCapacityKw: 0,
        energyCapacityKwh: null,
        postcode: null,
        gspGroup: area.gspGroup,
        licenceArea: area.licenceArea,
        dnoGroup: area.dnoGroup,
        meterPointId: null,
        externalId: fuId,
        status: "REGISTERED",
      });
    }
    const nesoUnits = new Map<string, NesoDcBid[]>();
    for (const b of nesoBids) {
      const list = nesoUnits.get(b.unit);
      if (list) list.push(b);
      else nesoUnits.set(b.unit, [b]);
    }
    for (const [unit, rows] of nesoUnits) {
      const kw = round(maxOf(rows.map((r) => r.volumeOfferedMw)) * 1000);
      assetRows.push({
        id: stableId("asset", `neso:${unit}`),
        ownerId: orgId((rows[0] as NesoDcBid).agent),
        name: unit,
        categoryCode: "BESS",
        importCapacityKw: kw,
        exportCapacityKw: kw,
        energyCapacityKwh: kw, // ILLUSTRATIVE: 1 h at export capacity
        postcode: null,
        gspGroup: null,
        licenceArea: null,
        dnoGroup: null,
        meterPointId: null,
        externalId: unit,
        status: "REGISTERED",
      });
    }
    // ILLUSTRATIVE: Louis's batteries from the domain's worked examples.
    assetRows.push(
      {
        id: stableId("asset", "demo:NEWFLEX-HENDON-BESS-01"),
        ownerId: orgId(NEWFLEX),
        name: "Hendon Way battery (LOUIS-SPG-01)",
        categoryCode: "BESS",
        importCapacityKw: 2000,
        exportCapacityKw: 2000,
        energyCapacityKwh: 4000,
        postcode: null,
        gspGroup: "_C",
        licenceArea: "London",
        dnoGroup: "UKPN",
        meterPointId: mpanCore(12, "0048213907"),
        externalId: "NEWFLEX-HENDON-BESS-01",
        status: "REGISTERED",
      },
      {
        id: stableId("asset", "demo:NEWFLEX-CI-BESS-01"),
        ownerId: orgId(NEWFLEX),
        name: "C&I battery, South West (Morwenstow-like)",
        categoryCode: "BESS",
        importCapacityKw: 500,
        exportCapacityKw: 500,
        energyCapacityKwh: 1000,
        postcode: null,
        gspGroup: "_L",
        licenceArea: "South Western",
        dnoGroup: "NGED",
        meterPointId: mpanCore(22, "0073150264"),
        externalId: "NEWFLEX-CI-BESS-01",
        status: "REGISTERED",
      },
    );
    await load("assets", assets, assetRows);
    const assetIds = await resolveIds(new Map(assetRows.map((a) => [a.externalId, a.id as string])), (keys) =>
      db
        .select({ key: assets.externalId, id: assets.id })
        .from(assets)
        .where(and(isNotNull(assets.externalId), inArray(assets.externalId, keys))),
    );
    // Who owns each asset as stored (an asset registered earlier through the graph keeps its owner):
    // transactions record it as the provider, conflicts as a party.
    const ownerRows = await db
      .select({ id: assets.id, ownerId: assets.ownerId })
      .from(assets)
      .where(inArray(assets.id, [...new Set(assetIds.values())]));
    const ownerByExternalId = new Map<string, string>();
    const ownerById = new Map(ownerRows.map((row) => [row.id, row.ownerId]));
    for (const [externalId, id] of assetIds) ownerByExternalId.set(externalId, required(ownerById, id, "asset owner"));

    // ---------------------------------------------------------------- products
    const zonesByProduct = new Map<UkpnProduct, Set<string>>();
    for (const d of dispatches) {
      const zones = zonesByProduct.get(d.product) ?? new Set<string>();
      zones.add(d.zone);
      zonesByProduct.set(d.product, zones);
    }
    const subMarketRows = SUB_MARKETS.map((m) => ({
      id: stableId("subMarket", subMarketKey(m.operator, m.key)),
      name: m.key,
      operatorId: orgId(m.operator),
      procurerId: orgId(m.operator),
      needType: m.needType,
      geography: [...m.geography],
      objective: m.objective,
      ruleDocumentRefs: [...m.ruleDocumentRefs],
      timingProfile: m.timingProfile,
    }));
    await load("subMarkets", subMarkets, subMarketRows);
    // (operator, name) is unique: a sub-market created through the graph first keeps its id.
    const subMarketIds = await resolveIds(new Map(subMarketRows.map((m) => [`${m.operatorId}|${m.name}`, m.id])), async (keys) =>
      (await db.select({ id: subMarkets.id, operatorId: subMarkets.operatorId, name: subMarkets.name }).from(subMarkets))
        .map((row) => ({ key: `${row.operatorId}|${row.name}`, id: row.id }))
        .filter((row) => keys.includes(row.key)),
    );
    const subMarketId = (operator: string, name: string) => required(subMarketIds, `${orgId(operator)}|${name}`, "sub-market");

    const productSeeds: ProductSeed[] = [
      ...[...zonesByProduct].map(([name, zones]): ProductSeed => {
        const { code, version } = UKPN_PRODUCTS[name];
        return {
          key: productKey(UKPN, code),
          owner: UKPN,
          code,
          subMarket: "UKPN Local Flexibility",
          version: { ...ukpnFlexibility, ...version, name, locations: [...zones].map(ukpnZoneCode).sort(), status: "PUBLISHED" },
        };
      }),
      {
        key: productKey(NESO, "DCL"),
        owner: NESO,
        code: "DCL",
        subMarket: "NESO Response",
        // Post-fault: full delivery within 1 s, sustained 15 min (domain §5.2).
        version: {
          ...nesoResponse,
          name: "Dynamic Containment Low",
          faultTiming: "POST_FAULT",
          responseTimeSeconds: 1,
          durationMinutes: 15,
          status: "PUBLISHED",
        },
      },
      // ILLUSTRATIVE products: no data is loaded for them.
      {
        key: productKey(NESO, "DML"),
        owner: NESO,
        code: "DML",
        subMarket: "NESO Response",
        // Pre-fault, for volatile periods: full delivery within 1 s, sustained 30 min.
        version: {
          ...nesoResponse,
          name: "Dynamic Moderation Low",
          faultTiming: "PRE_FAULT",
          responseTimeSeconds: 1,
          durationMinutes: 30,
          status: "PUBLISHED",
        },
      },
      {
        key: productKey(NESO, "DRL"),
        owner: NESO,
        code: "DRL",
        subMarket: "NESO Response",
        // Pre-fault, steady state: full delivery within 10 s, sustained 60 min.
        version: {
          ...nesoResponse,
          name: "Dynamic Regulation Low",
          faultTiming: "PRE_FAULT",
          responseTimeSeconds: 10,
          durationMinutes: 60,
          status: "PUBLISHED",
        },
      },
      {
        key: productKey(NESO, "PQR"),
        owner: NESO,
        code: "PQR",
        subMarket: "NESO Reserve",
        // Full activation within 1 min, at least 15 min; aggregation within one GSP group; 60-minute nomination baseline.
        version: {
          ...nesoResponse,
          name: "Positive Quick Reserve",
          needType: "RESERVE",
          faultTiming: "PRE_FAULT",
          serviceType: "AVAILABILITY_AND_UTILISATION",
          responseTimeSeconds: 60,
          durationMinutes: 15,
          aggregationScope: "WITHIN_GSP_GROUP",
          utilisationUnit: "GBP_PER_MWH",
          baselineMethods: ["NOMINATED"],
          eligibleTechnologies: ["BESS", "CHP", "INDUSTRIAL_LOAD"],
          agreementVersion: "NESO Quick Reserve service terms",
          dispatchMethod: "BOA",
          stackingRulesRef: "NESO: no co-delivery with another NESO reserve service in the same period",
          status: "PUBLISHED",
        },
      },
      {
        key: productKey(NGED, "SU_HV"),
        owner: NGED,
        code: "SU_HV",
        subMarket: "NGED Local Flexibility",
        version: {
          name: "Scheduled Utilisation (HV)",
          needType: "CONSTRAINT_MANAGEMENT",
          faultTiming: "SCHEDULED",
          serviceType: "UTILISATION_ONLY",
          directions: ["DEMAND_TURN_DOWN", "GENERATION_TURN_UP"],
          minimumCapacityKw: 100,
          durationMinutes: 30,
          aggregationScope: "WITHIN_CMZ",
          locations: ["CMZ_T7B_SWA_0012"],
          utilisationUnit: "GBP_PER_MWH",
          procurement: procurementOf("SEASON_AHEAD", 30, "PAY_AS_BID"),
          metering: { point: "BOUNDARY", granularitySeconds: 1800, telemetryRequired: false },
          baselineMethods: ["HISTORICAL_X_OF_Y"],
          eligibleTechnologies: ["BESS", "CHP", "INDUSTRIAL_LOAD", "EV_CHARGER"],
          agreementVersion: "ENA Standard Agreement v3.0",
          dispatchMethod: "SCHEDULE_AT_AWARD",
          status: "DRAFT",
        },
      },
    ];
    const productRows = productSeeds.map((p) => ({
      id: stableId("product", p.key),
      ownerId: orgId(p.owner),
      code: p.code,
      subMarketId: subMarketId(p.owner, p.subMarket),
    }));
    await load("products", products, productRows);
    const productIds = new Map(productSeeds.map((p) => [p.key, stableId("product", p.key)]));
    // (owner, code) is unique: a product created through the graph first keeps its id (and its versions).
    const existingProducts = await db
      .select({ id: products.id, ownerId: products.ownerId, code: products.code })
      .from(products)
      .where(inArray(products.ownerId, [...new Set(productRows.map((p) => p.ownerId))]));
    for (const p of productSeeds) {
      const found = existingProducts.find((row) => row.ownerId === orgId(p.owner) && row.code === p.code);
      if (found) productIds.set(p.key, found.id);
    }
    // Version 1 of each product seeded here ((product, version) is unique: a product made through the graph keeps its own).
    const versionRows = productSeeds.map((p) => ({
      ...p.version,
      id: stableId("productVersion", `${p.key}|1`),
      productId: required(productIds, p.key, "product"),
      version: 1,
      publishedAt: p.version.status === "DRAFT" ? null : new Date("2025-01-01T00:00:00Z"),
    }));
    await load("productVersions", productVersions, versionRows);
    // ---------------------------------------------------------------- products: UKPN's flexibility zones as CMZs
    // Every zone the UKPN dispatches name; licence area and GSP group as zones.ts places it (ILLUSTRATIVE, see there).
    // The code is unique: a zone created through the graph first with the same code is left as it is.
    const zoneRows = new Map<string, typeof constraintManagedZones.$inferInsert>();
    for (const zone of [...new Set(dispatches.map((d) => d.zone))].sort()) {
      const code = ukpnZoneCode(zone);
      const taken = zoneRows.get(code);
      if (taken) throw new Error(`demo data: UKPN zones ${taken.name} and ${zone} would both be ${code}`);
      const area = ukpnAreaOfZone(zone);
      zoneRows.set(code, {
        id: stableId("constraintManagedZone", code),
        code,
        name: zone,
        operatorId: orgId(UKPN),
        licenceArea: area.licenceArea,
        gspGroups: [area.gspGroup],
      });
    }
    // ILLUSTRATIVE: the NGED zone its draft Scheduled Utilisation product is bought in (NGED's CMZ code format).
    zoneRows.set("CMZ_T7B_SWA_0012", {
      id: stableId("constraintManagedZone", "CMZ_T7B_SWA_0012"),
      code: "CMZ_T7B_SWA_0012",
      name: "Ashgrove",
      operatorId: orgId(NGED),
      licenceArea: "South Wales",
      gspGroups: ["_K"],
    });
    await load("constraintManagedZones", constraintManagedZones, [...zoneRows.values()]);

    const dclId = required(productIds, productKey(NESO, "DCL"), "product");
    const ukpnProductId = (name: UkpnProduct) => required(productIds, productKey(UKPN, UKPN_PRODUCTS[name].code), "product");

    // ---------------------------------------------------------------- transactions: NESO bids and awards
    const bidRows = nesoBids.map((b) => ({
      id: stableId("bid", `${NESO_DC_SOURCE}:${b.bidNumber}`),
      assetId: required(assetIds, b.unit, "asset"),
      productId: dclId,
      // The unit's owner bids and provides, as the ingest route records a masterdata bid.
      bidderId: required(ownerByExternalId, b.unit, "asset owner"),
      providerId: required(ownerByExternalId, b.unit, "asset owner"),
      buyerId: orgId(NESO),
      direction: "GENERATION_TURN_UP" as const,
      quantityMw: b.volumeOfferedMw,
      periods: b.blocks,
      availabilityPriceGbpPerMwH: b.availabilityFee,
      utilisationPriceGbpPerMwh: null,
      start: b.start,
      end: b.end,
      status: b.withdrawn ? ("WITHDRAWN" as const) : b.accepted ? ("ACCEPTED" as const) : ("REJECTED" as const),
      details: b.details,
      source: NESO_DC_SOURCE,
      externalId: b.bidNumber,
    }));
    await load("bids", bids, bidRows);
    const bidIds = await resolveIds(new Map(bidRows.map((b) => [b.externalId, b.id])), (keys) =>
      db
        .select({ key: bids.externalId, id: bids.id })
        .from(bids)
        .where(and(eq(bids.source, NESO_DC_SOURCE), inArray(bids.externalId, keys))),
    );

    const awardRows: (typeof awards.$inferInsert)[] = [];
    for (const b of nesoBids) {
      if (b.withdrawn || !b.accepted || b.volumeAcceptedMw <= 0) continue;
      awardRows.push({
        id: stableId("award", `${NESO_DC_SOURCE}:${b.bidNumber}`),
        bidId: required(bidIds, b.bidNumber, "bid"),
        assetId: required(assetIds, b.unit, "asset"),
        productId: dclId,
        providerId: required(ownerByExternalId, b.unit, "asset owner"),
        buyerId: orgId(NESO),
        awardedMw: b.volumeAcceptedMw,
        windows: b.blocks,
        availabilityPriceGbpPerMwH: b.availabilityFee,
        utilisationPriceGbpPerMwh: null,
        start: b.start,
        end: b.end,
        details: b.details,
        status: "SETTLED", // 2020–21 auctions: long since paid
        source: NESO_DC_SOURCE,
        externalId: b.bidNumber,
      });
    }

    // ---------------------------------------------------------------- transactions: UKPN dispatches (+ SAOU awards)
    const ukpnIssuer = orgId(UKPN);
    const dispatchRows = dispatches.map((d) => ({
      id: stableId("dispatch", `${UKPN_DISPATCH_SOURCE}:${d.externalId}`),
      assetId: required(assetIds, d.fuId, "asset"),
      unitReference: d.fuId,
      productId: ukpnProductId(d.product),
      issuedById: ukpnIssuer,
      providerId: required(ownerByExternalId, d.fuId, "asset owner"),
      buyerId: ukpnIssuer,
      direction: d.dispatchType,
      setPointMw: d.setPointMw,
      start: d.start,
      end: d.end,
      // The utilisation requested and its price, exact as the export gives them (the adapter keeps them).
      energyMwh: String(d.utilisationMwh),
      priceGbpPerMwh: d.utilisationPrice,
      dispatchMethod: d.dispatchMethod || null,
      details: d.details,
      status: "COMPLETED" as const,
      source: UKPN_DISPATCH_SOURCE,
      externalId: d.externalId,
    }));
    // Availability awards whose window ended a month before the file's last window are SETTLED, the rest DELIVERED.
    const latestEnd = maxOf(dispatches.map((d) => d.end.getTime()));
    const settledBefore = latestEnd - 30 * 24 * 3600 * 1000;
    for (const d of dispatches) {
      if (d.product !== "Scheduled Availability" || d.availabilityMw <= 0) continue;
      awardRows.push({
        id: stableId("award", `${UKPN_DISPATCH_SOURCE}:${d.externalId}`),
        bidId: null,
        assetId: required(assetIds, d.fuId, "asset"),
        productId: ukpnProductId(d.product),
        providerId: required(ownerByExternalId, d.fuId, "asset owner"),
        buyerId: ukpnIssuer,
        awardedMw: d.availabilityMw,
        availabilityPriceGbpPerMwH: d.availabilityPrice,
        utilisationPriceGbpPerMwh: null,
        start: d.start,
        end: d.end,
        status: d.end.getTime() < settledBefore ? "SETTLED" : "DELIVERED",
        source: UKPN_DISPATCH_SOURCE,
        externalId: d.externalId,
      });
    }
    await load("awards", awards, awardRows);
    await load("dispatchInstructions", dispatchInstructions, dispatchRows);

    // ---------------------------------------------------------------- rules: market rules and conflicts (ILLUSTRATIVE rules)
    const ruleRows = [
      {
        id: stableId("rule", "DCL-MIN-CAPACITY"),
        code: "DCL-MIN-CAPACITY",
        name: "Dynamic Containment Low: units of at least 1 MW",
        productId: dclId,
        kind: "ELIGIBILITY" as const,
        parameters: { minimumCapacityKw: 1000 },
        mode: "BLOCK" as const,
        effectiveFrom: new Date("2020-10-01T00:00:00Z"),
      },
      {
        id: stableId("rule", "UKPN-NO-OVERLAP"),
        code: "UKPN-NO-OVERLAP",
        name: "UKPN: one flexible unit, one product at a time",
        productId: null,
        kind: "STACKING" as const,
        parameters: { maxOverlapMinutes: 0, systemOperator: UKPN, products: Object.values(UKPN_PRODUCTS).map((p) => p.code) },
        mode: "NOTIFY" as const,
        effectiveFrom: new Date("2024-04-01T00:00:00Z"),
      },
      {
        id: stableId("rule", "MF-PRIMACY-DEFAULT"),
        code: "MF-PRIMACY-DEFAULT",
        name: "Market-wide primacy: the DSO's instruction stands when a NESO action would push into a local constraint",
        productId: null,
        kind: "PRIMACY" as const,
        parameters: { default: "DSO", appliesWhen: "INTO_CONSTRAINT", notify: ["SYSTEM_OPERATOR", "FSP"] },
        mode: "NOTIFY" as const,
        effectiveFrom: new Date("2024-04-01T00:00:00Z"),
      },
    ];
    await load("marketRules", marketRules, ruleRows);
    await seedRules(db); // domain §8 rules as data and the rules library (rules.ts)
  });
  ({ found: records.conflicts, recorded: inserted.conflicts } = await detectDemoConflicts(handle.db)); // conflicts.ts

  const summary: DemoSummary = {
    records,
    inserted,
    repeatedSourceRows: ukpn.repeatedRows,
    elapsedMs: Math.round(performance.now() - started),
  };
  const log = options.log;
  if (log) {
    const parts = DEMO_ENTITIES.map((e) => `${records[e]} ${e}${inserted[e] === records[e] ? "" : ` (${inserted[e]} new)`}`);
    log(`demo data (${handle.kind}, ${summary.elapsedMs} ms): ${parts.join(", ")}; ${ukpn.repeatedRows} repeated UKPN rows skipped`);
  }
  return summary;
}
