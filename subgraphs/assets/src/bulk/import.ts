import { randomBytes } from "node:crypto";
import { type CopyRow, copyInto, type Database, type EntityReferences, type Identity, quoteQualified, SfeError } from "@sfe/kit";
import { CsvError, parse } from "csv-parse";
import { type SQL, sql } from "drizzle-orm";
import type { CarClient } from "../clients/car.js";
import type { AssetRow, NewAsset } from "../modules/assets/repository.js";
import type { Repositories } from "../repositories.js";
import { meterPointId } from "../modules/assets/validation.js";
import { carId as carIdOf, carRecordMismatch } from "../modules/car/validation.js";
import { type CsvHeader, CsvFileError, readHeader } from "./csv.js";
import { duplicateRejection, registrationValues, UNIQUE_FIELDS, type UniqueField } from "../modules/assets/registration.js";
import { rowInput } from "./rows.js";
import { policy } from "../modules/assets/policy.js";
import { callRuleOf, refusalOf } from "../policy.js";

// The import streams: request body → UTF-8 decoder → csv-parse → each row checked in JavaScript as registerAsset
// checks it (rows.ts, registration.ts: cheap next to the writing, and the only place those rules and messages live)
// → COPY into a scratch table of this import. What needs the whole file (owners, CAR ids, duplicates in the file and
// in the register) is then asked of that table, set-based, and the accepted rows reach `assets.assets` and their
// CREATE audit entries in ONE `INSERT … SELECT` (one transaction). The report is read back from the scratch table in
// pages, so the process holds a page, never the file.

/** registerAsset's rule, asked of each row with the row as its input. */
const mayRegister = callRuleOf(policy["Mutation.registerAsset"]);

export type ImportMode = "partial" | "all-or-nothing";
export const IMPORT_MODES: readonly ImportMode[] = ["partial", "all-or-nothing"];

/** At most this many data rows in one file by default (and MAX_IMPORT_BYTES, checked where the body is read). */
export const MAX_IMPORT_ROWS = 20_000;
/** Rows read back from the scratch table per query (the report, the clashes, the CAR checks). */
const PAGE_ROWS = 10_000;
/** Rows per merge transaction in partial mode (mergeInParts): a default-sized file (20,000 rows) in one. */
const MERGE_ROWS = 20_000;

/** One refused row: its 1-based data row number (the header is row 0), the field at fault if one is, and why. */
export interface Rejection {
  row: number;
  field: string | null;
  code: "BAD_USER_INPUT" | "FORBIDDEN" | "CONFLICT";
  message: string;
}

/**
 * What an import answers: rows received (blank rows are skipped, not counted), how many were registered, the
 * refused rows by row number, and the new assets' ids in the file's order.
 */
export interface ImportReport {
  mode: ImportMode;
  received: number;
  accepted: number;
  rejected: Rejection[];
  assetIds: string[];
}

export interface ImportDeps {
  db: Database;
  repos: Repositories;
  references: EntityReferences;
  car: CarClient;
}

export interface ImportOptions {
  /** Data rows a file may hold (default MAX_IMPORT_ROWS). */
  maxRows?: number;
  /** partial: rows per merge transaction (default MERGE_ROWS). */
  mergeRows?: number;
}

/** A file that is too large to take (413). */
export class ImportTooLargeError extends Error {}

/** Bytes that are not UTF-8 (400). */
export class NotUtf8Error extends Error {}

/** The file as it arrives: text, or chunks of UTF-8 bytes (a request body). */
export type ImportSource = string | AsyncIterable<Uint8Array | string>;

/**
 * An import done: its status and counts, and the report's two lists read from the scratch table in file order.
 * `close()` drops the scratch table: call it once the lists are read (or not wanted).
 */
export interface ImportRun {
  status: 200 | 409 | 422;
  mode: ImportMode;
  received: number;
  accepted: number;
  rejected(): AsyncGenerator<Rejection>;
  assetIds(): AsyncGenerator<string>;
  close(): Promise<void>;
  /** Milliseconds spent per phase (stage: parse, row checks and COPY; lookups: owners and CAR; checks: duplicates; merge). */
  timings: Readonly<Record<string, number>>;
}

const rowsOf = <T>(result: unknown): T[] => ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];
const KEY_COLUMN: Record<UniqueField, string> = { meterPointId: "meter_point_id", carId: "car_id", externalId: "external_id" };

/** The scratch table's columns as COPY fills them. */
const STAGE_COLUMNS = [
  "row_no",
  "owner_id",
  "name",
  "category_code",
  "import_capacity_kw",
  "export_capacity_kw",
  "energy_capacity_kwh",
  "postcode",
  "gsp_group",
  "licence_area",
  "dno_group",
  "meter_point_id",
  "external_id",
  "car_id",
  "attributes",
  "key_meter_point_id",
  "key_car_id",
  "key_external_id",
  "rej_field",
  "rej_code",
  "rej_message",
] as const;

/** The asset columns the merge writes, as the scratch table holds them. */
const ASSET_COLUMNS = STAGE_COLUMNS.slice(1, 15);

/**
 * Registers the assets of a CSV file for `identity` and collects the whole report (for callers that want it as one
 * value: the lists are held in memory). See `runImport`.
 */
export async function importAssets(
  deps: ImportDeps,
  identity: Identity,
  source: ImportSource,
  mode: ImportMode,
  options: ImportOptions = {},
): Promise<{ status: 200 | 409 | 422; report: ImportReport }> {
  const run = await runImport(deps, identity, source, mode, options);
  try {
    const rejected: Rejection[] = [];
    for await (const r of run.rejected()) rejected.push(r);
    const assetIds: string[] = [];
    for await (const id of run.assetIds()) assetIds.push(id);
    return { status: run.status, report: { mode, received: run.received, accepted: run.accepted, rejected, assetIds } };
  } finally {
    await run.close();
  }
}

/**
 * Registers the assets of a CSV file for `identity`, each row checked exactly as registerAsset checks its
 * input. `partial` inserts the valid rows; `all-or-nothing` inserts nothing unless every row is valid.
 * Status: 200, or 422 when all-or-nothing refused the file (409 when a concurrent registration conflicted and
 * the row cannot be named). Throws CsvFileError (400) and ImportTooLargeError (413) for the file as a whole,
 * NotUtf8Error for bytes that are not UTF-8, SfeError UPSTREAM_UNAVAILABLE when the owners or CAR ids cannot be
 * checked: nothing is written then, and the scratch table is gone.
 */
export async function runImport(
  deps: ImportDeps,
  identity: Identity,
  source: ImportSource,
  mode: ImportMode,
  options: ImportOptions = {},
): Promise<ImportRun> {
  const { db } = deps;
  const maxRows = options.maxRows ?? MAX_IMPORT_ROWS;
  const categories = new Map((await deps.repos.categories.categories()).map((category) => [category.code, category]));
  const categoryOf = (code: string) => categories.get(code);
  const attributeKeys = new Set([...categories.values()].flatMap((c) => c.attributes.map((a) => a.key)));

  // Not TEMP: a pooled connection is not kept between statements, and on PGlite (one connection) other subgraphs'
  // lookups must run while the rows stream in, which an open transaction would block (as transactions' ingest).
  const name = `assets.import_stage_${randomBytes(6).toString("hex")}`;
  const stage = quoteQualified(name);
  const rej = quoteQualified(`${name}_rej`);
  // The ids the merge wrote: appended to a narrow table, never an UPDATE of the wide stage rows (which rewrote every row).
  const landed = quoteQualified(`${name}_landed`);
  const landedSql = `exists (select from ${landed} l where l.id = s.id)`;
  const run = (statement: string) => db.execute(sql.raw(statement));
  const timings: Record<string, number> = {};
  let clock = performance.now();
  const phase = (what: string) => {
    const now = performance.now();
    timings[what] = (timings[what] ?? 0) + (now - clock);
    clock = now;
  };
  const close = async () => {
    await run(`drop table if exists ${stage}`);
    await run(`drop table if exists ${rej}`);
    await run(`drop table if exists ${landed}`);
  };
  await run(`create unlogged table ${stage} (row_no integer not null, id uuid not null default gen_random_uuid(),
      owner_id text, name text, category_code text, import_capacity_kw double precision, export_capacity_kw double precision,
      energy_capacity_kwh double precision, postcode text, gsp_group text, licence_area text, dno_group text, meter_point_id text,
      external_id text, car_id text, attributes jsonb, key_meter_point_id text, key_car_id text, key_external_id text,
      rej_field text, rej_code text, rej_message text)`);
  try {
    let received = 0;
    let records = 0;
    async function* rows(): AsyncGenerator<CopyRow> {
      let header: CsvHeader | null = null;
      for await (const cells of csvRecords(source)) {
        if (header === null) {
          header = readHeader(cells, attributeKeys);
          continue;
        }
        const row = ++records;
        if (row > maxRows) continue; // counted for the message, not read
        if (cells.every((cell) => cell.trim() === "")) continue;
        received++;
        if (cells.length !== header.width) {
          yield refusedRow(
            row,
            [null, null, null],
            null,
            "BAD_USER_INPUT",
            `The row has ${cells.length} fields, the header ${header.width}`,
          );
          continue;
        }
        const keys = uniqueKeys(cells, header);
        try {
          // registerAsset's policy rule (for this row's owner), then its checks.
          const input = rowInput(cells, header, identity, categoryOf);
          const refusal = refusalOf(mayRegister, identity, { input });
          if (refusal) throw refusal;
          yield acceptedRow(row, registrationValues(input, categoryOf), keys);
        } catch (error) {
          const r = rejection(row, error);
          yield refusedRow(row, keys, r.field, r.code, r.message);
        }
      }
      if (header === null) readHeader(undefined, attributeKeys); // an empty file: readHeader's message
      if (records > maxRows) {
        throw new ImportTooLargeError(`A file may hold at most ${maxRows} data rows, this one has ${records}: split it`);
      }
    }
    await copyInto(db, name, STAGE_COLUMNS, rows());
    phase("stage");
    await run(`create unique index on ${stage} (row_no)`);
    await run(`analyze ${stage}`);
    await run(`create unlogged table ${rej} (row_no integer not null, field text, code text, message text)`);
    await run(`create unlogged table ${landed} (id uuid not null)`);

    /** Records `list` as the refusals of their rows (a row keeps the first refusal it met). */
    const refuse = async (list: readonly Rejection[]) => {
      if (list.length === 0) return;
      await copyInto(
        db,
        `${name}_rej`,
        ["row_no", "field", "code", "message"],
        list.map((r) => [String(r.row), r.field, r.code, r.message]),
      );
      await run(`update ${stage} s set rej_field = r.field, rej_code = r.code, rej_message = r.message
        from ${rej} r where s.row_no = r.row_no and s.rej_code is null`);
      await run(`truncate ${rej}`);
    };

    // The owners, then the CAR ids: each checked once for the whole file (one batched lookup).
    const owners = rowsOf<{ owner_id: string }>(await run(`select distinct owner_id from ${stage} where rej_code is null`)).map(
      (r) => r.owner_id,
    );
    const missingOwners = owners.length > 0 ? await deps.references.missing("Organisation", owners) : [];
    if (missingOwners.length > 0) {
      // requireReferences' message for one owner.
      await db.execute(sql`update ${sql.raw(stage)} set rej_field = 'ownerId', rej_code = 'BAD_USER_INPUT',
          rej_message = 'ownerId: Organisation ' || owner_id || ' does not exist'
        where rej_code is null and owner_id in (${sql.join(
          missingOwners.map((id) => sql`${id}`),
          sql`, `,
        )})`);
    }
    const carIds = rowsOf<{ car_id: string }>(
      await run(`select distinct car_id from ${stage} where rej_code is null and car_id is not null`),
    ).map((r) => r.car_id);
    if (carIds.length > 0) {
      const carRecords = await deps.car.byIds(carIds);
      const recordOf = new Map(carIds.map((id, i) => [id, carRecords[i] ?? null] as const));
      for await (const page of pages<{ row_no: number; car_id: string; meter_point_id: string | null; category_code: string }>(
        db,
        (after) => sql`select row_no, car_id, meter_point_id, category_code from ${sql.raw(stage)}
          where rej_code is null and car_id is not null and row_no > ${after} order by row_no limit ${PAGE_ROWS}`,
      )) {
        const list: Rejection[] = [];
        for (const r of page) {
          const record = recordOf.get(r.car_id);
          const values = { carId: r.car_id, meterPointId: r.meter_point_id, categoryCode: r.category_code };
          // registerAsset's two refusals, in its order: not in the CAR, or the CAR's record is another asset.
          const problem = record ? carRecordMismatch(values, record) : `carId: ${r.car_id} is not in the Central Asset Register`;
          if (problem) list.push({ row: Number(r.row_no), field: "carId", code: "BAD_USER_INPUT", message: problem });
        }
        await refuse(list);
      }
    }

    phase("lookups");
    // The same meter point, CAR id or external id twice in the file (in any row, valid or not): the later row is
    // refused, naming the first. In registerAsset's order of the keys, so a row names the first that clashes.
    for (const field of UNIQUE_FIELDS) {
      const column = KEY_COLUMN[field];
      await run(`update ${stage} s set rej_field = '${field}', rej_code = 'CONFLICT',
          rej_message = '${field} ' || s.${column} || ' is in row ' || f.first || ' of this file already: one entry per physical asset'
        from (select key_${column} as key, min(row_no) as first from ${stage} where key_${column} is not null group by 1 having count(*) > 1) f
        where s.rej_code is null and s.${column} = f.key and f.first < s.row_no`);
    }

    // Registered already (by anyone: as for registerAsset, the database's unique indexes decide).
    await refuseRegistered(db, stage, identity, refuse, "");
    phase("checks");

    const count = async (where: string) =>
      Number(rowsOf<{ n: number | string }>(await run(`select count(*) as n from ${stage} s where ${where}`))[0]!.n);
    const result = (status: 200 | 409 | 422, accepted: number): ImportRun => ({
      status,
      mode,
      received,
      accepted,
      rejected: () => rejectedOf(db, stage),
      assetIds: async function* () {
        if (status !== 200) return;
        for await (const page of pages<{ row_no: number; id: string }>(
          db,
          (after) =>
            sql`select row_no, id from ${sql.raw(stage)} s where ${sql.raw(landedSql)} and row_no > ${after} order by row_no limit ${PAGE_ROWS}`,
        )) {
          for (const r of page) yield r.id;
        }
      },
      close,
      timings,
    });

    const candidates = await count("rej_code is null");
    if (mode === "all-or-nothing") {
      if (received > candidates) return result(422, 0);
      try {
        await db.transaction((tx) => merge(tx, stage, landed, identity, false));
        phase("merge");
        return result(200, candidates);
      } catch (error) {
        // A registration that landed since the checks above: everything is rolled back. Name the rows it clashes
        // with (checked again now; else the one the database named); 409 when neither can be found.
        const violation = uniqueViolation(error);
        if (!violation) throw error;
        await refuseRegistered(db, stage, identity, refuse, "");
        if (violation.value !== null) {
          await db.execute(sql`update ${sql.raw(stage)} set rej_field = ${violation.field}, rej_code = 'CONFLICT',
              rej_message = ${raceMessage(violation.field)}
            where rej_code is null and ${sql.raw(KEY_COLUMN[violation.field])} = ${violation.value}`);
        }
        return result((await count("rej_code is not null")) > 0 ? 422 : 409, 0);
      }
    }

    // partial: a row a concurrent registration took meanwhile is skipped by the merge (ON CONFLICT DO NOTHING), then
    // named as registerAsset would (the clash, read again), or tried once more when the other party is gone again.
    await mergeInParts(db, stage, landed, identity, options.mergeRows ?? MERGE_ROWS);
    phase("merge");
    for (let attempt = 0; attempt < 2; attempt++) {
      const left = `rej_code is null and not ${landedSql}`;
      if ((await count(left)) === 0) break;
      await refuseRegistered(db, stage, identity, refuse, ` and not ${landedSql}`);
      if (attempt === 0) await mergeInParts(db, stage, landed, identity, options.mergeRows ?? MERGE_ROWS);
      else {
        for (const field of UNIQUE_FIELDS) {
          await db.execute(sql`update ${sql.raw(stage)} s set rej_field = ${field}, rej_code = 'CONFLICT', rej_message = ${raceMessage(field)}
            where ${sql.raw(left)} and ${sql.raw(KEY_COLUMN[field])} is not null`);
        }
      }
    }
    return result(200, await count(landedSql));
  } catch (error) {
    await close();
    throw error;
  }
}

/** The records of a CSV file as they are parsed (NotUtf8Error for bytes that are not UTF-8; CsvFileError for bad CSV). */
async function* csvRecords(source: ImportSource): AsyncGenerator<string[]> {
  // Rows of the wrong width are reported per row, not as a broken file.
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: false });
  const feed = async () => {
    if (typeof source === "string") {
      parser.end(source);
      return;
    }
    const decoder = new TextDecoder("utf-8", { fatal: true });
    for await (const chunk of source) {
      const text = typeof chunk === "string" ? chunk : decodeOrThrow(decoder, chunk);
      if (text && !parser.write(text)) await new Promise((resolve) => parser.once("drain", resolve));
    }
    const rest = decodeOrThrow(decoder);
    parser.end(rest || undefined);
  };
  let failure: unknown = null;
  feed().catch((error) => {
    failure = error;
    parser.destroy(error as Error);
  });
  try {
    for await (const record of parser) yield record as string[];
  } catch (error) {
    if (failure !== null) throw failure;
    if (error instanceof CsvError) {
      throw new CsvFileError(`The file is not valid CSV: ${(error as Error).message}`);
    }
    throw error;
  } finally {
    if (!parser.destroyed) parser.destroy();
  }
}

function decodeOrThrow(decoder: InstanceType<typeof TextDecoder>, chunk?: Uint8Array): string {
  try {
    return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
  } catch {
    throw new NotUtf8Error("The file is not UTF-8 text: save it as CSV UTF-8");
  }
}

/** A NUL character cannot travel through COPY nor be stored: a key or message holding one is left out / escaped. */
const noNul = (text: string | null) => (text === null ? null : text.replaceAll("\u0000", "\\u0000"));

/** A stage row for a row refused before the whole-file checks: no values, its keys (for duplicates in the file). */
function refusedRow(
  row: number,
  keys: readonly (string | null)[],
  field: string | null,
  code: Rejection["code"],
  message: string,
): CopyRow {
  return [String(row), ...Array<null>(14).fill(null), ...keys, field, code, noNul(message)];
}

const num = (value: number | null | undefined) => (value == null ? null : String(value));

/** A stage row for a row whose own checks passed. */
function acceptedRow(row: number, v: NewAsset, keys: readonly (string | null)[]): CopyRow {
  return [
    String(row),
    v.ownerId,
    v.name,
    v.categoryCode,
    num(v.importCapacityKw),
    num(v.exportCapacityKw),
    num(v.energyCapacityKwh),
    v.postcode ?? null,
    v.gspGroup ?? null,
    v.licenceArea ?? null,
    v.dnoGroup ?? null,
    v.meterPointId ?? null,
    v.externalId ?? null,
    v.carId ?? null,
    JSON.stringify(v.attributes ?? {}),
    ...keys,
    null,
    null,
    null,
  ];
}

/** A thrown validation error as a report entry. */
function rejection(row: number, error: unknown): Rejection {
  if (!(error instanceof SfeError)) throw error;
  const code = error.extensions.code;
  const field = error.extensions.field;
  return {
    row,
    // The one FORBIDDEN a row can meet is registerAsset's rule's (for its owner), which names no field: the owner is at fault.
    field: typeof field === "string" ? field : code === "FORBIDDEN" ? "ownerId" : null,
    code: code === "FORBIDDEN" || code === "CONFLICT" ? code : "BAD_USER_INPUT",
    message: error.message,
  };
}

/** A clash whose other party is gone again (it rolled back): the row may well go through a second time. */
const raceMessage = (field: UniqueField) => `An asset with the same ${field} was being registered at the same time: try this row again`;

/**
 * The meter point (when it is a valid MPAN), CAR id (when well-formed) and external id a row names, as stored,
 * in UNIQUE_FIELDS' order (null where none).
 */
function uniqueKeys(cells: readonly string[], header: CsvHeader): (string | null)[] {
  const cell = (field: UniqueField) => (cells[header.columns[field] ?? -1] ?? "").trim();
  const normalised: Record<UniqueField, (text: string) => string | null> = {
    meterPointId: (text) => meterPointId(text).mpan,
    carId: carIdOf,
    externalId: (text) => text,
  };
  return UNIQUE_FIELDS.map((field) => {
    const text = cell(field);
    if (text === "" || text.includes("\u0000")) return null;
    try {
      return normalised[field](text) || null;
    } catch {
      return null; // Malformed: the row is refused for that, and cannot clash with another.
    }
  });
}

/** Pages of a keyset query on row_no (`after` is the last row_no of the page before). */
async function* pages<T extends { row_no: number | string }>(db: Database, query: (after: number) => SQL): AsyncGenerator<T[]> {
  for (let after = 0; ; ) {
    const page = rowsOf<T>(await db.execute(query(after)));
    if (page.length === 0) return;
    yield page;
    if (page.length < PAGE_ROWS) return;
    after = Number(page[page.length - 1]!.row_no);
  }
}

/** The refused rows in file order. */
async function* rejectedOf(db: Database, stage: string): AsyncGenerator<Rejection> {
  for await (const page of pages<{ row_no: number; rej_field: string | null; rej_code: Rejection["code"]; rej_message: string }>(
    db,
    (after) => sql`select row_no, rej_field, rej_code, rej_message from ${sql.raw(stage)}
      where rej_code is not null and row_no > ${after} order by row_no limit ${PAGE_ROWS}`,
  )) {
    for (const r of page) yield { row: Number(r.row_no), field: r.rej_field, code: r.rej_code, message: r.rej_message };
  }
}

/**
 * Refuses the standing rows (`and …` narrows them) whose meter point, CAR id or external id is registered already,
 * with registerAsset's message (naming the asset only to a caller who may see it): the clashes are found in one
 * set-based join into the scratch table, then named page by page.
 */
async function refuseRegistered(
  db: Database,
  stage: string,
  identity: Identity,
  refuse: (list: readonly Rejection[]) => Promise<void>,
  narrower: string,
): Promise<void> {
  const clashes = quoteQualified(`${stage.replaceAll('"', "")}_clash`);
  await db.execute(sql.raw(`drop table if exists ${clashes}`));
  // The first clash in registerAsset's order of the keys: meter point, CAR id, external id (one join per key, so that
  // each can be a hash join of the whole file).
  await db.execute(
    sql.raw(`create unlogged table ${clashes} as
      select distinct on (row_no) * from (${UNIQUE_FIELDS.map(
        (field, p) => `
        select s.row_no, ${p} as p, s.meter_point_id, s.car_id, s.external_id, a.id::text as a_id, a.owner_id::text as a_owner,
               a.gsp_group as a_gsp, a.meter_point_id as a_mpan, a.car_id as a_car, a.external_id as a_ext
        from ${stage} s join assets.assets a on a.${KEY_COLUMN[field]} = s.${KEY_COLUMN[field]}
        where s.rej_code is null${narrower}`,
      ).join(" union all ")}) x order by row_no, p`),
  );
  try {
    type Clash = {
      row_no: number;
      meter_point_id: string | null;
      car_id: string | null;
      external_id: string | null;
      a_id: string;
      a_owner: string;
      a_gsp: string | null;
      a_mpan: string | null;
      a_car: string | null;
      a_ext: string | null;
    };
    for await (const page of pages<Clash>(
      db,
      (after) => sql`select * from ${sql.raw(clashes)} where row_no > ${after} order by row_no limit ${PAGE_ROWS}`,
    )) {
      await refuse(
        page.map((c) => ({
          row: Number(c.row_no),
          ...duplicateRejection(
            { meterPointId: c.meter_point_id, carId: c.car_id, externalId: c.external_id } as NewAsset,
            { id: c.a_id, ownerId: c.a_owner, gspGroup: c.a_gsp, meterPointId: c.a_mpan, carId: c.a_car, externalId: c.a_ext } as AssetRow,
            identity,
          ),
        })),
      );
    }
  } finally {
    await db.execute(sql.raw(`drop table if exists ${clashes}`));
  }
}

/**
 * partial: the merge in parts of MERGE_ROWS standing rows, one transaction each, so a very large file commits as it
 * goes. (Parts were of 1,000 while the audit chain updated its head row per event, O(n²) in one transaction; the
 * kit's chain now writes it once per statement.)
 */
async function mergeInParts(db: Database, stage: string, landed: string, actor: Identity | null, size: number): Promise<void> {
  for (let after = 0; ; ) {
    const [part] = rowsOf<{ upto: number | null }>(
      await db.execute(sql`select max(row_no) as upto from (select row_no from ${sql.raw(stage)} s
        where rej_code is null and not exists (select from ${sql.raw(landed)} l where l.id = s.id) and row_no > ${after}
        order by row_no limit ${size}) p`),
    );
    if (part?.upto == null) return;
    const range = { after, upto: Number(part.upto) };
    await db.transaction((tx) => merge(tx, stage, landed, actor, true, range));
    after = range.upto;
  }
}

/** A timestamp as JSON.stringify writes a Date: ISO 8601 in UTC, milliseconds. */
const isoOf = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The set-based merge, in the caller's transaction, in ONE statement: the standing rows into assets.assets in file
 * order, for each asset written its CREATE audit entry (the row as registerAsset's audit holds it: camelCase, times in
 * ISO 8601) in the order written (RETURNING hands the rows on as they were inserted: the file's), and its id into
 * `landed`. `skipTaken`: a row whose key a concurrent registration holds is left (ON CONFLICT DO NOTHING) rather than
 * failing the statement; RETURNING gives exactly the rows written.
 */
async function merge(
  tx: Database,
  stage: string,
  landed: string,
  actor: Identity | null,
  skipTaken: boolean,
  range?: { after: number; upto: number },
): Promise<void> {
  const rows = range ? `and row_no > ${range.after} and row_no <= ${range.upto}` : "";
  const columns = ASSET_COLUMNS.join(", ");
  const values = ASSET_COLUMNS.map((c) => (c === "owner_id" ? "owner_id::uuid" : c)).join(", ");
  const after = `jsonb_build_object('id', m.id, 'ownerId', m.owner_id, 'name', m.name, 'categoryCode', m.category_code,
      'importCapacityKw', m.import_capacity_kw, 'exportCapacityKw', m.export_capacity_kw, 'energyCapacityKwh', m.energy_capacity_kwh,
      'postcode', m.postcode, 'gspGroup', m.gsp_group, 'licenceArea', m.licence_area, 'dnoGroup', m.dno_group,
      'meterPointId', m.meter_point_id, 'externalId', m.external_id, 'carId', m.car_id, 'status', m.status,
      'attributes', m.attributes, 'createdAt', ${isoOf("m.created_at")}, 'updatedAt', ${isoOf("m.updated_at")})`;
  await tx.execute(sql`
    with m as (
      insert into assets.assets (id, ${sql.raw(columns)})
      select id, ${sql.raw(values)} from ${sql.raw(stage)} s
      where rej_code is null and not exists (select from ${sql.raw(landed)} l where l.id = s.id) ${sql.raw(rows)}
      order by row_no
      ${sql.raw(skipTaken ? "on conflict do nothing" : "")}
      returning *),
    audited as (
      insert into assets.audit_events (actor_user_id, actor_organisation_id, action, entity_type, entity_id, before, after)
      select ${actor?.userId ?? null}::uuid, ${actor?.organisationId ?? null}::uuid, 'CREATE', 'Asset', m.id::text, null,
             ${sql.raw(after)}
      from m)
    insert into ${sql.raw(landed)} (id) select id from m`);
}

/** A unique index refusing a meter point, CAR id or external id (Postgres 23505), with the value its detail names. */
function uniqueViolation(error: unknown): { field: UniqueField; value: string | null } | null {
  for (let e = error as { cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++, e = e.cause as typeof e) {
    const pg = e as { code?: unknown; constraint?: string; constraint_name?: string; detail?: string };
    if (pg.code !== "23505") continue;
    const constraint = pg.constraint ?? pg.constraint_name ?? "";
    const field = UNIQUE_FIELDS.find((f) => constraint.includes(KEY_COLUMN[f]));
    if (!field) return null;
    // Key (meter_point_id)=(1200000000013) already exists.
    const value = /\)=\((.*)\) already exists/.exec(pg.detail ?? "")?.[1] ?? null;
    return { field, value };
  }
  return null;
}

export { CsvFileError };
