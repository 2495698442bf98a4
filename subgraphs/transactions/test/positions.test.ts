import { type DatabaseHandle, type EntityReferences, staticReferences } from "@sfe/kit";
import { createMigratedDatabase, errorCodes, execute, testIdentity } from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awards, dispatchInstructions, meterReadings } from "../src/db/schema.js";
import { availabilityDeclarations, unavailabilityNotices } from "../src/modules/availability/index.js";
import { requireCoveredBy, type ServiceArea } from "../src/modules/positions/index.js";
import { createTransactionsSubgraph, transactionsModule } from "../src/server.js";

/**
 * Positions (UC18, D.2) on the §7.7 worked example: Louis's battery in UKPN's Hendon Way (_C) holds a UKPN award and
 * a NESO award, each dispatched. Who sees which items, that nobody but the buyer, the FSP and administrators sees a
 * price, the SO control-room view of its area, one lookup and one service-area call however many assets, bad windows,
 * and `requireCoveredBy`.
 */
const louis = "0f5a0000-0000-4000-8000-00000000000a";
const rival = "0f5b0000-0000-4000-8000-00000000000b";
const ukpn = "050a0000-0000-4000-8000-00000000000a";
const neso = "050b0000-0000-4000-8000-00000000000b";
const nged = "050c0000-0000-4000-8000-00000000000c";
const battery = "a55e0000-0000-4000-8000-00000000000a"; // Louis's, _C
const rivalBattery = "a55e0000-0000-4000-8000-00000000000b"; // the rival's, _A
const quiet = "a55e0000-0000-4000-8000-00000000000c"; // Louis's, _C, nothing recorded
const unit = "b0170000-0000-4000-8000-00000000000a";
const saou = "9d0c0000-0000-4000-8000-00000000000a"; // UKPN's
const nqr = "9d0c0000-0000-4000-8000-00000000000b"; // NESO's

const LOUIS = testIdentity({ roles: ["FSP"], organisationId: louis });
const RIVAL = testIdentity({ roles: ["FSP"], organisationId: rival });
const UKPN = testIdentity({ roles: ["SYSTEM_OPERATOR"], organisationId: ukpn });
const NESO = testIdentity({ roles: ["SYSTEM_OPERATOR"], organisationId: neso });
const NGED = testIdentity({ roles: ["SYSTEM_OPERATOR"], organisationId: nged });
const INVESTOR = testIdentity({ roles: ["INVESTOR"] });
const REGULATOR = testIdentity({ roles: ["REGULATOR"] });
const ADMIN = testIdentity({ roles: ["ADMIN"] });

const AREAS: Record<string, ServiceArea> = {
  [ukpn]: { organisationId: ukpn, wholeGb: false, gspGroups: ["_C"] },
  [neso]: { organisationId: neso, wholeGb: true, gspGroups: [] },
  [nged]: { organisationId: nged, wholeGb: false, gspGroups: ["_A", "_B"] },
};

let handle: DatabaseHandle;
let subgraph: ReturnType<typeof createTransactionsSubgraph>;
let references: EntityReferences;
const calls = { lookups: [] as string[], areas: 0 };
const ids = {
  ukpnAward: "",
  nesoAward: "",
  rivalAward: "",
  ukpnDispatch: "",
  nesoDispatch: "",
  declaration: "",
  notice: "",
  unitDeclaration: "",
};

const at = (time: string) => new Date(`2030-06-21T${time}:00Z`);
/** The ids an insert returned, in order. */
const idsOf = (rows: { id: string }[]) => rows.map((row) => row.id) as [string, string, string];

beforeAll(async () => {
  handle = await createMigratedDatabase(transactionsModule);
  const known = staticReferences({
    Asset: {
      [battery]: { location: { gspGroup: "_C" } },
      [rivalBattery]: { location: { gspGroup: "_A" } },
      [quiet]: { location: { gspGroup: "_C" } },
    },
    MarketUnit: { [unit]: { gspGroups: ["_C"] } },
  });
  references = {
    ...known,
    async lookup(typename, lookupIds, selection) {
      calls.lookups.push(typename);
      return known.lookup(typename, lookupIds, selection);
    },
    async call<T>(_subgraph: string, _path: string, payload: unknown) {
      calls.areas++;
      const orgs = (payload as { organisationIds: string[] }).organisationIds;
      return { status: 200, body: { areas: orgs.map((id) => AREAS[id] ?? { organisationId: id, wholeGb: false, gspGroups: [] }) } as T };
    },
  };
  subgraph = createTransactionsSubgraph({ db: handle.db, references });
  const { db } = handle;
  const window = { start: at("17:00"), end: at("19:00") };
  [ids.ukpnAward, ids.nesoAward, ids.rivalAward] = idsOf(
    await db
      .insert(awards)
      .values([
        {
          assetId: battery,
          productId: saou,
          providerId: louis,
          buyerId: ukpn,
          awardedMw: 1.5,
          availabilityPriceGbpPerMwH: "12.5000",
          ...window,
        },
        {
          assetId: battery,
          productId: nqr,
          providerId: louis,
          buyerId: neso,
          awardedMw: 1,
          availabilityPriceGbpPerMwH: "20.0000",
          ...window,
        },
        {
          assetId: rivalBattery,
          productId: nqr,
          providerId: rival,
          buyerId: neso,
          awardedMw: 3,
          utilisationPriceGbpPerMwh: "95.0000",
          ...window,
        },
      ])
      .returning({ id: awards.id }),
  );
  [ids.ukpnDispatch, ids.nesoDispatch] = idsOf(
    await db
      .insert(dispatchInstructions)
      .values([
        {
          assetId: battery,
          productId: saou,
          issuedById: ukpn,
          providerId: louis,
          buyerId: ukpn,
          direction: "GENERATION_TURN_UP",
          setPointMw: 1.5,
          ...window,
        },
        {
          assetId: battery,
          productId: nqr,
          issuedById: neso,
          providerId: louis,
          buyerId: neso,
          direction: "DEMAND_TURN_UP",
          setPointMw: 1,
          start: at("17:30"),
          end: at("17:45"),
        },
      ])
      .returning({ id: dispatchInstructions.id }),
  );
  [ids.declaration, ids.unitDeclaration] = idsOf(
    await db
      .insert(availabilityDeclarations)
      .values([
        { assetId: battery, productId: nqr, providerId: louis, buyerId: neso, declaredMw: 1, lockedAt: at("12:00"), ...window },
        { marketUnitId: unit, productId: saou, providerId: louis, buyerId: ukpn, declaredMw: 2, lockedAt: at("12:00"), ...window },
      ])
      .returning({ id: availabilityDeclarations.id }),
  );
  [ids.notice] = idsOf(
    await db
      .insert(unavailabilityNotices)
      .values({
        assetId: battery,
        providerId: louis,
        gspGroups: ["_C"],
        from: at("17:30"),
        to: at("17:45"),
        reducedMw: 1,
        reason: "Conflict: DSO primacy",
      })
      .returning({ id: unavailabilityNotices.id }),
  );
  // Metered: 0.75 MWh exported 17:00–17:30; 17:30–18:00 in two quarter-hours, 0.3 − 0.05 and 0.3 MWh: 0.55 MWh net.
  await db.insert(meterReadings).values([
    {
      assetId: battery,
      providerId: louis,
      intervalStart: at("17:00"),
      intervalEnd: at("17:30"),
      activeImportWh: 0n,
      activeExportWh: 750_000n,
    },
    {
      assetId: battery,
      providerId: louis,
      intervalStart: at("17:30"),
      intervalEnd: at("17:45"),
      granularity: "PT1M",
      activeImportWh: 50_000n,
      activeExportWh: 300_000n,
    },
    {
      assetId: battery,
      providerId: louis,
      intervalStart: at("17:45"),
      intervalEnd: at("18:00"),
      granularity: "PT1M",
      activeImportWh: 0n,
      activeExportWh: 300_000n,
    },
  ]);
});
afterAll(() => handle.close());

const ITEM =
  "kind id soOrganisation { id } product { id } direction mw start end status availabilityPriceGbpPerMwH utilisationPriceGbpPerMwh energyMwh";
const POSITION = `query ($r: [_Any!]!, $from: DateTime!, $to: DateTime!) { _entities(representations: $r) {
  ... on Asset { id position(from: $from, to: $to) { asset { id } from to items { ${ITEM} } } }
  ... on MarketUnit { id position(from: $from, to: $to) { marketUnit { id } items { ${ITEM} } } } } }`;
const AREA = `query ($from: DateTime!, $to: DateTime!, $g: [String!]) { positionsInArea(from: $from, to: $to, gspGroups: $g) {
  asset { id } marketUnit { id } gspGroup items { kind id soOrganisation { id } mw availabilityPriceGbpPerMwH utilisationPriceGbpPerMwh } } }`;
const DAY = { from: "2030-06-21T00:00:00Z", to: "2030-06-22T00:00:00Z" };

type Item = {
  kind: string;
  id: string;
  soOrganisation: { id: string } | null;
  availabilityPriceGbpPerMwH: string | null;
  [key: string]: unknown;
};

async function positionOf(who: typeof LOUIS, assetIds: string[], window = DAY) {
  const result = await execute(subgraph, POSITION, { r: assetIds.map((id) => ({ __typename: "Asset", id })), ...window }, who);
  return result;
}
const itemsOf = async (who: typeof LOUIS, assetId = battery) => {
  const result = await positionOf(who, [assetId]);
  expect(result.errors).toBeUndefined();
  return JSON.parse(JSON.stringify(result.data!._entities[0].position.items)) as Item[];
};
const kinds = (items: Item[]) => items.map((item) => `${item.kind}:${item.soOrganisation?.id ?? "-"}`);

describe("Asset.position", () => {
  it("shows UKPN every commitment on a battery in its area, NESO's included, without NESO's price", async () => {
    const items = await itemsOf(UKPN);
    expect(kinds(items)).toEqual([
      `AWARD:${ukpn}`,
      `AWARD:${neso}`,
      `AVAILABILITY_DECLARATION:${neso}`,
      `DISPATCH_INSTRUCTION:${ukpn}`,
      "DELIVERED_ENERGY:-",
      `UNAVAILABILITY_NOTICE:-`,
      `DISPATCH_INSTRUCTION:${neso}`,
      "DELIVERED_ENERGY:-",
    ]);
    const byId = Object.fromEntries(items.map((item) => [item.id, item]));
    expect(byId[ids.ukpnAward]).toMatchObject({ mw: 1.5, availabilityPriceGbpPerMwH: "12.5000", status: "AWARDED", product: { id: saou } });
    expect(byId[ids.nesoAward]).toMatchObject({ mw: 1, availabilityPriceGbpPerMwH: null, utilisationPriceGbpPerMwh: null });
    expect(byId[ids.nesoDispatch]).toMatchObject({
      direction: "DEMAND_TURN_UP",
      mw: 1,
      start: "2030-06-21T17:30:00.000Z",
      end: "2030-06-21T17:45:00.000Z",
      status: "ISSUED",
    });
    expect(byId[ids.notice]).toMatchObject({ kind: "UNAVAILABILITY_NOTICE", mw: 1, status: "ACTIVE" });
    expect(items.filter((item) => item.kind === "DELIVERED_ENERGY")).toEqual([
      expect.objectContaining({
        id: `${battery}@2030-06-21T17:00:00.000Z`,
        energyMwh: "0.750000",
        mw: 1.5,
        end: "2030-06-21T17:30:00.000Z",
      }),
      expect.objectContaining({ id: `${battery}@2030-06-21T17:30:00.000Z`, energyMwh: "0.550000", mw: 1.1 }),
    ]);
  });

  it("shows the FSP its own asset with every price; NESO (whole GB) without UKPN's", async () => {
    const mine = await itemsOf(LOUIS);
    expect(mine).toHaveLength(8);
    expect(mine.filter((item) => item.kind === "AWARD").map((item) => item.availabilityPriceGbpPerMwH)).toEqual(["12.5000", "20.0000"]);
    const nesoView = await itemsOf(NESO);
    expect(nesoView).toHaveLength(8);
    expect(Object.fromEntries(nesoView.filter((i) => i.kind === "AWARD").map((i) => [i.id, i.availabilityPriceGbpPerMwH]))).toEqual({
      [ids.ukpnAward]: null,
      [ids.nesoAward]: "20.0000",
    });
    expect(await itemsOf(ADMIN)).toHaveLength(8);
  });

  it("shows an SO outside the area, and another FSP, nothing of it", async () => {
    expect(await itemsOf(NGED)).toEqual([]);
    expect(await itemsOf(RIVAL)).toEqual([]);
    // …while NGED, a party to nothing there, still sees nothing of the rival's NESO award's price in its own area.
    const rivalItems = await itemsOf(NGED, rivalBattery);
    expect(rivalItems.map((item) => [item.id, item.utilisationPriceGbpPerMwh])).toEqual([[ids.rivalAward, null]]);
  });

  it("refuses investors and regulators (FORBIDDEN)", async () => {
    for (const who of [INVESTOR, REGULATOR]) {
      const result = await positionOf(who, [battery]);
      expect(errorCodes(result)).toEqual(["FORBIDDEN"]);
    }
  });

  it("answers an API key within its transactions:read scope as its organisation, and refuses one without it", async () => {
    const key = (scopes: string[]) => testIdentity({ kind: "apiKey", userId: null, organisationId: louis, roles: ["FSP"], scopes });
    expect(await itemsOf(key(["transactions:read"]))).toHaveLength(8);
    expect(errorCodes(await positionOf(key(["assets:read"]), [battery]))).toEqual(["FORBIDDEN"]);
    const ukpnKey = testIdentity({
      kind: "apiKey",
      userId: null,
      organisationId: ukpn,
      roles: ["SYSTEM_OPERATOR"],
      scopes: ["assets:read"],
    });
    expect(errorCodes(await execute(subgraph, AREA, DAY, ukpnKey))).toEqual(["FORBIDDEN"]);
  });

  it("costs one lookup and one service-area call for any number of assets", async () => {
    calls.lookups = [];
    calls.areas = 0;
    const result = await positionOf(UKPN, [battery, rivalBattery, quiet, battery]);
    expect(result.errors).toBeUndefined();
    expect(result.data!._entities.map((e: { position: { items: unknown[] } }) => e.position.items.length)).toEqual([8, 0, 0, 8]);
    expect(calls).toEqual({ lookups: ["Asset"], areas: 1 });
  });

  it.each<[string, { from: string; to: string }]>([
    ["to at from", { from: DAY.from, to: DAY.from }],
    ["to before from", { from: DAY.to, to: DAY.from }],
    ["more than 31 days", { from: "2030-06-01T00:00:00Z", to: "2030-07-02T00:00:01Z" }],
  ])("refuses a window with %s (BAD_USER_INPUT naming to)", async (_, window) => {
    const result = await positionOf(LOUIS, [battery], window);
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(result.errors![0]!.extensions!.field).toBe("to");
  });
});

describe("MarketUnit.position", () => {
  it("shows the unit's own records to its FSP and to the SO whose area holds it", async () => {
    const query = (who: typeof LOUIS) =>
      execute(subgraph, POSITION, { r: [{ __typename: "MarketUnit", id: unit }], ...DAY }, who).then((r) => r.data!._entities[0].position);
    expect((await query(LOUIS)).items.map((i: Item) => i.id)).toEqual([ids.unitDeclaration]);
    expect((await query(UKPN)).items.map((i: Item) => i.id)).toEqual([ids.unitDeclaration]);
    expect((await query(NGED)).items).toEqual([]);
    expect((await query(RIVAL)).items).toEqual([]);
  });
});

describe("positionsInArea", () => {
  const area = async (who: typeof LOUIS, gspGroups?: string[]) => {
    const result = await execute(subgraph, AREA, { ...DAY, g: gspGroups ?? null }, who);
    expect(result.errors).toBeUndefined();
    return (
      result.data!.positionsInArea as { asset: { id: string } | null; marketUnit: { id: string } | null; gspGroup: string; items: Item[] }[]
    ).map((position) => ({ ...position, id: position.asset?.id ?? position.marketUnit!.id }));
  };

  it("answers every asset and unit with records in the caller's area: UKPN its battery and unit, NESO all, NGED the rival's", async () => {
    calls.lookups = [];
    calls.areas = 0;
    const ukpnView = await area(UKPN);
    expect(calls).toEqual({ lookups: ["Asset", "MarketUnit"], areas: 1 });
    expect(ukpnView.map((p) => [p.id, p.gspGroup, p.items.length])).toEqual([
      [battery, "_C", 8],
      [unit, null, 1],
    ]);
    expect(ukpnView[0]!.items.find((item) => item.id === ids.nesoAward)?.availabilityPriceGbpPerMwH).toBeNull();
    expect((await area(NESO)).map((p) => p.id)).toEqual([battery, rivalBattery, unit]);
    expect((await area(NESO, ["a"])).map((p) => p.id)).toEqual([rivalBattery]);
    expect((await area(NESO, ["_C"])).map((p) => p.id)).toEqual([battery, unit]);
    expect((await area(NGED)).map((p) => [p.id, p.items.map((i) => i.utilisationPriceGbpPerMwh)])).toEqual([[rivalBattery, [null]]]);
    expect((await area(ADMIN)).map((p) => p.id)).toEqual([battery, rivalBattery, unit]);
  });

  it("refuses FSPs, investors and regulators (FORBIDDEN) and a bad GSP group (BAD_USER_INPUT)", async () => {
    for (const who of [LOUIS, INVESTOR, REGULATOR]) expect(errorCodes(await execute(subgraph, AREA, DAY, who))).toEqual(["FORBIDDEN"]);
    const bad = await execute(subgraph, AREA, { ...DAY, g: ["_Z"] }, UKPN);
    expect(errorCodes(bad)).toEqual(["BAD_USER_INPUT"]);
    expect(bad.errors![0]!.extensions!.field).toBe("gspGroups");
  });
});

describe("requireCoveredBy", () => {
  it("passes assets in the SO's area (any, for a whole-GB SO)", async () => {
    await expect(requireCoveredBy(references, ukpn, [{ id: battery, gspGroup: "_C" }])).resolves.toBeUndefined();
    await expect(requireCoveredBy(references, neso, [{ id: battery, gspGroup: null }])).resolves.toBeUndefined();
    await expect(requireCoveredBy(references, ukpn, [])).resolves.toBeUndefined();
  });

  it("refuses the first asset outside it: BAD_USER_INPUT, reason OUTSIDE_SERVICE_AREA, naming the asset", async () => {
    const refusal = requireCoveredBy(references, ukpn, [
      { id: battery, gspGroup: "_C" },
      { id: rivalBattery, gspGroup: "_A" },
    ]);
    await expect(refusal).rejects.toMatchObject({
      message: `assetId: asset ${rivalBattery} (GSP group _A) lies outside the service area of system operator ${ukpn}`,
      extensions: { code: "BAD_USER_INPUT", field: "assetId", reason: "OUTSIDE_SERVICE_AREA", assetId: rivalBattery, gspGroup: "_A" },
    });
    await expect(requireCoveredBy(references, nged, [{ id: quiet, gspGroup: null }])).rejects.toMatchObject({
      extensions: { reason: "OUTSIDE_SERVICE_AREA", assetId: quiet },
    });
  });
});
