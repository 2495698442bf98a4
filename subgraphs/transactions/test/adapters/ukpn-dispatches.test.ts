import { aliasTable } from "@sfe/kit";
import { describe, expect, it } from "vitest";
import { type DispatchRecord, UKPN_DISPATCH_SOURCE, adaptUkpnDispatch, ukpnZoneCode } from "../../src/adapters/index.js";
import { UKPN_FILE, countBy, exactSum, readRecords } from "./files.js";

const records = readRecords(UKPN_FILE);
const adaptAll = () => records.map((record, i) => adaptUkpnDispatch(record, i + 1));
const results = adaptAll();
const dispatches = results.flatMap((r) => (r.ok ? [r.value] : []));
const first = records[0]!;

function refused(change: Record<string, string>) {
  const result = adaptUkpnDispatch({ ...first, ...change }, 7);
  if (result.ok) throw new Error("expected a row error");
  return result.error;
}
function adapted(change: Record<string, string>): DispatchRecord {
  const result = adaptUkpnDispatch({ ...first, ...change }, 1);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

describe("UKPN flexibility dispatches adapter, on the shared EV/DSR extract", () => {
  it("normalises every row of the file without an error", () => {
    expect(records).toHaveLength(14_813);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(dispatches).toHaveLength(14_813);
    expect(new Set(dispatches.map((d) => d.source))).toEqual(new Set([UKPN_DISPATCH_SOURCE]));
  });

  it("counts per product, zone, provider and direction", () => {
    expect(countBy(dispatches, (d) => d.product)).toEqual({
      PEAK_REDUCTION: 4598,
      LONG_TERM_UTILISATION: 4451,
      SCHEDULED_AVAILABILITY: 3097,
      DAY_AHEAD: 2667,
    });
    const zones = countBy(dispatches, (d) => d.zoneCode);
    expect(Object.keys(zones)).toHaveLength(78);
    expect(zones.UKPN_HENDON_WAY).toBe(738);
    expect(zones.UKPN_COBHAM).toBe(657);
    expect(zones.UKPN_WILLESDEN_GRID).toBe(607);
    expect(new Set(dispatches.map((d) => d.flexibleUnitId)).size).toBe(226);
    expect(Object.keys(countBy(dispatches, (d) => d.providerName))).toHaveLength(7);
    expect(countBy(dispatches, (d) => `${d.direction} ${d.exportSign}`)).toEqual({ "DEMAND_TURN_DOWN 1": 14_813 });
  });

  it("keeps utilisation prices and MWh: the sums equal the file's, by exact decimal addition", () => {
    const column = (name: string) => records.map((r) => r[name]!);
    expect(exactSum(dispatches.map((d) => String(d.utilisationMwh)))).toBe(exactSum(column("utilisation_mwh_req")));
    expect(exactSum(dispatches.map((d) => String(d.availabilityMwh)))).toBe(exactSum(column("availability_mwh_req")));
    expect(exactSum(dispatches.map((d) => d.utilisationPrice))).toBe(exactSum(column("utilisation_price")));
    expect(exactSum(dispatches.map((d) => d.availabilityPrice))).toBe(exactSum(column("availability_price")));
    expect(exactSum(column("utilisation_mwh_req"))).not.toBe("0");
    expect(dispatches.filter((d) => d.utilisationMwh > 0)).toHaveLength(11_757);
    expect(dispatches[1]).toMatchObject({
      product: "PEAK_REDUCTION",
      utilisationMw: 0.01,
      utilisationPrice: "134.58",
      utilisationMwh: 0.04,
    });
  });

  it("keeps the row's times: UTC instants, the local time as given, the settlement periods covered", () => {
    expect(dispatches[0]).toMatchObject({
      row: 1,
      providerName: "Axle Energy Limited",
      flexibleUnitId: "hendon-way-lt_saou-ev-c1-portfolio",
      zoneName: "Hendon Way",
      zoneCode: "UKPN_HENDON_WAY",
      product: "SCHEDULED_AVAILABILITY",
      productName: "Scheduled Availability",
      start: new Date("2025-06-23T14:00:00Z"),
      end: new Date("2025-06-23T18:00:00Z"),
      startLocal: "2025-06-23T15:00:00+01:00",
      endLocal: "2025-06-23T19:00:00+01:00",
      availabilityMw: 0.049,
      availabilityPrice: "109.0",
      availabilityMwh: 0.2,
      technology: "EV Charger DSR",
      dispatchMethod: "epex",
      hoursRequested: "4.0",
    });
    expect(dispatches[0]!.settlementPeriods).toEqual(
      [31, 32, 33, 34, 35, 36, 37, 38].map((period) => ({ settlementDate: "2025-06-23", period })),
    );
    // every window's periods are its half-hours (a 23:00Z start on the spring day is local midnight, period 1)
    for (const d of dispatches) expect(d.settlementPeriods).toHaveLength(Math.ceil((d.end.getTime() - d.start.getTime()) / 1_800_000));
    const spring = dispatches.find((d) => d.startLocal === "2025-03-31T00:00:00+01:00")!;
    expect(spring.settlementPeriods[0]).toEqual({ settlementDate: "2025-03-31", period: 1 });
  });

  it("gives every row a source record id unique over the file and stable across two parses", () => {
    const ids = dispatches.map((d) => d.sourceRecordId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(adaptAll().map((r) => (r.ok ? r.value.sourceRecordId : null))).toEqual(ids);
    // two rows sharing unit, product and window but not price are two records (the file holds 437 such repeats)
    const window = (d: DispatchRecord) => `${d.flexibleUnitId}|${d.product}|${d.start.toISOString()}|${d.end.toISOString()}`;
    expect(dispatches.length - new Set(dispatches.map(window)).size).toBe(437);
  });

  it("maps spelling variants of a product, and of a zone, to one code with one source record id", () => {
    const variants = ["Day-Ahead", "Day Ahead", "day_ahead", "DAY-AHEAD", "day  ahead", "Day‑Ahead"].map((product) => adapted({ product }));
    expect(new Set(variants.map((d) => d.product))).toEqual(new Set(["DAY_AHEAD"]));
    expect(new Set(variants.map((d) => d.sourceRecordId)).size).toBe(1);
    expect(adapted({ product: "long term utilisation" }).product).toBe("LONG_TERM_UTILISATION");
    expect(adapted({ product: "Operational Utilisation" }).product).toBe("OPERATIONAL_UTILISATION");
    expect(adapted({ product: "scheduled_availability" }).product).toBe("SCHEDULED_AVAILABILITY");
    expect(adapted({ product: "Peak-Reduction" }).product).toBe("PEAK_REDUCTION");
    const zones = ["Hendon Way", "hendon_way", "HENDON-WAY", " hendon  way "].map((zone) => adapted({ zone }));
    expect(new Set(zones.map((d) => d.zoneCode))).toEqual(new Set(["UKPN_HENDON_WAY"]));
    expect(new Set(zones.map((d) => d.sourceRecordId)).size).toBe(1);
    expect(ukpnZoneCode("Tunbridge Wells-Pembury")).toBe("UKPN_TUNBRIDGE_WELLS_PEMBURY");
    const renames = aliasTable("UKPN zone", { UKPN_HENDON_WAY: ["Hendon Way Primary"] });
    expect(adaptUkpnDispatch({ ...first, zone: "hendon-way primary" }, 1, { zoneRenames: renames })).toMatchObject({
      ok: true,
      value: { zoneCode: "UKPN_HENDON_WAY" },
    });
  });

  it("reads local times without an offset or seconds; the UTC column picks the autumn's repeated hour", () => {
    const autumn = { start_time_utc: "2025-10-26 00:30:00+00:00", end_time_utc: "2025-10-26 01:30:00+00:00" };
    expect(adapted({ ...autumn, start_time_local: "2025-10-26T01:30:00", end_time_local: "2025-10-26 01:30" })).toMatchObject({
      startLocal: "2025-10-26T01:30:00+01:00",
      endLocal: "2025-10-26T01:30:00+00:00",
      settlementPeriods: [4, 5].map((period) => ({ settlementDate: "2025-10-26", period })),
    });
    expect(adapted({ start_time_local: "2025-06-23 15:00", end_time_local: "2025-06-23T19:00+01:00" })).toMatchObject({
      startLocal: "2025-06-23T15:00:00+01:00",
      endLocal: "2025-06-23T19:00:00+01:00",
    });
  });

  it("refuses bad rows with a coded row error naming row, field and reason", () => {
    expect(refused({ product: "Flex Express" })).toMatchObject({
      row: 7,
      field: "product",
      code: "BAD_USER_INPUT",
      reason: "UNKNOWN_ALIAS",
    });
    // 01:30 on 2025-03-30 does not exist in London, whether written naive or with an offset
    expect(
      refused({
        start_time_local: "2025-03-30T01:30:00",
        start_time_utc: "2025-03-30 01:30:00+00:00",
        end_time_utc: "2025-03-30 03:00:00+00:00",
      }),
    ).toMatchObject({
      row: 7,
      field: "startLocal",
      reason: "NONEXISTENT_LOCAL_TIME",
    });
    expect(
      refused({
        start_time_local: "2025-03-30T01:30:00+00:00",
        end_time_local: "2025-03-30T04:00:00+01:00",
        start_time_utc: "2025-03-30 01:30:00+00:00",
        end_time_utc: "2025-03-30 03:00:00+00:00",
      }),
    ).toMatchObject({ field: "startLocal", reason: "NONEXISTENT_LOCAL_TIME" });
    expect(refused({ availability_mw_req: "-0.049" })).toMatchObject({ field: "availabilityMw", reason: "NEGATIVE_QUANTITY" });
    expect(refused({ utilisation_mw_req: "-1" })).toMatchObject({ field: "utilisationMw", reason: "NEGATIVE_QUANTITY" });
    expect(refused({ start_time_utc: "2025-06-23 18:00:00+00:00", end_time_utc: "2025-06-23 14:00:00+00:00" })).toMatchObject({
      field: "end",
      reason: "END_BEFORE_START",
    });
    for (const bad of ["0.0.1", "1,5", "abc", "1e3", "0x10"]) {
      expect(refused({ utilisation_mwh_req: bad })).toMatchObject({ field: "utilisationMwh", reason: "NOT_A_NUMBER" });
    }
    expect(refused({ availability_price: "£109" })).toMatchObject({ field: "availabilityPrice", reason: "NOT_A_NUMBER" });
    expect(refused({ start_time_utc: "23/06/2025 14:00" })).toMatchObject({ field: "start", reason: "MALFORMED_TIMESTAMP" });
    expect(refused({ start_time_local: "2025-06-23T16:00:00+01:00" })).toMatchObject({
      field: "startLocal",
      reason: "LOCAL_TIME_MISMATCH",
    });
    expect(refused({ dispatch_type: "sideways" })).toMatchObject({ field: "direction", reason: "UNKNOWN_ALIAS" });
    expect(refused({ fu_id: "" })).toMatchObject({ field: "flexibleUnitId", reason: "MISSING_VALUE" });
    const { message } = refused({ product: "Flex Express" });
    expect(message).toContain('"Flex Express"');
  });
});
