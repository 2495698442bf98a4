import { randomUUID } from "node:crypto";
import { type DatabaseHandle, staticReferences } from "@sfe/kit";
import { as, countRows, errorCodes, execute, orgs, setUpSubgraph } from "@sfe/kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { createRulesSubgraph } from "../src/server.js";
import { rulesSubgraph } from "./helpers.js";

/**
 * The rules library (UC7): documents with versions and tags, Postgres full-text search (a generated tsvector with a
 * GIN index: this file runs on PGlite and on Postgres alike), and "what applies to my asset type in this market on
 * this date".
 */
const dcl = randomUUID();
const secure = randomUUID();
const references = staticReferences({ Product: { [dcl]: { owner: { id: orgs.soB } }, [secure]: { owner: { id: orgs.soA } } } });

let handle: DatabaseHandle;
let subgraph: ReturnType<typeof createRulesSubgraph>;

const CREATE = `mutation ($input: CreateRuleDocumentInput!) { createRuleDocument(input: $input) { ruleDocument { id code title version { version } } } }`;
const ADD = `mutation ($input: AddRuleDocumentVersionInput!) {
  addRuleDocumentVersion(input: $input) { ruleDocument { id version { version title effectiveFrom } versions { version effectiveTo } } } }`;
const SEARCH = `query ($q: String, $p: ID, $t: String, $ph: String, $on: DateTime) {
  ruleDocuments(search: $q, productId: $p, technology: $t, phase: $ph, on: $on) { code title rank version { version } } }`;
const APPLICABLE = `query ($t: String, $p: ID, $on: DateTime) {
  applicableRules(technology: $t, productId: $p, on: $on) { rules { code } documents { code } } }`;

const docs = [
  {
    code: "FMR-PRIMACY",
    kind: "PRIMACY",
    title: "Primacy rules for DSO–NESO conflicts",
    body: "Where a DSO thermal constraint action conflicts with a NESO action into a constraint, DSO primacy applies. Out of a constraint, NESO primacy applies.",
    effectiveFrom: "2026-04-01T00:00:00Z",
    sourceUrl: "https://www.elexon.co.uk/",
    licence: "Open Government Licence v3.0",
    phases: ["DISPATCH"],
  },
  {
    code: "NESO-DC-TERMS",
    kind: "SERVICE_TERMS",
    title: "Dynamic Containment service terms",
    body: "Units must reach full delivery within one second. Minimum contracted quantity is one megawatt. Batteries must hold state of energy for fifteen minutes.",
    effectiveFrom: "2024-11-01T00:00:00Z",
    productIds: [dcl],
    technologies: ["BATTERY"],
    phases: ["QUALIFICATION", "BIDDING"],
  },
  {
    code: "STACKING-GUIDANCE",
    kind: "STACKING",
    title: "Revenue stacking guidance",
    body: "Jumping, splitting and co-delivery: committed megawatts per direction must not exceed the unit's capability in any settlement period.",
    effectiveFrom: "2025-01-01T00:00:00Z",
  },
];
const ids: Record<string, string> = {};

beforeAll(async () => {
  ({ handle, subgraph } = await setUpSubgraph(rulesSubgraph, references));
  for (const input of docs) {
    const result = await execute(subgraph, CREATE, { input }, as.admin);
    expect(result.errors).toBeUndefined();
    ids[input.code] = (result.data as any).createRuleDocument.ruleDocument.id;
  }
});
afterAll(() => handle?.close());

const search = async (variables: Record<string, unknown>, caller = as.fspA) => {
  const result = await execute(subgraph, SEARCH, variables, caller);
  expect(result.errors).toBeUndefined();
  return (result.data as any).ruleDocuments as { code: string; rank: number | null; version: { version: number } }[];
};

describe("full-text search (Postgres text search)", () => {
  it("stems words and ranks a title match above a body-only match", async () => {
    const found = await search({ q: "primacy constraints", on: "2026-05-01T00:00:00Z" });
    expect(found.map((d) => d.code)).toEqual(["FMR-PRIMACY"]);
    const megawatts = await search({ q: "megawatt", on: "2026-05-01T00:00:00Z" });
    expect(megawatts.map((d) => d.code).sort()).toEqual(["NESO-DC-TERMS", "STACKING-GUIDANCE"]);
    const ranked = await search({ q: "stacking megawatt", on: "2026-05-01T00:00:00Z" });
    expect(ranked[0]?.code).toBe("STACKING-GUIDANCE");
    expect(ranked.every((d) => typeof d.rank === "number" && d.rank > 0)).toBe(true);
  });

  it("web-search syntax: a quoted phrase and an excluded word", async () => {
    expect((await search({ q: '"full delivery"', on: "2026-05-01T00:00:00Z" })).map((d) => d.code)).toEqual(["NESO-DC-TERMS"]);
    const excluded = await search({ q: "megawatt -battery", on: "2026-05-01T00:00:00Z" });
    expect(excluded.map((d) => d.code)).toEqual(["STACKING-GUIDANCE"]);
  });

  it("only documents in force on the date: primacy rules not before 1 April 2026", async () => {
    expect(await search({ q: "primacy", on: "2026-03-31T23:00:00Z" })).toEqual([]);
  });

  it("tags: a product, a technology, a phase (untagged documents concern everything)", async () => {
    const on = "2026-05-01T00:00:00Z";
    expect((await search({ p: secure, on })).map((d) => d.code)).toEqual(["FMR-PRIMACY", "STACKING-GUIDANCE"]);
    expect((await search({ p: dcl, t: "battery", on })).map((d) => d.code)).toEqual(["FMR-PRIMACY", "NESO-DC-TERMS", "STACKING-GUIDANCE"]);
    expect((await search({ t: "HEAT_PUMP", ph: "QUALIFICATION", on })).map((d) => d.code)).toEqual(["STACKING-GUIDANCE"]);
  });
});

describe("versions", () => {
  it("a new version ends the last one where it starts; each date reads the version then in force", async () => {
    const result = await execute(
      subgraph,
      ADD,
      {
        input: {
          documentId: ids["NESO-DC-TERMS"],
          title: "Dynamic Containment service terms (v2)",
          body: "Minimum contracted quantity is one megawatt; response holding payments are per EFA block.",
          effectiveFrom: "2026-01-01T00:00:00Z",
        },
      },
      as.admin,
    );
    expect(result.errors).toBeUndefined();
    const doc = (result.data as any).addRuleDocumentVersion.ruleDocument;
    expect(doc.version.version).toBe(2);
    expect(doc.versions).toEqual([
      { version: 2, effectiveTo: null },
      { version: 1, effectiveTo: new Date("2026-01-01T00:00:00Z") },
    ]);
    expect((await search({ q: "EFA block", on: "2025-06-01T00:00:00Z" })).map((d) => d.code)).toEqual([]);
    expect(await search({ q: "EFA block", on: "2026-06-01T00:00:00Z" })).toMatchObject([
      { code: "NESO-DC-TERMS", version: { version: 2 } },
    ]);
    expect(await search({ q: "one second", on: "2025-06-01T00:00:00Z" })).toMatchObject([
      { code: "NESO-DC-TERMS", version: { version: 1 } },
    ]);
  });

  it("a version that does not start after the latest is BAD_USER_INPUT naming effectiveFrom; nothing written", async () => {
    const before = await countRows(handle, "rules.rule_document_versions");
    const result = await execute(
      subgraph,
      ADD,
      { input: { documentId: ids["NESO-DC-TERMS"], title: "Late", body: "x", effectiveFrom: "2025-01-01T00:00:00Z" } },
      as.admin,
    );
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "effectiveFrom" });
    expect(await countRows(handle, "rules.rule_document_versions")).toBe(before);
  });
});

describe("writing the library", () => {
  it("only hub administrators write it; a duplicate code is CONFLICT; a bad source URL BAD_USER_INPUT", async () => {
    const input = { ...docs[2], code: "NEW-GUIDE" };
    expect(errorCodes(await execute(subgraph, CREATE, { input }, as.soA))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await execute(subgraph, CREATE, { input }, as.fspA))).toEqual(["FORBIDDEN"]);
    expect(errorCodes(await execute(subgraph, CREATE, { input: docs[0] }, as.admin))).toEqual(["CONFLICT"]);
    const badUrl = await execute(subgraph, CREATE, { input: { ...input, sourceUrl: "javascript:alert(1)" } }, as.admin);
    expect(badUrl.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "sourceUrl" });
  });
});

describe("what applies to my asset type in this market on this date", () => {
  it("a battery in DCL: the product's rules and market-wide ones in force, and the documents tagged for it", async () => {
    const CREATE_RULE = `mutation ($input: CreateMarketRuleInput!) { createMarketRule(input: $input) { marketRule { id } } }`;
    const base = { kind: "ELIGIBILITY", parameters: {}, mode: "BLOCK", effectiveFrom: "2025-01-01T00:00:00Z" };
    for (const input of [
      { ...base, code: "DCL-BATTERY-SOE", name: "DCL battery state of energy", productId: dcl, scope: { technologies: ["BATTERY"] } },
      { ...base, code: "DCL-HEAT-PUMP", name: "DCL heat pumps", productId: dcl, scope: { technologies: ["HEAT_PUMP"] } },
      { ...base, code: "MARKET-WIDE-2026", name: "From 2026", effectiveFrom: "2026-04-01T00:00:00Z" },
      { ...base, code: "SECURE-ONLY", name: "UKPN Secure", productId: secure },
    ]) {
      expect((await execute(subgraph, CREATE_RULE, { input }, as.admin)).errors).toBeUndefined();
    }
    const result = await execute(subgraph, APPLICABLE, { t: "BATTERY", p: dcl, on: "2025-06-01T00:00:00Z" }, as.fspA);
    expect(result.errors).toBeUndefined();
    const applicable = (result.data as any).applicableRules;
    expect(applicable.rules.map((r: { code: string }) => r.code)).toEqual(["DCL-BATTERY-SOE"]);
    expect(applicable.documents.map((d: { code: string }) => d.code)).toEqual(["NESO-DC-TERMS", "STACKING-GUIDANCE"]);
    const later = await execute(subgraph, APPLICABLE, { t: "BATTERY", p: dcl, on: "2026-06-01T00:00:00Z" }, as.fspA);
    expect((later.data as any).applicableRules.rules.map((r: { code: string }) => r.code)).toEqual(["DCL-BATTERY-SOE", "MARKET-WIDE-2026"]);
  });
});
