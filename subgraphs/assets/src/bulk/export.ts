import type { ServerResponse } from "node:http";
import { copyOut, type Database, isUuid } from "@sfe/kit";
import { sql } from "drizzle-orm";
import type { AssetVisibility } from "../modules/assets/repository.js";
import { ATTRIBUTE_PREFIX, csvLine, EXPORT_ONLY_COLUMNS, IMPORT_COLUMNS } from "./csv.js";

/** The columns of an export, before the `attr.<key>` ones: `id`, then an import's, then what the hub sets. */
export const EXPORT_COLUMNS = ["id", ...IMPORT_COLUMNS, ...EXPORT_ONLY_COLUMNS.filter((c) => c !== "id")] as const;
type ExportColumn = (typeof EXPORT_COLUMNS)[number];

export interface ExportFilter {
  visible: AssetVisibility;
  ownerId?: string | null;
  categoryCode?: string | null;
  gspGroup?: string | null;
}

/** What a spreadsheet takes a cell for a formula by when it starts with it (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Text as a CSV field a spreadsheet shows as text: a cell starting with =, +, -, @, tab or CR (a name, an external
 * id, a text attribute a client chose, e.g. `=HYPERLINK(…)`) gets a leading single quote (OWASP's advice), so
 * opening an export never runs a formula. Only text: numbers stay numbers, -3.5 included.
 */
export const neutralised = (text: string): string => (FORMULA_START.test(text) ? `'${text}` : text);

/** SQL: `text` neutralised as `neutralised` does it. */
const neutralisedSql = (text: string) =>
  `case when left(${text}, 1) in ('=', '+', '-', '@', chr(9), chr(13)) then '''' || ${text} else ${text} end`;

/** A string as an SQL literal (standard_conforming_strings, on in every supported Postgres; NUL is refused before). */
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
const identifier = (text: string) => `"${text.replaceAll('"', '""')}"`;

/**
 * Each export column as the select computes it: the text a CSV field holds (empty for null, ISO 8601 in UTC with
 * milliseconds for a time, numbers as Postgres prints a double, text neutralised).
 */
const COLUMN_SQL: Record<ExportColumn, string> = {
  id: "id",
  ownerId: "owner_id",
  name: neutralisedSql("name"),
  categoryCode: neutralisedSql("category_code"),
  importCapacityKw: "import_capacity_kw",
  exportCapacityKw: "export_capacity_kw",
  energyCapacityKwh: "energy_capacity_kwh",
  postcode: neutralisedSql("postcode"),
  gspGroup: neutralisedSql("gsp_group"),
  meterPointId: neutralisedSql("meter_point_id"),
  externalId: neutralisedSql("external_id"),
  carId: neutralisedSql("car_id"),
  status: neutralisedSql("status"),
  licenceArea: neutralisedSql("licence_area"),
  dnoGroup: neutralisedSql("dno_group"),
  createdAt: `to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
};

/** An attribute's value as a CSV field: a string neutralised, a number or boolean as JSON writes it, absent empty. */
function attributeSql(key: string): string {
  const value = `(attributes -> ${literal(key)})`;
  return `case jsonb_typeof(${value}) when 'string' then ${neutralisedSql(`(${value} #>> '{}')`)} when 'null' then null
    when 'object' then ${neutralisedSql(`${value}::text`)} when 'array' then ${neutralisedSql(`${value}::text`)}
    else ${value}::text end`;
}

/** The export's WHERE as SQL text (COPY takes no parameters): the caller's visibility, then the filters; null: none. */
function whereSql(filter: ExportFilter): string | null {
  const conditions: string[] = [];
  const visible = filter.visible;
  if (!visible.all) {
    const ownerIds = visible.ownerIds.filter(isUuid);
    const either = [
      ...(ownerIds.length > 0 ? [`owner_id in (${ownerIds.map((id) => `${literal(id)}::uuid`).join(", ")})`] : []),
      ...(visible.gspGroups.length > 0 ? [`gsp_group in (${visible.gspGroups.map(literal).join(", ")})`] : []),
    ];
    if (either.length === 0) return null;
    conditions.push(`(${either.join(" or ")})`);
  }
  if (filter.ownerId != null) {
    if (!isUuid(filter.ownerId)) return null;
    conditions.push(`owner_id = ${literal(filter.ownerId)}::uuid`);
  }
  if (filter.categoryCode != null) conditions.push(`category_code = ${literal(filter.categoryCode)}`);
  if (filter.gspGroup != null) conditions.push(`gsp_group = ${literal(filter.gspGroup)}`);
  return conditions.length > 0 ? conditions.join(" and ") : "true";
}

const rowsOf = <T>(result: unknown): T[] => ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];

/**
 * The export's SELECT (what COPY writes as CSV, header from its column names), or null when `filter` admits nothing.
 * Exported for the benchmark, which has psql COPY the very same rows and columns.
 */
export async function exportSelect(db: Database, filter: ExportFilter): Promise<string | null> {
  // A NUL character can be in no stored value (and Postgres refuses it in a statement): such a filter matches nothing.
  const impossible = [filter.ownerId, filter.categoryCode, filter.gspGroup].some((value) => value?.includes("\u0000"));
  const where = impossible ? null : whereSql(filter);
  if (where === null) return null;
  // Every attribute key the exported assets state (one query), so the header is known before the first row.
  const keys = rowsOf<{ key: string }>(
    await db.execute(sql.raw(`select distinct jsonb_object_keys(attributes) as key from assets.assets where ${where}`)),
  )
    .map((r) => r.key)
    .sort();
  return `select ${[
    ...EXPORT_COLUMNS.map((column) => `${COLUMN_SQL[column]} as ${identifier(column)}`),
    ...keys.map((key) => `${attributeSql(key)} as ${identifier(`${ATTRIBUTE_PREFIX}${key}`)}`),
  ].join(", ")} from assets.assets where ${where} order by name, id`;
}

/**
 * Writes the assets `filter` admits as CSV to `res` (headers already decided by the caller):
 * `COPY (select …) TO STDOUT (format csv, header)` through the kit's copyOut (PGlite: in pages), straight to the
 * socket, waiting for the client whenever its buffer is full; rows by name then id. Lines end in CRLF (RFC 4180;
 * COPY writes LF, turned into CRLF outside quoted fields as the bytes pass). Once the client has gone the rest is
 * read and dropped, so that the COPY ends cleanly on its connection.
 */
export async function writeAssetsCsv(db: Database, filter: ExportFilter, res: ServerResponse): Promise<void> {
  const select = await exportSelect(db, filter);
  if (select === null) {
    await send(res, csvLine([...EXPORT_COLUMNS]));
    return;
  }
  const crlf = crlfLines();
  let open = true;
  for await (const chunk of copyOut(db, select, { header: true })) {
    if (open) open = await send(res, crlf(chunk));
  }
}

/**
 * A transform of COPY's CSV bytes: every LF outside a quoted field becomes CRLF (a quoted field keeps its line
 * breaks as they are). The quote state carries over from one chunk to the next.
 */
export function crlfLines(): (chunk: Uint8Array) => Uint8Array {
  let quoted = false;
  return (chunk) => {
    let breaks = 0;
    let q = quoted;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (byte === 0x22) q = !q;
      else if (byte === 0x0a && !q) breaks++;
    }
    if (breaks === 0) {
      quoted = q;
      return chunk;
    }
    const out = new Uint8Array(chunk.length + breaks);
    let j = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (byte === 0x22) quoted = !quoted;
      else if (byte === 0x0a && !quoted) out[j++] = 0x0d;
      out[j++] = byte;
    }
    return out;
  };
}

/** Writes `chunk`, waiting for the buffer to drain if it is full; false once the client has gone. */
export async function send(res: ServerResponse, chunk: string | Uint8Array): Promise<boolean> {
  if (res.destroyed) return false;
  if (res.write(chunk)) return true;
  await new Promise<void>((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
  return !res.destroyed;
}
