/**
 * Positions (UC18, D.2) and availability (D.1) through the gateway, over real HTTP, on the §7.7 worked example:
 * Louis's battery in UKPN's Hendon Way (_C) holds a UKPN award and a NESO award, each dispatched; Louis declares
 * availability to NESO and gives notice of the quarter-hour he cannot deliver. UKPN sees NESO's award and dispatch on
 * the battery in its area, without NESO's price; NGED, whose area is elsewhere, sees nothing of it; the control-room
 * view of an area costs one lookup of the assets and one service-area call to products however many assets it holds.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, type Credential, gql, gqlOk, mpan, startTestStack } from "./helpers.js";

let stack: Awaited<ReturnType<typeof startTestStack>>;
let louis: Awaited<ReturnType<typeof stack.signUp>>;
let rival: Awaited<ReturnType<typeof stack.signUp>>;
const so = {} as Record<"ukpn" | "neso" | "nged", { id: string; as: Credential }>;
const ids = { battery: "", second: "", rivalAsset: "", saou: "", nqr: "", ukpnAward: "", nesoAward: "", nesoDispatch: "", declaration: "" };

const WINDOW = { start: "2030-06-21T17:00:00Z", end: "2030-06-21T19:00:00Z" };
const DAY = { from: "2030-06-21T00:00:00Z", to: "2030-06-22T00:00:00Z" };

/** A verified system operator whose organisation covers `areas` (the assets subgraph's view), signed in again. */
async function systemOperator(email: string, name: string, areas: string[]) {
  const account = await stack.signUpVerifiedSo(email, name, areas);
  return { id: account.organisationId, as: account.verified }; // roles and areas are in the token
}

const product = async (owner: string, code: string, locations: string[]) =>
  (
    await gqlOk(
      stack.url,
      `mutation ($o: ID!, $c: String!, $l: [String!]) { createProduct(input: { ownerId: $o, code: $c, name: $c, serviceType: AVAILABILITY_AND_UTILISATION,
        directions: [GENERATION_TURN_UP, DEMAND_TURN_UP], minimumCapacityKw: 10, locations: $l, status: PUBLISHED }) { product { id } } }`,
      { o: owner, c: code, l: locations },
      stack.admin,
    )
  ).createProduct.product.id as string;

const battery = async (owner: Awaited<ReturnType<typeof stack.signUp>>, name: string, meter: string) =>
  (
    await gqlOk(
      stack.url,
      `mutation ($o: ID!, $n: String!, $m: String!) { registerAsset(input: { ownerId: $o, name: $n, categoryCode: "BESS",
        importCapacityKw: 2000, exportCapacityKw: 2000, energyCapacityKwh: 4000, meterPointId: $m }) { asset { id } } }`,
      { o: owner.organisationId, n: name, m: meter },
      owner.as,
    )
  ).registerAsset.asset.id as string;

const AWARD = `mutation ($i: RecordAwardInput!) { recordAward(input: $i) { award { id } } }`;
const DISPATCH = `mutation ($i: IssueDispatchInstructionInput!) { issueDispatchInstruction(input: $i) { dispatchInstruction { id } } }`;

beforeAll(async () => {
  stack = await startTestStack();
  so.ukpn = await systemOperator("ed@ukpn-positions.test", "UK Power Networks", ["_C"]);
  so.neso = await systemOperator("ed@neso-positions.test", "NESO", ["*"]);
  so.nged = await systemOperator("ed@nged-positions.test", "National Grid Electricity Distribution", ["_B"]);
  await gqlOk(
    stack.url,
    `mutation ($o: ID!) { createConstraintManagedZone(input: { operatorId: $o, code: "UKPN_HENDON_WAY", name: "Hendon Way",
      licenceArea: "London", gspGroups: ["_C"] }) { constraintManagedZone { id } } }`,
    { o: so.ukpn.id },
    stack.admin,
  );
  ids.saou = await product(so.ukpn.id, "SAOU", ["UKPN_HENDON_WAY"]);
  ids.nqr = await product(so.neso.id, "NQR", ["GB"]);
  await product(so.nged.id, "SU", ["_B"]);
  louis = await stack.signUp("louis@positions-flex.test", "FSP", "Positions Flex Ltd");
  rival = await stack.signUp("rival@positions-other.test", "FSP", "Positions Other Ltd");
  ids.battery = await battery(louis, "LOUIS-SPG-01 battery", mpan(12, 8001)); // London: _C
  ids.second = await battery(louis, "Second battery", mpan(12, 8002));
  ids.rivalAsset = await battery(rival, "Rival battery", mpan(12, 8003));

  const ukpnAward = { assetId: ids.battery, productId: ids.saou, awardedMw: 1.5, availabilityPriceGbpPerMwH: "12.50", ...WINDOW };
  const nesoAward = { assetId: ids.battery, productId: ids.nqr, awardedMw: 1, availabilityPriceGbpPerMwH: "20.00", ...WINDOW };
  ids.ukpnAward = (await gqlOk(stack.url, AWARD, { i: ukpnAward }, so.ukpn.as)).recordAward.award.id;
  ids.nesoAward = (await gqlOk(stack.url, AWARD, { i: nesoAward }, so.neso.as)).recordAward.award.id;
  await gqlOk(stack.url, AWARD, { i: { ...nesoAward, assetId: ids.second, awardedMw: 2 } }, so.neso.as);
  await gqlOk(
    stack.url,
    DISPATCH,
    {
      i: { assetId: ids.battery, productId: ids.saou, issuedById: so.ukpn.id, direction: "GENERATION_TURN_UP", setPointMw: 1.5, ...WINDOW },
    },
    so.ukpn.as,
  );
  ids.nesoDispatch = (
    await gqlOk(
      stack.url,
      DISPATCH,
      {
        i: {
          assetId: ids.battery,
          productId: ids.nqr,
          issuedById: so.neso.id,
          direction: "DEMAND_TURN_UP",
          setPointMw: 1,
          start: "2030-06-21T17:30:00Z",
          end: "2030-06-21T17:45:00Z",
        },
      },
      so.neso.as,
    )
  ).issueDispatchInstruction.dispatchInstruction.id;
}, 180_000);
afterAll(() => stack?.stop());

const DECLARE = `mutation ($i: DeclareAvailabilityInput!) { declareAvailability(input: $i) { availabilityDeclaration { id version status locked } } }`;
const POSITION = `query ($a: ID!, $from: DateTime!, $to: DateTime!) { asset(id: $a) { name position(from: $from, to: $to) {
  items { kind id soOrganisation { name } product { code } direction mw status availabilityPriceGbpPerMwH } } } }`;
const AREA = `query ($from: DateTime!, $to: DateTime!) { positionsInArea(from: $from, to: $to) {
  asset { id name } gspGroup items { kind id soOrganisation { name } mw availabilityPriceGbpPerMwH } } }`;

type Item = { kind: string; id: string; soOrganisation: { name: string } | null; availabilityPriceGbpPerMwH: string | null };

describe("availability (D.1) through the gateway", () => {
  it("Louis declares availability to NESO, replaces it before the lock, and gives notice", async () => {
    const input = { assetId: ids.battery, productId: ids.nqr, declaredMw: 1, lockedAt: "2030-06-19T00:00:00Z", ...WINDOW };
    const first = (await gqlOk(stack.url, DECLARE, { i: input }, louis.as)).declareAvailability.availabilityDeclaration;
    expect(first).toMatchObject({ version: 1, status: "DECLARED", locked: false });
    const replaced = await gqlOk(
      stack.url,
      `mutation ($i: ReplaceAvailabilityDeclarationInput!) { replaceAvailabilityDeclaration(input: $i) {
        availabilityDeclaration { id version supersedes { id status } } } }`,
      { i: { id: first.id, declaredMw: 0.9, reason: "State of charge" } },
      louis.as,
    );
    expect(replaced.replaceAvailabilityDeclaration.availabilityDeclaration).toMatchObject({
      version: 2,
      supersedes: { id: first.id, status: "SUPERSEDED" },
    });
    ids.declaration = replaced.replaceAvailabilityDeclaration.availabilityDeclaration.id;
    await gqlOk(
      stack.url,
      `mutation ($i: SubmitUnavailabilityNoticeInput!) { submitUnavailabilityNotice(input: $i) { unavailabilityNotice { id } } }`,
      { i: { assetId: ids.battery, from: "2030-06-21T17:30:00Z", to: "2030-06-21T17:45:00Z", reducedMw: 1, reason: "DSO primacy" } },
      louis.as,
    );
  });

  it("refuses another FSP's asset, a negative MW and a window ending at its start (BAD_USER_INPUT), writing nothing", async () => {
    const input = { assetId: ids.battery, productId: ids.nqr, declaredMw: 1, start: "2030-06-22T17:00:00Z", end: "2030-06-22T19:00:00Z" };
    // The assets subgraph shows the rival no other FSP's asset: to it, the asset does not exist.
    const rivals = await gql(stack.url, DECLARE, { i: input }, rival.as);
    expect(codes(rivals)).toEqual(["BAD_USER_INPUT"]);
    expect(rivals.errors?.[0]?.extensions?.field).toBe("assetId");
    expect(codes(await gql(stack.url, DECLARE, { i: { ...input, declaredMw: -1 } }, louis.as))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await gql(stack.url, DECLARE, { i: { ...input, end: input.start } }, louis.as))).toEqual(["BAD_USER_INPUT"]);
    const seen = await gqlOk(stack.url, `query { availabilityDeclarations { id } }`, {}, so.nged.as);
    expect(seen.availabilityDeclarations).toEqual([]);
    const nesoSees = await gqlOk(stack.url, `query { availabilityDeclarations { id declaredMw } }`, {}, so.neso.as);
    expect(nesoSees.availabilityDeclarations).toEqual([{ id: ids.declaration, declaredMw: 0.9 }]);
  });
});

describe("positions (UC18) through the gateway", () => {
  it("UKPN sees NESO's award and dispatch on the battery in its area, without NESO's price", async () => {
    const data = await gqlOk(stack.url, POSITION, { a: ids.battery, ...DAY }, so.ukpn.as);
    const items: Item[] = data.asset.position.items;
    expect(items.map((item) => `${item.kind} ${item.soOrganisation?.name ?? "-"}`)).toEqual(
      expect.arrayContaining([
        "AWARD UK Power Networks",
        "AWARD NESO",
        "AVAILABILITY_DECLARATION NESO",
        "DISPATCH_INSTRUCTION UK Power Networks",
        "DISPATCH_INSTRUCTION NESO",
        "UNAVAILABILITY_NOTICE -",
      ]),
    );
    expect(items).toHaveLength(6);
    const byId = Object.fromEntries(items.map((item) => [item.id, item]));
    expect(byId[ids.ukpnAward]?.availabilityPriceGbpPerMwH).toBe("12.5000");
    expect(byId[ids.nesoAward]?.availabilityPriceGbpPerMwH).toBeNull();
    expect(byId[ids.nesoDispatch]).toMatchObject({ direction: "DEMAND_TURN_UP", mw: 1, status: "ISSUED", product: { code: "NQR" } });
  });

  it("Louis sees every price of his own battery; NGED and the rival FSP see nothing of it; an FSP has no area view", async () => {
    const mine = (await gqlOk(stack.url, POSITION, { a: ids.battery, ...DAY }, louis.as)).asset.position.items as Item[];
    expect(
      mine
        .filter((i) => i.kind === "AWARD")
        .map((i) => i.availabilityPriceGbpPerMwH)
        .sort(),
    ).toEqual(["12.5000", "20.0000"]);
    const nged = await gql(stack.url, POSITION, { a: ids.battery, ...DAY }, so.nged.as);
    // NGED's assets view does not hold the battery (not in its area): nothing of it reaches NGED.
    expect(nged.data?.asset?.position?.items ?? []).toEqual([]);
    const other = await gqlOk(
      stack.url,
      `query ($from: DateTime!, $to: DateTime!) { assets { id position(from: $from, to: $to) { items { id } } } }`,
      DAY,
      rival.as,
    );
    expect(other.assets.map((a: { id: string; position: { items: unknown[] } }) => [a.id, a.position.items])).toEqual([
      [ids.rivalAsset, []],
    ]);
    const refused = await gql(stack.url, AREA, DAY, louis.as);
    expect(codes(refused)).toEqual(["FORBIDDEN"]);
  });

  it("gives UKPN's control room every position in its area: one lookup of the assets, one service-area call", async () => {
    const products = stack.subgraphs.get("products")!;
    const assetsBefore = stack.requestCounts().assets!;
    const areaCallsBefore = products.routeRequestCount("/internal/service-areas");
    const data = await gqlOk(stack.url, AREA, DAY, so.ukpn.as);
    expect(stack.requestCounts().assets! - assetsBefore).toBe(2); // transactions' lookup, then the gateway's asset { name }
    expect(products.routeRequestCount("/internal/service-areas") - areaCallsBefore).toBe(1);
    const positions = data.positionsInArea as { asset: { id: string; name: string }; gspGroup: string; items: Item[] }[];
    expect(positions.map((p) => [p.asset.name, p.gspGroup]).sort()).toEqual([
      ["LOUIS-SPG-01 battery", "_C"],
      ["Second battery", "_C"],
    ]);
    const second = positions.find((p) => p.asset.id === ids.second)!;
    expect(second.items).toEqual([
      expect.objectContaining({ kind: "AWARD", mw: 2, availabilityPriceGbpPerMwH: null, soOrganisation: { name: "NESO" } }),
    ]);

    // An SO whose area holds none of them sees none; NESO (whole GB) sees both.
    expect((await gqlOk(stack.url, AREA, DAY, so.nged.as)).positionsInArea).toEqual([]);
    expect((await gqlOk(stack.url, AREA, DAY, so.neso.as)).positionsInArea).toHaveLength(2);
  });

  it("refuses a window ending at its start (BAD_USER_INPUT)", async () => {
    expect(codes(await gql(stack.url, AREA, { from: DAY.from, to: DAY.from }, so.ukpn.as))).toEqual(["BAD_USER_INPUT"]);
  });
});
