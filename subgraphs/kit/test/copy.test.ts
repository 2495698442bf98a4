import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CopyRow, copyInto, copyOut, csvField, type DatabaseHandle } from "../src/index.js";
import { createTestDatabase } from "../src/testing.js";

// Runs on PGlite by default and on Postgres with DATABASE_URL: the same assertions hold on both drivers.
let handle: DatabaseHandle;
beforeAll(async () => {
  handle = await createTestDatabase();
  await handle.exec(`create schema copying;
    create table copying.things (id integer primary key, label text, amount numeric(12,4), at timestamptz, note text not null default 'd')`);
});
afterAll(() => handle.close());

const rowsOf = async (query: string) => {
  const result = (await handle.db.execute(sql.raw(query))) as unknown as { rows?: Record<string, unknown>[] } & Record<string, unknown>[];
  return (result.rows ?? result) as Record<string, unknown>[];
};

async function* generate(n: number, from = 0): AsyncGenerator<CopyRow> {
  for (let i = from; i < from + n; i++) yield [String(i), `row ${i}`, "1.0001", "2025-06-23T14:00:00Z"];
}

const AWKWARD = [
  "a,b",
  'say "hi"',
  "line one\nline two",
  "carriage\r\nreturn",
  "back\\slash",
  "\\.",
  "  padded  ",
  "NULL",
  "",
  "£ – ünïcode 🚀",
];

describe("csvField", () => {
  it("quotes only what needs it and keeps NULL apart from the empty string", () => {
    expect(csvField(null)).toBe("");
    expect(csvField("")).toBe('""');
    expect(csvField("plain")).toBe("plain");
    expect(csvField('a"b')).toBe('"a""b"');
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField("\\.")).toBe('"\\."');
  });
});

describe("copyInto", () => {
  it("round-trips awkward values exactly, NULL and empty kept apart", async () => {
    const rows: CopyRow[] = AWKWARD.map((label, i) => [String(1000 + i), label, i % 2 ? "-12.5000" : null]);
    rows.push([String(1100), null, "99999999.9999"]);
    const sent = await copyInto(handle.db, "copying.things", ["id", "label", "amount"], rows);
    expect(sent).toBe(rows.length);
    const back = await rowsOf(`select id, label, amount::text as amount, note from copying.things where id >= 1000 order by id`);
    expect(back.map((r) => r.label)).toEqual([...AWKWARD, null]);
    expect(back.map((r) => r.amount)).toEqual([...AWKWARD.map((_, i) => (i % 2 ? "-12.5000" : null)), "99999999.9999"]);
    expect(back.every((r) => r.note === "d")).toBe(true); // columns left out take their defaults
  });

  it("lets queries run beside a COPY on the pool without landing on its connection", async () => {
    // postgres-js pipelines queries onto busy connections: one sent while a COPY held its connection killed it (08P01).
    async function* slow(): AsyncGenerator<CopyRow> {
      for (let i = 0; i < 40; i++) {
        await new Promise((resolve) => setTimeout(resolve, 2));
        yield [String(5000 + i), `beside ${i}`, null, null];
      }
    }
    const queries = Array.from({ length: 30 }, () => rowsOf(`select count(*)::int as n from copying.things`));
    const copies = [0, 1].map((k) =>
      copyInto(
        handle.db,
        "copying.things",
        ["id", "label"],
        (async function* () {
          for await (const row of slow()) yield [String(Number(row[0]) + k * 100), row[1] ?? null];
        })(),
      ),
    );
    const [sent] = await Promise.all([Promise.all(copies), Promise.all(queries)]);
    expect(sent).toEqual([40, 40]);
    const [count] = await rowsOf(`select count(*)::int as n from copying.things where id between 5000 and 5199`);
    expect(count!.n).toBe(80);
  });

  it("streams many rows in bounded chunks from an async source", async () => {
    const sent = await copyInto(handle.db, "copying.things", ["id", "label", "amount", "at"], generate(12_345, 10_000), {
      chunkRows: 5_000,
    });
    expect(sent).toBe(12_345);
    const [count] = await rowsOf(`select count(*)::int as n, min(at) = max(at) as same from copying.things where id >= 10000`);
    expect(count).toEqual({ n: 12_345, same: true });
  });

  it("runs inside the caller's transaction: a failure leaves nothing of it", async () => {
    const before = await rowsOf(`select count(*)::int as n from copying.things`);
    await expect(
      handle.db.transaction(async (tx) => {
        await copyInto(tx, "copying.things", ["id", "label"], [["50000", "kept?"]]);
        // the second COPY breaks the primary key: the whole transaction rolls back
        await copyInto(
          tx,
          "copying.things",
          ["id", "label"],
          [
            ["50001", "x"],
            ["50001", "dup"],
          ],
        );
      }),
    ).rejects.toThrow();
    expect(await rowsOf(`select count(*)::int as n from copying.things`)).toEqual(before);
    // and the database is usable afterwards
    await handle.db.transaction(async (tx) => {
      await copyInto(tx, "copying.things", ["id", "label"], [["50002", "after"]]);
    });
    expect(await rowsOf(`select label from copying.things where id = 50002`)).toEqual([{ label: "after" }]);
  });

  it("a source that throws mid-stream aborts the COPY and rolls back", async () => {
    async function* broken(): AsyncGenerator<CopyRow> {
      yield ["60000", "first"];
      throw new Error("source broke");
    }
    await expect(
      handle.db.transaction((tx) => copyInto(tx, "copying.things", ["id", "label"], broken(), { chunkRows: 1 })),
    ).rejects.toThrow("source broke");
    expect(await rowsOf(`select count(*)::int as n from copying.things where id = 60000`)).toEqual([{ n: 0 }]);
  });

  it("refuses a row with the wrong number of values", async () => {
    await expect(copyInto(handle.db, "copying.things", ["id", "label"], [["1"]])).rejects.toThrow("1 values for 2 columns");
  });
});

describe("copyOut", () => {
  const text = async (chunks: AsyncIterable<Uint8Array>) => {
    const decoder = new TextDecoder();
    let out = "";
    for await (const chunk of chunks) out += decoder.decode(chunk, { stream: true });
    return out + decoder.decode();
  };

  it("streams a select as CSV, header once, across pages", async () => {
    const csv = await text(
      copyOut(handle.db, `select id, label from copying.things where id between 10000 and 10009 order by id`, {
        header: true,
        pageRows: 3,
      }),
    );
    expect(csv.split("\n").filter(Boolean)).toEqual(["id,label", ...Array.from({ length: 10 }, (_, i) => `${10000 + i},row ${10000 + i}`)]);
  });

  it("quotes awkward values and keeps NULL (bare) apart from the empty string (quoted)", async () => {
    const csv = await text(copyOut(handle.db, `select label from copying.things where id between 1000 and 1100 order by id`));
    expect(csv).toBe(
      [
        '"a,b"',
        '"say ""hi"""',
        '"line one\nline two"',
        '"carriage\r\nreturn"',
        "back\\slash",
        '"\\."',
        "  padded  ",
        "NULL",
        '""',
        "£ – ünïcode 🚀",
        "",
      ]
        .map((line) => `${line}\n`)
        .join(""),
    );
  });

  it("an empty result is no output", async () => {
    expect(await text(copyOut(handle.db, `select id from copying.things where false`))).toBe("");
  });
});
