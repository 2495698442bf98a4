/**
 * Contracts (UC14, domain §4.9) in-process, on a real database: templates, issuing (also on qualification), the
 * lifecycle, signatures, variations, call-offs per award, who sees what, and the HTML document route over real HTTP.
 */
import { randomUUID } from "node:crypto";
import type { DatabaseHandle, EntityReferences, RunningSubgraph } from "@sfe/kit";
import { startSubgraph, staticReferences } from "@sfe/kit";
import {
  apiKeyOf,
  as,
  countRows,
  errorCodes,
  execute,
  MISSING_ID,
  orgs,
  raceAtRowLock,
  setUpSubgraph,
  testGateway,
  testIdentity,
} from "@sfe/kit/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contractLifecycle, contracts } from "../src/db/schema.js";
import { moduleLoaders } from "../src/modules/contracts/loaders.js";
import type { ContractRepository } from "../src/modules/contracts/repository.js";
import { CONTRACT_DOCUMENT_PATH, issueAgreementOnQualification } from "../src/modules/contracts/index.js";
import { escapeHtml } from "../src/modules/contracts/document.js";
import { liabilityCapPence, pounds, STANDARD_CLAUSES } from "../src/modules/contracts/validation.js";
import { createProductsSubgraph, typeDefs } from "../src/server.js";
import { productsSubgraph, rulesRoutes } from "./helpers.js";

const { soA: UKPN, soB: NESO, fspA: NEWFLEX, fspB: RIVAL } = orgs;

// Callers, with fixed user ids so the (stubbed) users subgraph knows their names.
const ED = testIdentity({ roles: ["SYSTEM_OPERATOR"], organisationId: UKPN, areas: ["_C"] });
const LOUIS = testIdentity({ roles: ["FSP"], organisationId: NEWFLEX, orgAdmin: true });
const NESO_SO = testIdentity({ roles: ["SYSTEM_OPERATOR"], organisationId: NESO, areas: ["*"] });
const RIVAL_FSP = testIdentity({ roles: ["FSP"], organisationId: RIVAL });
/** Another member of Louis's organisation. */
const MIA = testIdentity({ roles: ["FSP"], organisationId: NEWFLEX });

/** What the other subgraphs answer: organisations, users and awards (awards are added as tests make them). */
const known: Record<string, Record<string, Record<string, unknown>>> = {
  Organisation: {
    [UKPN]: { name: "UK Power Networks", roles: ["SYSTEM_OPERATOR"], status: "ACTIVE" },
    [NESO]: { name: "NESO", roles: ["SYSTEM_OPERATOR"], status: "ACTIVE" },
    [NEWFLEX]: { name: "NewFlex <Ltd> & Co", roles: ["FSP"], status: "ACTIVE" },
    [RIVAL]: { name: "Rival Flex", roles: ["FSP"], status: "ACTIVE" },
    [orgs.fspC]: { name: "Third Flex", roles: ["FSP"], status: "ACTIVE" },
  },
  User: {
    [ED.userId as string]: { name: "Ed" },
    [LOUIS.userId as string]: { name: "Louis <b>" },
    [RIVAL_FSP.userId as string]: { name: "Rival" },
    [MIA.userId as string]: { name: "Mia" },
  },
  Award: {},
};
const lookups: string[] = [];
const references: EntityReferences = {
  lookup: async (typename, ids) => {
    lookups.push(typename);
    return ids.map((id) => (known[typename]?.[id] ? { ...known[typename][id], id } : null)) as never;
  },
  missing: async (typename, ids) => ids.filter((id) => !known[typename]?.[id]),
  // Submitting an application evaluates its market rules (fail closed): the real engine, no rule in force.
  call: staticReferences({}, rulesRoutes().routes).call,
};

let handle: DatabaseHandle;
let subgraph: ReturnType<typeof createProductsSubgraph>;
let productId: string;
let otherProductId: string;

const run = <T = Record<string, any>>(caller: Parameters<typeof execute>[3], query: string, variables: Record<string, unknown> = {}) =>
  execute<T>(subgraph, query, variables, caller);
async function ok<T = Record<string, any>>(caller: Parameters<typeof execute>[3], query: string, variables: Record<string, unknown> = {}) {
  const result = await run<T>(caller, query, variables);
  expect(result.errors).toBeUndefined();
  // As a client reads it: DateTime values are strings.
  return JSON.parse(JSON.stringify(result.data)) as T;
}
const count = (table: string) => countRows(handle, `products.${table}`);
const counts = async () => ({
  contracts: await count("contracts"),
  templates: await count("contract_templates"),
  callOffs: await count("contract_call_offs"),
  audit: await count("audit_events"),
});

const CONTRACT = `id type status company { id } provider { id } product { id } template { id version } templateVersion qualificationId
  agreementVersion serviceTermsRef procurementRulesRef referencedRules liabilityCapGbp clauses { number heading text } callOffFields
  signatures { side user { id } userName organisation { id } signedAt }
  variations { id clause text initiatedBy initiatedByUser { id } initiatedByUserName createdAt reportedToMfAt sharedWithAllAt }
  callOffs { award { id } contractedMw availabilityPriceGbpPerMwH utilisationPriceGbpPerMwh serviceWindows { daysOfWeek startLocal endLocal } start end }
  documentUrl`;
const SAVE_TEMPLATE = `mutation ($i: SaveContractTemplateInput!) { saveContractTemplate(input: $i) {
  contractTemplate { id version product { id } owner { id } agreementVersion liabilityCapGbp referencedRules clauses { number heading text } callOffFields } } }`;
const ISSUE = `mutation ($i: IssueContractInput!) { issueContract(input: $i) { contract { ${CONTRACT} } } }`;
const SIGN = `mutation ($id: ID!) { signContract(input: { contractId: $id }) { contract { ${CONTRACT} } } }`;
const MOVE = `mutation ($id: ID!, $s: ContractStatus!) { updateContractStatus(input: { id: $id, status: $s }) { contract { id status } } }`;
const VARY = `mutation ($i: RecordContractVariationInput!) { recordContractVariation(input: $i) { contract { ${CONTRACT} } } }`;
const CALL_OFF = `mutation ($i: AddCallOffInput!) { addCallOff(input: $i) { contract { ${CONTRACT} } } }`;
const ONE = `query ($id: ID!) { contract(id: $id) { ${CONTRACT} } }`;
const LIST = `query ($p: ID, $s: ContractStatus) { contracts(productId: $p, status: $s) { id status } }`;

const template = (overrides: Record<string, unknown> = {}) => ({
  productId,
  serviceTermsRef: "DSO Service Terms (Day-1 FMR)",
  procurementRulesRef: "UKPN Procurement Rules 2026",
  referencedRules: ["Settlement methodology", "Baselining requirements", "Primacy rules"],
  liabilityCapGbp: "1000000.50",
  ...overrides,
});

async function createProduct(code: string, ownerId = UKPN): Promise<string> {
  const data = await ok(
    testIdentity({ roles: ["SYSTEM_OPERATOR"], organisationId: ownerId }),
    `mutation ($o: ID!, $c: String!) { createProduct(input: { ownerId: $o, code: $c, name: "Secure", serviceType: AVAILABILITY_AND_UTILISATION,
      directions: [DEMAND_TURN_DOWN], minimumCapacityKw: 10, serviceWindows: [{ daysOfWeek: [1, 2, 3, 4, 5], startLocal: "16:00", endLocal: "19:00" }],
      status: IN_CONSULTATION }) { product { id } } }`,
    { o: ownerId, c: code },
  );
  return data.createProduct.product.id;
}

/** An award the transactions subgraph would answer. */
function award(overrides: Record<string, unknown> = {}): string {
  const id = randomUUID();
  known.Award![id] = {
    awardedMw: 2.5,
    availabilityPriceGbpPerMwH: "12.3400",
    utilisationPriceGbpPerMwh: "300.0000",
    start: "2026-11-02T16:00:00.000Z",
    end: "2026-11-02T19:00:00.000Z",
    status: "AWARDED",
    product: { id: productId },
    provider: { id: NEWFLEX },
    ...overrides,
  };
  return id;
}

beforeAll(async () => {
  ({ handle, subgraph } = await setUpSubgraph(productsSubgraph, references));
  productId = await createProduct("SECURE");
  otherProductId = await createProduct("DYNAMIC");
});
afterAll(() => handle.close());

describe("the lifecycle", () => {
  it("is the domain's: DRAFT → ISSUED → SIGNED → ACTIVE → TERMINATED / EXPIRED, and the SDL quotes it", () => {
    expect(contractLifecycle.describe()).toBe(
      "DRAFT → ISSUED; ISSUED → SIGNED | TERMINATED; SIGNED → ACTIVE | TERMINATED; ACTIVE → TERMINATED | EXPIRED; TERMINATED, EXPIRED are final.",
    );
    const sdl = JSON.stringify(typeDefs.definitions.find((d) => "name" in d && d.name?.value === "ContractStatus"));
    expect(sdl.replace(/\\n/g, " ")).toContain(contractLifecycle.describe().replace("; TERMINATED, EXPIRED are final.", ";"));
  });

  it("tags every contract operation with its toolkit step", () => {
    const fields = typeDefs.definitions.flatMap((d) =>
      (d.kind === "ObjectTypeExtension" || d.kind === "ObjectTypeDefinition") && ["Query", "Mutation"].includes(d.name.value)
        ? (d.fields ?? [])
        : [],
    );
    const tags = Object.fromEntries(
      fields
        .filter((f) => /contract|callOff/i.test(f.name.value))
        .map((f) => [f.name.value, f.directives?.find((d) => d.name.value === "processStep") ? "tagged" : "untagged"]),
    );
    expect(Object.keys(tags).sort()).toEqual(
      [
        "addCallOff",
        "contract",
        "contractTemplate",
        "contracts",
        "issueContract",
        "recordContractVariation",
        "saveContractTemplate",
        "signContract",
        "updateContractStatus",
      ].sort(),
    );
    expect(new Set(Object.values(tags))).toEqual(new Set(["tagged"]));
  });
});

describe("money", () => {
  it("keeps the liability cap exact, in pence", () => {
    expect(liabilityCapPence("1000000.50")).toBe(100_000_050);
    expect(liabilityCapPence(" 0.1 ")).toBe(10);
    expect(pounds(100_000_050)).toBe("1000000.50");
    expect(pounds(7)).toBe("0.07");
    for (const bad of ["-1", "1.234", "abc", "0", "0.00", "1e6", "10000000000.01"]) expect(() => liabilityCapPence(bad)).toThrow();
  });
});

describe("contract templates", () => {
  it("the product's SO saves one with the standard clauses; each change is a new version", async () => {
    const before = await count("audit_events");
    const saved = await ok(ED, SAVE_TEMPLATE, { i: template() });
    expect(saved.saveContractTemplate.contractTemplate).toMatchObject({
      version: 1,
      product: { id: productId },
      owner: { id: UKPN },
      agreementVersion: "ENA-SA-3.0",
      liabilityCapGbp: "1000000.50",
      clauses: STANDARD_CLAUSES,
    });
    expect(saved.saveContractTemplate.contractTemplate.clauses.map((c: { heading: string }) => c.heading)).toEqual(
      expect.arrayContaining([
        "Records and audit rights",
        "Termination",
        "Liabilities",
        "Confidentiality",
        "Data protection",
        "Modern slavery",
        "Payment terms",
      ]),
    );
    const same = await ok(ED, SAVE_TEMPLATE, { i: template() });
    expect(same.saveContractTemplate.contractTemplate.version).toBe(1); // nothing new: nothing written
    expect(await count("audit_events")).toBe(before + 1);
    const read = await ok(ED, `query ($p: ID!) { contractTemplate(productId: $p) { version auditEvents { action } } }`, { p: productId });
    expect(read.contractTemplate).toEqual({ version: 1, auditEvents: [{ action: "CREATE" }] });
  });

  it("refuses other organisations, investors and bad input, writing nothing", async () => {
    const before = await counts();
    expect(errorCodes(await run(NESO_SO, SAVE_TEMPLATE, { i: template() }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await run(LOUIS, SAVE_TEMPLATE, { i: template() }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await run(as.investor, SAVE_TEMPLATE, { i: template() }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await run(as.anonymous, SAVE_TEMPLATE, { i: template() }))).toEqual(["UNAUTHENTICATED"]);
    expect(errorCodes(await run(apiKeyOf(UKPN, ["SYSTEM_OPERATOR"], ["products:read"]), SAVE_TEMPLATE, { i: template() }))).toEqual([
      "FORBIDDEN",
    ]);
    expect(errorCodes(await run(ED, SAVE_TEMPLATE, { i: template({ productId: MISSING_ID }) }))).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await run(ED, SAVE_TEMPLATE, { i: template({ liabilityCapGbp: "12.345" }) }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await run(ED, SAVE_TEMPLATE, { i: template({ clauses: [] }) }))).toEqual(["BAD_USER_INPUT"]);
    const twice = [
      { number: "1", heading: "A", text: "a" },
      { number: "1", heading: "B", text: "b" },
    ];
    expect(errorCodes(await run(ED, SAVE_TEMPLATE, { i: template({ clauses: twice }) }))).toEqual(["BAD_USER_INPUT"]);
    expect(await counts()).toEqual(before);
    // Another SO, an FSP: no template to see.
    for (const caller of [NESO_SO, LOUIS]) {
      expect(await ok(caller, `query ($p: ID!) { contractTemplate(productId: $p) { id } }`, { p: productId })).toEqual({
        contractTemplate: null,
      });
    }
  });
});

let contractId: string;

describe("issuing", () => {
  it("needs a template, the product's own SO and a product that is not retired; refusals write nothing", async () => {
    const retired = await createProduct("RETIRED");
    await ok(ED, SAVE_TEMPLATE, { i: template({ productId: retired }) });
    for (const status of ["PUBLISHED", "RETIRED"]) {
      await ok(as.admin, `mutation ($id: ID!, $s: ProductStatus!) { updateProduct(input: { id: $id, status: $s }) { product { id } } }`, {
        id: retired,
        s: status,
      });
    }
    const before = await counts();
    const noTemplate = await run(ED, ISSUE, { i: { productId: otherProductId, providerId: NEWFLEX } });
    expect(errorCodes(noTemplate)).toEqual(["CONFLICT"]);
    expect(noTemplate.errors?.[0]?.message).toMatch(/no contract template/);
    expect(errorCodes(await run(ED, ISSUE, { i: { productId: retired, providerId: NEWFLEX } }))).toEqual(["CONFLICT"]);
    expect(errorCodes(await run(NESO_SO, ISSUE, { i: { productId, providerId: NEWFLEX } }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await run(LOUIS, ISSUE, { i: { productId, providerId: NEWFLEX } }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await run(ED, ISSUE, { i: { productId, providerId: NESO } }))).toEqual(["BAD_USER_INPUT"]); // not an FSP
    expect(errorCodes(await run(ED, ISSUE, { i: { productId, providerId: MISSING_ID } }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await run(ED, ISSUE, { i: { productId, providerId: UKPN } }))).toEqual(["BAD_USER_INPUT"]);
    const window = { startsAt: "2026-12-01T00:00:00Z", endsAt: "2026-11-01T00:00:00Z" };
    expect(errorCodes(await run(ED, ISSUE, { i: { productId, providerId: NEWFLEX, ...window } }))).toEqual(["BAD_USER_INPUT"]);
    expect(await counts()).toEqual(before);
  });

  it("issues the agreement with the template's text copied, once per provider while it stands", async () => {
    const issued = await ok(ED, ISSUE, { i: { productId, providerId: NEWFLEX, startsAt: "2026-11-01T00:00:00Z" } });
    const contract = issued.issueContract.contract;
    contractId = contract.id;
    expect(contract).toMatchObject({
      type: "OVERARCHING_AGREEMENT",
      status: "ISSUED",
      company: { id: UKPN },
      provider: { id: NEWFLEX },
      product: { id: productId },
      template: { version: 1 },
      templateVersion: 1,
      agreementVersion: "ENA-SA-3.0",
      liabilityCapGbp: "1000000.50",
      clauses: STANDARD_CLAUSES,
      signatures: [],
      variations: [],
      callOffs: [],
      documentUrl: `/documents/contracts/${contractId}.html`,
    });
    const again = await run(ED, ISSUE, { i: { productId, providerId: NEWFLEX } });
    expect(errorCodes(again)).toEqual(["CONFLICT"]);
    expect(again.errors?.[0]?.extensions?.contractId).toBe(contractId);
  });

  it("a later template change never alters the issued contract", async () => {
    const changed = [{ number: "1", heading: "Everything", text: "All new terms." }];
    const saved = await ok(ED, SAVE_TEMPLATE, { i: template({ clauses: changed, liabilityCapGbp: "5" }) });
    expect(saved.saveContractTemplate.contractTemplate).toMatchObject({ version: 2, clauses: changed, liabilityCapGbp: "5.00" });
    const contract = (await ok(ED, ONE, { id: contractId })).contract;
    expect(contract).toMatchObject({
      templateVersion: 1,
      clauses: STANDARD_CLAUSES,
      liabilityCapGbp: "1000000.50",
      template: { version: 2 },
    });
    await ok(ED, SAVE_TEMPLATE, { i: template({ clauses: STANDARD_CLAUSES }) }); // back to the standard text (version 3)
  });
});

describe("who sees a contract", () => {
  it("its two organisations and administrators; nobody else", async () => {
    expect((await ok(LOUIS, ONE, { id: contractId })).contract).toMatchObject({ id: contractId, template: null });
    expect((await ok(as.admin, ONE, { id: contractId })).contract.id).toBe(contractId);
    expect((await ok(LOUIS, LIST, { p: productId })).contracts).toEqual([{ id: contractId, status: "ISSUED" }]);
    for (const stranger of [RIVAL_FSP, NESO_SO]) {
      expect(await ok(stranger, ONE, { id: contractId })).toEqual({ contract: null });
      expect(await ok(stranger, LIST, {})).toEqual({ contracts: [] });
    }
    expect(errorCodes(await run(as.investor, ONE, { id: contractId }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await run(as.investor, LIST, {}))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await run(as.anonymous, LIST, {}))).toEqual(["UNAUTHENTICATED"]);
    // An FSP member acting for another organisation's SO role sees nothing either.
    const unverified = testIdentity({ roles: [], organisationId: UKPN });
    expect(errorCodes(await run(unverified, ONE, { id: contractId }))).toEqual(["FORBIDDEN"]);
  });
});

describe("signing", () => {
  it("refuses strangers (NOT_FOUND), API keys and administrators (FORBIDDEN), writing nothing", async () => {
    const before = await counts();
    expect(errorCodes(await run(RIVAL_FSP, SIGN, { id: contractId }))).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await run(NESO_SO, SIGN, { id: contractId }))).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await run(apiKeyOf(NEWFLEX, ["FSP"], ["products:write"]), SIGN, { id: contractId }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await run(as.admin, SIGN, { id: contractId }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await run(as.investor, SIGN, { id: contractId }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await run(LOUIS, SIGN, { id: "not-an-id" }))).toEqual(["BAD_USER_INPUT"]);
    expect(await counts()).toEqual(before);
  });

  it("each side signs once; the second signature makes it SIGNED", async () => {
    const first = (await ok(LOUIS, SIGN, { id: contractId })).signContract.contract;
    expect(first.status).toBe("ISSUED");
    expect(first.signatures).toEqual([
      { side: "FSP", user: { id: LOUIS.userId }, userName: "Louis <b>", organisation: { id: NEWFLEX }, signedAt: expect.any(String) },
    ]);
    const again = await run(LOUIS, SIGN, { id: contractId });
    expect(errorCodes(again)).toEqual(["CONFLICT"]);
    const second = (await ok(ED, SIGN, { id: contractId })).signContract.contract;
    expect(second.status).toBe("SIGNED");
    expect(second.signatures.map((s: { side: string; userName: string }) => [s.side, s.userName])).toEqual([
      ["FSP", "Louis <b>"],
      ["SO", "Ed"],
    ]);
    const audit = await ok(ED, `query ($id: ID!) { contract(id: $id) { auditEvents { action } } }`, { id: contractId });
    expect(audit.contract.auditEvents.map((e: { action: string }) => e.action)).toEqual(["CREATE", "UPDATE", "STATUS_CHANGE"]);
    expect(errorCodes(await run(ED, SIGN, { id: contractId }))).toEqual(["CONFLICT"]);
  });
});

describe("moving a contract on", () => {
  it("SIGNED only from signatures; the provider only terminates; illegal moves are CONFLICT naming both statuses", async () => {
    const before = await counts();
    expect(errorCodes(await run(ED, MOVE, { id: contractId, s: "SIGNED" }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await run(LOUIS, MOVE, { id: contractId, s: "ACTIVE" }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await run(RIVAL_FSP, MOVE, { id: contractId, s: "TERMINATED" }))).toEqual(["NOT_FOUND"]);
    const illegal = await run(ED, MOVE, { id: contractId, s: "EXPIRED" });
    expect(errorCodes(illegal)).toEqual(["CONFLICT"]);
    expect(illegal.errors?.[0]?.extensions).toMatchObject({ currentStatus: "SIGNED", requestedStatus: "EXPIRED" });
    expect(errorCodes(await run(ED, MOVE, { id: contractId, s: "ISSUED" }))).toEqual(["CONFLICT"]);
    expect(await counts()).toEqual(before);
    expect((await ok(ED, MOVE, { id: contractId, s: "ACTIVE" })).updateContractStatus.contract.status).toBe("ACTIVE");
  });
});

describe("variations", () => {
  it("an FSP-initiated variation is recorded with who initiated it and visible to both signatories", async () => {
    const varied = (await ok(LOUIS, VARY, { i: { contractId, clause: "9", text: "Notice of <30> days & more" } })).recordContractVariation
      .contract;
    expect(varied.variations).toEqual([
      {
        id: expect.any(String),
        clause: "9",
        text: "Notice of <30> days & more",
        initiatedBy: "FSP",
        initiatedByUser: { id: LOUIS.userId },
        initiatedByUserName: "Louis <b>",
        createdAt: expect.any(String),
        reportedToMfAt: null,
        sharedWithAllAt: varied.variations[0].createdAt,
      },
    ]);
    expect((await ok(ED, ONE, { id: contractId })).contract.variations).toEqual(varied.variations);
    expect(await ok(RIVAL_FSP, ONE, { id: contractId })).toEqual({ contract: null });
  });

  it("an SO-initiated variation is referred to the MF first; clauses must exist; nothing half-written", async () => {
    const before = await counts();
    expect(errorCodes(await run(ED, VARY, { i: { contractId, clause: "4", text: "Monthly" } }))).toEqual(["BAD_USER_INPUT"]);
    const future = new Date(Date.now() + 86_400_000).toISOString();
    expect(errorCodes(await run(ED, VARY, { i: { contractId, clause: "4", text: "Monthly", reportedToMfAt: future } }))).toEqual([
      "BAD_USER_INPUT",
    ]);
    expect(errorCodes(await run(LOUIS, VARY, { i: { contractId, clause: "99", text: "x" } }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await run(RIVAL_FSP, VARY, { i: { contractId, clause: "4", text: "x" } }))).toEqual(["NOT_FOUND"]);
    expect(await counts()).toEqual(before);
    const reported = "2026-10-01T09:00:00.000Z";
    const varied = await ok(ED, VARY, { i: { contractId, clause: "4", text: "Monthly", reportedToMfAt: reported } });
    expect(varied.recordContractVariation.contract.variations[1]).toMatchObject({
      initiatedBy: "SO",
      initiatedByUserName: "Ed",
      reportedToMfAt: reported,
    });
  });
});

describe("call-offs", () => {
  it("refer to an award of the contract's product and provider, once each; nothing half-written", async () => {
    const before = await counts();
    const calls = (awardId: string, extra: Record<string, unknown> = {}) => run(ED, CALL_OFF, { i: { contractId, awardId, ...extra } });
    expect(errorCodes(await calls(award({ provider: { id: RIVAL } })))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await calls(award({ product: { id: otherProductId } })))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await calls(MISSING_ID))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await calls(award({ status: "CANCELLED" })))).toEqual(["CONFLICT"]);
    const good = award();
    expect(errorCodes(await calls(good, { contractedMw: 3 }))).toEqual(["BAD_USER_INPUT"]); // more than awarded
    expect(errorCodes(await run(LOUIS, CALL_OFF, { i: { contractId, awardId: good } }))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await run(RIVAL_FSP, CALL_OFF, { i: { contractId, awardId: good } }))).toEqual(["FORBIDDEN"]); // FSPs make none
    expect(errorCodes(await run(NESO_SO, CALL_OFF, { i: { contractId, awardId: good } }))).toEqual(["NOT_FOUND"]);
    expect(await counts()).toEqual(before);

    const called = (await ok(ED, CALL_OFF, { i: { contractId, awardId: good } })).addCallOff.contract;
    expect(called.callOffs).toEqual([
      {
        award: { id: good },
        contractedMw: 2.5,
        availabilityPriceGbpPerMwH: "12.3400",
        utilisationPriceGbpPerMwh: "300.0000",
        serviceWindows: [{ daysOfWeek: [1, 2, 3, 4, 5], startLocal: "16:00", endLocal: "19:00" }],
        start: "2026-11-02T16:00:00.000Z",
        end: "2026-11-02T19:00:00.000Z",
      },
    ]);
    expect(errorCodes(await calls(good))).toEqual(["CONFLICT"]);
    expect((await ok(LOUIS, ONE, { id: contractId })).contract.callOffs).toHaveLength(1);
  });
});

describe("the document", () => {
  let running: RunningSubgraph;
  beforeAll(async () => {
    // A server of its own (the in-process one is started already), on the same database.
    const served = createProductsSubgraph({ db: handle.db, references, verifier: testGateway.verifier("products") });
    running = await startSubgraph(served, { port: 0, host: "127.0.0.1", verifier: testGateway.verifier("products") });
  });
  afterAll(() => running?.stop());

  const fetchDocument = async (id: string, identity: Parameters<typeof testGateway.headers>[1], audience = "products") =>
    fetch(`${running.url.replace(/\/graphql$/, "")}${CONTRACT_DOCUMENT_PATH}?id=${id}`, {
      headers: await testGateway.headers(audience, identity),
    });

  it("renders the parties, clauses, signatures, variations and call-offs, every user string escaped", async () => {
    const response = await fetchDocument(contractId, LOUIS);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await response.text();
    expect(html).toContain("UK Power Networks");
    expect(html).toContain(escapeHtml("NewFlex <Ltd> & Co"));
    expect(html).not.toContain("NewFlex <Ltd>");
    expect(html).toContain("Notice of &lt;30&gt; days &amp; more");
    expect(html).toContain("Louis &lt;b&gt;");
    expect(html).not.toContain("<b>");
    for (const clause of STANDARD_CLAUSES) expect(html).toContain(escapeHtml(clause.heading));
    expect(html).toContain("£1000000.50");
    expect(html).toContain("12.3400");
  });

  it("is the same 404 for another organisation, an unknown id and a malformed one; 401 without a caller or the gateway", async () => {
    for (const [id, caller] of [
      [contractId, RIVAL_FSP],
      [contractId, as.investor],
      [MISSING_ID, LOUIS],
      ["nope", LOUIS],
    ] as const) {
      const response = await fetchDocument(id, caller);
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain("NewFlex");
    }
    expect((await fetchDocument(contractId, null)).status).toBe(401);
    expect((await fetchDocument(contractId, LOUIS, "assets")).status).toBe(401); // a token for another subgraph
    expect((await fetch(`${running.url.replace(/\/graphql$/, "")}${CONTRACT_DOCUMENT_PATH}?id=${contractId}`)).status).toBe(401);
  });
});

describe("after termination", () => {
  it("no variation, call-off or signature; a new agreement may then be issued", async () => {
    expect((await ok(LOUIS, MOVE, { id: contractId, s: "TERMINATED" })).updateContractStatus.contract.status).toBe("TERMINATED");
    const before = await counts();
    const varied = await run(LOUIS, VARY, { i: { contractId, clause: "9", text: "x" } });
    expect(errorCodes(varied)).toEqual(["CONFLICT"]);
    expect(varied.errors?.[0]?.extensions?.currentStatus).toBe("TERMINATED");
    expect(errorCodes(await run(ED, CALL_OFF, { i: { contractId, awardId: award() } }))).toEqual(["CONFLICT"]);
    expect(errorCodes(await run(ED, MOVE, { id: contractId, s: "ACTIVE" }))).toEqual(["CONFLICT"]);
    expect(await counts()).toEqual(before);
    const draft = (await ok(ED, ISSUE, { i: { productId, providerId: NEWFLEX, draft: true } })).issueContract.contract;
    expect(draft.status).toBe("DRAFT");
    expect(errorCodes(await run(LOUIS, SIGN, { id: draft.id }))).toEqual(["CONFLICT"]); // a draft is not signed
    expect((await ok(ED, MOVE, { id: draft.id, s: "ISSUED" })).updateContractStatus.contract.status).toBe("ISSUED");
  });
});

describe("issuing on qualification (pre-qualification's onQualified hook)", () => {
  it("is the products subgraph's hook: an FSP qualified for a product with a template is issued its agreement, once", async () => {
    const published = await createProduct("QUALIFIED");
    await ok(as.admin, `mutation ($id: ID!) { updateProduct(input: { id: $id, status: PUBLISHED }) { product { id } } }`, {
      id: published,
    });
    await ok(ED, SAVE_TEMPLATE, { i: template({ productId: published }) });
    const day = 86_400_000;
    await ok(
      as.admin,
      `mutation ($i: AssessCommercialQualificationInput!) { assessCommercialQualification(input: $i) { commercialQualification { status } } }`,
      {
        i: {
          organisationId: orgs.fspC,
          status: "QUALIFIED",
          checks: ["COMPANY", "CREDIT", "INSURANCE"].map((kind) => ({
            kind,
            passed: true,
            evidenceRef: `${kind.toLowerCase()}:evidence-1`,
          })),
          validFrom: new Date(Date.now() - day).toISOString(),
          validTo: new Date(Date.now() + 365 * day).toISOString(),
        },
      },
    );
    const applicant = as.fspC;
    const applied = await ok(
      applicant,
      `mutation ($i: ApplyForQualificationInput!) { applyForQualification(input: $i) { application { id } } }`,
      { i: { subjectType: "ORGANISATION", subjectId: orgs.fspC, productIds: [published] } },
    );
    const applicationId = applied.applyForQualification.application.id;
    const submitted = await ok(
      applicant,
      `mutation ($i: SubmitQualificationApplicationInput!) { submitQualificationApplication(input: $i) { application { assessments { id } } } }`,
      { i: { applicationId } },
    );
    const { assessments } = submitted.submitQualificationApplication.application;
    const assess = (status: string) =>
      ok(ED, `mutation ($i: AssessQualificationInput!) { assessQualification(input: $i) { assessment { status } } }`, {
        i: {
          assessmentId: assessments[0].id,
          status,
          validFrom: new Date(Date.now() - day).toISOString(),
          validTo: new Date(Date.now() + 90 * day).toISOString(),
        },
      });
    expect((await assess("QUALIFIED")).assessQualification.assessment.status).toBe("QUALIFIED");
    const issued = (
      await ok(applicant, `query ($p: ID!) { contracts(productId: $p) { status qualificationId company { id } } }`, { p: published })
    ).contracts;
    expect(issued).toEqual([{ status: "ISSUED", qualificationId: assessments[0].id, company: { id: UKPN } }]);
    await assess("QUALIFIED"); // a renewal issues nothing more
    const again = await ok(applicant, `query ($p: ID!) { contracts(productId: $p) { id } }`, { p: published });
    expect(again.contracts).toHaveLength(1);
  });

  it("issues once per provider, and nothing for a product without a template", async () => {
    const qualificationId = randomUUID();
    const request = { productId, providerOrganisationId: RIVAL, qualificationId };
    const first = await issueAgreementOnQualification(handle.db, request);
    expect(first).toMatchObject({ created: true, contract: { status: "ISSUED", providerId: RIVAL, companyId: UKPN, qualificationId } });
    const before = await counts();
    const second = await issueAgreementOnQualification(handle.db, { ...request, qualificationId: randomUUID() });
    expect(second).toMatchObject({ created: false, contract: { id: first?.contract.id } });
    expect(await counts()).toEqual(before);
    expect(await issueAgreementOnQualification(handle.db, { ...request, productId: otherProductId })).toBeNull();
    // Inside the caller's transaction: rolled back with it.
    await handle.db
      .transaction(async (tx) => {
        const inside = await issueAgreementOnQualification(tx, { productId, providerOrganisationId: NESO, qualificationId });
        expect(inside?.created).toBe(true);
        throw new Error("the qualification failed");
      })
      .catch(() => {});
    expect(await counts()).toEqual(before);
    expect((await ok(RIVAL_FSP, LIST, {})).contracts).toEqual([{ id: first?.contract.id, status: "ISSUED" }]);
  });
});

describe("races", () => {
  it("of two members of one side signing at once, one signs and the other is CONFLICT", async () => {
    await ok(ED, SAVE_TEMPLATE, { i: template({ productId: otherProductId }) });
    const id = (await ok(ED, ISSUE, { i: { productId: otherProductId, providerId: NEWFLEX } })).issueContract.contract.id;
    const settled = await raceAtRowLock(
      handle,
      (tx) => tx.select({ id: contracts.id }).from(contracts).where(eq(contracts.id, id)).for("update"),
      [LOUIS, MIA].map((caller) => () => run(caller, SIGN, { id })),
    );
    const outcomes = settled.map((result) => (result.status === "fulfilled" ? (errorCodes(result.value)[0] ?? "SIGNED") : "REJECTED"));
    expect(outcomes.sort()).toEqual(["CONFLICT", "SIGNED"]);
    const contract = (await ok(ED, ONE, { id })).contract;
    expect(contract.status).toBe("ISSUED");
    expect(contract.signatures).toHaveLength(1);
  });
});

describe("batching", () => {
  it("loads the call-offs of many contracts, and many contracts, with one repository call each per request", async () => {
    const calls = { callOffs: 0, byIds: 0 };
    const repo = {
      callOffsByContractIds: async (ids: readonly string[]) => {
        calls.callOffs++;
        return ids.map((contractId) => ({ contractId, id: contractId }));
      },
      byIds: async (ids: readonly string[]) => {
        calls.byIds++;
        return ids.map((id) => ({ id }));
      },
      templatesByIds: async () => [],
    } as unknown as ContractRepository;
    const loadersOf = moduleLoaders(repo);
    const request = {};
    const ids = Array.from({ length: 20 }, () => randomUUID());
    const lists = await Promise.all(ids.map((id) => loadersOf(request).callOffs.load(id)));
    const rows = await Promise.all([...ids, ...ids].map((id) => loadersOf(request).contract({ everything: true }).load(id)));
    expect(lists.map((list) => list.length)).toEqual(ids.map(() => 1));
    expect(rows.every((row) => row !== null)).toBe(true);
    expect(calls).toEqual({ callOffs: 1, byIds: 1 });
    await loadersOf({}).callOffs.load(ids[0]!); // another request: loaders of its own
    expect(calls.callOffs).toBe(2);
  });
});

describe("the agreement a statement or invoice settles (Invoice.contract, SettlementStatement.contract)", () => {
  const AGREEMENTS = `query ($reps: [_Any!]!) { _entities(representations: $reps) {
    ... on Invoice { contract { id status } } ... on SettlementStatement { contract { id status } } } }`;
  const rep = (typename: string, product: string, provider: string) => ({
    __typename: typename,
    id: randomUUID(),
    product: { id: product },
    provider: { id: provider },
  });

  it("is the provider's standing contract for the product, to its two parties and administrators only; none is null", async () => {
    const listed = (await ok(LOUIS, LIST, { p: otherProductId })).contracts as { id: string; status: string }[];
    const standing = listed.find((c) => ["ACTIVE", "SIGNED", "ISSUED"].includes(c.status));
    expect(standing).toBeDefined();
    const reps = [
      rep("Invoice", otherProductId, NEWFLEX),
      rep("SettlementStatement", otherProductId, NEWFLEX),
      rep("Invoice", otherProductId, RIVAL), // RIVAL holds no agreement for it
    ];
    const expected = [{ contract: standing }, { contract: standing }, { contract: null }];
    for (const caller of [LOUIS, ED, testIdentity({ roles: ["ADMIN"] })]) {
      expect((await ok(caller, AGREEMENTS, { reps }))._entities).toEqual(expected);
    }
    // Another FSP, or an SO that is not the product's, sees no contract of theirs.
    for (const caller of [RIVAL_FSP, NESO_SO]) {
      expect((await ok(caller, AGREEMENTS, { reps }))._entities).toEqual(reps.map(() => ({ contract: null })));
    }
  });

  it("prefers a standing agreement to an ended one, and answers many invoices with one repository call", async () => {
    // productId's first agreement was terminated and a new one issued ("after termination").
    const newflex = (await ok(LOUIS, LIST, { p: productId })).contracts as { id: string; status: string }[]; // Louis's own
    expect(newflex.map((c) => c.status).sort()).toEqual(["ISSUED", "TERMINATED"]);
    const answer = (await ok(ED, AGREEMENTS, { reps: [rep("Invoice", productId, NEWFLEX)] }))._entities[0].contract;
    expect(answer).toEqual(newflex.find((c) => c.status === "ISSUED"));

    let calls = 0;
    const repo = {
      agreementsByProductProvider: async (keys: readonly string[]) => {
        calls++;
        return new Map(keys.map((key) => [key, { id: key }]));
      },
    } as unknown as ContractRepository;
    const loadersOf = moduleLoaders(repo);
    const request = {};
    const keys = Array.from({ length: 30 }, () => `${randomUUID()}|${randomUUID()}`);
    const rows = await Promise.all(keys.map((key) => loadersOf(request).agreement({ everything: true }).load(key)));
    expect(rows.map((row) => row?.id)).toEqual(keys);
    expect(calls).toBe(1);
  });
});
