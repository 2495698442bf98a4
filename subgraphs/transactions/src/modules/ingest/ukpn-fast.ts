// The fast path for a UKPN flexibility dispatch export (issue 10 item 7): the body goes byte for byte into COPY of a
// scratch table of text columns (fast.ts's copyRawLines), and the adapter's costly work is done in SQL, set-based, per
// page of rows: the UTC columns read, the local columns checked against them (the same instant, a wall time that
// exists in London: a spring-gap time is not plain), product and direction spellings folded to one code (once per
// distinct spelling on the page) through VALUES lists built from the adapter's own alias tables, the numbers and
// prices in the canonical form the key takes. A page answers only what a plain row's record is made of (no raw
// columns, no timestamps to parse): what is left in JavaScript is the key's sha1 (kept byte-identical to the keys
// stored before) and the record's objects. A row whose every value is in the plain form (ASCII, the export's
// timestamp forms, unsigned decimals, numbers a double holds exactly) gets its record so; every other row — a bad or
// unusual value, an offset-less local time, a clock-change hour — goes through the per-row adapter exactly as
// before, so its row, field, code, reason and message are the adapter's. Rows come back in file order, a page at a
// time (memory flat), to the engine's chunks: the dispatch checks (product, service area, rules, the outbox event)
// run on them unchanged.
import { type AliasTable, type Database, quoteQualified } from "@sfe/kit";
import { sql } from "drizzle-orm";
import {
  type CsvRecord,
  DIRECTION_ALIASES,
  type DirectionCode,
  EXPORT_SIGN,
  UKPN_DISPATCH_MAPPING,
  UKPN_PRODUCT_ALIASES,
  type UkpnProductCode,
  sha1Hex,
  ukpnKeyOfParts,
  ukpnZoneCode,
} from "../../adapters/index.js";
import type { Body } from "./engine.js";
import { type DispatchRow, type ReadRow, type UkpnRecord, dispatchRowOf } from "./entities.js";
import { copyRawLines } from "./fast.js";

/** Rows per page read back: a range of line numbers (consecutive: one COPY into a fresh identity), no sort. */
const PAGE_ROWS = 5_000;
const rowsOf = <T>(result: unknown): T[] => ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];

/** A row read in SQL already (the others are yielded as their CSV record, for the adapter). */
export class ReadInSql {
  constructor(readonly read: ReadRow<DispatchRow>) {}
}

export type UkpnFastOutcome =
  | { copied: true; lines: AsyncIterable<CsvRecord | ReadInSql>; dispose(): Promise<void> }
  | { copied: false; body: Body; dispose(): Promise<void> };

/** A 22xxx SQLSTATE (a cast the patterns let through, e.g. 30 February), on the error or its cause. */
const isDataError = (error: unknown): boolean => {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (/^22/.test(String(e.code ?? ""))) return true;
  }
  return false;
};

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
/** The alias table as `(values (folded key, code), …)`: the adapter's own spellings, never a second list. */
const aliasValues = (table: AliasTable, alias: string) =>
  `(values ${[...table.byKey].map(([key, code]) => `(${literal(key)}, ${literal(code)})`).join(", ")}) as ${alias}(key, code)`;
/** foldAlias for ASCII text (NFKC is the identity there; the row's ASCII is checked first). */
const fold = (v: string) => `trim(both '_' from regexp_replace(lower(btrim(${v})), '[[:space:]_-]+', '_', 'g'))`;

const M = UKPN_DISPATCH_MAPPING;
/** The values a plain row's record is made of, as the page query answers them (text, trimmed). */
const VALUES = [
  "unit",
  "product_code",
  "direction_code",
  "start_iso",
  "end_iso",
  "a_mw",
  "u_mw",
  "a_price",
  "u_price",
  "a_price_key",
  "u_price_key",
  "a_mwh",
  "u_mwh",
  "provider",
  "zone",
  "product_name",
  "start_local",
  "end_local",
  "technology",
  "hours",
  "method",
] as const;
type Plain = Record<(typeof VALUES)[number], string> & { line_no: number | string; plain: boolean | string };

/** Reads the body: its lines in file order, plain ones read in SQL, or (a file COPY cannot read as csv-parse would) the body for the general path. */
export async function readUkpnFast(db: Database, stage: string, body: Body, required: readonly string[]): Promise<UkpnFastOutcome> {
  const raw = `${stage}_raw`;
  const began = performance.now();
  const copy = await copyRawLines(db, raw, body, required);
  if (!copy.copied) return copy;
  const { names, cols } = copy;
  // Pages are ranges of line numbers: an index keeps each page's read to its own rows however long the file.
  if (copy.lines > PAGE_ROWS) await db.execute(sql.raw(`create index on ${quoteQualified(raw)} (line_no)`));
  if (process.env.INGEST_TIMINGS) console.error(`ingest: COPY of the lines ${((performance.now() - began) / 1000).toFixed(2)} s`);
  const at = (column: string, table = "r") => {
    const i = names.indexOf(column);
    return i < 0 ? "''" : `${table}.c${i + 1}`;
  };
  const trimmed = (column: string) => `btrim(${at(column)})`;
  const given = (column: string) => `lower(${trimmed(column)}) not in ('', 'n/a', 'na', 'null')`;
  const unsigned = (column: string) => `${trimmed(column)} ~ '^[0-9]+(\\.[0-9]+)?$'`;
  const optional = (column: string, check: string) => `(not ${given(column)} or ${check})`;
  const utcForm = (column: string) =>
    `${trimmed(column)} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\+00:00|Z)?$'`;
  const localForm = (column: string) =>
    `${trimmed(column)} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\\+0[01]:00$'`;
  // Checks without casts first (offset 0 keeps them a step of their own); the casts only on rows that passed them.
  // One small pattern per value: measured on Postgres, one pattern over the whole row costs twice as much.
  const shape = [
    `concat(${Object.values(M)
      .map((f) => at(f.column))
      .join(", ")}) ~ '^[ -~]*$'`,
    given(M.providerName.column),
    given(M.flexibleUnitId.column),
    given(M.zoneName.column),
    "p.code is not null",
    "d.code is not null",
    utcForm(M.start.column),
    utcForm(M.end.column),
    localForm(M.startLocal.column),
    localForm(M.endLocal.column),
    ...[M.availabilityMw, M.utilisationMw, M.availabilityPrice, M.utilisationPrice, M.availabilityMwh, M.utilisationMwh].map((f) =>
      unsigned(f.column),
    ),
    optional(M.hoursRequested.column, unsigned(M.hoursRequested.column)),
  ].join(" and ");
  // A spelling folded once per distinct one on the page (foldAlias for ASCII text: NFKC is the identity there), then
  // looked up in the adapter's own alias tables, never a second list.
  const spelling = (column: string, table: AliasTable, alias: string, after: number) => {
    const c = at(column, "x");
    return `left join (select k.spelling, a.code from (select distinct ${c} as spelling from ${quoteQualified(raw)} x
        where x.line_no > ${after} and x.line_no <= ${after + PAGE_ROWS}) k
      join ${aliasValues(table, "a")} on a.key = ${fold("k.spelling")}) ${alias} on ${alias}.spelling = ${at(column)}`;
  };
  // A key part of a number read by Number(): its canonical decimal is String(Number(text)) when it has at most 15
  // significant digits (a double keeps them all) and is 0 or at least 1e-6 (no exponent); any other goes to the adapter.
  const canonical = (column: string) => `trim_scale(${trimmed(column)}::numeric)::text`;
  const asNumber = (v: string) => `(length(ltrim(replace(${v}, '.', ''), '0')) <= 15 and (${v} = '0' or ${v} not like '0.000000%'))`;
  const wall = (column: string) => `left(${trimmed(column)}, 19)::timestamp`;
  const iso = (column: string) => `left(${trimmed(column)}, 10) || 'T' || substr(${trimmed(column)}, 12, 8) || '.000Z'`;
  // A local time is the UTC instant when its wall time less its offset (+00:00 or +01:00) is that instant and the
  // wall time exists in London (a spring-gap time read there comes back an hour on).
  const local = (wallOf: string, text: string, utc: string) =>
    `(${wallOf} - substr(${text}, 22, 1)::int * interval '1 hour' = ${utc}
      and (${wallOf} at time zone 'Europe/London') at time zone 'Europe/London' = ${wallOf})`;
  const query = (after: number) =>
    sql.raw(`select s.line_no, s.plain, ${VALUES.map((v) => `case when s.plain then s.${v} end as ${v}`).join(", ")}
        from (select s.*, s.shape and s.end_utc > s.start_utc and ${local("s.start_wall", "s.start_local", "s.start_utc")}
                and ${local("s.end_wall", "s.end_local", "s.end_utc")}
                and ${asNumber("s.a_mw")} and ${asNumber("s.u_mw")} and ${asNumber("s.a_mwh")} and ${asNumber("s.u_mwh")} as plain
              from (select r.line_no, r.shape, r.product_code, r.direction_code, r.start_local, r.end_local,
                      case when r.shape then ${wall(M.start.column)} end as start_utc,
                      case when r.shape then ${wall(M.end.column)} end as end_utc,
                      case when r.shape then ${wall(M.startLocal.column)} end as start_wall,
                      case when r.shape then ${wall(M.endLocal.column)} end as end_wall,
                      case when r.shape then ${canonical(M.availabilityMw.column)} end as a_mw,
                      case when r.shape then ${canonical(M.utilisationMw.column)} end as u_mw,
                      case when r.shape then ${canonical(M.availabilityPrice.column)} end as a_price_key,
                      case when r.shape then ${canonical(M.utilisationPrice.column)} end as u_price_key,
                      case when r.shape then ${canonical(M.availabilityMwh.column)} end as a_mwh,
                      case when r.shape then ${canonical(M.utilisationMwh.column)} end as u_mwh,
                      ${trimmed(M.flexibleUnitId.column)} as unit, ${iso(M.start.column)} as start_iso, ${iso(M.end.column)} as end_iso,
                      ${trimmed(M.availabilityPrice.column)} as a_price, ${trimmed(M.utilisationPrice.column)} as u_price,
                      ${trimmed(M.providerName.column)} as provider, ${trimmed(M.zoneName.column)} as zone,
                      ${trimmed(M.product.column)} as product_name, ${trimmed(M.technology.column)} as technology,
                      ${trimmed(M.hoursRequested.column)} as hours, ${trimmed(M.dispatchMethod.column)} as method
                    from (select r.*, ${shape} as shape, p.code as product_code, d.code as direction_code,
                            ${trimmed(M.startLocal.column)} as start_local, ${trimmed(M.endLocal.column)} as end_local
                          from ${quoteQualified(raw)} r
                          ${spelling(M.product.column, UKPN_PRODUCT_ALIASES, "p", after)}
                          ${spelling(M.direction.column, DIRECTION_ALIASES, "d", after)}
                          where r.line_no > ${after} and r.line_no <= ${after + PAGE_ROWS} offset 0) r
                    offset 0) s offset 0) s
        order by s.line_no`);
  const orNull = (value: string) => (["", "n/a", "na", "null"].includes(value.toLowerCase()) ? null : value);

  async function* lines(): AsyncGenerator<CsvRecord | ReadInSql> {
    let sqlRead = true;
    let reading = 0; // ms in the page queries (INGEST_TIMINGS)
    for (let after = 0; ; ) {
      const asked = performance.now();
      const range = sql`line_no > ${after} and line_no <= ${after + PAGE_ROWS}`;
      let page: Plain[];
      try {
        page = rowsOf<Plain>(
          await db.execute(
            sqlRead
              ? query(after)
              : sql`select line_no, false as plain from ${sql.raw(quoteQualified(raw))} where ${range} order by line_no`,
          ),
        );
      } catch (error) {
        if (!sqlRead || !isDataError(error)) throw error;
        sqlRead = false; // a value no pattern refused but no cast takes: the rest of the file through the adapter
        continue;
      }
      // The other rows' records, for the adapter (none in a plain file: no query then).
      const others = new Map<number, Record<string, unknown>>();
      const unread = page.filter((line) => !(line.plain === true || line.plain === "t")).map((line) => Number(line.line_no));
      if (unread.length > 0) {
        const list = sql.raw(unread.join(", "));
        for (const line of rowsOf<Record<string, unknown>>(
          await db.execute(sql`select * from ${sql.raw(quoteQualified(raw))} where line_no in (${list})`),
        ))
          others.set(Number(line.line_no), line);
      }
      reading += performance.now() - asked;
      if (page.length === 0) {
        if (process.env.INGEST_TIMINGS) console.error(`ingest:   read in SQL ${(reading / 1000).toFixed(2)} s`);
        return;
      }
      after += PAGE_ROWS;
      const zoneCodes = new Map<string, string>(); // a page names few zones: each folded once
      for (const line of page) {
        const row = Number(line.line_no);
        const other = others.get(row);
        if (other) {
          const record: Record<string, string> = {};
          for (let i = 0; i < names.length; i++) record[names[i]!] = String(other[cols[i]!] ?? "");
          yield record;
          continue;
        }
        const product = line.product_code as UkpnProductCode;
        const direction = line.direction_code as DirectionCode;
        const zoneName = line.zone;
        const zoneCode = zoneCodes.get(zoneName) ?? ukpnZoneCode(zoneName);
        zoneCodes.set(zoneName, zoneCode);
        const record: UkpnRecord = {
          sourceRecordId: sha1Hex(
            ukpnKeyOfParts([line.unit, product, line.start_iso, line.end_iso, line.a_mw, line.u_mw, line.a_price_key, line.u_price_key]),
          ),
          providerName: line.provider,
          flexibleUnitId: line.unit,
          zoneName,
          zoneCode,
          product,
          productName: line.product_name,
          direction,
          exportSign: EXPORT_SIGN[direction],
          start: new Date(line.start_iso),
          end: new Date(line.end_iso),
          startLocal: line.start_local,
          endLocal: line.end_local,
          availabilityMw: Number(line.a_mw),
          utilisationMw: Number(line.u_mw),
          availabilityPrice: line.a_price,
          utilisationPrice: line.u_price,
          availabilityMwh: Number(line.a_mwh),
          utilisationMwh: Number(line.u_mwh),
          technology: orNull(line.technology),
          hoursRequested: orNull(line.hours),
          dispatchMethod: orNull(line.method),
        } as UkpnRecord;
        yield new ReadInSql({ row, ...dispatchRowOf(record) });
      }
    }
  }
  return { copied: true, lines: lines(), dispose: copy.dispose };
}
