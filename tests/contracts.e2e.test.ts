/**
 * Contracts (UC14) through the gateway, over real HTTP: Ed (UKPN) keeps a template for his product and issues the
 * agreement to Louis's organisation; both sign, it becomes ACTIVE; Louis's variation is seen by both; a call-off
 * refers to an award of the transactions subgraph; the HTML document downloads with the bearer token, and another
 * FSP sees nothing of any of it.
 */
import { countRows } from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, gql, gqlOk, mpan, PASSWORD, signIn, startTestStack } from "./helpers.js";

let stack: Awaited<ReturnType<typeof startTestStack>>;
let ed: { token: string };
let louis: Awaited<ReturnType<typeof stack.signUp>>;
let rival: Awaited<ReturnType<typeof stack.signUp>>;
let ukpnId: string;
let productId: string;
let awardId: string;
let contractId: string;

const CONTRACT = `id status company { name } provider { name } product { code } templateVersion liabilityCapGbp clauses { number heading }
  signatures { side userName organisation { name } } variations { clause text initiatedBy initiatedByUserName sharedWithAllAt }
  callOffs { award { id awardedMw status } contractedMw availabilityPriceGbpPerMwH } documentUrl`;
const ISSUE = `mutation ($i: IssueContractInput!) { issueContract(input: $i) { contract { id status } } }`;
const SIGN = `mutation ($id: ID!) { signContract(input: { contractId: $id }) { contract { status signatures { side } } } }`;
const MOVE = `mutation ($id: ID!, $s: ContractStatus!) { updateContractStatus(input: { id: $id, status: $s }) { contract { status } } }`;
const ONE = `query ($id: ID!) { contract(id: $id) { ${CONTRACT} } }`;

const gatewayBase = () => stack.url.replace(/\/graphql$/, "");
const download = (path: string, token?: string) =>
  fetch(`${gatewayBase()}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
const contractRows = async () => ({
  contracts: await countRows(stack.database, "products.contracts"),
  callOffs: await countRows(stack.database, "products.contract_call_offs"),
  audit: await countRows(stack.database, "products.audit_events"),
});

beforeAll(async () => {
  stack = await startTestStack();
  const so = await stack.signUp("ed@ukpn.test", "SYSTEM_OPERATOR", "UK Power Networks");
  await gqlOk(stack.url, `mutation ($u: ID!) { verifySystemOperator(userId: $u) { user { status } } }`, { u: so.userId }, stack.admin);
  ed = await signIn(stack.url, "ed@ukpn.test", PASSWORD); // roles are in the token: sign in again
  ukpnId = so.organisationId;
  louis = await stack.signUp("louis@newflex.test", "FSP", "NewFlex <Ltd> & Co");
  rival = await stack.signUp("rival@otherflex.test", "FSP", "OtherFlex Ltd");

  const product = await gqlOk(
    stack.url,
    `mutation ($o: ID!) { createProduct(input: { ownerId: $o, code: "SECURE", name: "Secure", serviceType: AVAILABILITY_AND_UTILISATION,
      directions: [DEMAND_TURN_DOWN], minimumCapacityKw: 10, status: IN_CONSULTATION }) { product { id } } }`,
    { o: ukpnId },
    ed,
  );
  productId = product.createProduct.product.id;
  const asset = await gqlOk(
    stack.url,
    `mutation ($o: ID!, $m: String!) { registerAsset(input: { ownerId: $o, name: "Home battery", categoryCode: "BESS",
      importCapacityKw: 5, exportCapacityKw: 5, energyCapacityKwh: 13.5, meterPointId: $m }) { asset { id } } }`,
    { o: louis.organisationId, m: mpan(12, 7001) },
    louis.as,
  );
  const award = await gqlOk(
    stack.url,
    `mutation ($a: ID!, $p: ID!) { recordAward(input: { assetId: $a, productId: $p, awardedMw: 0.005, availabilityPriceGbpPerMwH: "12.34",
      start: "2026-11-02T16:00:00Z", end: "2026-11-02T19:00:00Z" }) { award { id } } }`,
    { a: asset.registerAsset.asset.id, p: productId },
    stack.admin,
  );
  awardId = award.recordAward.award.id;
}, 120_000);
afterAll(() => stack?.stop());

describe("a contract from template to call-off", () => {
  it("Ed keeps a template for his product and issues the agreement to Louis's organisation", async () => {
    const saved = await gqlOk(
      stack.url,
      `mutation ($i: SaveContractTemplateInput!) { saveContractTemplate(input: $i) { contractTemplate { version agreementVersion clauses { heading } } } }`,
      {
        i: {
          productId,
          serviceTermsRef: "DSO Service Terms (Day-1 FMR)",
          procurementRulesRef: "UKPN Procurement Rules",
          liabilityCapGbp: "2500000",
        },
      },
      ed,
    );
    expect(saved.saveContractTemplate.contractTemplate).toMatchObject({ version: 1, agreementVersion: "ENA-SA-3.0" });
    const issued = await gqlOk(stack.url, ISSUE, { i: { productId, providerId: louis.organisationId } }, ed);
    contractId = issued.issueContract.contract.id;
    expect(issued.issueContract.contract.status).toBe("ISSUED");
    expect(codes(await gql(stack.url, ISSUE, { i: { productId, providerId: louis.organisationId } }, ed))).toEqual(["CONFLICT"]);
    // An FSP issues nothing, and cannot save templates.
    expect(codes(await gql(stack.url, ISSUE, { i: { productId, providerId: louis.organisationId } }, louis.as))).toEqual(["FORBIDDEN"]);
  });

  it("another FSP sees nothing and cannot sign; both sides sign, and it becomes ACTIVE", async () => {
    const before = await contractRows();
    expect(await gqlOk(stack.url, ONE, { id: contractId }, rival.as)).toEqual({ contract: null });
    expect(codes(await gql(stack.url, SIGN, { id: contractId }, rival.as))).toEqual(["NOT_FOUND"]);
    expect(codes(await gql(stack.url, MOVE, { id: contractId, s: "ACTIVE" }, ed))).toEqual(["CONFLICT"]); // not signed yet
    expect(codes(await gql(stack.url, SIGN, { id: contractId }, stack.admin))).toEqual(["FORBIDDEN"]); // signs for neither side
    expect(await contractRows()).toEqual(before);

    expect((await gqlOk(stack.url, SIGN, { id: contractId }, louis.as)).signContract.contract).toEqual({
      status: "ISSUED",
      signatures: [{ side: "FSP" }],
    });
    expect((await gqlOk(stack.url, SIGN, { id: contractId }, ed)).signContract.contract.status).toBe("SIGNED");
    expect(codes(await gql(stack.url, SIGN, { id: contractId }, louis.as))).toEqual(["CONFLICT"]);
    expect((await gqlOk(stack.url, MOVE, { id: contractId, s: "ACTIVE" }, ed)).updateContractStatus.contract.status).toBe("ACTIVE");
    const illegal = await gql(stack.url, MOVE, { id: contractId, s: "ISSUED" }, ed);
    expect(codes(illegal)).toEqual(["CONFLICT"]);
    expect(illegal.errors?.[0]?.extensions).toMatchObject({ currentStatus: "ACTIVE", requestedStatus: "ISSUED" });
  });

  it("Louis's variation is visible to both signatories; a call-off refers to the transactions subgraph's award", async () => {
    await gqlOk(
      stack.url,
      `mutation ($i: RecordContractVariationInput!) { recordContractVariation(input: $i) { contract { id } } }`,
      { i: { contractId, clause: "9", text: "Ninety days' <notice>" } },
      louis.as,
    );
    const before = await contractRows();
    const CALL_OFF = `mutation ($i: AddCallOffInput!) { addCallOff(input: $i) { contract { id } } }`;
    expect(codes(await gql(stack.url, CALL_OFF, { i: { contractId, awardId } }, louis.as))).toEqual(["FORBIDDEN"]);
    expect(codes(await gql(stack.url, CALL_OFF, { i: { contractId, awardId: "00000000-0000-4000-8000-000000000000" } }, ed))).toEqual([
      "BAD_USER_INPUT",
    ]);
    expect(await contractRows()).toEqual(before);
    await gqlOk(stack.url, CALL_OFF, { i: { contractId, awardId } }, ed);

    const asEd = (await gqlOk(stack.url, ONE, { id: contractId }, ed)).contract;
    const asLouis = (await gqlOk(stack.url, ONE, { id: contractId }, louis.as)).contract;
    expect(asLouis).toEqual(asEd);
    expect(asEd).toMatchObject({
      status: "ACTIVE",
      company: { name: "UK Power Networks" },
      provider: { name: "NewFlex <Ltd> & Co" },
      product: { code: "SECURE" },
      liabilityCapGbp: "2500000.00",
      signatures: [
        { side: "FSP", userName: "louis", organisation: { name: "NewFlex <Ltd> & Co" } },
        { side: "SO", userName: "ed", organisation: { name: "UK Power Networks" } },
      ],
      variations: [{ clause: "9", text: "Ninety days' <notice>", initiatedBy: "FSP", initiatedByUserName: "louis" }],
      callOffs: [
        { award: { id: awardId, awardedMw: 0.005, status: "AWARDED" }, contractedMw: 0.005, availabilityPriceGbpPerMwH: "12.3400" },
      ],
      documentUrl: `/documents/contracts/${contractId}.html`,
    });
    expect(asEd.variations[0].sharedWithAllAt).toEqual(expect.any(String));
    expect((await gqlOk(stack.url, `{ contracts { id } }`, {}, rival.as)).contracts).toEqual([]);
  });
});

describe("the document through the gateway", () => {
  it("downloads with the bearer token, showing the parties and clauses with user text escaped", async () => {
    const response = await download(`/documents/contracts/${contractId}.html`, louis.as.token);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await response.text();
    expect(html).toContain("UK Power Networks");
    expect(html).toContain("NewFlex &lt;Ltd&gt; &amp; Co");
    expect(html).toContain("Ninety days&#39; &lt;notice&gt;");
    expect(html).not.toContain("<notice>");
    for (const heading of [
      "Records and audit rights",
      "Liabilities",
      "Confidentiality",
      "Data protection",
      "Modern slavery",
      "Termination",
    ]) {
      expect(html).toContain(heading);
    }
    expect(html).toContain("£2500000.00");
    expect(html).toContain(awardId);
    expect((await download(`/documents/contracts/${contractId}.html`, ed.token)).status).toBe(200);
  });

  it("is 401 without a token or with a bad one, and the same 404 for another FSP as for no contract", async () => {
    expect((await download(`/documents/contracts/${contractId}.html`)).status).toBe(401);
    expect((await download(`/documents/contracts/${contractId}.html`, "nonsense")).status).toBe(401);
    const theirs = await download(`/documents/contracts/${contractId}.html`, rival.as.token);
    const none = await download("/documents/contracts/00000000-0000-4000-8000-000000000000.html", rival.as.token);
    const malformed = await download("/documents/contracts/..%2Fsecret.html", rival.as.token);
    expect([theirs.status, none.status, malformed.status]).toEqual([404, 404, 404]);
    const [a, b] = [await theirs.json(), await none.json()];
    expect(a).toEqual(b);
    await malformed.body?.cancel();
  });
});

describe("after termination", () => {
  it("a variation is CONFLICT and nothing is written", async () => {
    expect((await gqlOk(stack.url, MOVE, { id: contractId, s: "TERMINATED" }, louis.as)).updateContractStatus.contract.status).toBe(
      "TERMINATED",
    );
    const before = await contractRows();
    const varied = await gql(
      stack.url,
      `mutation ($i: RecordContractVariationInput!) { recordContractVariation(input: $i) { contract { id } } }`,
      { i: { contractId, clause: "4", text: "x", reportedToMfAt: "2026-01-01T00:00:00Z" } },
      ed,
    );
    expect(codes(varied)).toEqual(["CONFLICT"]);
    expect(await contractRows()).toEqual(before);
  });
});
