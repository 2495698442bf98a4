// The fast path for a plain CSV of meter readings (issue 10 item 7): Postgres parses the file itself. The body
// (after the header) goes byte for byte into COPY … FROM STDIN (format csv) of a scratch table of one text column
// per header column, numbered in file order, while it is spooled to a temporary file; no row is parsed in JavaScript.
// Then, in SQL and set-based:
//   - the owners of the distinct assets named: ONE batched lookup per 5,000 (not per chunk of rows), joined in;
//   - a row whose every value is in the plain form (a canonical UUID asset, an ISO timestamp on a valid day — UTC
//     with Z, or naive away from the London clock-change hour —, kWh with at most 3 decimals, a known quality code, a
//     plain externalId) is normalised there, by cheap positional checks and casts: kWh → exact Wh, +30 min, the
//     default externalId `<asset>|<ISO start>` (from the text itself when it is already that ISO form);
//   - every other row (a bad or unusual value, a market unit, a meter reference, an interval end) goes through the
//     generic adapter in JavaScript, exactly as before, so its row, field, code, reason and message are the adapter's.
// The columns stay text: a uuid, numeric or timestamptz column would accept forms the adapter refuses or reads
// otherwise (`1e3`, `+5`, an upper-case id in the default externalId, an offset) and lose the text to tell.
// A file Postgres cannot read as csv-parse would (a row of another width, an empty line, bad UTF-8: a 22xxx error,
// or a backslash, which could be COPY's end marker) is re-read from the spool through the general path: the same
// per-row report as if it had gone there first, only slower. Memory stays flat either way.
import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CopyRow, type Database, copyBytesInto, copyInto, isUuid, quoteQualified } from "@sfe/kit";
import { sql } from "drizzle-orm";
import type { Body } from "./engine.js";
import { type Adapter, type IngestContext, type MeterReadingRow, type ReadRow, meterReadingsSpec } from "./entities.js";
import type { IngestRowError } from "./tables.js";

/** Rows read back (the unusual ones, or a whole file for the general path) per page. */
const PAGE_ROWS = 10_000;
/** Distinct (asset, unit) pairs per owner lookup. */
const PAIRS_PER_LOOKUP = 5_000;
const LISTED = 1_000;

/** The generic meter-reading columns, in the order the fast path stages them. */
export const COLUMNS = [
  "assetId",
  "marketUnitId",
  "meterReference",
  "intervalStart",
  "intervalEnd",
  "importKwh",
  "exportKwh",
  "quality",
  "externalId",
] as const;
type Column = (typeof COLUMNS)[number];

const rowsOf = <T>(result: unknown): T[] => ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];
const NO_ID = "00000000-0000-0000-0000-000000000000";
/** A reading as the owner lookup is asked it: only its asset and unit matter. */
const PAIR_ROW: MeterReadingRow = {
  assetId: null,
  marketUnitId: null,
  meterReference: null,
  start: "",
  end: "",
  granularity: "",
  importWh: "0",
  exportWh: "0",
  quality: "ACTUAL",
};

export interface FastStageInput {
  db: Database;
  /** The staging table (row_no, external_id, …meterReadingsSpec.stage), created already. */
  stage: string;
  adapter: Adapter<MeterReadingRow>;
  context: IngestContext;
  body: Body;
  reject(error: IngestRowError): void;
  counts: { rows: number; rejected: number };
}

/**
 * "staged": the stage holds every valid row with its owner; otherwise the body to read through the general path.
 * Either way `dispose` removes the spool (call it once the body is read).
 */
export type FastOutcome = { staged: true; dispose(): Promise<void> } | { staged: false; body: Body; dispose(): Promise<void> };

async function* bytesOf(body: Body): AsyncGenerator<Buffer> {
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
    yield typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
}

/** A 22xxx SQLSTATE (data exception), on the error or its cause (drizzle wraps the driver's). */
const isDataError = (error: unknown): boolean => {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (/^22/.test(String(e.code ?? ""))) return true;
  }
  return false;
};
const nothing = async () => {};

/**
 * The body into `raw` (line_no, c1 … cN: one text column per header column, numbered in file order) by COPY … FROM
 * STDIN (format csv), spooled to a temporary file as it goes. "copied": every line is in `raw`; otherwise the body
 * to read through the general path (the spool when COPY had begun). Either way `dispose` removes the spool.
 */
export type RawCopy =
  | { copied: true; names: string[]; cols: string[]; lines: number; reread(): Body; dispose(): Promise<void> }
  | { copied: false; body: Body; dispose(): Promise<void> };

export async function copyRawLines(db: Database, raw: string, body: Body, required: readonly string[]): Promise<RawCopy> {
  // The request is read through one iterator and never returned early (that would destroy it): the route answers on it.
  const iterator = bytesOf(body)[Symbol.asyncIterator]();
  let head: Buffer = Buffer.alloc(0);
  let newline = -1;
  while (newline < 0) {
    const next = await iterator.next();
    if (next.done) break;
    head = head.length === 0 ? next.value : Buffer.concat([head, next.value]);
    newline = head.indexOf(0x0a);
  }
  const rest = async function* (from: Buffer): AsyncGenerator<Buffer> {
    if (from.length > 0) yield from;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  };
  const headerText = head
    .subarray(0, newline < 0 ? head.length : newline)
    .toString("utf8")
    .replace(/^\uFEFF/, "")
    .replace(/\r$/, "");
  const names = headerText.includes('"') ? [] : headerText.split(",").map((n) => n.trim());
  const plainHeader = newline >= 0 && names.length > 0 && new Set(names).size === names.length && required.every((c) => names.includes(c));
  if (!plainHeader) return { copied: false, body: rest(head), dispose: nothing };

  const folder = await mkdtemp(join(tmpdir(), "sfe-ingest-"));
  const dispose = () => rm(folder, { recursive: true, force: true });
  try {
    const spoolPath = join(folder, "body.csv");
    const spool = createWriteStream(spoolPath);
    const spoolFailed = new Promise<never>((_, reject) => spool.once("error", reject));
    spoolFailed.catch(() => {});
    let backslash = false;
    const spooled = async function* (from: Buffer) {
      for await (const chunk of rest(from)) {
        if (!backslash && chunk.includes(0x5c)) backslash = true;
        if (!spool.write(chunk)) await Promise.race([once(spool, "drain"), spoolFailed]);
        yield chunk;
      }
    };
    spool.write(head.subarray(0, newline + 1));
    const cols = names.map((_, i) => `c${i + 1}`);
    await db.execute(
      sql.raw(
        `create unlogged table ${quoteQualified(raw)} (line_no bigint generated always as identity, ${cols.map((c) => `${c} text`).join(", ")})`,
      ),
    );
    let unreadable = false;
    try {
      // force_not_null: an empty cell is '' as csv-parse gives it, quoted or not.
      await copyBytesInto(db, raw, cols, spooled(head.subarray(newline + 1)), {
        with: `format csv, force_not_null (${cols.join(", ")})`,
      });
    } catch (error) {
      if (!isDataError(error)) throw error;
      unreadable = true;
      // The rest of the request still goes to the spool (every chunk COPY took is there): the general path reads it all.
      for await (const _ of spooled(Buffer.alloc(0))) {
      }
    }
    spool.end();
    await Promise.race([once(spool, "finish"), spoolFailed]);
    const reread = () => createReadStream(spoolPath);
    if (unreadable || backslash) return { copied: false, body: reread(), dispose };
    const [{ lines } = { lines: 0 }] = rowsOf<{ lines: number }>(
      await db.execute(sql`select count(*)::int as lines from ${sql.raw(quoteQualified(raw))}`),
    );
    return { copied: true, names, cols, lines, reread, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

export async function stageMeterReadingsFast(input: FastStageInput): Promise<FastOutcome> {
  const { db, stage } = input;
  const q = (name: string) => sql.raw(quoteQualified(name));
  let clock = performance.now();
  const phase = (name: string) => {
    if (process.env.INGEST_TIMINGS) console.error(`ingest: ${name} ${((performance.now() - clock) / 1000).toFixed(2)} s`);
    clock = performance.now();
  };
  // ---- the body into COPY (Postgres's CSV reader, one text column per header column), spooled as it goes
  const raw = `${stage}_raw`;
  const copy = await copyRawLines(db, raw, input.body, input.adapter.requiredColumns);
  if (!copy.copied) return { staged: false, body: copy.body, dispose: copy.dispose };
  const { names, cols, lines, dispose } = copy;
  try {
    const fallBack = async (): Promise<FastOutcome> => {
      await db.execute(sql.raw(`truncate ${quoteQualified(stage)}`));
      input.counts.rows = 0;
      return { staged: false, body: copy.reread(), dispose };
    };
    phase("COPY of the lines");
    input.counts.rows = lines;
    // Statistics, so that joining the owners is a hash join, not a million index probes (a new table has none).
    await db.execute(sql.raw(`analyze ${quoteQualified(raw)}`));

    // ---- the owners of the plain rows' assets: one lookup per 5,000 distinct ids (the rest: below, after the adapter)
    const at = (column: Column) => {
      const i = names.indexOf(column);
      return i < 0 ? "''" : `r.c${i + 1}`;
    };
    const a = at("assetId");
    const owners = `${stage}_owners`;
    // meter_key: a reading naming neither asset nor unit is keyed by its meter reference, and linked to that meter's
    // asset (`asset`); '' for the rest.
    await db.execute(
      sql.raw(`create unlogged table ${quoteQualified(owners)} (asset_key uuid not null, unit_key uuid not null,
        meter_key text not null default '', owner uuid, asset uuid, field text, code text, reason text, message text)`),
    );
    const assetOwners = `${stage}_asset_owners`;
    await db.execute(sql.raw(`create unlogged table ${quoteQualified(assetOwners)} (asset text primary key, owner uuid not null)`));
    // The distinct ids in a scratch table, read 5,000 at a time: memory stays flat however many assets a file names.
    const named = `${stage}_assets`;
    await db.execute(
      sql.raw(`create unlogged table ${quoteQualified(named)} as
        select distinct ${a} as id from ${quoteQualified(raw)} r where length(${a}) = 36`),
    );
    for (let after = ""; ; ) {
      const page = rowsOf<{ id: string }>(
        await db.execute(sql`select id from ${q(named)} where id > ${after} order by id limit ${PAIRS_PER_LOOKUP}`),
      );
      if (page.length === 0) break;
      after = page[page.length - 1]!.id;
      const part = page.map((p) => p.id).filter((id) => isUuid(id) && id === id.toLowerCase());
      const resolved = await meterReadingsSpec.resolve(
        part.map((id, n) => ({ row: n, externalId: "", value: { ...PAIR_ROW, assetId: id } })),
        input.context,
      );
      await copyInto(
        db,
        assetOwners,
        ["asset", "owner"],
        resolved.flatMap((r, n): CopyRow[] => ("error" in r ? [] : [[part[n]!, r.values[3] ?? null]])),
      );
      // The refusals, kept for the rows below: an asset is asked about once a file.
      await copyInto(
        db,
        owners,
        ["asset_key", "unit_key", "owner", "field", "code", "reason", "message"],
        resolved.flatMap((r, n): CopyRow[] =>
          "error" in r ? [[part[n]!, NO_ID, null, r.error.field, r.error.code, r.error.reason, r.error.message]] : [],
        ),
      );
    }
    await db.execute(sql.raw(`analyze ${quoteQualified(assetOwners)}`));
    phase("owners of the plain rows");

    // ---- the plain rows, normalised in SQL
    const s = at("intervalStart");
    const imp = at("importKwh");
    const exp = at("exportKwh");
    const qual = at("quality");
    const x = at("externalId");
    const zone = input.context.params.get("timezone") === "UTC" ? "UTC" : "Europe/London";
    // Checks Postgres answers fast (LIKE, lengths; a translate or a regex over every value, or a dozen substr, cost
    // seconds a million rows). A value they let through that is not what they test — a letter where a digit goes,
    // 2025-02-30, month 13 — fails its cast: a data error, and the file goes the per-row way, with the adapter's answer.
    // What a cast would take that the adapter reads otherwise is kept out: 24:00, second 60, a Z on a naive form.
    const utc = `${s} like '%Z'`;
    const instant = `(case length(${s}) when 24 then ${s} like '20__-__-__T__:__:__.___Z' when 20 then ${s} like '20__-__-__T__:__:__Z'
          when 23 then ${s} like '20__-__-__T__:__:__.___' and not ${utc} when 19 then ${s} like '20__-__-__T__:__:__' and not ${utc}
          else false end
        and ${s} not like '__________T24%' and ${s} not like '_________________60%')`;
    // A naive London time is plain except in the clock-change hour of a last-Sunday-candidate day (the adapter decides).
    const unambiguous =
      zone === "UTC"
        ? "true"
        : `(${utc} or not ((${s} like '_____03-__T01%' or ${s} like '_____10-__T01%') and substr(${s}, 9, 2) >= '25'))`;
    // kWh: 1–15 digits, optionally a point and 1–3 more.
    const kwh = (v: string) => `(case translate(${v}, '0123456789', '') when '' then length(${v}) between 1 and 15
          when '.' then strpos(${v}, '.') between 2 and 16 and length(${v}) - strpos(${v}, '.') between 1 and 3 else false end)`;
    const plain = `length(${a}) = 36
          and ${at("marketUnitId")} = '' and ${at("meterReference")} = '' and ${at("intervalEnd")} = ''
          and ${instant} and ${kwh(imp)} and ${kwh(exp)}
          and ${qual} in ('', 'ACTUAL', 'ESTIMATED', 'SUBSTITUTED')
          and (${x} = '' or (${x} ~ '^[!-~]+$' and lower(${x}) not in ('n/a', 'na', 'null')))
          and ${unambiguous}`;
    const start = `case when ${utc} then ${s}::timestamptz else ${s}::timestamp at time zone '${zone}' end`;
    // The default id's ISO start: the text itself when it is already Date#toISOString's form.
    const iso = `case length(${s}) when 24 then ${s} when 20 then left(${s}, 19) || '.000Z'
        else to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') end`;
    let normalised = 0;
    try {
      // offset 0 keeps the subquery whole (each cast made once). The asset must be the UUID's canonical text (what the
      // default id is built from); another spelling of one goes to the adapter.
      const [inserted] = rowsOf<{ n: number }>(
        await db.execute(
          sql.raw(`with added as (
            insert into ${quoteQualified(stage)} (row_no, external_id, asset_id, provider_id, interval_start, interval_end,
                   granularity, active_import_wh, active_export_wh, quality)
            select line_no, case when ${x} = '' then ${a} || '|' || ${iso} else ${x} end, r.asset_uuid, o.owner, t,
                   t + interval '30 minutes', 'PT30M', (${imp}::numeric * 1000)::bigint, (${exp}::numeric * 1000)::bigint,
                   coalesce(nullif(${qual}, ''), 'ACTUAL')
            from (select r.*, ${a}::uuid as asset_uuid, ${start} as t from ${quoteQualified(raw)} r where ${plain} offset 0) r
            left join ${quoteQualified(assetOwners)} o on o.asset = ${a}
            where r.asset_uuid::text = ${a}
            returning 1)
          select count(*)::int as n from added`),
        ),
      );
      normalised = inserted?.n ?? 0;
    } catch (error) {
      if (!isDataError(error)) throw error;
      return await fallBack();
    }

    // ---- the other rows (none in a plain file: no anti-join then), through the adapter as before
    const slow = `${stage}_slow`;
    await db.execute(
      sql.raw(`create unlogged table ${quoteQualified(slow)} as
        select r.* from ${quoteQualified(raw)} r
        where ${normalised < lines ? "" : "false and "}not exists (select 1 from ${quoteQualified(stage)} s where s.row_no = r.line_no)`),
    );
    await db.execute(sql.raw(`create index on ${quoteQualified(slow)} (line_no)`));
    phase("normalised in SQL");
    const refused: IngestRowError[] = [];
    let refusedCount = 0;
    const read = async function* (): AsyncGenerator<CopyRow> {
      for (let after = 0; ; ) {
        const page = rowsOf<Record<string, string | number>>(
          await db.execute(sql`select * from ${q(slow)} where line_no > ${after} order by line_no limit ${PAGE_ROWS}`),
        );
        if (page.length === 0) return;
        after = Number(page[page.length - 1]!.line_no);
        for (const line of page) {
          const row = Number(line.line_no);
          const record: Record<string, string> = {};
          for (let i = 0; i < names.length; i++) record[names[i]!] = String(line[cols[i]!] ?? "");
          const result = input.adapter.read(record, row, input.context);
          if (!result.ok) {
            refusedCount += 1;
            if (refused.length < LISTED) refused.push({ ...result.error, code: "BAD_USER_INPUT" });
            continue;
          }
          const { externalId, value: v } = result.value;
          yield [
            String(row),
            externalId,
            v.assetId,
            v.marketUnitId,
            v.meterReference,
            null,
            v.start,
            v.end,
            v.granularity,
            v.importWh,
            v.exportWh,
            v.quality,
          ];
        }
      }
    };
    await copyInto(db, stage, ["row_no", "external_id", ...meterReadingsSpec.stage.map((c) => c.name)], read());

    phase("unusual rows through the adapter");
    // ---- the other owners (the adapter's rows, and the plain rows whose asset was refused): one lookup per 5,000
    // distinct (asset, unit, meter-only reference) keys, the refusals as the per-chunk resolution gave them
    const meterKey = (s: string) =>
      `coalesce(case when ${s}.asset_id is null and ${s}.market_unit_id is null then ${s}.meter_reference end, '')`;
    const pairs = rowsOf<{ asset_id: string | null; market_unit_id: string | null; meter_reference: string }>(
      await db.execute(
        sql.raw(`select distinct asset_id::text as asset_id, market_unit_id::text as market_unit_id, ${meterKey("s")} as meter_reference
          from ${quoteQualified(stage)} s
          where provider_id is null and not exists (select 1 from ${quoteQualified(owners)} o
            where o.asset_key = coalesce(s.asset_id, '${NO_ID}') and o.unit_key = coalesce(s.market_unit_id, '${NO_ID}')
              and o.meter_key = ${meterKey("s")})`),
      ),
    );
    const [{ asked } = { asked: 0 }] = rowsOf<{ asked: number }>(await db.execute(sql`select count(*)::int as asked from ${q(owners)}`));
    for (let i = 0; i < pairs.length; i += PAIRS_PER_LOOKUP) {
      const part = pairs.slice(i, i + PAIRS_PER_LOOKUP);
      const asked: ReadRow<MeterReadingRow>[] = part.map((p, n) => ({
        row: n,
        externalId: "",
        value: { ...PAIR_ROW, assetId: p.asset_id, marketUnitId: p.market_unit_id, meterReference: p.meter_reference || null },
      }));
      const resolved = await meterReadingsSpec.resolve(asked, input.context);
      await copyInto(
        db,
        owners,
        ["asset_key", "unit_key", "meter_key", "owner", "asset", "field", "code", "reason", "message"],
        resolved.map((r, n): CopyRow => {
          const keys = [part[n]!.asset_id ?? NO_ID, part[n]!.market_unit_id ?? NO_ID, part[n]!.meter_reference];
          return "error" in r
            ? [...keys, null, null, r.error.field, r.error.code, r.error.reason, r.error.message]
            : [...keys, r.values[3] ?? null, r.values[0] ?? null, null, null, null, null];
        }),
      );
    }
    if (pairs.length + asked > 0) {
      const join = `s.provider_id is null and coalesce(s.asset_id, '${NO_ID}') = o.asset_key
        and coalesce(s.market_unit_id, '${NO_ID}') = o.unit_key and ${meterKey("s")} = o.meter_key`;
      const [forbidden] = rowsOf<{ n: number }>(
        await db.execute(
          sql.raw(
            `select count(*)::int as n from ${quoteQualified(stage)} s join ${quoteQualified(owners)} o on ${join} where o.owner is null`,
          ),
        ),
      );
      if (forbidden!.n > 0) {
        const listed = rowsOf<IngestRowError>(
          await db.execute(
            sql.raw(`select s.row_no as row, o.field, o.code, o.reason, o.message from ${quoteQualified(stage)} s
              join ${quoteQualified(owners)} o on ${join} where o.owner is null order by s.row_no limit ${LISTED}`),
          ),
        );
        refused.push(...listed.map((r) => ({ ...r, row: Number(r.row) })));
        refusedCount += forbidden!.n;
        await db.execute(
          sql.raw(`delete from ${quoteQualified(stage)} s using ${quoteQualified(owners)} o where ${join} and o.owner is null`),
        );
      }
      await db.execute(
        sql.raw(`update ${quoteQualified(stage)} s set provider_id = o.owner, asset_id = coalesce(s.asset_id, o.asset)
          from ${quoteQualified(owners)} o where ${join}`),
      );
    }
    // Fresh statistics for the merge's joins (a scratch table has none).
    await db.execute(sql.raw(`analyze ${quoteQualified(stage)}`));
    phase("owners");
    // The first 1,000 refused rows in file order, whichever step refused them; the count is every one.
    refused.sort((l, r) => l.row - r.row);
    for (const error of refused.slice(0, LISTED)) input.reject(error);
    input.counts.rejected += refusedCount - Math.min(refused.length, LISTED);
    await dispose();
    return { staged: true, dispose: nothing };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** The scratch tables the fast path may leave for `stage`, to drop with it. */
export const fastScratchTables = (stage: string) => [
  `${stage}_raw`,
  `${stage}_slow`,
  `${stage}_owners`,
  `${stage}_assets`,
  `${stage}_asset_owners`,
];
