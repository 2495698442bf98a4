import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { assets } from "@sfe/assets/db";
import type { DatabaseHandle } from "@sfe/kit";
import { countRows, createMigratedDatabase } from "@sfe/kit/testing";
import { conflicts } from "@sfe/rules/db";
import { awards, bids, dispatchInstructions } from "@sfe/transactions/db";
import { organisations } from "@sfe/users/db";
import { parse } from "csv-parse/sync";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoSummary, seedDemoData } from "../src/demo/seed.js";
import { SUBGRAPH_MODULES } from "../src/modules.js";

const TABLES = [
  "users.organisations",
  "users.users",
  "assets.asset_categories",
  "assets.assets",
  "products.products",
  "products.constraint_managed_zones",
  "transactions.bids",
  "transactions.awards",
  "transactions.dispatch_instructions",
  "rules.market_rules",
  "rules.conflicts",
  "rules.conflict_assets",
  "rules.conflict_instructions",
  "rules.conflict_parties",
];

// The expectations below are computed straight from the CSV files, independently of the loader's own parsing.
const dataFile = (name: string) => fileURLToPath(new URL(`../data/${name}`, import.meta.url));
const csv = (name: string) =>
  parse(readFileSync(dataFile(name)), { bom: true, columns: true, skip_empty_lines: true }) as Record<string, string>[];
const neso = csv("neso-dynamic-containment-masterdata-2020-10-to-2021-04.csv");
const ukpn = csv("ukpn-flexibility-dispatches-ev-dsr-subset-2024-05-to-2025-12.csv");

const product = (raw: string) => (raw === "Day Ahead" ? "Day-Ahead" : raw);
// One record per (fu_id, product, window, MW and prices requested), as the ingest adapter keys a row (two contracts'
// dispatches of one unit in one window are two records); numbers canonical, so `109.0` and `109` are one.
const ukpnWindows = new Map<string, { fu: string; product: string; start: number; end: number }>();
for (const row of ukpn) {
  const start = Date.parse(String(row.start_time_utc).replace(" ", "T"));
  const end = Date.parse(String(row.end_time_utc).replace(" ", "T"));
  const fu = String(row.fu_id);
  const p = product(String(row.product));
  const amounts = ["availability_mw_req", "utilisation_mw_req", "availability_price", "utilisation_price"].map((c) => Number(row[c]));
  ukpnWindows.set(`${fu}|${p}|${start}|${end}|${amounts.join("|")}`, { fu, product: p, start, end });
}
/** Pairs of distinct windows on one fu_id, under different products, that overlap in time (brute force). */
function crossProductOverlapCount(): number {
  const byUnit = new Map<string, { product: string; start: number; end: number }[]>();
  for (const w of ukpnWindows.values()) byUnit.set(w.fu, [...(byUnit.get(w.fu) ?? []), w]);
  let pairs = 0;
  for (const list of byUnit.values()) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i];
        const b = list[j];
        if (a && b && a.product !== b.product && a.start < b.end && b.start < a.end) pairs++;
      }
    }
  }
  return pairs;
}

const expected = {
  bids: neso.length,
  nesoAwards: neso.filter((r) => r["Market Name"] === "DC LF" && r["Accepted/Rejected"] === "Accepted" && Number(r["Volume Accepted"]) > 0)
    .length,
  dispatches: ukpnWindows.size,
  // NESO units + UKPN flexible units + Louis's two illustrative batteries
  assets: new Set(neso.map((r) => r["Response Unit"])).size + new Set(ukpn.map((r) => r.fu_id)).size + 2,
  conflicts: crossProductOverlapCount(),
};

async function counts(handle: DatabaseHandle): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of TABLES) out[table] = await countRows(handle, table);
  return out;
}

describe("demo data loader", () => {
  let handle: DatabaseHandle;
  let first: DemoSummary;
  let second: DemoSummary;
  let afterFirst: Record<string, number>;
  let afterSecond: Record<string, number>;

  beforeAll(async () => {
    handle = await createMigratedDatabase(...SUBGRAPH_MODULES);
    first = await seedDemoData(handle);
    afterFirst = await counts(handle);
    second = await seedDemoData(handle);
    afterSecond = await counts(handle);
  }, 400_000); // the seed runs the conflict detector over every commitment

  afterAll(async () => {
    await handle?.close();
  });

  it("is idempotent: a second run adds nothing", () => {
    expect(afterSecond).toEqual(afterFirst);
    for (const [entity, n] of Object.entries(second.inserted)) expect(n, entity).toBe(0);
    expect(second.records).toEqual(first.records);
    expect(first.inserted.bids).toBe(first.records.bids);
  });

  it("loads every source record once", () => {
    expect(afterFirst["transactions.bids"]).toBe(expected.bids);
    expect(expected.bids).toBeGreaterThan(3000);
    expect(afterFirst["transactions.dispatch_instructions"]).toBe(expected.dispatches);
    expect(expected.dispatches).toBeGreaterThan(10_000);
    expect(expected.dispatches).toBeLessThanOrEqual(ukpn.length); // a row repeating another's key is not counted twice
    expect(afterFirst["assets.assets"]).toBe(expected.assets);
    expect(expected.assets).toBeGreaterThan(200);
    expect(expected.assets).toBeLessThan(1000);
    // Every UKPN flexibility zone the dispatches name is a CMZ (once: the second run added none).
    expect(afterFirst["products.constraint_managed_zones"]).toBe(first.records.constraintManagedZones);
    expect(first.records.constraintManagedZones).toBeGreaterThan(10);
  });

  it("has several system operators", async () => {
    const rows = await handle.db
      .select({ name: organisations.name })
      .from(organisations)
      .where(sql`'SYSTEM_OPERATOR' = any(${organisations.roles})`);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining(["National Energy System Operator (NESO)", "UK Power Networks"]));
  });

  it("has the detector's conflicts (stack/src/demo/conflicts.ts): one R-STK-1 per cross-product overlap of UKPN windows", async () => {
    // The independent count above (brute force over the CSV) against what the detector recorded over the loaded rows.
    expect(expected.conflicts).toBeGreaterThan(0);
    const byKind = await handle.db
      .select({
        kind: conflicts.kind,
        rule: conflicts.ruleCode,
        n: sql<number>`count(*)::int`,
        items: sql<number>`sum(jsonb_array_length(${conflicts.items}))::int`,
      })
      .from(conflicts)
      .where(eq(conflicts.status, "OPEN"))
      .groupBy(conflicts.kind, conflicts.ruleCode);
    const pairs = byKind.find((k) => k.kind === "OVERLAPPING_COMMITMENT");
    expect(pairs).toMatchObject({ rule: "R-STK-1", n: expected.conflicts, items: 2 * expected.conflicts });
    // Beyond the pairs, only R-STK-2: three or more windows of one unit at once over its capability.
    const others = byKind.filter((k) => k !== pairs);
    expect(others.every((k) => k.kind === "EXCEEDS_CAPABILITY" && k.rule === "R-STK-2" && k.items >= 3 * k.n)).toBe(true);
    const total = byKind.reduce((sum, k) => sum + k.n, 0);
    expect([afterFirst["rules.conflicts"], afterFirst["rules.conflict_assets"]]).toEqual([total, total]);
    expect(afterFirst["rules.conflict_parties"]).toBe(2 * total); // the FSP and UKPN
    expect(afterFirst["rules.conflict_instructions"]).toBe(byKind.reduce((sum, k) => sum + k.items, 0));
    expect([first.records.conflicts, first.inserted.conflicts, second.inserted.conflicts]).toEqual([total, total, 0]);
  });

  it("keeps a real NESO bid and its award exactly: AG-MFLX02 on 2020-10-02", async () => {
    const [bid] = await handle.db
      .select()
      .from(bids)
      .where(and(eq(bids.source, "neso-dc-masterdata"), eq(bids.externalId, "20201002 AG-MFLX02")));
    expect(bid).toBeDefined();
    expect(bid?.quantityMw).toBe(49);
    expect(Number(bid?.availabilityPriceGbpPerMwH)).toBe(15.03);
    expect(bid?.status).toBe("ACCEPTED");
    expect(bid?.direction).toBe("GENERATION_TURN_UP");
    expect(bid?.start.toISOString()).toBe("2020-10-01T22:00:00.000Z");
    expect(bid?.end.toISOString()).toBe("2020-10-02T22:00:00.000Z");

    const [asset] = await handle.db
      .select()
      .from(assets)
      .where(eq(assets.id, bid?.assetId ?? ""));
    expect(asset?.externalId).toBe("AG-MFLX02");
    expect(asset?.categoryCode).toBe("BESS");
    const [owner] = await handle.db
      .select()
      .from(organisations)
      .where(eq(organisations.id, bid?.bidderId ?? ""));
    expect(owner?.name).toBe("Flexitricity Limited");
    expect(asset?.ownerId).toBe(owner?.id);

    const [award] = await handle.db
      .select()
      .from(awards)
      .where(eq(awards.bidId, bid?.id ?? ""));
    expect(award?.awardedMw).toBe(49);
    expect(Number(award?.availabilityPriceGbpPerMwH)).toBe(15.03);
    expect(award?.status).toBe("SETTLED");
    const nesoAwards = await handle.db
      .select({ n: sql<number>`count(*)::int` })
      .from(awards)
      .where(eq(awards.source, "neso-dc-masterdata"));
    expect(Number(nesoAwards[0]?.n)).toBe(expected.nesoAwards);
  });

  it("keeps a real UKPN dispatch: Axle's Hendon Way SAOU portfolio on 2025-06-23", async () => {
    const rows = await handle.db
      .select()
      .from(dispatchInstructions)
      .where(
        and(
          eq(dispatchInstructions.unitReference, "hendon-way-lt_saou-ev-c1-portfolio"),
          eq(dispatchInstructions.start, new Date("2025-06-23T14:00:00Z")),
        ),
      );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.setPointMw).toBe(0.049);
    expect(rows[0]?.end.toISOString()).toBe("2025-06-23T18:00:00.000Z");
    expect(rows[0]?.direction).toBe("DEMAND_TURN_DOWN");
    const [asset] = await handle.db
      .select()
      .from(assets)
      .where(eq(assets.id, rows[0]?.assetId ?? ""));
    expect(asset?.categoryCode).toBe("EV_CHARGER");
    expect(asset?.gspGroup).toBe("_C");
  });

  it("keeps a UKPN dispatch's utilisation MWh, price and method and a NESO bid's EFA blocks (read through the adapters)", async () => {
    const [dispatch] = await handle.db
      .select()
      .from(dispatchInstructions)
      .where(
        and(eq(dispatchInstructions.unitReference, "6930-HEND-PR-2869"), eq(dispatchInstructions.start, new Date("2025-06-23T14:00:00Z"))),
      );
    expect(dispatch).toMatchObject({
      energyMwh: "0.040000",
      priceGbpPerMwh: "134.5800",
      dispatchMethod: "epex",
      direction: "DEMAND_TURN_DOWN",
    });
    const [bid] = await handle.db.select().from(bids).where(eq(bids.externalId, "20201002 AG-MFLX02"));
    expect(bid?.periods).toHaveLength(6);
    expect(bid?.periods[0]).toEqual({ start: "2020-10-01T22:00:00.000Z", end: "2020-10-02T02:00:00.000Z" });
  });

  it("gives the illustrative batteries valid MPANs", async () => {
    const rows = await handle.db.select().from(assets).where(sql`${assets.meterPointId} is not null`);
    expect(rows.length).toBe(2);
    const primes = [3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43];
    for (const row of rows) {
      const mpan = String(row.meterPointId);
      expect(mpan).toMatch(/^\d{13}$/);
      const sum = primes.reduce((total, prime, i) => total + prime * Number(mpan[i]), 0);
      expect(Number(mpan[12])).toBe((sum % 11) % 10);
    }
  });
});
