import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ANONYMITY_RULE,
  type AnonymityRule,
  anonymityHaving,
  type DatabaseHandle,
  isReportable,
  MAX_OWNER_SHARE,
  MIN_DISTINCT_OWNERS,
  type OwnerPartial,
} from "../src/index.js";
import { createTestDatabase } from "../src/testing.js";

const [me, a, b, c, d] = Array.from({ length: 5 }, () => randomUUID());
const part = (ownerId: string, ...sums: number[]): OwnerPartial => ({ ownerId, sums });

describe("isReportable", () => {
  it("is the hub's rule: 3 distinct owners, none over 50%", () => {
    expect([MIN_DISTINCT_OWNERS, MAX_OWNER_SHARE]).toEqual([3, 0.5]);
    expect(ANONYMITY_RULE).toEqual({ minOwners: 3, maxOwnerShare: 0.5 });
  });

  it("does not count the caller's own records: two own + one other owner's is not reported (the differencing attack)", () => {
    const group = [part(me!, 100), part(me!, 100), part(a!, 37)];
    expect(isReportable(group, me!)).toBe(false);
    // Nor would it be with a count threshold on records, had the caller padded it further.
    expect(isReportable([...group, part(me!, 5), part(me!, 5)], me!)).toBe(false);
  });

  it("reports a group with 3 other distinct owners, whatever the caller adds", () => {
    expect(isReportable([part(me!, 1000), part(a!, 10), part(b!, 10), part(c!, 10)], me!)).toBe(true);
    expect(isReportable([part(a!, 10), part(b!, 10), part(c!, 10)], null)).toBe(true);
  });

  it("counts owners, not records: one owner's three assets are one owner", () => {
    expect(isReportable([part(a!, 1), part(a!, 1), part(a!, 1)], null)).toBe(false);
    expect(isReportable([part(a!, 1), part(a!, 1), part(b!, 1), part(c!, 1)], null)).toBe(true); // a: 2 of 4 = 50%
  });

  it("suppresses a group one other owner dominates (> 50% of any measure), judged without the caller", () => {
    expect(isReportable([part(a!, 51), part(b!, 25), part(c!, 24)], null)).toBe(false);
    expect(isReportable([part(a!, 50), part(b!, 25), part(c!, 25)], null)).toBe(true); // exactly half: not more
    // The caller's own large records do not dilute another owner's dominance.
    expect(isReportable([part(me!, 10_000), part(a!, 60), part(b!, 20), part(c!, 20)], me!)).toBe(false);
    // Every measure counts: balanced on the first, dominated on the second.
    expect(isReportable([part(a!, 10, 90), part(b!, 10, 5), part(c!, 10, 5)], null)).toBe(false);
    // By magnitude: signed values cannot cancel a dominant owner out.
    expect(isReportable([part(a!, -90), part(b!, 40), part(c!, 40)], null)).toBe(false);
  });

  it("takes another rule", () => {
    const rule: AnonymityRule = { minOwners: 2, maxOwnerShare: 0.8 };
    expect(isReportable([part(a!, 70), part(b!, 30)], null, rule)).toBe(true);
    expect(() => isReportable([], null, { minOwners: 0, maxOwnerShare: 0.5 })).toThrow(RangeError);
    expect(() => isReportable([], null, { minOwners: 3, maxOwnerShare: 1.5 })).toThrow(RangeError);
  });
});

describe("anonymityHaving (the SQL form)", () => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await createTestDatabase();
    await handle.exec(
      "create table anonymity_records (grp text not null, owner_id uuid not null, x double precision not null, y double precision)",
    );
  });
  afterAll(() => handle?.close());

  /** The groups the SQL reports to `caller`: per-owner partial sums in a subquery, the rule in HAVING. */
  async function reported(caller: string | null): Promise<string[]> {
    const perOwner = sql`(select grp, owner_id, sum(x) as x, coalesce(sum(y), 0) as y from anonymity_records group by grp, owner_id) as per_owner`;
    const having = anonymityHaving({
      owner: sql`per_owner.owner_id`,
      measures: [sql`per_owner.x`, sql`per_owner.y`],
      excludeOwner: caller,
    });
    const result = (await handle.db.execute(sql`select grp from ${perOwner} group by grp having ${having} order by grp`)) as unknown;
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { grp: string }[];
    return rows.map((r) => r.grp);
  }

  it("agrees with isReportable on the same groups, for callers inside and outside them", async () => {
    const groups: Record<string, [string, number, number | null][]> = {
      attack: [
        [me!, 100, null],
        [me!, 100, null],
        [a!, 37, null],
      ],
      threeOthers: [
        [me!, 500, 1],
        [a!, 10, null],
        [b!, 12, null],
        [c!, 9, null],
      ],
      dominated: [
        [a!, 51, null],
        [b!, 25, null],
        [c!, 24, null],
      ],
      dominatedOnY: [
        [a!, 10, 90],
        [b!, 10, 5],
        [c!, 10, 5],
      ],
      halfExactly: [
        [a!, 25, null],
        [a!, 25, null],
        [b!, 25, null],
        [c!, 25, null],
      ],
      fourOwners: [
        [a!, 10, 1],
        [b!, 10, 1],
        [c!, 10, 1],
        [d!, 10, 1],
      ],
    };
    for (const [grp, rows] of Object.entries(groups)) {
      for (const [owner, x, y] of rows) await handle.db.execute(sql`insert into anonymity_records values (${grp}, ${owner}, ${x}, ${y})`);
    }
    for (const caller of [null, me!, a!, d!]) {
      const expected = Object.entries(groups)
        .filter(([, rows]) =>
          isReportable(
            rows.map(([owner, x, y]) => part(owner, x, y ?? 0)),
            caller,
          ),
        )
        .map(([grp]) => grp)
        .sort();
      expect({ caller, groups: await reported(caller) }).toEqual({ caller, groups: expected });
    }
    // The cases, spelled out: the attack and the dominated groups never. Without a's records, halfExactly keeps
    // two owners and threeOthers is dominated by "me" (500 of 521), so a sees fourOwners only.
    expect(await reported(me!)).toEqual(["fourOwners", "halfExactly", "threeOthers"]);
    expect(await reported(null)).toEqual(["fourOwners", "halfExactly"]);
    expect(await reported(a!)).toEqual(["fourOwners"]);
  });
});
