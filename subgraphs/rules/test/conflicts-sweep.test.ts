import { randomUUID } from "node:crypto";
import type { DatabaseHandle, EntityReferences } from "@sfe/kit";
import { countRows, createMigratedDatabase, orgs } from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createConflictRepository } from "../src/repositories/conflicts.js";
import type { Commitment } from "../src/modules/conflicts/detector.js";
import { conflictSweepSettings, sweepConflicts } from "../src/modules/conflicts/sweep.js";
import { createConflictsModule } from "../src/modules/conflicts/index.js";
import { rulesModule } from "../src/server.js";

/**
 * The sweep against the real database, with the transactions route and the other subgraphs' lookups stood in for:
 * commitments are read page by page (one call per page), new conflicts are recorded once with every party, a second
 * run records nothing, and the scheduled sweep runs only when CONFLICT_SWEEP_MS is set.
 */
const { fspA: fsp, soA: ukpn, soB: neso } = orgs;
const battery = randomUUID();

let handle: DatabaseHandle;
beforeAll(async () => {
  handle = await createMigratedDatabase(rulesModule);
});
afterAll(() => handle.close());

const commitment = (over: Partial<Commitment>): Commitment => ({
  kind: "DISPATCH_INSTRUCTION",
  id: randomUUID(),
  assetId: battery,
  marketUnitId: null,
  unitReference: null,
  productId: randomUUID(),
  soOrgId: ukpn,
  providerId: fsp,
  direction: "GENERATION_TURN_UP",
  mw: 1.5,
  start: "2030-06-21T17:00:00.000Z",
  end: "2030-06-21T19:00:00.000Z",
  committedAt: "2030-06-21T12:00:00.000Z",
  cmzId: randomUUID(),
  ...over,
});

/** The transactions route as pages of `size`, plus lookups: a 2 MW battery, UKPN a DSO, NESO national. */
function fakeReferences(items: Commitment[], size: number) {
  const call = vi.fn(async (_subgraph: string, _path: string, payload: unknown) => {
    const after = (payload as { after?: string }).after;
    const start = after ? Number(after) : 0;
    const page = items.slice(start, start + size);
    return { status: 200, body: { commitments: page as never, next: start + size < items.length ? String(start + size) : null } as never };
  });
  const references: EntityReferences = {
    missing: async () => [],
    lookup: async (typename, ids) =>
      ids.map((id) => {
        if (typename === "Asset" && id === battery) return { id, importCapacityKw: 2000, exportCapacityKw: 2000 };
        if (typename === "Organisation") return { id, areas: id === neso ? ["*"] : ["_C"] };
        return null;
      }) as never,
    call: call as never,
  };
  return { references, call };
}

describe("sweepConflicts", () => {
  it("reads every page (one call each), records the conflicts once with both SOs and the FSP, then nothing", async () => {
    const conflicts = createConflictRepository(handle.db);
    const fillers = Array.from({ length: 5 }, (_, i) =>
      commitment({ assetId: randomUUID(), start: `2030-06-2${i}T01:00:00.000Z`, end: `2030-06-2${i}T02:00:00.000Z` }),
    );
    const nesoItem = commitment({
      soOrgId: neso,
      direction: "DEMAND_TURN_UP",
      mw: 1,
      start: "2030-06-21T17:30:00.000Z",
      end: "2030-06-21T17:45:00.000Z",
      cmzId: null,
    });
    const ukpnItem = commitment({});
    const { references, call } = fakeReferences([...fillers, ukpnItem, nesoItem], 3);
    const window = { from: new Date("2030-06-20T00:00:00Z"), to: new Date("2030-06-27T00:00:00Z") };
    const first = await sweepConflicts({ references, conflicts }, window, { detectedBy: "PROACTIVE", actor: null });
    expect(call.mock.calls.filter(([, path]) => path === "/internal/commitments")).toHaveLength(3); // 7 items, pages of 3
    // The losing instruction (NESO's: DSO primacy) is flagged in conflict, once.
    expect(call.mock.calls.filter(([, path]) => path === "/internal/dispatch-conflicts")).toEqual([
      ["transactions", "/internal/dispatch-conflicts", { instructionIds: [nesoItem.id], inConflict: true }],
    ]);
    expect(first.examined).toBe(7);
    expect(first.recorded).toHaveLength(1);
    expect(first.recorded[0]).toMatchObject({
      kind: "OPPOSING_INSTRUCTIONS",
      status: "OPEN",
      detectedBy: "PROACTIVE",
      overlapMw: 1,
      primacy: { type: "DSO", winningItemId: ukpnItem.id, ruleId: "R-PRI-1" },
      assetIds: [battery],
      instructionIds: [ukpnItem.id, nesoItem.id].sort(),
      partyIds: [ukpn, neso, fsp].sort(),
    });
    const before = await countRows(handle, "rules.audit_events");
    const second = await sweepConflicts({ references, conflicts }, window, { detectedBy: "PROACTIVE", actor: null });
    expect([second.found, second.recorded]).toEqual([1, []]);
    expect(await countRows(handle, "rules.conflicts")).toBe(1);
    expect(await countRows(handle, "rules.audit_events")).toBe(before);
  });

  it("refuses an upstream failure as UPSTREAM_UNAVAILABLE, writing nothing", async () => {
    const conflicts = createConflictRepository(handle.db);
    const references: EntityReferences = {
      missing: async () => [],
      lookup: async (_t, ids) => ids.map(() => null) as never,
      call: (async () => ({ status: 503, body: null })) as never,
    };
    const window = { from: new Date("2030-06-20T00:00:00Z"), to: new Date("2030-06-27T00:00:00Z") };
    await expect(sweepConflicts({ references, conflicts }, window, { detectedBy: "PROACTIVE", actor: null })).rejects.toMatchObject({
      extensions: { code: "UPSTREAM_UNAVAILABLE" },
    });
  });
});

describe("the scheduled sweep", () => {
  it("is off unless CONFLICT_SWEEP_MS is set; set, it sweeps on each tick until closed", async () => {
    expect(conflictSweepSettings({}).intervalMs).toBe(0);
    expect(() => conflictSweepSettings({ CONFLICT_SWEEP_MS: "-5" })).toThrow(/CONFLICT_SWEEP_MS/);
    const conflicts = createConflictRepository(handle.db);
    const idle = fakeReferences([], 10);
    await createConflictsModule({ references: idle.references, conflicts, settings: conflictSweepSettings({}) }).close();
    expect(idle.call).not.toHaveBeenCalled();
    const now = Date.now();
    const a = commitment({ assetId: randomUUID(), start: new Date(now).toISOString(), end: new Date(now + 3_600_000).toISOString() });
    const b = commitment({ ...a, id: randomUUID(), productId: randomUUID(), soOrgId: neso, direction: "DEMAND_TURN_UP", cmzId: null });
    const ticking = fakeReferences([a, b], 10);
    const module = createConflictsModule({
      references: ticking.references,
      conflicts,
      settings: conflictSweepSettings({ CONFLICT_SWEEP_MS: "20" }),
    });
    await vi.waitFor(
      async () => expect((await conflicts.list({}, { limit: 10, offset: 0 })).map((c) => c.assetIds[0])).toContain(a.assetId),
      {
        timeout: 5000,
      },
    );
    await module.close();
    const calls = ticking.call.mock.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(ticking.call.mock.calls.length).toBe(calls); // stopped
  });
});
