/**
 * Cells of the CSV files, in and out: an export never hands a spreadsheet a formula (D17: text starting with =,
 * +, -, @, tab or CR gets a leading '), numbers stay numbers; an upload with a NUL character is a per-row
 * BAD_USER_INPUT, never a 500 and never a half-written record (D6). The import and export functions are
 * called directly (the routes' gateway guard is bulk.test.ts's business).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type DatabaseHandle, staticReferences } from "@sfe/kit";
import { as, countRows, createMigratedDatabase, orgs } from "@sfe/kit/testing";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { visibleAssetFilter } from "../src/access.js";
import type { CarClient } from "../src/clients/car.js";
import { neutralised, writeAssetsCsv } from "../src/bulk/export.js";
import { importAssets, type ImportMode } from "../src/bulk/import.js";
import { assetsModule, createRepositories } from "../src/server.js";
import { mpan } from "./helpers.js";

const ORG = orgs.fspA;
const fsp = as.fspA;

let handle: DatabaseHandle;
let repos: ReturnType<typeof createRepositories>;
let server: Server;
let serial = 1;
/** No row here names a CAR id: a CAR that is never asked. */
const noCar = {
  byIds: async () => {
    throw new Error("the CAR was asked");
  },
} as unknown as CarClient;

beforeAll(async () => {
  handle = await createMigratedDatabase(assetsModule);
  repos = createRepositories(handle.db);
  // The export as the route writes it, for FSP ORG.
  server = createServer((_req, res) => {
    writeAssetsCsv(handle.db, { visible: visibleAssetFilter(fsp) }, res).then(
      () => res.end(),
      (error) => res.destroy(error as Error),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await handle.close();
});

const count = (table: string) => countRows(handle, `assets.${table}`);
const deps = () => ({ db: handle.db, repos, references: staticReferences({ Organisation: [ORG] }), car: noCar });
const upload = (text: string, mode: ImportMode = "partial") => importAssets(deps(), fsp, text, mode);
const HEADER = "name,categoryCode,importCapacityKw,exportCapacityKw,externalId,meterPointId,attr.chargePointCount,attr.ocppVersion";
/** An EV charger's row (no cell needs quoting). */
const line = (name: string, externalId = "", ocpp = "") => `${name},EV_CHARGER,7,0,${externalId},${mpan(12, serial++)},2,${ocpp}`;

describe("CSV export", () => {
  it("prefixes a single quote to text cells a spreadsheet would read as a formula, and leaves numbers alone", async () => {
    const names = ['=HYPERLINK("http://x")', "+1+1", "-2-2", "@SUM(A1)", "\tTabbed", "\rReturn", "Plain name", "Mid=dle"];
    for (const name of names) {
      await repos.assets.create(
        {
          ownerId: ORG,
          name,
          categoryCode: "HEAT_PUMP",
          importCapacityKw: 5,
          exportCapacityKw: 0,
          externalId: `-EXT-${serial}`,
          meterPointId: mpan(12, serial++),
          attributes: { thermalStorageKwh: -3.5 },
        },
        null,
      );
    }
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const rows = parse(await response.text(), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.name).sort()).toEqual(
      ['\'=HYPERLINK("http://x")', "'+1+1", "'-2-2", "'@SUM(A1)", "'\tTabbed", "'\rReturn", "Plain name", "Mid=dle"].sort(),
    );
    for (const row of rows) {
      expect(row.externalId).toMatch(/^'-EXT-\d+$/); // text, however it starts
      expect(row["attr.thermalStorageKwh"]).toBe("-3.5"); // a number stays a number, its sign included
      expect(row.importCapacityKw).toBe("5");
    }
  });

  it("neutralises exactly the six formula starts", () => {
    for (const start of ["=", "+", "-", "@", "\t", "\r"]) expect(neutralised(`${start}x`)).toBe(`'${start}x`);
    for (const text of ["x", "", "'=x", " =x", "1-2", "\n=x"]) expect(neutralised(text)).toBe(text);
  });
});

describe("CSV import with a NUL character", () => {
  it("refuses the row (BAD_USER_INPUT naming the column), registers the others, writes nothing of it", async () => {
    const before = [await count("assets"), await count("audit_events")];
    const report = await upload(
      [
        HEADER,
        line("Good one"),
        line("Bad\u0000name"),
        line("Bad external", "EXT\u0000"),
        line("Bad attribute", "", "2.0\u0000"),
        line("Good two"),
      ]
        .join("\r\n")
        .concat("\r\n"),
    );
    expect(report.status).toBe(200);
    expect(report.report).toMatchObject({ received: 5, accepted: 2 });
    expect(report.report.rejected).toEqual([
      { row: 2, field: "name", code: "BAD_USER_INPUT", message: "name must not contain a NUL character (U+0000)" },
      { row: 3, field: "externalId", code: "BAD_USER_INPUT", message: "externalId must not contain a NUL character (U+0000)" },
      {
        row: 4,
        field: "attributes.ocppVersion",
        code: "BAD_USER_INPUT",
        message: "attributes.ocppVersion must not contain a NUL character (U+0000)",
      },
    ]);
    expect([await count("assets"), await count("audit_events")]).toEqual([before[0]! + 2, before[1]! + 2]);
  });

  it("refuses the whole file in all-or-nothing mode (422), writing nothing", async () => {
    const before = await count("assets");
    const report = await upload([HEADER, line("Fine"), line("\u0000")].join("\r\n"), "all-or-nothing");
    expect(report.status).toBe(422);
    expect(report.report.rejected).toEqual([expect.objectContaining({ row: 2, field: "name", code: "BAD_USER_INPUT" })]);
    expect(await count("assets")).toBe(before);
  });
});
