import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { pgSchema, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEventsTable, type DatabaseHandle, defineLifecycle, forbidden, guardedUpdate, SfeError } from "../src/index.js";
import { countRows, createTestDatabase, raceAtRowLock, testIdentity } from "../src/testing.js";

type DoorStatus = "OPEN" | "CLOSED" | "LOCKED" | "BRICKED";
const doorLifecycle = defineLifecycle<DoorStatus>("Door", {
  OPEN: ["CLOSED", "BRICKED"],
  CLOSED: ["OPEN", "LOCKED", "BRICKED"],
  LOCKED: ["CLOSED"],
  BRICKED: [],
});

const schema = pgSchema("guarded");
const doors = schema.table("doors", {
  id: uuid().primaryKey().defaultRandom(),
  ownerId: uuid("owner_id").notNull(),
  name: text().notNull(),
  status: text().$type<DoorStatus>().notNull().default("CLOSED"),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});
const audit = auditEventsTable(schema);

let handle: DatabaseHandle;
beforeAll(async () => {
  handle = await createTestDatabase();
  for (const statement of [
    `create schema guarded`,
    `create table guarded.doors (id uuid primary key default gen_random_uuid(), owner_id uuid not null, name text not null,
      status text not null default 'CLOSED', updated_at timestamptz not null default now())`,
    `create table guarded.audit_events (id uuid primary key default gen_random_uuid(),
      occurred_at timestamptz not null default now(), actor_user_id uuid, actor_organisation_id uuid, action text not null,
      entity_type text not null, entity_id text not null, before jsonb, after jsonb, chain_index bigint, prev_hash text, hash text)`,
  ]) {
    await handle.db.execute(sql.raw(statement));
  }
});
afterAll(() => handle.close());

const owner = randomUUID();
const actor = testIdentity({ roles: ["FSP"], organisationId: owner });
const audits = () => countRows(handle, "guarded.audit_events");
const lastAudit = async () => (await handle.db.select().from(audit).orderBy(sql`${audit.occurredAt} desc, ${audit.id} desc`).limit(1))[0];
const read = async (id: string) => (await handle.db.select().from(doors).where(eq(doors.id, id)))[0];

async function door(status: DoorStatus = "CLOSED", ownerId = owner) {
  const [row] = await handle.db
    .insert(doors)
    .values({ ownerId, name: "front", status, updatedAt: new Date("2020-01-01T00:00:00Z") })
    .returning();
  return row!;
}

/** Moves `id` to `status`, as the doors' owner may. */
const move = (id: string, status: DoorStatus) =>
  guardedUpdate(handle.db, {
    table: doors,
    audit,
    lifecycle: doorLifecycle,
    id,
    actor,
    visible: eq(doors.ownerId, owner),
    change: () => ({ status }),
  });

describe("guardedUpdate", () => {
  it("updates the locked row, stamps updatedAt and appends UPDATE with before and after", async () => {
    const before = await door();
    const after = await guardedUpdate(handle.db, {
      table: doors,
      audit,
      lifecycle: doorLifecycle,
      id: before.id,
      actor,
      change: (row) => ({ name: `${row.name} (renamed)` }),
    });
    expect(after).toMatchObject({ id: before.id, name: "front (renamed)", status: "CLOSED" });
    expect(after!.updatedAt.getTime()).toBeGreaterThan(before.updatedAt.getTime());
    expect(await read(before.id)).toEqual(after);
    expect(await lastAudit()).toMatchObject({
      action: "UPDATE",
      entityType: "Door",
      entityId: before.id,
      actorUserId: actor.userId,
      actorOrganisationId: owner,
      before: { name: "front" },
      after: { name: "front (renamed)" },
    });
  });

  it("checks a status change against the lifecycle and audits it as STATUS_CHANGE", async () => {
    const { id } = await door("CLOSED");
    expect((await move(id, "LOCKED"))?.status).toBe("LOCKED");
    expect(await lastAudit()).toMatchObject({
      action: "STATUS_CHANGE",
      entityId: id,
      before: { status: "CLOSED" },
      after: { status: "LOCKED" },
    });
  });

  it("refuses a move the lifecycle does not allow: CONFLICT naming both statuses, nothing written", async () => {
    const { id } = await door("LOCKED");
    const count = await audits();
    const refusal = await move(id, "OPEN").catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(SfeError);
    expect(refusal).toMatchObject({
      message: `Door ${id} is LOCKED: it cannot become OPEN; from LOCKED it may become CLOSED`,
      extensions: { code: "CONFLICT", currentStatus: "LOCKED", requestedStatus: "OPEN" },
    });
    expect((await read(id))?.status).toBe("LOCKED");
    expect(await audits()).toBe(count);
  });

  it("treats the status the row already has as a no-op: the row as it is, no audit event", async () => {
    const row = await door("OPEN");
    const count = await audits();
    expect(await move(row.id, "OPEN")).toEqual(row);
    expect(await read(row.id)).toEqual(row); // updatedAt not stamped either
    expect(await audits()).toBe(count);
  });

  it("writes the other values of a change that repeats the status, as UPDATE", async () => {
    const { id } = await door("OPEN");
    const after = await guardedUpdate(handle.db, {
      table: doors,
      audit,
      lifecycle: doorLifecycle,
      id,
      actor,
      change: () => ({ status: "OPEN" as const, name: "back" }),
    });
    expect(after).toMatchObject({ status: "OPEN", name: "back" });
    expect(await lastAudit()).toMatchObject({ action: "UPDATE", entityId: id });
  });

  it("without a lifecycle, audits a status like any column (UPDATE) under the entity type given", async () => {
    const { id } = await door("BRICKED");
    const after = await guardedUpdate(handle.db, {
      table: doors,
      audit,
      entityType: "Portal",
      id,
      actor,
      change: () => ({ status: "OPEN" as const }),
    });
    expect(after?.status).toBe("OPEN");
    expect(await lastAudit()).toMatchObject({ action: "UPDATE", entityType: "Portal", entityId: id });
  });

  it("hands the audit event to `record` instead of appending it, in the change's transaction, only when it writes", async () => {
    const row = await door("CLOSED");
    const count = await audits();
    const recorded: { action: string; entityType: string; entityId: string; before: DoorStatus; after: DoorStatus }[] = [];
    const lock = (id: string) =>
      guardedUpdate(handle.db, {
        table: doors,
        lifecycle: doorLifecycle,
        id,
        change: () => ({ status: "LOCKED" as const }),
        record: async (tx, { action, entityType, entityId, before, after }) => {
          // The transaction of the change: the row is written already, and an insert here is part of it.
          const [seen] = await tx.select({ status: doors.status }).from(doors).where(eq(doors.id, entityId));
          expect(seen?.status).toBe(after.status);
          recorded.push({ action, entityType, entityId, before: before.status, after: after.status });
        },
      });
    expect((await lock(row.id))?.status).toBe("LOCKED");
    expect(await lock(row.id)).toMatchObject({ status: "LOCKED" }); // nothing to write: nothing recorded
    expect(recorded).toEqual([{ action: "STATUS_CHANGE", entityType: "Door", entityId: row.id, before: "CLOSED", after: "LOCKED" }]);
    expect(await audits()).toBe(count); // the kit's trail is not written

    const failing = await door("CLOSED");
    const refused = guardedUpdate(handle.db, {
      table: doors,
      entityType: "Door",
      id: failing.id,
      change: () => ({ name: "side" }),
      record: async () => {
        throw forbidden("No trail, no change");
      },
    });
    await expect(refused).rejects.toMatchObject({ extensions: { code: "FORBIDDEN" } });
    expect(await read(failing.id)).toEqual(failing); // the update is rolled back with the failed record
  });

  it("answers null, writing nothing, for a row outside `visible`, an unknown id and a malformed id", async () => {
    const theirs = await door("CLOSED", randomUUID());
    const count = await audits();
    for (const id of [theirs.id, randomUUID(), "not-an-id"]) expect(await move(id, "OPEN")).toBeNull();
    expect(await read(theirs.id)).toEqual(theirs);
    expect(await audits()).toBe(count);
  });

  it("writes nothing when `change` refuses, and passes its error on", async () => {
    const row = await door();
    const count = await audits();
    const refused = guardedUpdate(handle.db, {
      table: doors,
      audit,
      lifecycle: doorLifecycle,
      id: row.id,
      actor,
      change: (before) => {
        if (before.name === "front") throw forbidden("The front door stays as it is");
        return { status: "OPEN" as const };
      },
    });
    await expect(refused).rejects.toMatchObject({ extensions: { code: "FORBIDDEN" } });
    expect(await read(row.id)).toEqual(row);
    expect(await audits()).toBe(count);
  });
});

describe("two racing changes of one row", () => {
  const race = <T>(id: string, racers: (() => Promise<T>)[]) =>
    raceAtRowLock(handle, (tx) => tx.select({ id: doors.id }).from(doors).where(eq(doors.id, id)).for("update"), racers);

  it("lets exactly one of two conflicting transitions through; the other is CONFLICT against the winner's status", async () => {
    for (let round = 0; round < 3; round++) {
      // From CLOSED a door may become LOCKED or BRICKED, but neither of those may become the other.
      const { id } = await door("CLOSED");
      const count = await audits();
      const results = await race(id, [() => move(id, "LOCKED"), () => move(id, "BRICKED")]);
      const won = results.flatMap((result, i) => (result.status === "fulfilled" ? [(["LOCKED", "BRICKED"] as const)[i]!] : []));
      const lost = results.flatMap((result) => (result.status === "rejected" ? [result.reason] : []));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]).toMatchObject({ extensions: { code: "CONFLICT", currentStatus: won[0] } });
      expect((await read(id))?.status).toBe(won[0]);
      expect(await audits()).toBe(count + 1);
    }
  });
});
