/**
 * CSV import and export of assets through the gateway, and the import command line, over real HTTP.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { countRows } from "@sfe/kit/testing";
import { importAssetsCli } from "@sfe/stack/import-assets";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gqlOk, mpan, startTestStack } from "./helpers.js";

let stack: Awaited<ReturnType<typeof startTestStack>>;
let owner = "";
const folder = mkdtempSync(join(tmpdir(), "sfe-csv-"));
const HEADER = "ownerId,name,categoryCode,importCapacityKw,exportCapacityKw,energyCapacityKwh,meterPointId,attr.chargePointCount";

/** Writes a CSV file of rows (cells joined as they are) and returns its path. */
function csvFile(name: string, rows: string[]): string {
  const path = join(folder, name);
  writeFileSync(path, `${HEADER}\n${rows.join("\n")}\n`);
  return path;
}

/** Runs the CLI against the test hub as the administrator: its exit status and what it printed. */
async function cli(args: string[], env: Record<string, string> = { SFE_URL: stack.url, SFE_TOKEN: stack.admin.token }) {
  const lines: string[] = [];
  const status = await importAssetsCli(args, env, { log: (l) => lines.push(l), error: (l) => lines.push(l) });
  return { status, output: lines.join("\n") };
}

beforeAll(async () => {
  stack = await startTestStack();
  const org = await gqlOk(
    stack.url,
    `mutation { registerOrganisation(input: { name: "Axle Energy Limited", roles: [FSP] }) { organisation { id } } }`,
    {},
    stack.admin,
  );
  owner = org.registerOrganisation.organisation.id;
}, 120_000);
afterAll(() => stack?.stop());

describe("CSV import through the gateway", () => {
  it("registers the valid rows and reports each rejected one (partial mode), from the command line", async () => {
    const file = csvFile("partial.csv", [
      `${owner},Charger A,EV_CHARGER,7,0,,${mpan(12, 7001)},2`,
      `${owner},Battery B,BESS,500,500,1000,${mpan(19, 7002)},`,
      `${owner},Bad MPAN,BESS,5,5,13.5,1200000000000,`,
      `${owner},No charge points,EV_CHARGER,7,0,,${mpan(12, 7003)},`,
      `${owner},Same meter,EV_CHARGER,7,0,,${mpan(12, 7001)},1`,
    ]);
    const before = await countRows(stack.database, "assets.assets");
    const { status, output } = await cli([file]);
    expect(status).toBe(1); // some rows refused
    expect(output).toMatch(/row 3, meterPointId/);
    expect(output).toMatch(/row 4, attributes\.chargePointCount/);
    expect(output).toMatch(/row 5, meterPointId .* is in row 1 of this file already/);
    expect(await countRows(stack.database, "assets.assets")).toBe(before + 2);
  });

  it("accepts nothing from a file with any invalid row in all-or-nothing mode", async () => {
    const file = csvFile("strict.csv", [
      `${owner},Fine,EV_CHARGER,7,0,,${mpan(12, 7101)},1`,
      `${owner},Broken,UNKNOWN_CATEGORY,7,0,,${mpan(12, 7102)},1`,
    ]);
    const before = await countRows(stack.database, "assets.assets");
    const { status, output } = await cli([file, "--all-or-nothing"]);
    expect(status).toBe(1);
    expect(output).toMatch(/row 2, categoryCode/);
    expect(await countRows(stack.database, "assets.assets")).toBe(before);
  });

  it("refuses callers without credentials before the assets subgraph is asked, and bad command lines", async () => {
    const anonymous = await fetch(stack.url.replace(/graphql$/, "assets/import"), {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: `${HEADER}\n`,
    });
    expect(anonymous.status).toBe(401);
    expect((await cli([])).status).toBe(2);
    expect((await cli([join(folder, "missing.csv")])).status).toBe(2);
    expect((await cli([csvFile("x.csv", [])], { SFE_URL: stack.url })).status).toBe(2); // no credential
  });
});

describe("CSV export through the gateway", () => {
  it("exports the assets the caller may see, quoting what needs quoting", async () => {
    await gqlOk(
      stack.url,
      `mutation ($o: ID!, $m: String!) { registerAsset(input: { ownerId: $o, name: "Site \\"North\\", unit 2", categoryCode: "EV_CHARGER",
        importCapacityKw: 7, exportCapacityKw: 0, meterPointId: $m, attributes: { chargePointCount: 1 } }) { asset { id } } }`,
      { o: owner, m: mpan(12, 7201) },
      stack.admin,
    );
    const response = await fetch(`${stack.url.replace(/graphql$/, "assets/export.csv")}?ownerId=${owner}`, {
      headers: { authorization: `Bearer ${stack.admin.token}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/csv/);
    const text = await response.text();
    expect(text.split("\n")[0]).toMatch(/^id,/);
    expect(text).toContain('"Site ""North"", unit 2"');
    expect(text).toContain("Charger A");
  });
});
