import type { Readable, Writable } from "node:stream";
import type { Database } from "./database.js";

/**
 * Bulk rows in and out of Postgres at the speed of `COPY`, on both drivers the kit opens (database.ts), inside the
 * caller's transaction when given one (`db.transaction(async (tx) => copyInto(tx, …))`):
 *
 * - postgres-js: `COPY … FROM STDIN` / `COPY … TO STDOUT` streamed over the connection (`.writable()` /
 *   `.readable()`), so memory stays flat whatever the size;
 * - PGlite: `COPY … FROM '/dev/blob'` / `TO '/dev/blob'` (PGlite's virtual device taking and giving a Blob), fed in
 *   bounded chunks of rows (default 25,000), so at most one chunk's text is held at a time.
 *
 * Values travel as CSV text: `null` is SQL NULL (an unquoted empty field), `""` is the empty string (a quoted empty
 * field); anything with a quote, comma, newline, carriage return or backslash is quoted with quotes doubled. The
 * target column's type parses the text exactly as an INSERT of the literal would (numeric strings stay exact).
 */

/** One row for `copyInto`: each column's text, or null for SQL NULL. */
export type CopyRow = readonly (string | null)[];

export interface CopyIntoOptions {
  /** Rows per PGlite COPY statement (postgres-js streams and ignores it). Default 25,000. */
  chunkRows?: number;
}

/** A schema-qualified or bare table name as a quoted identifier: `transactions.meter_readings` → `"transactions"."meter_readings"`. */
export const quoteQualified = (name: string) =>
  name
    .split(".")
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join(".");

const NEEDS_QUOTES = /[",\n\r\\]/;

/** One value as a CSV field for COPY (FORMAT csv): see the module comment. */
export function csvField(value: string | null): string {
  if (value === null) return "";
  if (value === "" || NEEDS_QUOTES.test(value)) return `"${value.replaceAll('"', '""')}"`;
  return value;
}

/** One row as a CSV line (with its newline) for COPY. */
export const csvLine = (row: CopyRow): string => `${row.map(csvField).join(",")}\n`;

interface PostgresJsQuery {
  writable(): Promise<Writable>;
  readable(): Promise<Readable>;
  reject(error: unknown): void;
}
interface PostgresJsLike {
  unsafe(query: string): PostgresJsQuery;
  /** The pool's (not a transaction's): a connection of its own until release(). */
  reserve?(): Promise<PostgresJsLike & { release(): void }>;
}
interface PgliteLike {
  query(query: string, params?: unknown[], options?: { blob?: Blob }): Promise<{ affectedRows?: number; blob?: Blob }>;
}

/** The driver under a drizzle database or transaction (drizzle keeps it as `session.client` on both). */
function driverOf(db: Database): { kind: "postgres"; client: PostgresJsLike } | { kind: "pglite"; client: PgliteLike } {
  const client = (db as unknown as { session?: { client?: unknown } }).session?.client as Record<string, unknown> | undefined;
  if (client && typeof client.unsafe === "function") return { kind: "postgres", client: client as unknown as PostgresJsLike };
  if (client && typeof client.query === "function") return { kind: "pglite", client: client as unknown as PgliteLike };
  throw new Error("copy: the database is neither postgres-js nor PGlite");
}

const WRITE_BYTES = 256 * 1024;

/**
 * Streams `rows` into `table (columns)` with COPY; returns how many rows were sent. A bad value (a type the column
 * cannot parse, a constraint) fails the COPY with Postgres's error: inside a transaction nothing of it stays.
 */
export async function copyInto(
  db: Database,
  table: string,
  columns: readonly string[],
  rows: AsyncIterable<CopyRow> | Iterable<CopyRow>,
  options: CopyIntoOptions = {},
): Promise<number> {
  const driver = driverOf(db);
  const columnList = columns.map((c) => quoteQualified(c)).join(", ");
  const target = `${quoteQualified(table)} (${columnList})`;
  let count = 0;
  if (driver.kind === "postgres") {
    const connection = await ownConnection(driver.client);
    const { writable, done } = await copyFromStdin(connection.client, `copy ${target} from stdin with (format csv)`).catch(
      (error: unknown) => {
        connection.release();
        throw error;
      },
    );
    const write = async (text: string) => {
      if (!writable.write(text)) {
        await new Promise<void>((resolve, reject) => {
          const onError = (error: Error) => reject(error);
          writable.once("error", onError);
          writable.once("drain", () => {
            writable.off("error", onError);
            resolve();
          });
        });
      }
    };
    try {
      let buffer = "";
      for await (const row of rows) {
        if (row.length !== columns.length) throw new Error(`copy: a row has ${row.length} values for ${columns.length} columns`);
        buffer += csvLine(row);
        count += 1;
        if (buffer.length >= WRITE_BYTES) {
          await write(buffer);
          buffer = "";
        }
      }
      if (buffer) await write(buffer);
      writable.end();
      await done;
    } catch (error) {
      // Stop the COPY (the server aborts it): the connection is left usable, the statement failed.
      done.catch(() => {});
      writable.destroy(error as Error);
      throw error;
    } finally {
      connection.release();
    }
    return count;
  }
  const chunkRows = options.chunkRows ?? 25_000;
  const statement = `copy ${target} from '/dev/blob' with (format csv)`;
  let parts: string[] = [];
  let inChunk = 0;
  const flush = async () => {
    if (inChunk === 0) return;
    await driver.client.query(statement, [], { blob: new Blob(parts) });
    parts = [];
    inChunk = 0;
  };
  for await (const row of rows) {
    if (row.length !== columns.length) throw new Error(`copy: a row has ${row.length} values for ${columns.length} columns`);
    parts.push(csvLine(row));
    inChunk += 1;
    count += 1;
    if (inChunk >= chunkRows) await flush();
  }
  await flush();
  return count;
}

export interface CopyOutOptions {
  /** A header line of column names first. Default false. */
  header?: boolean;
  /** Rows per PGlite page (postgres-js streams and ignores it). Default 25,000. */
  pageRows?: number;
}

/**
 * `COPY (selectSql) TO STDOUT (FORMAT csv)` as a stream of UTF-8 CSV chunks. On PGlite the select is read in pages
 * (`LIMIT/OFFSET` around it), so it must order its rows completely (`order by id`) for the pages to join up.
 * `selectSql` is raw SQL: build it from constants and escaped values only.
 */
export async function* copyOut(db: Database, selectSql: string, options: CopyOutOptions = {}): AsyncGenerator<Uint8Array> {
  const driver = driverOf(db);
  const header = options.header ?? false;
  if (driver.kind === "postgres") {
    const connection = await ownConnection(driver.client);
    let readable: Readable;
    try {
      readable = await connection.client.unsafe(`copy (${selectSql}) to stdout with (format csv, header ${header})`).readable();
    } catch (error) {
      connection.release();
      throw error;
    }
    try {
      for await (const chunk of readable) yield chunk as Uint8Array;
    } finally {
      // postgres-js 3.4 pauses the socket when a CopyData fills the stream's buffer, and resumes it only from the
      // stream's read(): when CopyDone came in the same chunk, the stream ends with the socket still paused and the
      // next query on that connection hangs (porsager/postgres#1016, open). Its read() resumes the socket.
      (readable as unknown as { _read?: (size: number) => void })._read?.(0);
      connection.release();
    }
    return;
  }
  const pageRows = options.pageRows ?? 25_000;
  for (let offset = 0; ; offset += pageRows) {
    const withHeader = header && offset === 0;
    const result = await driver.client.query(
      `copy (select * from (${selectSql}) as page limit ${pageRows} offset ${offset}) to '/dev/blob' with (format csv, header ${withHeader})`,
    );
    const bytes = result.blob ? new Uint8Array(await result.blob.arrayBuffer()) : new Uint8Array();
    if (bytes.length > 0) yield bytes;
    const rows = result.affectedRows ?? 0;
    if (rows < pageRows) return;
  }
}

export interface CopyBytesOptions {
  /** The COPY options as SQL, e.g. `format csv, header false` (constants only). */
  with: string;
  /** Bytes per PGlite COPY statement, cut at a newline (postgres-js streams and ignores it). Default 16 MiB. */
  chunkBytes?: number;
}

/**
 * Streams bytes already in COPY's input format (a file as it arrives) into `table (columns)`: no row is parsed or
 * written again in JavaScript. On postgres-js the bytes go to `COPY … FROM STDIN` as they come (with backpressure);
 * on PGlite they are cut at the last newline of every `chunkBytes` and sent as one `COPY … FROM '/dev/blob'` each,
 * so a line never straddles two statements. Returns the bytes sent. A value COPY cannot read fails it with
 * Postgres's error (a 22xxx SQLSTATE): inside a transaction nothing of it stays.
 */
export async function copyBytesInto(
  db: Database,
  table: string,
  columns: readonly string[],
  bytes: AsyncIterable<Uint8Array>,
  options: CopyBytesOptions,
): Promise<number> {
  const driver = driverOf(db);
  const target = `${quoteQualified(table)} (${columns.map((c) => quoteQualified(c)).join(", ")})`;
  let sent = 0;
  if (driver.kind === "postgres") {
    const connection = await ownConnection(driver.client);
    const { writable, done, refused } = await copyFromStdin(connection.client, `copy ${target} from stdin with (${options.with})`).catch(
      (error: unknown) => {
        connection.release();
        throw error;
      },
    );
    try {
      for await (const chunk of bytes) {
        sent += chunk.length;
        if (!writable.write(chunk)) {
          await Promise.race([
            new Promise<void>((resolve, reject) => {
              const onError = (error: Error) => reject(error);
              writable.once("error", onError);
              writable.once("drain", () => {
                writable.off("error", onError);
                resolve();
              });
            }),
            refused,
          ]);
        }
      }
      writable.end();
      await done;
    } catch (error) {
      done.catch(() => {});
      writable.destroy(error as Error);
      throw error;
    } finally {
      connection.release();
    }
    return sent;
  }
  const limit = options.chunkBytes ?? 16 * 2 ** 20;
  const statement = `copy ${target} from '/dev/blob' with (${options.with})`;
  let parts: Uint8Array[] = [];
  let held = 0;
  const send = async (blobParts: Uint8Array[]) => {
    if (blobParts.length > 0)
      await driver.client.query(statement, [], { blob: new Blob(blobParts as unknown as ConstructorParameters<typeof Blob>[0]) });
  };
  for await (const chunk of bytes) {
    sent += chunk.length;
    parts.push(chunk);
    held += chunk.length;
    if (held < limit) continue;
    const cut = chunk.lastIndexOf(0x0a);
    if (cut < 0) continue; // no newline in this piece yet: keep holding until one comes
    const head = parts.slice(0, -1);
    head.push(chunk.subarray(0, cut + 1));
    await send(head);
    const tail = chunk.subarray(cut + 1);
    parts = tail.length > 0 ? [tail] : [];
    held = tail.length;
  }
  await send(parts);
  return sent;
}

/**
 * The connection a COPY runs on. On the pool, one reserved for it: postgres-js pipelines other queries onto a busy
 * connection (max_pipeline), and a query sent while that connection is in COPY mode kills it ("protocol
 * synchronization was lost", 08P01; seen with concurrent dispatch ingests). A transaction's connection is its own.
 */
async function ownConnection(client: PostgresJsLike): Promise<{ client: PostgresJsLike; release: () => void }> {
  if (typeof client.reserve !== "function") return { client, release: () => {} };
  const reserved = await client.reserve();
  let released = false;
  return {
    client: reserved,
    release: () => {
      if (!released) reserved.release();
      released = true;
    },
  };
}

/**
 * A `COPY … FROM STDIN` on postgres-js: its writable, and `done`, settled when the server has taken the data or
 * refused it (`refused` alone: rejected on a refusal). postgres-js 3.4 never settles the writable when the server refuses the data after the last chunk
 * (porsager/postgres#1173): the error only reaches the query's reject, which is settled already. Hear it there.
 */
async function copyFromStdin(client: PostgresJsLike, statement: string) {
  const query = client.unsafe(statement);
  let serverError: (error: unknown) => void = () => {};
  const refused = new Promise<never>((_, reject) => {
    serverError = reject;
  });
  const reject = query.reject.bind(query);
  query.reject = (error) => {
    serverError(error);
    reject(error);
  };
  const writable = await query.writable();
  const done = Promise.race([
    new Promise<void>((resolve, reject) => {
      writable.once("finish", resolve);
      writable.once("error", reject);
    }),
    refused,
  ]);
  refused.catch(() => {});
  return { writable, done, refused };
}
