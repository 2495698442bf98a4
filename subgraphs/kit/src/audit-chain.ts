import { sql } from "drizzle-orm";
import type { Database } from "./database.js";

/**
 * The audit trail is append-only and hash-chained in the database itself, so nothing can rewrite it
 * unnoticed, whatever code writes to it:
 * - a BEFORE UPDATE OR DELETE row trigger and a BEFORE TRUNCATE trigger refuse every change;
 * - a BEFORE INSERT trigger gives each event its place in the subgraph's chain (`chain_index`), the
 *   previous event's hash (`prev_hash`) and its own `hash`: SHA-256 over the kit's audit columns as
 *   canonical jsonb (timestamps in UTC), prev_hash included. Only those columns: a subgraph's extra
 *   columns, and columns a later migration adds, leave existing hashes valid. A one-row head table holds the chain's end; locking that
 *   row serialises concurrent writers, so the chain order is the commit order.
 * `verifyAuditChain` recomputes every hash and reports the first broken link.
 */

const q = (schema: string) => `"${schema.replaceAll('"', '""')}"`;
/** The transaction-local setting holding `<schema>`'s chain end ("index:hash") once its transaction holds the head. */
const headSetting = (schema: string) => `sfe_audit.head_${schema.replaceAll(/[^a-z0-9_]/gi, "_")}`;

/** The statements that install the guard on `<schema>.audit_events` (idempotent; run after migrations). */
export function auditGuardStatements(schema: string): string[] {
  const s = q(schema);
  return [
    `create table if not exists ${s}.audit_chain_head (
       only_row boolean primary key default true check (only_row),
       chain_index bigint not null,
       hash text)`,
    `insert into ${s}.audit_chain_head (chain_index, hash) values (0, null) on conflict do nothing`,
    // occurredAt as jsonb renders a timestamptz with the session in UTC (the hashes were first made under
    // `set timezone = 'UTC'`), byte for byte, infinity and BC years too; without a SET clause the function is inlined
    // and no setting is saved and restored per event. CREATE OR REPLACE drops an older version's SET clause.
    `create or replace function ${s}.audit_event_hash(e ${s}.audit_events) returns text
       language sql stable
       as $$ select encode(sha256(convert_to(jsonb_build_object(
         'id', e.id, 'occurredAt', case when not isfinite(e.occurred_at) then to_jsonb(e.occurred_at)
           else to_jsonb(replace((to_jsonb(e.occurred_at at time zone 'UTC') #>> '{}') || '+00:00', ' BC+00:00', '+00:00 BC')) end,
         'actorUserId', e.actor_user_id,
         'actorOrganisationId', e.actor_organisation_id, 'action', e.action, 'entityType', e.entity_type,
         'entityId', e.entity_id, 'before', e.before, 'after', e.after, 'chainIndex', e.chain_index,
         'prevHash', e.prev_hash)::text, 'UTF8')), 'hex') $$`,
    // The chain's end during a transaction: the head row is locked (FOR UPDATE) by the transaction's first event
    // and held to its end, and the events after it read the end from a transaction-local setting; the head row is
    // written once per statement (audit_events_chain_head). Reading and updating that one row for every event made
    // a transaction of n events walk n row versions each time: 100,000 assets imported at once took minutes.
    `create or replace function ${s}.audit_events_chain() returns trigger language plpgsql as $$
     declare held text := current_setting('${headSetting(schema)}', true); idx bigint; prev text;
     begin
       if coalesce(held, '') = '' then
         select chain_index, hash into idx, prev from ${s}.audit_chain_head for update;
       else
         idx := split_part(held, ':', 1)::bigint;
         prev := nullif(split_part(held, ':', 2), '');
       end if;
       new.chain_index := idx + 1;
       new.prev_hash := prev;
       new.hash := ${s}.audit_event_hash(new);
       perform set_config('${headSetting(schema)}', new.chain_index || ':' || new.hash, true);
       return new;
     end $$`,
    `create or replace function ${s}.audit_events_chain_head() returns trigger language plpgsql as $$
     declare held text := current_setting('${headSetting(schema)}', true);
     begin
       if coalesce(held, '') <> '' then
         update ${s}.audit_chain_head set chain_index = split_part(held, ':', 1)::bigint, hash = split_part(held, ':', 2)
           where chain_index <> split_part(held, ':', 1)::bigint;
       end if;
       return null;
     end $$`,
    `create or replace function ${s}.audit_events_refuse() returns trigger language plpgsql as $$
     begin
       raise exception 'the audit trail is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
     end $$`,
    // Events written before the guard existed join the chain once, in the order they happened.
    `drop trigger if exists audit_events_append_only on ${s}.audit_events`,
    `do $$
     declare r record; head record;
     begin
       for r in select id from ${s}.audit_events where hash is null order by occurred_at, id loop
         select chain_index, hash into head from ${s}.audit_chain_head for update;
         update ${s}.audit_events set chain_index = head.chain_index + 1, prev_hash = head.hash where id = r.id;
         update ${s}.audit_events e set hash = ${s}.audit_event_hash(e) where e.id = r.id;
         update ${s}.audit_chain_head set chain_index = head.chain_index + 1,
           hash = (select hash from ${s}.audit_events where id = r.id);
       end loop;
     end $$`,
    `create trigger audit_events_append_only before update or delete on ${s}.audit_events
       for each row execute function ${s}.audit_events_refuse()`,
    `drop trigger if exists audit_events_no_truncate on ${s}.audit_events`,
    `create trigger audit_events_no_truncate before truncate on ${s}.audit_events
       for each statement execute function ${s}.audit_events_refuse()`,
    `drop trigger if exists audit_events_chain on ${s}.audit_events`,
    `create trigger audit_events_chain before insert on ${s}.audit_events
       for each row execute function ${s}.audit_events_chain()`,
    `drop trigger if exists audit_events_chain_head on ${s}.audit_events`,
    `create trigger audit_events_chain_head after insert on ${s}.audit_events
       for each statement execute function ${s}.audit_events_chain_head()`,
  ];
}

/**
 * Lifts the append-only trigger while the subgraph's own migrations run (under the migration lock), so a
 * migration may fill a column the hash does not cover; `installAuditGuard` puts it back right after.
 */
export async function suspendAuditGuard(db: Database, schema: string): Promise<void> {
  if (await hasAuditTable(db, schema))
    await db.execute(sql.raw(`drop trigger if exists audit_events_append_only on ${q(schema)}.audit_events`));
}

/** Whether `<schema>.audit_events` exists with the chain's columns (a migration adds them). */
const hasAuditTable = async (db: Database, schema: string) =>
  rows(
    await db.execute(
      sql`select 1 from information_schema.columns where table_schema = ${schema} and table_name = 'audit_events' and column_name = 'prev_hash'`,
    ),
  ).length > 0;

/** Installs the guard when `<schema>.audit_events` exists with the chain's columns. */
export async function installAuditGuard(db: Database, schema: string): Promise<void> {
  if (!(await hasAuditTable(db, schema))) return;
  await db.transaction(async (tx) => {
    for (const statement of auditGuardStatements(schema)) await tx.execute(sql.raw(statement));
  });
}

export interface AuditChainReport {
  schema: string;
  /** Events checked. */
  events: number;
  /** The first event whose link does not hold, or null when the whole chain does. */
  firstBroken: { chainIndex: number | null; id: string | null; reason: string } | null;
}

/**
 * Recomputes every event's hash in chain order: an edited event no longer matches its hash, a deleted
 * one leaves a gap (the next event's prev_hash and place do not follow), a deleted end leaves the head
 * pointing past the last event.
 */
export async function verifyAuditChain(db: Database, schema: string): Promise<AuditChainReport> {
  const s = q(schema);
  const [broken] = rows<{ chain_index: string | null; id: string; reason: string }>(
    await db.execute(
      sql.raw(`with chain as (
        select e.chain_index, e.id, e.hash, e.prev_hash, ${s}.audit_event_hash(e) as recomputed,
               lag(e.hash) over w as previous, row_number() over w as position
        from ${s}.audit_events e window w as (order by e.chain_index nulls first, e.occurred_at, e.id))
      select chain_index::text, id::text,
             case when chain_index is distinct from position then 'out of place: an event before it is missing'
                  when prev_hash is distinct from previous then 'prev_hash does not match the previous event'
                  else 'hash does not match the event (it was changed)' end as reason
      from chain
      where chain_index is distinct from position or prev_hash is distinct from previous or hash is distinct from recomputed
      order by position limit 1`),
    ),
  );
  const [summary] = rows<{ events: string; last: string | null; head_index: string; head_hash: string | null }>(
    await db.execute(
      sql.raw(`select (select count(*) from ${s}.audit_events)::text as events,
        (select hash from ${s}.audit_events order by chain_index desc limit 1) as last,
        h.chain_index::text as head_index, h.hash as head_hash from ${s}.audit_chain_head h`),
    ),
  );
  const events = Number(summary?.events ?? 0);
  let firstBroken: AuditChainReport["firstBroken"] = broken
    ? { chainIndex: broken.chain_index === null ? null : Number(broken.chain_index), id: broken.id, reason: broken.reason }
    : null;
  if (!firstBroken && summary && (Number(summary.head_index) !== events || summary.head_hash !== summary.last)) {
    firstBroken = { chainIndex: events + 1, id: null, reason: "the chain's end is missing: events after the last one were removed" };
  }
  return { schema, events, firstBroken };
}

// PGlite answers { rows }, postgres-js an array of rows.
const rows = <T>(result: unknown): T[] => (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
