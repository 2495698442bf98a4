import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, type DatabaseHandle, defineLifecycle, SfeError } from "../src/index.js";
import { createTestDatabase } from "../src/testing.js";

type Light = "RED" | "RED_AMBER" | "GREEN" | "AMBER" | "OFF";
const light = defineLifecycle<Light>("Light", {
  RED: ["RED_AMBER", "OFF"],
  RED_AMBER: ["GREEN"],
  GREEN: ["AMBER", "OFF"],
  AMBER: ["RED"],
  OFF: [],
});

/** The error `fn` throws. */
function thrown(fn: () => unknown): SfeError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SfeError) return error;
    throw error;
  }
  throw new Error("expected an SfeError");
}

describe("a lifecycle declared as a transition table", () => {
  const id = "6f1c2a4e-0b7d-4c1e-9a51-1f6f0c3d2a01";

  it("allows exactly the transitions in the table", () => {
    const allowed: string[] = [];
    for (const from of light.states) for (const to of light.states) if (light.allows(from, to)) allowed.push(`${from}→${to}`);
    expect(allowed).toEqual(["RED→RED_AMBER", "RED→OFF", "RED_AMBER→GREEN", "GREEN→AMBER", "GREEN→OFF", "AMBER→RED"]);
    expect(light.states).toEqual(["RED", "RED_AMBER", "GREEN", "AMBER", "OFF"]);
    expect(light.states.filter(light.isFinal)).toEqual(["OFF"]);
  });

  it("checks a change: true to write it, false for the status the record already has (a no-op)", () => {
    expect(light.check(id, "RED", "RED_AMBER")).toBe(true);
    expect(light.check(id, "AMBER", "RED")).toBe(true);
    for (const state of light.states) expect(light.check(id, state, state)).toBe(false);
  });

  it("refuses any other change with CONFLICT naming the entity, the record and both statuses", () => {
    const fromFinal = thrown(() => light.check(id, "OFF", "GREEN"));
    expect(fromFinal.message).toBe(`Light ${id} is OFF: it cannot become GREEN (OFF is final)`);
    expect(fromFinal.extensions).toEqual({ code: "CONFLICT", currentStatus: "OFF", requestedStatus: "GREEN" });
    const skipping = thrown(() => light.check(id, "RED", "GREEN"));
    expect(skipping.message).toBe(`Light ${id} is RED: it cannot become GREEN; from RED it may become RED_AMBER, OFF`);
    expect(skipping.extensions).toMatchObject({ code: "CONFLICT", currentStatus: "RED", requestedStatus: "GREEN" });
    // A status the table does not know (say, an old row) can become nothing.
    expect(thrown(() => light.check(id, "BLUE" as Light, "RED")).message).toMatch(
      /is BLUE: it cannot become RED \(BLUE is not a Light status\)/,
    );
  });

  it("quotes a record id that is not a UUID, cut short", () => {
    const error = thrown(() => light.check("x".repeat(500), "OFF", "RED"));
    expect(error.message).toBe(`Light "${"x".repeat(40)}…" is OFF: it cannot become RED (OFF is final)`);
  });

  it("describes itself in one line", () => {
    expect(light.describe()).toBe("RED → RED_AMBER | OFF; RED_AMBER → GREEN; GREEN → AMBER | OFF; AMBER → RED; OFF is final.");
    expect(defineLifecycle<"A" | "B" | "C">("X", { A: ["B", "C"], B: [], C: [] }).describe()).toBe("A → B | C; B, C are final.");
  });

  it("refuses a table that names an unknown status, a status twice, or a status as its own successor", () => {
    expect(() => defineLifecycle("X", { A: ["B"] } as never)).toThrow("X lifecycle: A → B, which is not a X status");
    expect(() => defineLifecycle<"A" | "B">("X", { A: ["B", "B"], B: [] })).toThrow("X lifecycle: A lists a status twice");
    expect(() => defineLifecycle<"A" | "B">("X", { A: ["A", "B"], B: [] })).toThrow(/A lists itself/);
  });
});

describe("checking inside a transaction, after select … for update", () => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await createTestDatabase();
    await handle.exec("create table lights (id uuid primary key, status text not null)");
  });
  afterAll(() => handle.close());

  const rows = (result: unknown) => (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { status: Light }[];

  /** Locks the row, checks the change against the lifecycle, updates: the shape every status change takes. */
  const change = (db: Database, id: string, to: Light) =>
    db.transaction(async (tx) => {
      const [row] = rows(await tx.execute(sql`select status from lights where id = ${id} for update`));
      if (!row) throw new Error("no such light");
      if (!light.check(id, row.status, to)) return row.status;
      await tx.execute(sql`update lights set status = ${to} where id = ${id}`);
      return to;
    });

  it("lets exactly one of two racing conflicting changes through; the other sees its outcome", async () => {
    // GREEN → AMBER and GREEN → OFF are both legal on their own, but AMBER ↛ OFF and OFF ↛ AMBER.
    for (let round = 0; round < 5; round++) {
      const id = randomUUID();
      await handle.exec(`insert into lights values ('${id}', 'GREEN')`);
      const outcomes = await Promise.allSettled([change(handle.db, id, "AMBER"), change(handle.db, id, "OFF")]);
      const won = outcomes.filter((o) => o.status === "fulfilled");
      const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]!.reason).toBeInstanceOf(SfeError);
      expect(lost[0]!.reason.extensions).toMatchObject({
        code: "CONFLICT",
        currentStatus: (won[0] as PromiseFulfilledResult<Light>).value,
      });
      const [stored] = rows(await handle.db.execute(sql`select status from lights where id = ${id}`));
      expect(stored!.status).toBe((won[0] as PromiseFulfilledResult<Light>).value);
    }
  });
});
