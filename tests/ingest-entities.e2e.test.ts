/**
 * NESO Dynamic Containment masterdata (the real rows of stack/data) through the gateway, over real HTTP: bids, then
 * awards for the Accepted rows, each Response Unit mapped to the hub asset registered under it as externalId (one
 * batched lookup of the assets subgraph per chunk), a replay adding nothing, another SO refused; and the CLI.
 */
import { readFileSync } from "node:fs";
import { countRows } from "@sfe/kit/testing";
import { ingestCli } from "@sfe/stack/ingest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Credential, gqlOk, mpan, PASSWORD, signIn, startTestStack } from "./helpers.js";

let stack: Awaited<ReturnType<typeof startTestStack>>;
let ed: Credential;
let rivalSo: Credential;
let productId = "";
const assetIds = new Map<string, string>();

const FILE = new URL("../stack/data/neso-dynamic-containment-masterdata-2020-10-to-2021-04.csv", import.meta.url);
const [HEADER, ...DATA] = readFileSync(FILE, "utf8").split(/\r?\n/).filter(Boolean);
const UNITS = ["AG-MFLX02", "ARNKB-1"];
const mine = DATA.filter((l) => UNITS.includes(l.split(",")[3]!)).slice(0, 40);
// an Accepted row of a unit the hub does not hold: refused as UNKNOWN_UNIT both as a bid and as an award
const other = DATA.find((l) => !UNITS.includes(l.split(",")[3]!) && l.startsWith("DC LF") && l.includes(",Accepted,"))!;
const file = `${[HEADER, ...mine, other].join("\n")}\n`;

const bearer = (credential: Credential): Record<string, string> =>
  credential && "token" in credential ? { authorization: `Bearer ${credential.token}` } : {};
async function post(path: string, query: Record<string, string>, body: string, credential: Credential) {
  const response = await fetch(`${stack.url.replace(/graphql$/, `ingest/${path}`)}?${new URLSearchParams(query)}`, {
    method: "POST",
    headers: { "content-type": "text/csv", ...bearer(credential) },
    body,
  });
  return { status: response.status, body: (await response.json()) as any };
}

beforeAll(async () => {
  stack = await startTestStack();
  const fsp = await stack.signUp("trader@dc-flex.test", "FSP", "DC Flex Ltd");
  for (const [i, unit] of UNITS.entries()) {
    const REGISTER = `mutation ($o: ID!, $m: String!, $x: String!) { registerAsset(input: { ownerId: $o, name: $x, categoryCode: "BESS",
      importCapacityKw: 50000, exportCapacityKw: 50000, energyCapacityKwh: 50000, meterPointId: $m, externalId: $x }) { asset { id } } }`;
    const { registerAsset } = await gqlOk(stack.url, REGISTER, { o: fsp.organisationId, m: mpan(12, 8201 + i), x: unit }, fsp.as);
    assetIds.set(unit, registerAsset.asset.id);
  }
  for (const [email, name] of [
    ["ed@dc-neso.test", "NESO (dc ingest)"],
    ["rival@dc-other.test", "Other SO (dc ingest)"],
  ] as const) {
    const so = await stack.signUp(email, "SYSTEM_OPERATOR", name);
    await gqlOk(stack.url, `mutation ($u: ID!) { verifySystemOperator(userId: $u) { user { status } } }`, { u: so.userId }, stack.admin);
    const verified = await signIn(stack.url, email, PASSWORD);
    if (email.startsWith("ed")) {
      ed = verified;
      const input = {
        ownerId: so.organisationId,
        code: "DC_LF_INGEST",
        name: "Dynamic Containment Low",
        serviceType: "AVAILABILITY_ONLY",
        directions: ["GENERATION_TURN_UP"],
        minimumCapacityKw: 1000,
      };
      productId = (
        await gqlOk(stack.url, `mutation ($i: CreateProductInput!) { createProduct(input: $i) { product { id } } }`, { i: input }, ed)
      ).createProduct.product.id;
    } else rivalSo = verified;
  }
}, 180_000);
afterAll(() => stack?.stop());

describe("NESO DC masterdata through the gateway", () => {
  it("bids for every known unit (an unknown one coded UNKNOWN_UNIT), then awards for the Accepted rows; replays add nothing", async () => {
    const query = { "product.DC_LF": productId };
    const before = stack.requestCounts().assets ?? 0;
    const bids = await post("bids", query, file, stack.admin);
    expect(bids.status).toBe(200);
    expect(bids.body).toMatchObject({ status: "COMPLETED", source: "neso-dc-masterdata", rows: 41, inserted: 40, rejected: 1 });
    expect(bids.body.rejections).toMatchObject([{ row: 41, field: "unit", code: "BAD_USER_INPUT", reason: "UNKNOWN_UNIT" }]);
    // the file's units in one batched lookup of the assets subgraph, not one per row
    expect((stack.requestCounts().assets ?? 0) - before).toBe(1);

    const accepted = mine.filter((l) => l.includes(",Accepted,") && !l.startsWith("Withdraw")).length;
    const awards = await post("awards", query, file, stack.admin);
    expect(awards.body).toMatchObject({ inserted: accepted, skipped: 40 - accepted, rejected: 1 });
    const { awards: listed } = await gqlOk(
      stack.url,
      `query ($a: ID!) { awards(assetId: $a, first: 100) { awardedMw bid { id } asset { externalId } } }`,
      { a: assetIds.get("AG-MFLX02") },
      stack.admin,
    );
    expect(listed.length).toBeGreaterThan(0);
    expect(
      listed.every((a: { bid: { id: string } | null; asset: { externalId: string } }) => a.bid && a.asset.externalId === "AG-MFLX02"),
    ).toBe(true);

    expect((await post("bids", query, file, stack.admin)).body).toMatchObject({ inserted: 0, updated: 0, repeats: 40 });
    expect((await post("awards", query, file, stack.admin)).body).toMatchObject({ inserted: 0, repeats: accepted });
    expect(await countRows(stack.database, "transactions.bids")).toBe(40);

    // another SO may not write NESO's product's bids: its draft product does not even exist to it
    const refused = await post("bids", query, `${[HEADER, mine[0]].join("\n")}\n`, rivalSo);
    expect(refused.body).toMatchObject({ inserted: 0, updated: 0, rejections: [{ row: 1, field: "market", reason: "UNKNOWN_REFERENCE" }] });
    expect(await countRows(stack.database, "transactions.bids")).toBe(40);
  }, 120_000);

  it("the CLI lists every entity and refuses an unknown one", async () => {
    const out: string[] = [];
    const sink = { log: (m: string) => out.push(m), error: (m: string) => out.push(m) };
    expect(await ingestCli(["--help"], {}, sink)).toBe(0);
    for (const entity of ["bids", "awards", "clearing-results", "availability-declarations", "unavailability-notices"]) {
      expect(out[0]).toContain(entity);
    }
    expect(await ingestCli(["offers", "x.csv"], { SFE_TOKEN: "t" }, sink)).toBe(2);
    expect(out.at(-1)).toContain("nothing to ingest as offers");
  });
});
