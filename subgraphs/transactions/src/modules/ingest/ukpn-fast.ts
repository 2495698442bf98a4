// The fast path for a UKPN flexibility dispatch export (issue 10 item 7): the body goes byte for byte into COPY of a
// scratch table of text columns (fast.ts's copyRawLines), and the adapter's costly work is done in SQL, set-based, per
// page of rows: the UTC columns read, the local columns checked against them (the same instant, a wall time that
// exists in London: a spring-gap time is not plain), product and direction spellings folded to one code through
// VALUES lists built from the adapter's own alias tables. A row whose every value is in the plain form (ASCII, the
// export's timestamp forms, unsigned decimals) gets its record from those values, the key and numbers in JavaScript
// as the adapter makes them; every other row — a bad or unusual value, an offset-less local time, a clock-change
// hour — goes through the per-row adapter exactly as before, so its row, field, code, reason and message are the
// adapter's. Rows come back in file order, a page at a time (memory flat), to the engine's chunks: the dispatch
// checks (product, service area, rules, the outbox event) run on them unchanged.
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
  ukpnSourceRecordId,
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

/** Reads the body: its lines in file order, plain ones read in SQL, or (a file COPY cannot read as csv-parse would) the body for the general path. */
export async function readUkpnFast(db: Database, stage: string, body: Body, required: readonly string[]): Promise<UkpnFastOutcome> {
  const raw = `${stage}_raw`;
  const began = performance.now();
  const copy = await copyRawLines(db, raw, body, required);
  if (!copy.copied) return copy;
  if (process.env.INGEST_TIMINGS) console.error(`ingest: COPY of the lines ${((performance.now() - began) / 1000).toFixed(2)} s`);
  const { names, cols } = copy;
  const at = (column: string, table = "r") => {
    const i = names.indexOf(column);
    return i < 0 ? "''" : `${table}.c${i + 1}`;
  };
  const used = Object.values(M).map((f) => at(f.column));
  const given = (column: string) => `lower(btrim(${at(column)})) not in ('', 'n/a', 'na', 'null')`;
  const unsigned = (column: string) => `btrim(${at(column)}) ~ '^[0-9]+(\\.[0-9]+)?$'`;
  const optional = (column: string, check: string) => `(not ${given(column)} or ${check})`;
  const utcForm = (column: string) =>
    `btrim(${at(column)}) ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\+00:00|Z)?$'`;
  const localForm = (column: string) =>
    `btrim(${at(column)}) ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\\+0[01]:00$'`;
  // Checks without casts first (offset 0 keeps them a step of their own); the casts only on rows that passed them.
  // The alias keys are folded once per row, before the joins (not once per row and alias).
  const shape = [
    `concat(${used.join(", ")}) ~ '^[ -~]*$'`,
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
  const wall = (column: string) => `left(btrim(${at(column, "s")}), 19)::timestamp`;
  // A local time is the UTC instant when its wall time less its offset (+00:00 or +01:00) is that instant and the
  // wall time exists in London (a spring-gap time read there comes back an hour on).
  const local = (column: string, utc: string) =>
    `(${wall(column)} - substr(btrim(${at(column, "s")}), 22, 1)::int * interval '1 hour' = ${utc}
      and (${wall(column)} at time zone 'Europe/London') at time zone 'Europe/London' = ${wall(column)})`;
  const query = (after: number) =>
    sql.raw(`select s.*, s.shape and s.end_utc > s.start_utc and ${local(M.startLocal.column, "s.start_utc")}
          and ${local(M.endLocal.column, "s.end_utc")} as plain
        from (select s.*, case when s.shape then ${wall(M.start.column)} end as start_utc,
                case when s.shape then ${wall(M.end.column)} end as end_utc
              from (select r.*, ${shape} as shape, p.code as product_code, d.code as direction_code
                    from (select r.*, ${fold(at(M.product.column))} as product_key, ${fold(at(M.direction.column))} as direction_key
                          from ${quoteQualified(raw)} r
                          where r.line_no > ${after} and r.line_no <= ${after + PAGE_ROWS} offset 0) r
                    left join ${aliasValues(UKPN_PRODUCT_ALIASES, "p")} on p.key = r.product_key
                    left join ${aliasValues(DIRECTION_ALIASES, "d")} on d.key = r.direction_key
                    offset 0) s offset 0) s
        order by s.line_no`);
  const text = (line: Record<string, unknown>, column: string) => {
    const i = names.indexOf(column);
    return i < 0 ? "" : String(line[cols[i]!] ?? "").trim();
  };
  const orNull = (value: string) => (["", "n/a", "na", "null"].includes(value.toLowerCase()) ? null : value);
  const iso = (wallText: string) => `${wallText.slice(0, 10)}T${wallText.slice(11, 19)}.000Z`;

  async function* lines(): AsyncGenerator<CsvRecord | ReadInSql> {
    let sqlRead = true;
    let reading = 0; // ms in the page queries (INGEST_TIMINGS)
    for (let after = 0; ; ) {
      let page: Record<string, unknown>[];
      const asked = performance.now();
      try {
        page = rowsOf<Record<string, unknown>>(
          await db.execute(
            sqlRead
              ? query(after)
              : sql`select * from ${sql.raw(quoteQualified(raw))} where line_no > ${after} and line_no <= ${after + PAGE_ROWS} order by line_no`,
          ),
        );
      } catch (error) {
        if (!sqlRead || !isDataError(error)) throw error;
        sqlRead = false; // a value no pattern refused but no cast takes: the rest of the file through the adapter
        continue;
      }
      reading += performance.now() - asked;
      if (page.length === 0) {
        if (process.env.INGEST_TIMINGS) console.error(`ingest:   read in SQL ${(reading / 1000).toFixed(2)} s`);
        return;
      }
      after += PAGE_ROWS;
      for (const line of page) {
        const row = Number(line.line_no);
        if (!(sqlRead && (line.plain === true || line.plain === "t"))) {
          const record: Record<string, string> = {};
          for (let i = 0; i < names.length; i++) record[names[i]!] = String(line[cols[i]!] ?? "");
          yield record;
          continue;
        }
        const product = line.product_code as UkpnProductCode;
        const direction = line.direction_code as DirectionCode;
        const base = {
          flexibleUnitId: text(line, M.flexibleUnitId.column),
          product,
          start: new Date(iso(text(line, M.start.column))),
          end: new Date(iso(text(line, M.end.column))),
          availabilityMw: Number(text(line, M.availabilityMw.column)),
          utilisationMw: Number(text(line, M.utilisationMw.column)),
          availabilityPrice: text(line, M.availabilityPrice.column),
          utilisationPrice: text(line, M.utilisationPrice.column),
        };
        const zoneName = text(line, M.zoneName.column);
        const record: UkpnRecord = {
          ...base,
          sourceRecordId: ukpnSourceRecordId(base),
          providerName: text(line, M.providerName.column),
          zoneName,
          zoneCode: ukpnZoneCode(zoneName),
          productName: text(line, M.product.column),
          direction,
          exportSign: EXPORT_SIGN[direction],
          startLocal: text(line, M.startLocal.column),
          endLocal: text(line, M.endLocal.column),
          availabilityMwh: Number(text(line, M.availabilityMwh.column)),
          utilisationMwh: Number(text(line, M.utilisationMwh.column)),
          technology: orNull(text(line, M.technology.column)),
          hoursRequested: orNull(text(line, M.hoursRequested.column)),
          dispatchMethod: orNull(text(line, M.dispatchMethod.column)),
        } as UkpnRecord;
        yield new ReadInSql({ row, ...dispatchRowOf(record) });
      }
    }
  }
  return { copied: true, lines: lines(), dispose: copy.dispose };
}
