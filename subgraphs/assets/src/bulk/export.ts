import type { ServerResponse } from "node:http";
import type { Database } from "@sfe/kit";
import { and, asc, eq, type SQL, sql } from "drizzle-orm";
import { assets } from "../db/schema.js";
import { type AssetRow, type AssetVisibility, visibleAssetCondition } from "../modules/assets/repository.js";
import { ATTRIBUTE_PREFIX, csvLine, EXPORT_ONLY_COLUMNS, IMPORT_COLUMNS } from "./csv.js";

/** Rows read per query: an export never holds more than one page of assets in memory. */
export const EXPORT_PAGE_SIZE = 1000;

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

/** A value as a CSV field: empty for null, ISO 8601 for a time, JSON for anything structured, text neutralised. */
function text(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "object") return neutralised(JSON.stringify(value));
  return neutralised(String(value));
}

const fieldOf = (row: AssetRow, column: ExportColumn): unknown => row[column];

/**
 * Writes the assets `filter` admits as CSV to `res` (headers already decided by the caller): the header row,
 * then pages of EXPORT_PAGE_SIZE by name then id (keyset: each page starts after the last row of the one
 * before), waiting for the client whenever the socket's buffer is full. Stops when the client goes away.
 */
export async function writeAssetsCsv(db: Database, filter: ExportFilter, res: ServerResponse): Promise<void> {
  // A NUL character can be in no stored value (and Postgres refuses it in a parameter): such a filter matches nothing.
  const impossible = [filter.ownerId, filter.categoryCode, filter.gspGroup].some((value) => value?.includes("\u0000"));
  const visible = impossible ? null : visibleAssetCondition(filter.visible);
  const conditions: SQL[] = visible ? [visible] : [];
  if (filter.ownerId != null) conditions.push(eq(assets.ownerId, filter.ownerId));
  if (filter.categoryCode != null) conditions.push(eq(assets.categoryCode, filter.categoryCode));
  if (filter.gspGroup != null) conditions.push(eq(assets.gspGroup, filter.gspGroup));
  const where = and(...conditions);

  // Every attribute key the exported assets state (one query), so the header is known before the first row.
  const keys =
    visible === null
      ? []
      : (
          await db
            .selectDistinct({ key: sql<string>`jsonb_object_keys(${assets.attributes})` })
            .from(assets)
            .where(where)
        )
          .map((r) => r.key)
          .sort();
  if (!(await send(res, csvLine([...EXPORT_COLUMNS, ...keys.map((key) => `${ATTRIBUTE_PREFIX}${key}`)])))) return;
  if (visible === null) return;

  let after: { name: string; id: string } | null = null;
  for (;;) {
    const page: AssetRow[] = await db
      .select()
      .from(assets)
      .where(and(where, after ? sql`(${assets.name}, ${assets.id}) > (${after.name}, ${after.id}::uuid)` : undefined))
      .orderBy(asc(assets.name), asc(assets.id))
      .limit(EXPORT_PAGE_SIZE);
    if (page.length === 0) return;
    const lines = page.map((row) =>
      csvLine([...EXPORT_COLUMNS.map((column) => text(fieldOf(row, column))), ...keys.map((key) => text(row.attributes[key]))]),
    );
    if (!(await send(res, lines.join("")))) return;
    if (page.length < EXPORT_PAGE_SIZE) return;
    const last = page[page.length - 1]!;
    after = { name: last.name, id: last.id };
  }
}

/** Writes `chunk`, waiting for the buffer to drain if it is full; false once the client has gone. */
async function send(res: ServerResponse, chunk: string): Promise<boolean> {
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
