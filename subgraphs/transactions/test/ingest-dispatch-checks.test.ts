import { readFileSync } from "node:fs";
import { type DatabaseHandle, type EntityReferences, type Identity, staticReferences } from "@sfe/kit";
import { as, errorCodes, execute, orgs, setUpSubgraph } from "@sfe/kit/testing";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENTITY_SPECS, type IngestReport, runIngest } from "../src/modules/ingest/index.js";
import { createIngestBatchesRepository } from "../src/modules/ingest/repository.js";
import type { createTransactionsSubgraph } from "../src/server.js";
import { transactionsSubgraph } from "./helpers.js";

// A dispatch instruction's service area and market rules, on ingest and through issueDispatchInstruction. The
// products and rules subgraphs are stood in for by `call` (the only way the subgraph reaches them), counting calls.
const inArea = "a55e0000-0000-4000-8000-0000000000d1"; // _C, FSP A's
const outOfArea = "a55e0000-0000-4000-8000-0000000000d2"; // _K, FSP B's
const productA = "9d0c0000-0000-4000-8000-0000000000d1"; // SO A's
const blockedProduct = "9d0c0000-0000-4000-8000-0000000000d2"; // SO A's, a BLOCK rule refuses its dispatches
const warnedProduct = "9d0c0000-0000-4000-8000-0000000000d3"; // SO A's, a NOTIFY rule flags its dispatches

const ukpn = readFileSync(
  new URL("../../../stack/data/ukpn-flexibility-dispatches-ev-dsr-subset-2024-05-to-2025-12.csv", import.meta.url),
  "utf8",
);
const [HEADER, ...DATA] = ukpn.split(/\r?\n/).filter(Boolean);
const unitOf = (line: string) => line.split(",")[1]!;
const units = [...new Set(DATA.map(unitOf))];
const [unitIn, unitOut, unitOther] = units as [string, string, string];

const calls: { path: string; payload: Record<string, unknown> }[] = [];
const base = staticReferences({
  Asset: {
    [inArea]: { owner: { id: orgs.fspA }, status: "REGISTERED", externalId: unitIn, location: { gspGroup: "_C" } },
    [outOfArea]: { owner: { id: orgs.fspB }, status: "REGISTERED", externalId: unitOut, location: { gspGroup: "_K" } },
  },
  Product: {
    [productA]: { owner: { id: orgs.soA } },
    [blockedProduct]: { owner: { id: orgs.soA } },
    [warnedProduct]: { owner: { id: orgs.soA } },
  },
  Organisation: [orgs.soA, orgs.soB, orgs.fspA, orgs.fspB],
});
const references: EntityReferences = {
  ...base,
  async call<T>(_subgraph: string, path: string, payload: unknown) {
    calls.push({ path, payload: payload as Record<string, unknown> });
    if (path === "/internal/service-areas") {
      const ids = (payload as { organisationIds: string[] }).organisationIds;
      return { status: 200, body: { areas: ids.map((organisationId) => ({ organisationId, wholeGb: false, gspGroups: ["_C"] })) } as T };
    }
    if (path === "/internal/rules/evaluate") {
      const answer = (request: { productIds: string[]; facts: { instructedMw?: number } }) => {
        if (request.productIds.includes(warnedProduct)) {
          const warn = {
            ruleId: null,
            ruleVersion: 1,
            code: "R-TEST-NOTIFY",
            name: "Dispatches on this product are flagged",
            severity: "WARNING",
            mode: "NOTIFY",
            source: "HUB",
            outcome: "WARN",
            message: "This product's dispatches are flagged",
            valuesCompared: { instructedMw: request.facts.instructedMw ?? null },
            documentRef: null,
          };
          return { evaluationId: null, decision: "NOTIFY", outcomes: [warn] };
        }
        const blocked = request.productIds.includes(blockedProduct);
        const outcome = {
          ruleId: null,
          ruleVersion: 1,
          code: "R-TEST-BLOCK",
          name: "No dispatch on this product",
          severity: "ERROR",
          mode: "BLOCKING",
          source: "HUB",
          outcome: blocked ? "FAIL" : "PASS",
          message: "This product takes no dispatch",
          valuesCompared: {},
          documentRef: null,
        };
        return { evaluationId: null, decision: blocked ? "BLOCK" : "ALLOW", outcomes: [outcome] };
      };
      type Request = { productIds: string[]; facts: { instructedMw?: number } };
      const { requests } = payload as { requests?: Request[] };
      const body = requests ? { results: requests.map(answer) } : answer(payload as Request);
      return { status: 200, body: body as T };
    }
    if (path === "/internal/events") return { status: 200, body: {} as T }; // the outbox relay's deliveries
    return { status: 404, body: {} as T };
  },
};

let handle: DatabaseHandle;
let subgraph: ReturnType<typeof createTransactionsSubgraph>;
beforeAll(async () => {
  ({ handle, subgraph } = await setUpSubgraph(transactionsSubgraph, references));
});
afterAll(() => handle.close());

const rows = async <T = Record<string, unknown>>(query: string): Promise<T[]> => {
  const result = (await handle.db.execute(sql.raw(query))) as unknown as { rows?: T[] } & T[];
  return result.rows ?? result;
};

const ingest = (identity: Identity, body: string, params: Record<string, string>): Promise<IngestReport> =>
  runIngest(
    { db: handle.db, batches: createIngestBatchesRepository(handle.db), context: { identity, references, db: handle.db } },
    {
      spec: ENTITY_SPECS["dispatch-instructions"]!,
      adapter: "ukpn-dispatches",
      source: "ukpn-flexibility-dispatches",
      format: "CSV",
      mode: "PARTIAL",
      fileName: null,
      params: new URLSearchParams(params),
    },
    [body],
  );

describe("dispatch ingest: service area and market rules", () => {
  const mine = DATA.filter((l) => unitOf(l) === unitIn).slice(0, 3);
  const far = DATA.filter((l) => unitOf(l) === unitOut).slice(0, 2);
  const unknown = DATA.filter((l) => unitOf(l) === unitOther).slice(0, 2);

  it("refuses each row for an asset outside the SO's area (one service-area call per file) and links the others' assets", async () => {
    calls.length = 0;
    const report = await ingest(as.soA, [HEADER, ...mine, ...far, ...unknown].join("\n"), { productId: productA });
    expect(report.rejections.map(({ row, field, code, reason }) => ({ row, field, code, reason }))).toEqual([
      { row: 4, field: "unitReference", code: "BAD_USER_INPUT", reason: "OUTSIDE_SERVICE_AREA" },
      { row: 5, field: "unitReference", code: "BAD_USER_INPUT", reason: "OUTSIDE_SERVICE_AREA" },
    ]);
    expect(report).toMatchObject({ inserted: 5, rejected: 2 });
    expect(calls.filter((c) => c.path === "/internal/service-areas")).toEqual([
      { path: "/internal/service-areas", payload: { organisationIds: [orgs.soA] } },
    ]);
    // rules: once per (SO, product, unit) that got that far, not once per row, and all of them in ONE call
    const evaluations = calls.filter((c) => c.path === "/internal/rules/evaluate");
    expect(evaluations).toHaveLength(1);
    expect((evaluations[0]!.payload.requests as { productIds: string[] }[]).length).toBe(2);
    expect(
      await rows(
        `select unit_reference, asset_id::text, provider_id::text from transactions.dispatch_instructions
         where ingest_batch_id = '${report.batchId}' order by source_row`,
      ),
    ).toEqual([
      ...mine.map(() => ({ unit_reference: unitIn, asset_id: inArea, provider_id: orgs.fspA })),
      ...unknown.map(() => ({ unit_reference: unitOther, asset_id: null, provider_id: null })),
    ]);
  });

  it("a BLOCK rule refuses its group's rows naming the rule; nothing of them is written", async () => {
    calls.length = 0;
    const before = await rows(`select count(*)::int as n from transactions.dispatch_instructions`);
    const report = await ingest(as.soA, [HEADER, ...DATA.filter((l) => unitOf(l) === unitIn).slice(3, 6)].join("\n"), {
      productId: blockedProduct,
    });
    expect(report.rejections.map(({ code, reason, field }) => ({ code, reason, field }))).toEqual(
      Array(3).fill({ code: "RULE_VIOLATION", reason: "R-TEST-BLOCK", field: "rule" }),
    );
    expect(report.rejections[0]!.message).toContain("R-TEST-BLOCK");
    expect(calls.filter((c) => c.path === "/internal/rules/evaluate")).toHaveLength(1);
    expect(await rows(`select count(*)::int as n from transactions.dispatch_instructions`)).toEqual(before);
  });
});

describe("dispatch ingest: NOTIFY warnings", () => {
  it("writes the rows and lists each one's warnings in the report, with one RULE_WARNING outbox event for the batch", async () => {
    calls.length = 0;
    const lines = DATA.filter((l) => unitOf(l) === unitIn).slice(6, 8);
    const report = await ingest(as.soA, [HEADER, ...lines].join("\n"), { productId: warnedProduct });
    expect(report).toMatchObject({ inserted: 2, rejected: 0, warned: 2 });
    expect(report.warnings.map(({ row, ruleId }) => ({ row, ruleId }))).toEqual([
      { row: 1, ruleId: "R-TEST-NOTIFY" },
      { row: 2, ruleId: "R-TEST-NOTIFY" },
    ]);
    expect(calls.filter((c) => c.path === "/internal/rules/evaluate")).toHaveLength(1);
    const events = await rows<{ type: string; recipients: { organisations: string[] } }>(
      `select type, recipients from transactions.outbox_events where subject_id = '${report.batchId}' and type = 'RULE_WARNING'`,
    );
    expect(events).toHaveLength(1);
    expect(new Set(events[0]!.recipients.organisations)).toEqual(new Set([orgs.soA, orgs.fspA]));
  });
});

describe("issueDispatchInstruction and the service area", () => {
  const ISSUE = `mutation ($input: IssueDispatchInstructionInput!) { issueDispatchInstruction(input: $input) { dispatchInstruction { id } } }`;
  const input = (assetId: string) => ({
    assetId,
    productId: productA,
    issuedById: orgs.soA,
    direction: "DEMAND_TURN_DOWN",
    setPointMw: 1,
    start: "2026-01-10T17:00:00Z",
    end: "2026-01-10T18:00:00Z",
  });

  it("refuses an asset outside the issuing SO's area (BAD_USER_INPUT, OUTSIDE_SERVICE_AREA), writing nothing", async () => {
    const before = await rows(`select count(*)::int as n from transactions.dispatch_instructions`);
    const refused = await execute(subgraph, ISSUE, { input: input(outOfArea) }, as.soA);
    expect(errorCodes(refused)).toEqual(["BAD_USER_INPUT"]);
    expect(refused.errors?.[0]?.extensions).toMatchObject({ reason: "OUTSIDE_SERVICE_AREA", assetId: outOfArea, gspGroup: "_K" });
    expect(await rows(`select count(*)::int as n from transactions.dispatch_instructions`)).toEqual(before);
    const issued = await execute(subgraph, ISSUE, { input: input(inArea) }, as.soA);
    expect(issued.errors).toBeUndefined();
  });
});
