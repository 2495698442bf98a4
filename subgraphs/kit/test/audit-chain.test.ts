import { sql } from "drizzle-orm";
import { pgSchema } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAudit, auditEventsTable, type DatabaseHandle, installAuditGuard, verifyAuditChain } from "../src/index.js";
import { createTestDatabase, resultRows, testIdentity } from "../src/testing.js";

const table = auditEventsTable(pgSchema("chained"));
let handle: DatabaseHandle;

beforeAll(async () => {
  handle = await createTestDatabase();
  await handle.db.execute(sql.raw(`create schema chained`));
  await handle.db.execute(
    sql.raw(`create table chained.audit_events (id uuid primary key default gen_random_uuid(),
      occurred_at timestamptz not null default now(), actor_user_id uuid, actor_organisation_id uuid, action text not null,
      entity_type text not null, entity_id text not null, before jsonb, after jsonb, chain_index bigint, prev_hash text, hash text)`),
  );
  // Two events from before the guard existed: they join the chain when it is installed.
  for (const id of ["a", "b"]) await appendAudit(handle.db, table, null, { action: "CREATE", entityType: "Thing", entityId: id });
  await installAuditGuard(handle.db, "chained");
  await installAuditGuard(handle.db, "chained"); // idempotent: every start runs it
});
afterAll(() => handle.close());

const actor = testIdentity({ roles: ["FSP"] });
const execute = (statement: string) => handle.db.execute(sql.raw(statement));

describe("the audit trail", () => {
  it("chains every event, those written concurrently too, and the chain checks out", async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        handle.db.transaction((tx) =>
          appendAudit(tx, table, actor, { action: "UPDATE", entityType: "Thing", entityId: `t${i}`, after: { i } }),
        ),
      ),
    );
    expect(await verifyAuditChain(handle.db, "chained")).toEqual({ schema: "chained", events: 22, firstBroken: null });
    const rows = await handle.db.select().from(table).orderBy(table.chainIndex);
    expect(rows.map((r) => r.chainIndex)).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
    expect(rows[0]!.prevHash).toBeNull();
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prevHash).toBe(rows[i - 1]!.hash);
  });

  it("refuses updates, deletes and truncation in the database itself", async () => {
    for (const statement of [
      `update chained.audit_events set action = 'DELETE'`,
      `delete from chained.audit_events`,
      `truncate chained.audit_events`,
    ]) {
      await expect(execute(statement)).rejects.toThrow();
    }
    expect((await verifyAuditChain(handle.db, "chained")).events).toBe(22);
  });

  let originals: { chainIndex: number | null; after: unknown }[] = [];
  it("finds the first event edited behind the API's back", async () => {
    originals = (await handle.db.select().from(table)).filter((r) => r.chainIndex === 7 || r.chainIndex === 12);
    await execute(`alter table chained.audit_events disable trigger audit_events_append_only`);
    await execute(`update chained.audit_events set after = '{"i": 99}' where chain_index in (7, 12)`);
    await execute(`alter table chained.audit_events enable trigger audit_events_append_only`);
    const report = await verifyAuditChain(handle.db, "chained");
    expect(report.firstBroken).toMatchObject({ chainIndex: 7, reason: expect.stringMatching(/changed/) });
  });

  it("finds a deleted event and a deleted end", async () => {
    await execute(`alter table chained.audit_events disable trigger audit_events_append_only`);
    for (const { chainIndex, after } of originals) {
      await execute(`update chained.audit_events set after = '${JSON.stringify(after)}' where chain_index = ${chainIndex}`);
    }
    expect((await verifyAuditChain(handle.db, "chained")).firstBroken).toBeNull(); // restored exactly
    await execute(`delete from chained.audit_events where chain_index = 22`);
    expect((await verifyAuditChain(handle.db, "chained")).firstBroken).toMatchObject({
      chainIndex: 22,
      reason: expect.stringMatching(/end/),
    });
    await execute(`delete from chained.audit_events where chain_index = 3`);
    await execute(`alter table chained.audit_events enable trigger audit_events_append_only`);
    expect((await verifyAuditChain(handle.db, "chained")).firstBroken).toMatchObject({ chainIndex: 4 });
  });
});

describe("many events in one transaction (a bulk import's)", () => {
  const bulk = auditEventsTable(pgSchema("bulkchained"));
  const insertMany = (n: number, tag: string) =>
    sql.raw(`insert into bulkchained.audit_events (action, entity_type, entity_id)
      select 'CREATE', 'Thing', '${tag}' || g from generate_series(1, ${n}) g`);

  beforeAll(async () => {
    await execute(`create schema bulkchained`);
    await execute(`create table bulkchained.audit_events (like chained.audit_events including all)`);
    await installAuditGuard(handle.db, "bulkchained");
  });

  it("chains statements of thousands of rows, single appends between them and a rolled-back savepoint, in order", async () => {
    await handle.db.transaction(async (tx) => {
      await tx.execute(insertMany(3000, "a"));
      await appendAudit(tx, bulk, actor, { action: "UPDATE", entityType: "Thing", entityId: "single" });
      await tx
        .transaction(async (savepoint) => {
          await savepoint.execute(insertMany(500, "gone"));
          throw new Error("rolled back");
        })
        .catch(() => {});
      await tx.execute(insertMany(2000, "b"));
    });
    // Another transaction after it continues the chain from its end.
    await Promise.all(
      ["c", "d"].map((tag) =>
        handle.db.transaction((tx) => appendAudit(tx, bulk, actor, { action: "CREATE", entityType: "Thing", entityId: tag })),
      ),
    );
    expect(await verifyAuditChain(handle.db, "bulkchained")).toEqual({ schema: "bulkchained", events: 5003, firstBroken: null });
    // (verifyAuditChain also checks the head row: written once per statement, it must name the last event.)
    const rows = await handle.db.select({ entityId: bulk.entityId }).from(bulk).orderBy(bulk.chainIndex);
    expect(rows.filter((r) => r.entityId.startsWith("gone"))).toEqual([]);
    expect(rows[3000]?.entityId).toBe("single");
  });
});

describe("the hash without its SET clause", () => {
  const oldHash = `create or replace function oldhash.audit_event_hash(e oldhash.audit_events) returns text
    language sql stable set timezone = 'UTC'
    as $$ select encode(sha256(convert_to(jsonb_build_object(
      'id', e.id, 'occurredAt', e.occurred_at, 'actorUserId', e.actor_user_id,
      'actorOrganisationId', e.actor_organisation_id, 'action', e.action, 'entityType', e.entity_type,
      'entityId', e.entity_id, 'before', e.before, 'after', e.after, 'chainIndex', e.chain_index,
      'prevHash', e.prev_hash)::text, 'UTF8')), 'hex') $$`;

  it("keeps the hashes the old function wrote, whatever the session's time zone", async () => {
    await execute(`create schema oldhash`);
    await execute(`create table oldhash.audit_events (like chained.audit_events including all)`);
    await installAuditGuard(handle.db, "oldhash");
    await execute(oldHash); // a database installed before: its events hashed under set timezone = 'UTC'
    // Whole seconds, trimmed fractions, microseconds, a BC year: jsonb's renderings of a timestamptz.
    await execute(`insert into oldhash.audit_events (occurred_at, action, entity_type, entity_id)
      select t, 'CREATE', 'Thing', t::text from unnest(array['2026-12-03 09:00:00+00', '2026-12-03 09:00:00.1+05:30',
        '2026-03-29 01:30:00.123456+01', '2026-10-25 01:59:59.99999+00', '0044-03-15 12:00:00+00 BC']::timestamptz[]) t`);
    await installAuditGuard(handle.db, "oldhash"); // every start: replaces the function
    const [fn] = resultRows(await execute(`select proconfig from pg_proc where oid = 'oldhash.audit_event_hash'::regproc`));
    expect(fn).toEqual({ proconfig: null });
    expect(await verifyAuditChain(handle.db, "oldhash")).toEqual({ schema: "oldhash", events: 5, firstBroken: null });
    for (const zone of ["Asia/Kolkata", "America/St_Johns"]) {
      const mismatched = await handle.db.transaction(async (tx) => {
        await tx.execute(sql.raw(`set local timezone = '${zone}'`));
        await tx.execute(
          sql.raw(`insert into oldhash.audit_events (action, entity_type, entity_id) values ('CREATE', 'Thing', '${zone}')`),
        );
        return resultRows(await tx.execute(sql.raw(`select id from oldhash.audit_events e where hash <> oldhash.audit_event_hash(e)`)));
      });
      expect(mismatched).toEqual([]);
    }
    // Written in other zones, the new events verify (hashed as in UTC) with the old function too.
    await execute(oldHash);
    expect(await verifyAuditChain(handle.db, "oldhash")).toEqual({ schema: "oldhash", events: 7, firstBroken: null });
  });
});
