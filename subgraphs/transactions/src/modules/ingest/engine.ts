// The bulk ingest engine (issue 10 items 2 and 7): a file streamed in, parsed row by row, each row normalised by its
// adapter, a chunk's references resolved in one batched lookup per entity type, the valid rows COPYed into a
// staging table, then ONE set-based validate-and-merge into the target in ONE transaction:
//   INSERT … SELECT … FROM staging ON CONFLICT (source, external_id) DO UPDATE … WHERE (…) IS DISTINCT FROM (…)
// Nothing of a batch reaches the target before that transaction commits, so a file that breaks off mid-way
// (a dropped connection, a crash) leaves none of it. Memory stays flat in the file size: a chunk at a time.
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { type CopyRow, type Database, type Identity, copyInto, enqueueEvent, quoteQualified, ruleWarningEvent, wakeOutbox } from "@sfe/kit";
import { CsvError, parse } from "csv-parse";
import { type SQL, sql } from "drizzle-orm";
import type { CsvRecord } from "../../adapters/index.js";
import {
  type Adapter,
  type EntitySpec,
  type IngestContext,
  type MeterReadingRow,
  type ReadRow,
  type Resolved,
  dispatchInstructionsSpec,
  meterReadingsSpec,
} from "./entities.js";
import { recordIngestedDispatchesEvent } from "../commitments/events.js";
import { fastScratchTables, stageMeterReadingsFast } from "./fast.js";
import { ReadInSql, readUkpnFast } from "./ukpn-fast.js";
import type { IngestBatchesRepository } from "./repository.js";
import { outboxEvents } from "../../db/schema.js";
import type { IngestFormat, IngestMode, IngestRowError, IngestRowWarning, IngestStatus } from "./tables.js";

/** Rows normalised and resolved together: one lookup per entity type per chunk. */
export const CHUNK_ROWS = 5_000;
/**
 * A body that ends within this many bytes (a few hundred rows: a dispatch feed's batch) is read whole and its rows
 * held in memory: no fast path (made for large files), no scratch table before the merge; they go into a temporary
 * table of the merge's own transaction (dropped at its end). Measured through the gateway at 1,000 dispatches/s in
 * batches of 100 (tests/bench/conflicts.ts), the scratch tables' DDL, spool and extra COPY were most of a batch's work.
 */
export const SMALL_BODY_BYTES = 256 * 1024;
/** Rejected rows the report (and the batch) lists; the total is always given. */
export const MAX_REPORTED_REJECTIONS = 1_000;

/** A file's bytes as they stream in (an IncomingMessage is one). */
export type Body = AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

/** A file that cannot be read at all (malformed CSV, a missing column): 400, nothing written. */
export class IngestFileError extends Error {}

export interface IngestRequest {
  spec: EntitySpec<any>;
  adapter: string;
  source: string;
  format: IngestFormat;
  mode: IngestMode;
  fileName: string | null;
  params: URLSearchParams;
}

export interface IngestReport {
  batchId: string;
  entity: string;
  source: string;
  adapter: string;
  mode: IngestMode;
  status: IngestStatus;
  rows: number;
  inserted: number;
  updated: number;
  repeats: number;
  duplicates: number;
  /** Rows holding nothing of the entity (Adapter.read answered null). */
  skipped: number;
  rejected: number;
  /** The first 1,000 rejected rows, in file order. */
  rejections: IngestRowError[];
  /** The market rules' NOTIFY findings on rows written (the first 1,000, in file order); `warned` counts them all. */
  warned: number;
  warnings: IngestRowWarning[];
}

export interface IngestDeps {
  db: Database;
  batches: IngestBatchesRepository;
  context: Omit<IngestContext, "params">;
  /** SMALL_BODY_BYTES unless given (tests take a file both ways with 0). */
  smallBodyBytes?: number;
}

// ------------------------------------------------------------------------------------------ reading

/** Each data row of a CSV body as column → text; row 1 is the first after the header. */
async function* csvRecords(body: Body, required: readonly string[]): AsyncGenerator<CsvRecord> {
  const parser = parse({
    bom: true,
    columns: (header: string[]) => {
      const names = header.map((h) => h.trim());
      const missing = required.filter((c) => !names.includes(c));
      if (missing.length > 0) throw new IngestFileError(`The file lacks the column(s) ${missing.join(", ")}`);
      return names;
    },
    skip_empty_lines: true,
    relax_column_count: true,
  });
  // A stream (the request) is read as it is, never destroyed here: the route still answers on its connection.
  const given = body instanceof Readable;
  const source = given ? body : Readable.from(body);
  const onError = (error: Error) => parser.destroy(error);
  source.on("error", onError);
  source.pipe(parser);
  try {
    for await (const record of parser) yield record as CsvRecord;
  } catch (error) {
    if (error instanceof IngestFileError) throw error;
    if (error instanceof CsvError) throw new IngestFileError(`The CSV cannot be read: ${error.message}`);
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof IngestFileError) throw cause;
    throw error;
  } finally {
    source.off("error", onError);
    source.unpipe(parser);
    if (!given) source.destroy();
  }
}

/** Each line of an NDJSON body as column → text (numbers as written, null as blank); a bad line is a row error. */
async function* ndjsonRecords(body: Body): AsyncGenerator<CsvRecord | IngestRowError> {
  const decoder = new StringDecoder("utf8");
  let rest = "";
  let row = 0;
  const lineOf = (line: string): CsvRecord | IngestRowError | null => {
    if (line.trim() === "") return null;
    row += 1;
    try {
      const value = JSON.parse(line) as unknown;
      if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object");
      const record: Record<string, string> = {};
      for (const [key, v] of Object.entries(value)) {
        if (v === null || v === undefined) continue;
        record[key] = typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v);
      }
      return record;
    } catch {
      return { row, field: "", code: "BAD_USER_INPUT", reason: "MALFORMED_JSON", message: `Line ${row} is not a JSON object` };
    }
  };
  for await (const chunk of body) {
    rest += typeof chunk === "string" ? chunk : decoder.write(chunk as Buffer);
    let at = rest.indexOf("\n");
    while (at >= 0) {
      const record = lineOf(rest.slice(0, at));
      if (record) yield record;
      rest = rest.slice(at + 1);
      at = rest.indexOf("\n");
    }
  }
  rest += decoder.end();
  const last = lineOf(rest);
  if (last) yield last;
}

const bufferOf = (chunk: Uint8Array | string): Buffer =>
  typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);

/**
 * The body whole when it ends within `limit` bytes, else the same bytes still to read (what was read first, then the
 * rest). The request is read through one iterator and never returned early (that would destroy it: the route answers
 * on it).
 */
async function wholeIfSmall(body: Body, limit: number): Promise<{ whole: Buffer | null; body: Body }> {
  const iterator = (Symbol.asyncIterator in body ? body[Symbol.asyncIterator]() : body[Symbol.iterator]()) as
    | AsyncIterator<Uint8Array | string>
    | Iterator<Uint8Array | string>;
  const head: Buffer[] = [];
  let size = 0;
  while (size <= limit) {
    const next = await iterator.next();
    if (next.done) return { whole: Buffer.concat(head), body: [] };
    const chunk = bufferOf(next.value);
    head.push(chunk);
    size += chunk.length;
  }
  async function* rest(): AsyncGenerator<Buffer> {
    yield* head;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield bufferOf(next.value);
    }
  }
  return { whole: null, body: rest() };
}

const isRowError = (value: unknown): value is IngestRowError =>
  typeof value === "object" && value !== null && "reason" in value && "row" in value && "code" in value;

// ------------------------------------------------------------------------------------------ the run

const rowsOf = <T>(result: unknown): T[] => ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];

/**
 * Ingests one file: returns the report (status COMPLETED, or REJECTED when all-or-nothing found a bad row: then
 * nothing is written). Throws IngestFileError for an unreadable file; anything else (the body broke off, the
 * database failed) marks the batch FAILED, writes nothing and is rethrown.
 */
export async function runIngest(deps: IngestDeps, request: IngestRequest, body: Body): Promise<IngestReport> {
  const { spec, mode } = request;
  const adapter = spec.adapters[request.adapter];
  if (!adapter) throw new Error(`no adapter ${request.adapter} for ${spec.path}`);
  const identity: Identity = deps.context.identity;
  const context: IngestContext = { ...deps.context, params: request.params };
  const batch = await deps.batches.create({
    entity: spec.entity,
    source: request.source,
    adapter: request.adapter,
    fileName: request.fileName,
    format: request.format,
    mode,
    ingestedByUserId: identity.userId,
    organisationId: identity.organisationId,
  });

  const counts = { rows: 0, rejected: 0, skipped: 0 };
  const rejections: IngestRowError[] = [];
  const warnings: IngestRowWarning[] = [];
  let warned = 0;
  const warnedParties = new Set<string>();
  const reject = (error: IngestRowError) => {
    counts.rejected += 1;
    if (rejections.length < MAX_REPORTED_REJECTIONS) rejections.push(error);
  };
  // A scratch table for this batch only: not TEMP, because on PGlite (one connection) the references lookups of
  // other subgraphs sharing the database must run while the rows stream in, which an open transaction would block.
  // (A small body's rows wait in memory instead, and go into a TEMP table inside the merge's transaction.)
  let stage = `transactions.ingest_stage_${randomBytes(6).toString("hex")}`;
  const stageColumns = ["row_no", "external_id", ...spec.stage.map((c) => c.name)];

  // Chunk by chunk: each chunk is resolved (lookups, service areas, rules, which query the database through other
  // subgraphs) before its COPY starts, never while a COPY holds a connection (postgres-js then hands that one out).
  // A UKPN export's lines in file order, the plain ones read in SQL already (ukpn-fast.ts).
  let readLines: AsyncIterable<CsvRecord | ReadInSql> | null = null;
  let resolving = 0; // ms in spec.resolve (INGEST_TIMINGS)
  async function* staged(input: Body): AsyncGenerator<CopyRow[]> {
    const records = readLines ?? (request.format === "CSV" ? csvRecords(input, adapter!.requiredColumns) : ndjsonRecords(input));
    let chunk: ReadRow<unknown>[] = [];
    const flush = async function* () {
      if (chunk.length === 0) return;
      const asked = performance.now();
      const resolved: Resolved[] = await spec.resolve(chunk, context);
      resolving += performance.now() - asked;
      chunk = [];
      const rows: CopyRow[] = [];
      for (const r of resolved) {
        if ("error" in r) {
          reject(r.error);
          continue;
        }
        // all-or-nothing: once a row is refused nothing will be written; keep reading only to report every bad row
        if (mode === "PARTIAL" || counts.rejected === 0) rows.push([String(r.row), r.externalId, ...r.values]);
        if (r.warnings?.length) {
          warned += 1;
          for (const id of r.notify ?? []) if (id) warnedParties.add(id);
          for (const w of r.warnings) if (warnings.length < MAX_REPORTED_REJECTIONS) warnings.push({ row: r.row, ...w });
        }
      }
      if (rows.length) yield rows;
    };
    for await (const record of records) {
      counts.rows += 1;
      const row = counts.rows;
      if (isRowError(record)) {
        reject(record);
        continue;
      }
      const read = record instanceof ReadInSql ? { ok: true as const, value: record.read } : adapter!.read(record, row, context);
      if (!read.ok) reject({ ...read.error, code: "BAD_USER_INPUT" });
      else if (read.value === null)
        counts.skipped += 1; // (H3) a row holding nothing of this entity (Adapter.read)
      else chunk.push({ row, externalId: read.value.externalId, value: read.value.value });
      if (chunk.length >= CHUNK_ROWS) yield* flush();
    }
    yield* flush();
  }

  const finish = async (status: IngestStatus, merged: { inserted: number; updated: number; repeats: number; duplicates: number }) => {
    const report: IngestReport = {
      batchId: batch.id,
      entity: spec.entity,
      source: request.source,
      adapter: request.adapter,
      mode,
      status,
      rows: counts.rows,
      ...merged,
      skipped: counts.skipped,
      rejected: counts.rejected,
      rejections: [...rejections].sort((a, b) => a.row - b.row),
      warned: status === "COMPLETED" ? warned : 0,
      warnings: status === "COMPLETED" ? [...warnings].sort((a, b) => a.row - b.row) : [],
    };
    return report;
  };

  // The fast path's spool of the body, removed once read (or on failure).
  let dispose = async () => {};
  const stageTable = (kind: string) =>
    `create ${kind} table ${quoteQualified(stage)} (row_no integer not null, external_id text not null, ${spec.stage
      .map((c) => `${quoteQualified(c.name)} ${c.type}`)
      .join(", ")})`;
  // A small body's rows, held until the merge's transaction (SMALL_BODY_BYTES); null: staged as they come.
  let held: CopyRow[] | null = null;
  try {
    const meterReadingsFast = request.format === "CSV" && spec === meterReadingsSpec && request.adapter === "generic";
    // The meter readings' fast path is kept whatever the size (its tests compare it with the general path on small files).
    let rest: Body | null = body;
    if (!meterReadingsFast) {
      const head = await wholeIfSmall(body, deps.smallBodyBytes ?? SMALL_BODY_BYTES);
      rest = head.whole ? [head.whole] : head.body;
      if (head.whole) {
        held = [];
        // One name for every batch: a temporary table is the connection's own and lives one transaction, and the
        // merge's statements keep one text, so postgres-js prepares each once per connection, not once per batch.
        stage = "pg_temp.ingest_stage";
      }
    }
    if (!held) await deps.db.execute(sql.raw(stageTable("unlogged")));
    // A plain CSV of meter readings goes byte for byte into COPY and is validated in SQL (fast.ts); measured on
    // 1,000,000 rows (BENCHMARKS.md) the per-row JavaScript was most of the time. Anything else, row by row here.
    if (meterReadingsFast) {
      const fast = await stageMeterReadingsFast({
        db: deps.db,
        stage,
        adapter: adapter as Adapter<MeterReadingRow>,
        context,
        body,
        reject,
        counts,
      });
      dispose = fast.dispose;
      rest = fast.staged ? null : fast.body;
    } else if (!held && request.format === "CSV" && spec === dispatchInstructionsSpec && request.adapter === "ukpn-dispatches") {
      const fast = await readUkpnFast(deps.db, stage, rest, adapter.requiredColumns);
      dispose = fast.dispose;
      if (fast.copied) readLines = fast.lines;
      else rest = fast.body;
    }
    const stagedAt = performance.now();
    if (rest)
      for await (const rows of staged(rest)) {
        if (held) held.push(...rows);
        else await copyInto(deps.db, stage, stageColumns, rows);
      }
    if (rest && process.env.INGEST_TIMINGS) {
      const how = readLines ? "read (plain rows in SQL), resolved and staged" : "read, resolved and staged row by row";
      console.error(`ingest: ${how} ${((performance.now() - stagedAt) / 1000).toFixed(2)} s`);
      console.error(`ingest:   of which resolved (lookups, service areas, rules) ${(resolving / 1000).toFixed(2)} s`);
    }
    await dispose();

    const takenAt = performance.now();
    const outcome = await deps.db.transaction(async (tx) => {
      if (held) {
        // Each value cast from its text, as COPY reads it; the table goes with the transaction, committed or not.
        await tx.execute(sql.raw(`${stageTable("temporary")} on commit drop`));
        const casts = ["(r->>0)::integer", "r->>1", ...spec.stage.map((c, i) => `(r->>${i + 2})::${c.type}`)];
        await tx.execute(
          sql`insert into ${sql.raw(quoteQualified(stage))} (${sql.raw(stageColumns.map(quoteQualified).join(", "))})
              select ${sql.raw(casts.join(", "))} from json_array_elements(${JSON.stringify(held)}::json) r`,
        );
        held = [];
      }
      // A row may not take over a record another organisation's row wrote under the same key.
      const taken = rowsOf<{ row_no: number }>(
        await tx.execute(
          sql`select s.row_no from ${sql.raw(quoteQualified(stage))} s join ${sql.raw(spec.table)} t
                on t.source = ${request.source} and t.external_id = s.external_id
              where t.${sql.raw(spec.owner)} is distinct from s.${sql.raw(spec.owner)} order by s.row_no`,
        ),
      );
      for (const { row_no } of taken) {
        reject({
          row: row_no,
          field: "externalId",
          code: "FORBIDDEN",
          reason: "NOT_YOURS",
          message: `A record from ${request.source} with this id belongs to another organisation`,
        });
      }
      if (taken.length > 0) {
        await tx.execute(
          sql`delete from ${sql.raw(quoteQualified(stage))} where row_no in (${sql.join(
            taken.map((t) => sql`${t.row_no}`),
            sql`, `,
          )})`,
        );
      }
      if (process.env.INGEST_TIMINGS) console.error(`ingest: taken check ${((performance.now() - takenAt) / 1000).toFixed(2)} s`);
      if (mode === "ALL_OR_NOTHING" && counts.rejected > 0) return null;
      const began = performance.now();
      const merged = await merge(tx as unknown as Database, spec, stage, request.source, batch.id, identity);
      if (process.env.INGEST_TIMINGS) console.error(`ingest: merge ${((performance.now() - began) / 1000).toFixed(2)} s`);
      // The conflict detector's trigger (issue 11 item 4): ONE outbox event for the batch, committed with its merge.
      if (spec === dispatchInstructionsSpec) {
        const { organisationId, userId } = identity;
        await recordIngestedDispatchesEvent(tx as unknown as Database, {
          id: batch.id,
          organisationId,
          userId,
          changed: merged.inserted + merged.updated,
        });
      }
      // The rules' NOTIFY findings: ONE notification for the batch, to its parties and the sender, with its merge.
      const event = ruleWarningEvent(
        { type: "IngestBatch", id: batch.id },
        [identity.organisationId, ...warnedParties],
        warnings.map(({ row, ...w }) => ({ ...w, values: { ...w.values, row } })),
      );
      if (event) await enqueueEvent(tx as unknown as Database, outboxEvents, event);
      const report = await finish("COMPLETED", merged);
      await deps.batches.finish(tx as unknown as Database, report);
      return report;
    });
    if (outcome) {
      // Committed: its events (the detector's trigger) go to the relay now rather than at its next tick.
      wakeOutbox(outboxEvents);
      return outcome;
    }
    const report = await finish("REJECTED", { inserted: 0, updated: 0, repeats: 0, duplicates: 0 });
    await deps.batches.finish(deps.db, report);
    return report;
  } catch (error) {
    const failure = error instanceof IngestFileError ? error.message : "The file broke off or could not be stored";
    await deps.batches.fail(deps.db, batch.id, counts, failure).catch(() => {});
    throw error;
  } finally {
    await dispose().catch(() => {});
    if (!held)
      await deps.db
        .execute(sql.raw(`drop table if exists ${[stage, ...fastScratchTables(stage)].map(quoteQualified).join(", ")}`))
        .catch(() => {});
  }
}

/**
 * The set-based merge, in the caller's transaction: the last row of each key in the file wins (the others are dropped
 * from the staging table); keys the target holds with other values are updated in one UPDATE … FROM, each with an
 * UPDATE audit event (before and after) written by the same statement; keys it lacks are inserted in one
 * INSERT … SELECT (an anti-join, so no row pays for ON CONFLICT's speculative insertion; a concurrent ingest of the
 * same key fails this transaction on the unique index rather than duplicating), in key order, so the unique index
 * is filled left to right rather than page by random page; keys held unchanged are repeats.
 */
async function merge(
  tx: Database,
  spec: EntitySpec<any>,
  stage: string,
  source: string,
  batchId: string,
  actor: Identity,
): Promise<{ inserted: number; updated: number; repeats: number; duplicates: number }> {
  const q = (name: string) => sql.raw(quoteQualified(name));
  const staged = spec.stage.map((c) => c.name);
  let clock = performance.now();
  const phase = (name: string) => {
    if (process.env.INGEST_TIMINGS) console.error(`ingest:   merge: ${name} ${((performance.now() - clock) / 1000).toFixed(2)} s`);
    clock = performance.now();
  };
  // Hashed, not count(distinct …), which sorts every key.
  const [counts] = rowsOf<{ staged: number; distinct: number }>(
    await tx.execute(
      sql`select coalesce(sum(n), 0)::int as staged, count(*)::int as distinct
          from (select count(*) as n from ${q(stage)} group by external_id) k`,
    ),
  );
  const { staged: stagedRows, distinct } = counts!;
  if (distinct < stagedRows) {
    await tx.execute(
      sql`delete from ${q(stage)} s using ${q(stage)} later where later.external_id = s.external_id and later.row_no > s.row_no`,
    );
  }
  phase("same-key rows");
  const target = q(spec.table);
  const sets = sql.raw(
    [
      ...spec.compare.map((c) => `${quoteQualified(c)} = s.${quoteQualified(c)}`),
      `source_row = s.row_no`,
      `${quoteQualified(spec.touched)} = now()`,
    ].join(", "),
  );
  const differs = sql.raw(
    `(${spec.compare.map((c) => `t.${quoteQualified(c)}`).join(", ")}) is distinct from (${spec.compare
      .map((c) => `s.${quoteQualified(c)}`)
      .join(", ")})`,
  );
  const [changed] = rowsOf<{ updated: number }>(
    await tx.execute(sql`
      with old as (
        select t.* from ${target} t join ${q(stage)} s on t.source = ${source} and t.external_id = s.external_id where ${differs}
      ), changed as (
        update ${target} t set ${sets}, ingest_batch_id = ${batchId}::uuid
        from ${q(stage)} s where t.source = ${source} and t.external_id = s.external_id and ${differs}
        returning t.*
      ), audited as (
        insert into transactions.audit_events (actor_user_id, actor_organisation_id, action, entity_type, entity_id, before, after)
        select ${actor.userId}::uuid, ${actor.organisationId}::uuid, 'UPDATE', ${spec.entityType}, c.id::text, to_jsonb(o), to_jsonb(c)
        from changed c join old o on o.id = c.id
        returning 1
      )
      select (select count(*) from changed)::int as updated, (select count(*) from audited)::int as audited`),
  );
  phase("updates with their audit events");
  const insertOnly = Object.entries(spec.insertOnly ?? {});
  const columns = sql.raw(
    ["source", "external_id", ...staged, "ingest_batch_id", "source_row", ...insertOnly.map(([c]) => c)].map(quoteQualified).join(", "),
  );
  const values: SQL = sql.join(
    [
      sql`${source}`,
      sql.raw("s.external_id"),
      ...staged.map((c) => sql.raw(`s.${quoteQualified(c)}`)),
      sql`${batchId}::uuid`,
      sql.raw("s.row_no"),
      ...insertOnly.map(([, expression]) => sql.raw(expression)),
    ],
    sql`, `,
  );
  const [added] = rowsOf<{ inserted: number }>(
    await tx.execute(sql`
      with added as (
        insert into ${target} (${columns})
        select ${values} from ${q(stage)} s
        where not exists (select 1 from ${target} t where t.source = ${source} and t.external_id = s.external_id)
        order by s.external_id
        returning 1
      )
      select count(*)::int as inserted from added`),
  );
  phase("inserts");
  const inserted = added!.inserted;
  const updated = changed!.updated;
  await tx.execute(sql`
    insert into transactions.audit_events (actor_user_id, actor_organisation_id, action, entity_type, entity_id, after)
    values (${actor.userId}::uuid, ${actor.organisationId}::uuid, 'CREATE', 'IngestBatch', ${batchId},
            ${JSON.stringify({ entity: spec.entity, source, inserted, updated })}::jsonb)`);
  return { inserted, updated, repeats: distinct - inserted - updated, duplicates: stagedRows - distinct };
}
