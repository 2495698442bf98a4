// The fast path for a plain CSV of meter readings (issue 10 item 7): the request body goes byte for byte into
// COPY FROM STDIN of a one-text-column scratch table (one line a row, numbered in file order); no row is parsed or
// written again in JavaScript. Then, in SQL and set-based:
//   - each line is split on commas; a row whose every value is in the plain form (a UUID asset, an ISO timestamp on a
//     valid day — UTC with Z, or naive away from the London clock-change hour —, kWh with at most 3 decimals, a
//     known quality code, a plain externalId) is normalised there: kWh → exact Wh (numeric × 1000), +30 min, the
//     default externalId `<asset>|<ISO start>`;
//   - every other row (a bad or unusual value, a market unit, a meter reference, an interval end) goes through the
//     generic adapter in JavaScript, exactly as before, so its row, field, code, reason and message are the adapter's;
//   - the owners: ONE batched lookup per 5,000 distinct (asset, unit) pairs of the whole file (not per chunk of rows),
//     the pairs and their owner or refusal in a scratch table joined to the staged rows.
// A file the line split cannot read as csv-parse would (a quote, a row of another width, an empty line) is read back
// from the scratch table, in order, through the general path: same answer, only slower.
import { Readable } from "node:stream";
import { type CopyRow, type Database, copyBytesInto, copyInto, quoteQualified } from "@sfe/kit";
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

/** "staged": the stage holds every valid row with its owner; otherwise the body to read through the general path. */
export type FastOutcome = { staged: true } | { staged: false; body: Body };

async function* bytesOf(body: Body): AsyncGenerator<Buffer> {
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
    yield typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
}

const isCopyDataError = (error: unknown) => /^22/.test(String((error as { code?: unknown }).code ?? ""));

export async function stageMeterReadingsFast(input: FastStageInput, IngestFileError: new (message: string) => Error): Promise<FastOutcome> {
  const { db, stage } = input;
  const q = (name: string) => sql.raw(quoteQualified(name));
  let clock = performance.now();
  const phase = (name: string) => {
    if (process.env.INGEST_TIMINGS) console.error(`ingest: ${name} ${((performance.now() - clock) / 1000).toFixed(2)} s`);
    clock = performance.now();
  };
  // The request is read through one iterator and never returned early (that would destroy it): the route answers on it.
  const iterator = bytesOf(input.body)[Symbol.asyncIterator]();
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
  const required = input.adapter.requiredColumns;
  const plainHeader = newline >= 0 && names.length > 0 && new Set(names).size === names.length && required.every((c) => names.includes(c));
  if (!plainHeader) return { staged: false, body: rest(head) };

  // ---- the lines, byte for byte, into a one-column table (delimiter and quote bytes no text file holds)
  const raw = `${stage}_raw`;
  await db.execute(sql.raw(`create unlogged table ${quoteQualified(raw)} (line_no bigint generated always as identity, line text)`));
  let newlines = 0;
  let last = 0x0a;
  const body = async function* () {
    for await (const chunk of rest(head.subarray(newline + 1))) {
      let at = chunk.indexOf(0x0a);
      while (at >= 0) {
        newlines += 1;
        at = chunk.indexOf(0x0a, at + 1);
      }
      if (chunk.length > 0) last = chunk[chunk.length - 1]!;
      yield chunk;
    }
  };
  try {
    await copyBytesInto(db, raw, ["line"], body(), { with: `format csv, delimiter E'\\x01', quote E'\\x02'` });
  } catch (error) {
    if (isCopyDataError(error)) throw new IngestFileError(`The CSV cannot be read: ${(error as Error).message}`);
    throw error;
  }
  phase("COPY of the lines");
  const expected = newlines + (last === 0x0a ? 0 : 1);
  const width = names.length;
  const [shape] = rowsOf<{ lines: number; odd: number }>(
    await db.execute(
      sql`select count(*)::int as lines,
                 count(*) filter (where line is null or strpos(line, '"') > 0
                                  or coalesce(array_length(string_to_array(line, ','), 1), 0) <> ${width})::int as odd
          from ${q(raw)}`,
    ),
  );
  if (shape!.lines < expected) throw new IngestFileError("The CSV cannot be read: a line holding only \\. ends it early");
  if (shape!.odd > 0 || shape!.lines !== expected) {
    // Read it back in order through the general path (csv-parse): the same report as if it had gone there first.
    await db.execute(sql.raw(`create index on ${quoteQualified(raw)} (line_no)`));
    const again = async function* () {
      yield `${headerText}\n`;
      for (let after = 0; ; ) {
        const page = rowsOf<{ line_no: string | number; line: string | null }>(
          await db.execute(sql`select line_no, line from ${q(raw)} where line_no > ${after} order by line_no limit ${PAGE_ROWS}`),
        );
        if (page.length === 0) return;
        after = Number(page[page.length - 1]!.line_no);
        yield `${page.map((p) => p.line ?? "").join("\n")}\n`;
      }
    };
    return { staged: false, body: Readable.from(again()) };
  }
  input.counts.rows = shape!.lines;

  // ---- the plain rows, normalised in SQL
  const at = (column: Column) => {
    const i = names.indexOf(column);
    return i < 0 ? "''" : `f[${i + 1}]`;
  };
  const a = at("assetId");
  const s = at("intervalStart");
  const imp = at("importKwh");
  const exp = at("exportKwh");
  const qual = at("quality");
  const x = at("externalId");
  const zone = input.context.params.get("timezone") === "UTC" ? "UTC" : "Europe/London";
  const day = `substr(${s}, 9, 2)`;
  const month = `substr(${s}, 6, 2)`;
  const validDay = `(${day} <= '28' or (${day} <= '30' and ${month} <> '02')
      or (${day} = '31' and ${month} in ('01','03','05','07','08','10','12'))
      or (${month} = '02' and ${day} = '29' and (substr(${s}, 1, 4)::int % 4 = 0
          and (substr(${s}, 1, 4)::int % 100 <> 0 or substr(${s}, 1, 4)::int % 400 = 0))))`;
  // A naive London time is plain except in the clock-change hour of a last-Sunday-candidate day (the adapter decides).
  const unambiguous =
    zone === "UTC" ? "true" : `(right(${s}, 1) = 'Z' or not (${month} in ('03', '10') and ${day} >= '25' and substr(${s}, 12, 2) = '01'))`;
  // Shapes by translate/substr rather than regexes (each is simpler per value; the whole phase measured the same, see
  // BENCHMARKS.md: the cost of this statement is not in the guards alone).
  const uuid = `(length(${a}) = 36 and translate(${a}, '0123456789abcdefABCDEF', '') = '----' and substr(${a}, 9, 1) = '-'
        and substr(${a}, 14, 1) = '-' and substr(${a}, 19, 1) = '-' and substr(${a}, 24, 1) = '-')`;
  const instant = `(translate(${s}, '123456789', '000000000') in
          ('0000-00-00T00:00:00', '0000-00-00T00:00:00Z', '0000-00-00T00:00:00.000', '0000-00-00T00:00:00.000Z')
        and left(${s}, 2) = '20' and substr(${s}, 6, 2) between '01' and '12' and substr(${s}, 9, 2) between '01' and '31'
        and substr(${s}, 12, 2) <= '23' and substr(${s}, 15, 2) <= '59' and substr(${s}, 18, 2) <= '59')`;
  // kWh: 1–15 digits, optionally a point and 1–3 more.
  const kwh = (v: string) => `(case translate(${v}, '0123456789', '') when '' then length(${v}) between 1 and 15
        when '.' then strpos(${v}, '.') between 2 and 16 and length(${v}) - strpos(${v}, '.') between 1 and 3 else false end)`;
  const plain = `case when ${uuid}
        and ${at("marketUnitId")} = '' and ${at("meterReference")} = '' and ${at("intervalEnd")} = ''
        and ${instant} and ${kwh(imp)} and ${kwh(exp)}
        and ${qual} in ('', 'ACTUAL', 'ESTIMATED', 'SUBSTITUTED')
        and (${x} = '' or (${x} ~ '^[!-~]+$' and lower(${x}) not in ('n/a', 'na', 'null')))
      then ${validDay} and ${unambiguous} else false end`;
  // offset 0 keeps each subquery whole: flattened, every f[i] would split the line again and every t parse it again.
  const start = `case when right(${s}, 1) = 'Z' then ${s}::timestamptz else ${s}::timestamp at time zone '${zone}' end`;
  await db.execute(
    sql.raw(`insert into ${quoteQualified(stage)} (row_no, external_id, asset_id, interval_start, interval_end, granularity,
                 active_import_wh, active_export_wh, quality)
      select line_no, case when ${x} = '' then ${a} || '|' || to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') else ${x} end,
             ${a}::uuid, t, t + interval '30 minutes', 'PT30M',
             (${imp}::numeric * 1000)::bigint, (${exp}::numeric * 1000)::bigint, coalesce(nullif(${qual}, ''), 'ACTUAL')
      from (select line_no, f, ${start} as t
            from (select line_no, string_to_array(line, ',') as f from ${quoteQualified(raw)} offset 0) p where ${plain} offset 0) v`),
  );

  // ---- the other rows, through the adapter as before
  const slow = `${stage}_slow`;
  await db.execute(
    sql.raw(`create unlogged table ${quoteQualified(slow)} as
      select r.line_no, r.line from ${quoteQualified(raw)} r
      where not exists (select 1 from ${quoteQualified(stage)} s where s.row_no = r.line_no)`),
  );
  await db.execute(sql.raw(`create index on ${quoteQualified(slow)} (line_no)`));
  phase("normalised in SQL");
  const refused: IngestRowError[] = [];
  let refusedCount = 0;
  const read = async function* (): AsyncGenerator<CopyRow> {
    for (let after = 0; ; ) {
      const page = rowsOf<{ line_no: string | number; line: string }>(
        await db.execute(sql`select line_no, line from ${q(slow)} where line_no > ${after} order by line_no limit ${PAGE_ROWS}`),
      );
      if (page.length === 0) return;
      after = Number(page[page.length - 1]!.line_no);
      for (const { line_no, line } of page) {
        const row = Number(line_no);
        const fields = line.split(",");
        const record: Record<string, string> = {};
        for (let i = 0; i < names.length; i++) record[names[i]!] = fields[i]!;
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
  // ---- the owners: one lookup per 5,000 distinct (asset, unit) pairs, refusals as the per-chunk resolution gave them
  const owners = `${stage}_owners`;
  await db.execute(
    sql.raw(`create unlogged table ${quoteQualified(owners)} (asset_key uuid not null, unit_key uuid not null, owner uuid,
      field text, code text, reason text, message text)`),
  );
  const pairs = rowsOf<{ asset_id: string | null; market_unit_id: string | null }>(
    await db.execute(sql`select distinct asset_id::text as asset_id, market_unit_id::text as market_unit_id from ${q(stage)}`),
  );
  for (let i = 0; i < pairs.length; i += PAIRS_PER_LOOKUP) {
    const part = pairs.slice(i, i + PAIRS_PER_LOOKUP);
    const asked: ReadRow<MeterReadingRow>[] = part.map((p, n) => ({
      row: n,
      externalId: "",
      value: {
        assetId: p.asset_id,
        marketUnitId: p.market_unit_id,
        meterReference: null,
        start: "",
        end: "",
        granularity: "",
        importWh: "0",
        exportWh: "0",
        quality: "ACTUAL",
      },
    }));
    const resolved = await meterReadingsSpec.resolve(asked, input.context);
    await copyInto(
      db,
      owners,
      ["asset_key", "unit_key", "owner", "field", "code", "reason", "message"],
      resolved.map((r, n): CopyRow => {
        const keys = [part[n]!.asset_id ?? NO_ID, part[n]!.market_unit_id ?? NO_ID];
        return "error" in r
          ? [...keys, null, r.error.field, r.error.code, r.error.reason, r.error.message]
          : [...keys, r.values[3] ?? null, null, null, null, null];
      }),
    );
  }
  const join = `coalesce(s.asset_id, '${NO_ID}') = o.asset_key and coalesce(s.market_unit_id, '${NO_ID}') = o.unit_key`;
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
    await db.execute(sql.raw(`delete from ${quoteQualified(stage)} s using ${quoteQualified(owners)} o where ${join} and o.owner is null`));
  }
  await db.execute(sql.raw(`update ${quoteQualified(stage)} s set provider_id = o.owner from ${quoteQualified(owners)} o where ${join}`));
  // Fresh statistics for the merge's joins (a scratch table has none).
  await db.execute(sql.raw(`analyze ${quoteQualified(stage)}`));
  phase("owners");
  // The first 1,000 refused rows in file order, whichever step refused them; the count is every one.
  refused.sort((l, r) => l.row - r.row);
  for (const error of refused.slice(0, LISTED)) input.reject(error);
  input.counts.rejected += refusedCount - Math.min(refused.length, LISTED);
  return { staged: true };
}

/** The scratch tables the fast path may leave for `stage`, to drop with it. */
export const fastScratchTables = (stage: string) => [`${stage}_raw`, `${stage}_slow`, `${stage}_owners`];
