/**
 * The import through COPY and the export from COPY TO (bulk/import.ts, bulk/export.ts), called directly on the real
 * database (PGlite, or Postgres with DATABASE_URL): a replay adds nothing, the audit entries are registerAsset's, the
 * body may arrive in pieces of any size, the scratch tables never outlive an import, and an export is the caller's
 * own assets only, with RFC 4180 line ends. The routes' HTTP side is bulk.test.ts's.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { auditJson, type DatabaseHandle, staticReferences, verifyAuditChain } from "@sfe/kit";
import { as, countRows, createMigratedDatabase, orgs } from "@sfe/kit/testing";
import { parse } from "csv-parse/sync";
import { inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { visibleAssetFilter } from "../src/access.js";
import type { CarClient } from "../src/clients/car.js";
import { auditEvents } from "../src/db/schema.js";
import { crlfLines, type ExportFilter, writeAssetsCsv } from "../src/bulk/export.js";
import { CsvFileError, ImportTooLargeError, importAssets, type ImportMode, NotUtf8Error } from "../src/bulk/import.js";
import { assetsModule, createRepositories } from "../src/server.js";
import { mpan } from "./helpers.js";

const { fspA: ORG_A, fspB: ORG_B } = orgs;

let handle: DatabaseHandle;
let repos: ReturnType<typeof createRepositories>;
let server: Server;
/** The filter the export server uses for its next request. */
let exportFilter: ExportFilter = { visible: visibleAssetFilter(as.fspA) };
let serial = 1;
const noCar = {
  byIds: async () => {
    throw new Error("the CAR was asked");
  },
} as unknown as CarClient;

beforeAll(async () => {
  handle = await createMigratedDatabase(assetsModule);
  repos = createRepositories(handle.db);
  server = createServer((_req, res) => {
    writeAssetsCsv(handle.db, exportFilter, res).then(
      () => res.end(),
      (error) => res.destroy(error as Error),
    );
  });
  // Longer than the client keeps an idle connection, so a reused one is never closed under it (ECONNRESET).
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await handle.close();
});

const count = (table: string) => countRows(handle, `assets.${table}`);
const deps = () => ({ db: handle.db, repos, references: staticReferences({ Organisation: [ORG_A, ORG_B] }), car: noCar });
const HEADER =
  "ownerId,name,categoryCode,importCapacityKw,exportCapacityKw,energyCapacityKwh,meterPointId,externalId,attr.chargePointCount";
const charger = (owner: string, name: string) => `${owner},${name},EV_CHARGER,7.4,0,,${mpan(13, 400_000 + serial)},STREAM-${serial++},3`;
const battery = (owner: string, name: string) => `${owner},${name},BESS,250.5,250.5,500,${mpan(13, 400_000 + serial)},STREAM-${serial++},`;
const file = (lines: readonly string[]) => `${HEADER}\r\n${lines.join("\r\n")}\r\n`;

/** The scratch tables an import makes (none must be left behind). */
async function leftovers(): Promise<number> {
  const result = (await handle.db.execute(
    sql`select count(*)::int as n from information_schema.tables where table_schema = 'assets' and table_name like 'import_stage_%'`,
  )) as unknown;
  const rows = ((result as { rows?: { n: number }[] }).rows ?? (result as { n: number }[])) as { n: number }[];
  return Number(rows[0]!.n);
}

/** `text` as a stream of `size`-byte pieces (a multi-byte character may be cut in two). */
async function* pieces(text: string | Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

const upload = (source: string | AsyncIterable<Uint8Array>, mode: ImportMode = "partial", maxRows?: number) =>
  importAssets(deps(), as.fspA, source, mode, maxRows === undefined ? {} : { maxRows });

describe("CSV import through COPY", () => {
  it("registers a file, then a replay of it adds nothing (partial: every row CONFLICT; all-or-nothing: 422)", async () => {
    const text = file(Array.from({ length: 60 }, (_, i) => (i % 2 ? charger(ORG_A, `Replay ${i}`) : battery(ORG_A, `Replay ${i}`))));
    const first = await upload(text);
    expect(first.status).toBe(200);
    expect(first.report).toMatchObject({ received: 60, accepted: 60, rejected: [] });
    const before = [await count("assets"), await count("audit_events")];

    const replay = await upload(text);
    expect(replay.status).toBe(200);
    expect(replay.report).toMatchObject({ received: 60, accepted: 0, assetIds: [] });
    expect(replay.report.rejected).toHaveLength(60);
    replay.report.rejected.forEach((r, i) => {
      expect(r).toEqual({
        row: i + 1,
        field: "meterPointId",
        code: "CONFLICT",
        message: `An asset with the same meter point is registered already (asset ${first.report.assetIds[i]}): one entry per physical asset`,
      });
    });
    const strict = await upload(text, "all-or-nothing");
    expect([strict.status, strict.report.accepted, strict.report.rejected.length]).toEqual([422, 0, 60]);
    expect([await count("assets"), await count("audit_events")]).toEqual(before);
    expect(await leftovers()).toBe(0);
  });

  it("writes one CREATE audit entry per asset holding the row as registerAsset's audit does, the chain intact", async () => {
    const { report } = await upload(file([battery(ORG_A, "Audited battery"), charger(ORG_A, "Audited charger")]));
    expect(report.accepted).toBe(2);
    const rows = await repos.assets.byIds(report.assetIds);
    const audited = await handle.db.select().from(auditEvents).where(inArray(auditEvents.entityId, report.assetIds));
    expect(audited).toHaveLength(2);
    for (const row of rows) {
      const entry = audited.find((e) => e.entityId === row!.id)!;
      expect(entry).toMatchObject({ action: "CREATE", entityType: "Asset", actorUserId: as.fspA.userId, before: null });
      // Exactly what appendAudit stores for the row registerAsset's insert returns.
      expect(entry.after).toEqual(auditJson(row));
    }
    // File order in the chain, and every link holds.
    const [a, b] = report.assetIds.map((id) => audited.find((e) => e.entityId === id)!.chainIndex!);
    expect(b).toBe(a! + 1);
    expect((await verifyAuditChain(handle.db, "assets")).firstBroken).toBeNull();
  });

  it("takes the body in pieces of any size, a character cut between two of them included", async () => {
    const text = file([charger(ORG_A, "Ünïcødé “charger” ⚡"), battery(ORG_A, '"Quoted, with a\nline break"')]);
    for (const size of [1, 7, 4096]) {
      const mine = text.replaceAll("STREAM-", `PIECE${size}-`).replace(/,(\d{13}),/g, () => `,${mpan(14, 500_000 + serial++)},`);
      const { status, report } = await upload(pieces(mine, size));
      expect([status, report.accepted, report.rejected]).toEqual([200, 2, []]);
      const names = (await repos.assets.byIds(report.assetIds)).map((r) => r!.name);
      expect(names).toEqual(["Ünïcødé “charger” ⚡", "Quoted, with a\nline break"]);
    }
  });

  it("refuses bytes that are not UTF-8 anywhere in the stream, a bad file and too many rows, leaving nothing behind", async () => {
    const before = [await count("assets"), await count("audit_events")];
    const good = new TextEncoder().encode(file([charger(ORG_A, "Fine"), charger(ORG_A, "Fine too")]));
    const broken = new Uint8Array([...good.subarray(0, good.length - 5), 0xc3, 0x28, ...good.subarray(good.length - 5)]);
    await expect(upload(pieces(broken, 16))).rejects.toBeInstanceOf(NotUtf8Error);
    await expect(upload(`${file([charger(ORG_A, "Early")])}"unclosed,quote\r\n`)).rejects.toBeInstanceOf(CsvFileError);
    await expect(upload("colour\r\nred\r\n")).rejects.toThrow(/unknown column "colour"/);
    const four = file([1, 2, 3, 4].map((i) => charger(ORG_A, `Too many ${i}`)));
    await expect(upload(four, "partial", 3)).rejects.toThrow(
      new ImportTooLargeError("A file may hold at most 3 data rows, this one has 4: split it"),
    );
    expect([await count("assets"), await count("audit_events")]).toEqual(before);
    expect(await leftovers()).toBe(0);
    // The limit is the caller's: the same file goes through with room for it.
    expect((await upload(four, "partial", 4)).report.accepted).toBe(4);
  });

  it("refuses a row repeating an earlier row's key, whichever row was refused first, in registerAsset's key order", async () => {
    const repeated = mpan(13, 999_001);
    const lines = [
      `${ORG_A},First,EV_CHARGER,7,0,,${repeated},DUP-1,1`,
      `${ORG_A},Bad but keyed,EV_CHARGER,-1,0,,${mpan(13, 999_002)},DUP-2,1`,
      `${ORG_A},Repeats both,EV_CHARGER,7,0,,${repeated},DUP-2,1`,
      `${ORG_A},Repeats the bad row,EV_CHARGER,7,0,,${mpan(13, 999_002)},DUP-3,1`,
    ];
    const { report } = await upload(file(lines));
    expect(report.accepted).toBe(1);
    expect(report.rejected.map((r) => [r.row, r.field, r.code])).toEqual([
      [2, "importCapacityKw", "BAD_USER_INPUT"],
      [3, "meterPointId", "CONFLICT"],
      [4, "meterPointId", "CONFLICT"],
    ]);
    expect(report.rejected[1]!.message).toBe(`meterPointId ${repeated} is in row 1 of this file already: one entry per physical asset`);
    expect(report.rejected[2]!.message).toMatch(/is in row 2 of this file already/);
  });
});

describe("CSV export through COPY TO", () => {
  const exported = async (filter: ExportFilter) => {
    exportFilter = filter;
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    return response.text();
  };

  beforeAll(async () => {
    const b = await importAssets(deps(), as.fspB, file([battery(ORG_B, "B's own"), charger(ORG_B, "=B's formula")]), "partial");
    expect(b.report.accepted).toBe(2);
  });

  it("gives each FSP its own assets only, the fields as stored", async () => {
    const rowsOf = (text: string) => parse(text, { columns: true }) as Record<string, string>[];
    const mine = rowsOf(await exported({ visible: visibleAssetFilter(as.fspA) }));
    const theirs = rowsOf(await exported({ visible: visibleAssetFilter(as.fspB) }));
    expect(mine.length).toBe(
      await repos.assets.list({ visible: { all: true }, ownerId: ORG_A, limit: 1e6, offset: 0 }).then((r) => r.length),
    );
    expect(new Set(mine.map((r) => r.ownerId))).toEqual(new Set([ORG_A]));
    expect(theirs.map((r) => r.name).sort()).toEqual(["'=B's formula", "B's own"]);
    const ids = new Set(mine.map((r) => r.id));
    expect(theirs.some((r) => ids.has(r.id))).toBe(false);
    // Asking for another's assets by ownerId gives none of them.
    expect(rowsOf(await exported({ visible: visibleAssetFilter(as.fspA), ownerId: ORG_B }))).toEqual([]);
    // Numbers and times as the row holds them.
    const battery = theirs.find((r) => r.name === "B's own")!;
    const [stored] = await repos.assets.byIds([battery.id!]);
    expect(battery).toMatchObject({
      importCapacityKw: "250.5",
      energyCapacityKwh: "500",
      createdAt: stored!.createdAt.toISOString(),
      "attr.chargePointCount": "",
      status: "REGISTERED",
    });
    expect(theirs.find((r) => r.categoryCode === "EV_CHARGER")!["attr.chargePointCount"]).toBe("3");
  });

  it("ends every record with CRLF, a quoted line break kept as it is; nobody visible: the header alone", async () => {
    const text = await exported({ visible: visibleAssetFilter(as.fspA) });
    const records = parse(text, { record_delimiter: "\r\n" }) as string[][];
    expect(records.length).toBe(parse(text).length);
    expect(text.endsWith("\r\n")).toBe(true);
    expect(text).toContain('"Quoted, with a\nline break"');
    const nobody = await exported({ visible: visibleAssetFilter(as.investor) });
    expect(nobody.split("\r\n")).toEqual([expect.stringMatching(/^id,ownerId,name,/), ""]);
  });

  it("exports a large file again and again over the same connections (none left hanging after COPY TO)", async () => {
    const owner = "0b0b0b0b-0000-4000-8000-000000000001";
    await handle.db.execute(sql`insert into assets.assets (owner_id, name, category_code, import_capacity_kw, export_capacity_kw)
      select ${owner}::uuid, 'Bulk "quoted", ' || g, 'HEAT_PUMP', g % 7, 0 from generate_series(1, 15000) g`);
    const filter: ExportFilter = { visible: { all: false, ownerIds: [owner], gspGroups: [] } };
    for (let i = 0; i < 8; i++) {
      const rows = parse(await exported(filter), { columns: true }) as Record<string, string>[];
      expect(rows.length).toBe(15_000);
    }
  }, 120_000);

  it("turns LF into CRLF outside quotes only, however the bytes are cut", () => {
    const input = 'a,"x\ny"\nb,"q""\n"\n';
    const expected = 'a,"x\ny"\r\nb,"q""\n"\r\n';
    for (const size of [1, 2, 3, 5, input.length]) {
      const crlf = crlfLines();
      const out: string[] = [];
      for (let i = 0; i < input.length; i += size)
        out.push(new TextDecoder().decode(crlf(new TextEncoder().encode(input.slice(i, i + size)))));
      expect(out.join("")).toBe(expected);
    }
  });
});
