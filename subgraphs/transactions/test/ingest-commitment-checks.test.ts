import { readFileSync } from "node:fs";
import { type DatabaseHandle, type EntityReferences, type Identity, staticReferences } from "@sfe/kit";
import { as, countRows, execute, orgs, setUpSubgraph } from "@sfe/kit/testing";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENTITY_SPECS, type IngestReport, runIngest } from "../src/modules/ingest/index.js";
import { createIngestBatchesRepository } from "../src/modules/ingest/repository.js";
import { transactionsSubgraph } from "./helpers.js";

// The market rules on bid, award and availability-declaration ingest (issue 11 item 2). The rules and products
// subgraphs are stood in for by `call` (the only way the subgraph reaches them), counting calls: a BLOCK rule refuses
// bids over 40 MW and declarations over 5 MW, a NOTIFY (WARN) rule flags awards over 40 MW and declarations over 3 MW.
const assetA = "a55e0000-0000-4000-8000-0000000000e1"; // FSP A's, Response Unit AG-MFLX02
const productA = "9d0c0000-0000-4000-8000-0000000000e1"; // SO A's DC LF

const calls: { path: string; payload: any }[] = [];
let rulesDown = false;
const outcome = (code: string, mode: string, failed: boolean, values: Record<string, unknown>) => ({
  ruleId: null,
  ruleVersion: 1,
  code,
  name: code,
  severity: mode === "BLOCKING" ? "ERROR" : "WARNING",
  mode,
  source: "HUB",
  outcome: failed ? (mode === "BLOCKING" ? "FAIL" : "WARN") : "PASS",
  message: `${code} says no`,
  valuesCompared: values,
  documentRef: null,
});
const references: EntityReferences = {
  ...staticReferences({
    Asset: {
      [assetA]: {
        owner: { id: orgs.fspA },
        status: "REGISTERED",
        externalId: "AG-MFLX02",
        importCapacityKw: 50_000,
        exportCapacityKw: 50_000,
      },
    },
    Product: { [productA]: { owner: { id: orgs.soA }, code: "DCL" } },
  }),
  async call<T>(_subgraph: string, path: string, payload: any) {
    calls.push({ path, payload });
    if (path === "/internal/qualifications/check") {
      return { status: 200, body: { results: payload.checks.map(() => ({ qualified: true, counterpartyQualified: true })) } as T };
    }
    if (path === "/internal/rules/evaluate") {
      if (rulesDown) return { status: 503, body: {} as T };
      const answer = (request: any) => {
        const f = request.facts;
        const outcomes =
          request.subjectKind === "BID"
            ? [outcome("R-TEST-BID-MAX", "BLOCKING", f.capacityMw > 40, { capacityMw: f.capacityMw, maximumMw: 40 })]
            : request.subjectKind === "AWARD"
              ? [outcome("R-TEST-AWARD-BIG", "NOTIFY", f.awardedMw > 40, { awardedMw: f.awardedMw })]
              : [
                  outcome("R-TEST-DECL-MAX", "BLOCKING", f.declaredMw > 5, { declaredMw: f.declaredMw }),
                  outcome("R-TEST-DECL-BIG", "NOTIFY", f.declaredMw > 3, { declaredMw: f.declaredMw }),
                ];
        const decision = outcomes.some((o) => o.outcome === "FAIL")
          ? "BLOCK"
          : outcomes.some((o) => o.outcome === "WARN")
            ? "NOTIFY"
            : "ALLOW";
        return { evaluationId: null, decision, outcomes };
      };
      return { status: 200, body: (payload.requests ? { results: payload.requests.map(answer) } : answer(payload)) as T };
    }
    if (path === "/internal/events") return { status: 200, body: {} as T }; // the outbox relay's deliveries
    return { status: 404, body: {} as T };
  },
};

let handle: DatabaseHandle;
let subgraph: Awaited<ReturnType<typeof setUpSubgraph>>["subgraph"];
beforeAll(async () => {
  ({ handle, subgraph } = await setUpSubgraph(transactionsSubgraph, references));
});
afterAll(() => handle.close());

const rows = async <T = Record<string, unknown>>(query: string): Promise<T[]> => {
  const result = (await handle.db.execute(sql.raw(query))) as unknown as { rows?: T[] } & T[];
  return result.rows ?? result;
};

const ingest = (identity: Identity, path: string, body: string, adapter: string, params: Record<string, string>): Promise<IngestReport> => {
  const spec = ENTITY_SPECS[path]!;
  const source = spec.adapters[adapter]!.source ?? "acme-market";
  return runIngest(
    { db: handle.db, batches: createIngestBatchesRepository(handle.db), context: { identity, references, db: handle.db } },
    {
      spec,
      adapter,
      source,
      format: adapter === "generic" ? "NDJSON" : "CSV",
      mode: "PARTIAL",
      fileName: null,
      params: new URLSearchParams({ source, ...params }),
    },
    [body],
  );
};
const evaluationCalls = () => calls.filter((c) => c.path === "/internal/rules/evaluate");
/** Every subject the rules engine was asked about, whatever the calls carried them in. */
const evaluations = () => evaluationCalls().flatMap((c) => (c.payload.requests ?? [c.payload]).map((payload: any) => ({ payload })));

const file = readFileSync(
  new URL("../../../stack/data/neso-dynamic-containment-masterdata-2020-10-to-2021-04.csv", import.meta.url),
  "utf8",
);
const [HEADER, ...DATA] = file.split(/\r?\n/).filter(Boolean);
// AG-MFLX02's accepted DC LF rows (49 MW offered and accepted each day), and one edited to offer 30 MW.
const mflx = DATA.filter((l) => l.startsWith("DC LF") && l.split(",")[3] === "AG-MFLX02" && l.split(",")[15] === "Accepted");
const small = (line: string) =>
  line
    .split(",")
    .map((c, i) => (i === 7 || i === 8 ? "30" : c))
    .join(",");
const csv = (...lines: string[]) => `${[HEADER, ...lines].join("\n")}\n`;

describe("market rules on ingest", () => {
  it("bids: a BLOCK rule refuses its rows with RULE_VIOLATION naming the rule and its values, the others are written; one evaluation per distinct bid, all in one call", async () => {
    calls.length = 0;
    const [big1, big2, other] = [mflx[0]!, mflx[1]!, mflx[2]!];
    const report = await ingest(as.soA, "bids", csv(big1, big2, small(other)), "neso-dc-masterdata", { "product.DC_LF": productA });
    expect(report).toMatchObject({ status: "COMPLETED", rows: 3, inserted: 1, rejected: 2, warnings: [] });
    expect(report.rejections).toEqual(
      [1, 2].map((row) => ({
        row,
        field: "rule",
        code: "RULE_VIOLATION",
        reason: "R-TEST-BID-MAX",
        message: 'Refused by R-TEST-BID-MAX: R-TEST-BID-MAX says no (values compared: R-TEST-BID-MAX {"capacityMw":49,"maximumMw":40})',
      })),
    );
    // three distinct bids (days): three evaluations in ONE rules call, and their qualifications in ONE products call
    expect(evaluations()).toHaveLength(3);
    expect(evaluationCalls()).toHaveLength(1);
    expect(calls.filter((c) => c.path === "/internal/qualifications/check")).toHaveLength(1);
    expect(evaluations()[2]!.payload.facts).toEqual({
      productCodes: ["DCL"],
      unitCapacityMw: 50,
      capacityMw: 30,
      direction: "UP",
      availabilityPriceGbpPerMwh: expect.any(Number),
      qualified: true,
      counterpartyQualified: true,
    });
    expect(await rows(`select external_id, quantity_mw from transactions.bids where ingest_batch_id = '${report.batchId}'`)).toEqual([
      { external_id: other.split(",")[2], quantity_mw: 30 },
    ]);
  });

  it("awards: a NOTIFY rule's warnings are in the report (row, rule, message, values) and in ONE outbox notification for the batch", async () => {
    calls.length = 0;
    const report = await ingest(as.soA, "awards", csv(mflx[3]!, small(mflx[4]!)), "neso-dc-masterdata", { "product.DC_LF": productA });
    expect(report).toMatchObject({ status: "COMPLETED", inserted: 2, rejected: 0, warned: 1 });
    expect(report.warnings).toEqual([
      { row: 1, ruleId: "R-TEST-AWARD-BIG", message: "R-TEST-AWARD-BIG says no", values: { awardedMw: 49 } },
    ]);
    expect(evaluations()).toHaveLength(2);
    expect(evaluationCalls()).toHaveLength(1);
    const events = await rows<{ type: string; subject_type: string; recipients: any; payload: any }>(
      `select type, subject_type, recipients, payload from transactions.outbox_events where subject_id = '${report.batchId}'`,
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "RULE_WARNING", subject_type: "IngestBatch" });
    expect(new Set(events[0]!.recipients.organisations)).toEqual(new Set([orgs.soA, orgs.fspA]));
    expect(events[0]!.payload.warnings).toEqual([
      { ruleId: "R-TEST-AWARD-BIG", message: "R-TEST-AWARD-BIG says no", values: { awardedMw: 49, row: 1 } },
    ]);
    // The batch keeps them: its IngestBatch in the graph lists the same warnings.
    const batch = await execute(
      subgraph,
      `query ($id: ID!) { ingestBatch(id: $id) { warnings { row ruleId message values } } }`,
      { id: report.batchId },
      as.soA,
    );
    expect(batch.errors).toBeUndefined();
    expect(batch.data?.ingestBatch.warnings).toEqual(report.warnings);
  });

  it("availability declarations: BLOCK refuses, NOTIFY warns, one evaluation per declaration and no qualification call", async () => {
    calls.length = 0;
    const decl = (id: string, day: number, mw: number) =>
      JSON.stringify({
        assetId: assetA,
        productId: productA,
        start: `2025-08-0${day}T00:00:00Z`,
        end: `2025-08-0${day}T04:00:00Z`,
        declaredMw: mw,
        externalId: id,
      });
    const body = `${[decl("r-1", 1, 6), decl("r-2", 2, 4), decl("r-3", 3, 2)].join("\n")}\n`;
    const report = await ingest(as.fspA, "availability-declarations", body, "generic", {});
    expect(report).toMatchObject({ inserted: 2, rejected: 1, warned: 1 });
    expect(report.rejections).toMatchObject([
      { row: 1, code: "RULE_VIOLATION", reason: "R-TEST-DECL-MAX", message: expect.stringMatching(/declaredMw":6/) },
    ]);
    expect(report.warnings).toEqual([{ row: 2, ruleId: "R-TEST-DECL-BIG", message: "R-TEST-DECL-BIG says no", values: { declaredMw: 4 } }]);
    expect(evaluations()).toHaveLength(3);
    expect(evaluationCalls()).toHaveLength(1);
    expect(calls.filter((c) => c.path === "/internal/qualifications/check")).toHaveLength(0);
  });

  it("fails closed: the rules subgraph down writes nothing of the file", async () => {
    const before = await countRows(handle, "transactions.bids");
    rulesDown = true;
    try {
      await expect(ingest(as.soA, "bids", csv(small(mflx[5]!)), "neso-dc-masterdata", { "product.DC_LF": productA })).rejects.toMatchObject(
        {
          extensions: { code: "UPSTREAM_UNAVAILABLE" },
        },
      );
    } finally {
      rulesDown = false;
    }
    expect(await countRows(handle, "transactions.bids")).toBe(before);
  });
});
