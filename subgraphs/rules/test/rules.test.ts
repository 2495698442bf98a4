import { randomUUID } from "node:crypto";
import type { DatabaseHandle } from "@sfe/kit";
import { staticReferences } from "@sfe/kit";
import {
  as,
  countRows,
  errorCodes,
  execute as executeInProcess,
  MISSING_ID as MISSING,
  type OperationResult,
  orgs,
  setUpSubgraph,
} from "@sfe/kit/testing";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { print } from "graphql";
import { type createRepositories, createRulesSubgraph, typeDefs } from "../src/server.js";
import { rulesSubgraph } from "./helpers.js";

/** Entities other subgraphs own, as the reference checker knows them. */
const battery = randomUUID(); // Hendon Way battery
const heatPump = randomUUID();
const evFleet = randomUUID();
const ukpnProduct = randomUUID(); // UKPN Secure
const nesoProduct = randomUUID(); // NESO Dynamic Containment
const ukpnExport = randomUUID(); // UKPN: export 1.5 MW 17:00–19:00
const nesoImport = randomUUID(); // NESO: import 1.0 MW 17:30–17:45
/** Organisations (users subgraph): the battery's FSP and the two system operators. */
const { fspA: fsp, soA: ukpn, soB: neso } = orgs;
/** This file tests behaviour, not access (access.test.ts): it acts as a hub administrator. */
const { admin } = as;

let handle: DatabaseHandle;
let repos: ReturnType<typeof createRepositories>;
let subgraph: ReturnType<typeof createRulesSubgraph>;

beforeAll(async () => {
  const owned = { owner: { id: fsp } };
  const references = staticReferences({
    Asset: { [battery]: owned, [heatPump]: owned, [evFleet]: owned },
    Product: { [ukpnProduct]: { owner: { id: ukpn } }, [nesoProduct]: { owner: { id: neso } } },
    DispatchInstruction: { [ukpnExport]: { issuedBy: { id: ukpn } }, [nesoImport]: { issuedBy: { id: neso } } },
  });
  ({ handle, repos, subgraph } = await setUpSubgraph(rulesSubgraph, references));
});
afterAll(() => handle.close());

/** Runs an operation as a hub administrator and returns it as a client would see it (JSON: dates as ISO strings). */
async function execute(
  target: ReturnType<typeof createRulesSubgraph>,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<OperationResult<Record<string, any>>> {
  return JSON.parse(JSON.stringify(await executeInProcess(target, query, variables, admin)));
}

const count = (table: string) => countRows(handle, `rules.${table}`);
const counts = async () => ({
  rules: await count("market_rules"),
  conflicts: await count("conflicts"),
  assets: await count("conflict_assets"),
  instructions: await count("conflict_instructions"),
  parties: await count("conflict_parties"),
  audit: await count("audit_events"),
});

const RULE_FIELDS = "id code name product { id } kind parameters mode status effectiveFrom createdAt updatedAt";
const CONFLICT_FIELDS =
  "id kind status assetIds instructions { id } parties { id } overlapStart overlapEnd rule { id code } description resolution detectedAt updatedAt";

const CREATE_RULE = /* GraphQL */ `
  mutation ($input: CreateMarketRuleInput!) { createMarketRule(input: $input) { marketRule { ${RULE_FIELDS} } } }`;
const UPDATE_RULE = /* GraphQL */ `
  mutation ($input: UpdateMarketRuleInput!) { updateMarketRule(input: $input) { marketRule { ${RULE_FIELDS} } } }`;
const RECORD = /* GraphQL */ `
  mutation ($input: RecordConflictInput!) { recordConflict(input: $input) { conflict { ${CONFLICT_FIELDS} } } }`;
const UPDATE_STATUS = /* GraphQL */ `
  mutation ($input: UpdateConflictStatusInput!) { updateConflictStatus(input: $input) { conflict { ${CONFLICT_FIELDS} } } }`;

type Rule = {
  id: string;
  code: string;
  name: string;
  product: { id: string } | null;
  kind: string;
  parameters: unknown;
  mode: string;
  status: string;
};
type ConflictResult = {
  id: string;
  kind: string;
  status: string;
  assetIds: string[];
  instructions: { id: string }[];
  parties: { id: string }[];
  overlapStart: string;
  overlapEnd: string;
  rule: { id: string; code: string } | null;
  resolution: string | null;
};

async function createRule(input: Record<string, unknown>): Promise<Rule> {
  const result = await execute(subgraph, CREATE_RULE, { input: { kind: "STACKING", mode: "NOTIFY", parameters: {}, ...input } });
  expect(result.errors).toBeUndefined();
  return result.data!.createMarketRule.marketRule as Rule;
}

async function recordConflict(input: Record<string, unknown>): Promise<ConflictResult> {
  const result = await execute(subgraph, RECORD, { input });
  expect(result.errors).toBeUndefined();
  return result.data!.recordConflict.conflict as ConflictResult;
}

async function moveConflict(id: string, status: string, resolution?: string) {
  return execute(subgraph, UPDATE_STATUS, { input: { id, status, ...(resolution !== undefined && { resolution }) } });
}

/** The battery example: UKPN export 17:00–19:00 BST against NESO import 17:30–17:45 BST. */
const opposing = (ruleId: string | null = null) => ({
  kind: "OPPOSING_INSTRUCTIONS",
  assetIds: [battery],
  instructionIds: [ukpnExport, nesoImport],
  overlapStart: "2025-06-23T16:30:00.000Z",
  overlapEnd: "2025-06-23T16:45:00.000Z",
  ruleId,
  description: "UKPN export 1.5 MW 17:00–19:00 vs NESO import 1.0 MW 17:30–17:45",
});

describe("market rules", () => {
  it("creates a rule with a normalised code and reads it back, parameters and all, with an audit entry", async () => {
    const auditBefore = await count("audit_events");
    const parameters = { maxOverlapMinutes: 0, exemptKinds: ["EV"], limits: { importKw: 1500.5, strict: true, note: null } };
    const rule = await createRule({
      code: " ukpn-no-overlap ",
      name: " No overlapping service windows ",
      productId: ukpnProduct,
      kind: "STACKING",
      parameters,
      mode: "BLOCK",
      effectiveFrom: "2025-04-01T00:00:00.000Z",
    });
    expect(rule).toMatchObject({
      code: "UKPN-NO-OVERLAP",
      name: "No overlapping service windows",
      product: { id: ukpnProduct },
      kind: "STACKING",
      parameters,
      mode: "BLOCK",
      status: "ACTIVE",
      effectiveFrom: "2025-04-01T00:00:00.000Z",
    });
    const found = await execute(subgraph, `query ($id: ID!) { marketRule(id: $id) { ${RULE_FIELDS} } }`, { id: rule.id });
    expect(found.errors).toBeUndefined();
    expect(found.data?.marketRule).toEqual(rule);
    expect(await count("audit_events")).toBe(auditBefore + 1);

    // Stored as a JSON object, not as a JSON string holding one (a classic driver pitfall).
    const stored = (await handle.db.execute(
      sql`select jsonb_typeof(parameters) as t from rules.market_rules where id = ${rule.id}`,
    )) as unknown;
    const rows = (Array.isArray(stored) ? stored : (stored as { rows: unknown[] }).rows) as { t: string }[];
    expect(rows[0]?.t).toBe("object");
  });

  it("creates a market-wide rule (no product) effective from now", async () => {
    const before = Date.now();
    const rule = await createRule({
      code: "MF-MIN-CAPACITY",
      name: "Minimum capacity",
      kind: "ELIGIBILITY",
      parameters: { minimumCapacityKw: 1000 },
    });
    expect(rule.product).toBeNull();
    expect(new Date((rule as unknown as { effectiveFrom: string }).effectiveFrom).getTime()).toBeGreaterThanOrEqual(before - 60_000);
  });

  it("accepts parameters written inline in the query, nested objects included", async () => {
    const result = await execute(
      subgraph,
      `mutation { createMarketRule(input: { code: "INLINE-PARAMS", name: "Inline", kind: STACKING, mode: NOTIFY,
        parameters: { maxOverlapMinutes: 0, scope: { products: ["SAOU"] } } }) { marketRule { parameters } } }`,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.createMarketRule.marketRule.parameters).toEqual({ maxOverlapMinutes: 0, scope: { products: ["SAOU"] } });
  });

  it("lists rules by product, kind and status, ordered by code, with paging", async () => {
    const product = nesoProduct;
    const made = [
      await createRule({ code: "LIST-A", name: "A", productId: product, kind: "TIMING" }),
      await createRule({ code: "LIST-B", name: "B", productId: product, kind: "DATA_QUALITY" }),
      await createRule({ code: "LIST-C", name: "C", productId: product, kind: "TIMING" }),
      await createRule({ code: "LIST-D", name: "D", productId: product, kind: "CONTRACT" }),
    ];
    const retired = await execute(subgraph, UPDATE_RULE, { input: { id: made[3]!.id, status: "RETIRED" } });
    expect(retired.data?.updateMarketRule.marketRule.status).toBe("RETIRED");

    const list = async (args: string) => {
      const result = await execute(subgraph, `{ marketRules(${args}) { code } }`);
      expect(result.errors).toBeUndefined();
      return ((result.data?.marketRules ?? []) as { code: string }[]).map((r) => r.code);
    };
    expect(await list(`productId: "${product}"`)).toEqual(["LIST-A", "LIST-B", "LIST-C", "LIST-D"]);
    expect(await list(`productId: "${product}", kind: TIMING`)).toEqual(["LIST-A", "LIST-C"]);
    expect(await list(`productId: "${product}", status: ACTIVE`)).toEqual(["LIST-A", "LIST-B", "LIST-C"]);
    expect(await list(`productId: "${product}", status: RETIRED`)).toEqual(["LIST-D"]);
    expect(await list(`productId: "${product}", first: 2`)).toEqual(["LIST-A", "LIST-B"]);
    expect(await list(`productId: "${product}", first: 2, offset: 2`)).toEqual(["LIST-C", "LIST-D"]);
    expect(await list(`productId: "${product}", offset: 10`)).toEqual([]);
    expect(await list(`productId: "${MISSING}"`)).toEqual([]);
    expect(await list(`productId: "not-an-id"`)).toEqual([]);
    expect(await list(`kind: CONTRACT`)).toEqual(["LIST-D"]);
    const all = await list("first: 500");
    expect(all).toEqual([...all].sort());
    expect(all).toEqual(expect.arrayContaining(["LIST-A", "MF-MIN-CAPACITY", "UKPN-NO-OVERLAP"]));
    expect(errorCodes(await execute(subgraph, `{ marketRules(first: 501) { id } }`))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await execute(subgraph, `{ marketRules(offset: -1) { id } }`))).toEqual(["BAD_USER_INPUT"]);
  });

  it("updates name, parameters, mode and status, auditing the change", async () => {
    const rule = await createRule({ code: "UPD-ME", name: "Before", parameters: { a: 1 } });
    const auditBefore = await count("audit_events");
    const result = await execute(subgraph, UPDATE_RULE, {
      input: { id: rule.id, name: "After", parameters: { a: 2, b: [1, 2] }, mode: "BLOCK", status: "RETIRED" },
    });
    expect(result.errors).toBeUndefined();
    expect(result.data?.updateMarketRule.marketRule).toMatchObject({
      id: rule.id,
      code: "UPD-ME",
      name: "After",
      parameters: { a: 2, b: [1, 2] },
      mode: "BLOCK",
      status: "RETIRED",
    });
    expect(await count("audit_events")).toBe(auditBefore + 1);
  });

  it("refuses a second rule with the same code (case-insensitively) as CONFLICT, writing nothing", async () => {
    await createRule({ code: "DUP-CODE", name: "First" });
    const before = await counts();
    const duplicate = await execute(subgraph, CREATE_RULE, {
      input: { code: "dup-code", name: "Second", kind: "STACKING", mode: "NOTIFY", parameters: {} },
    });
    expect(errorCodes(duplicate)).toEqual(["CONFLICT"]);
    expect(duplicate.errors?.[0]?.message).toMatch(/code/);
    expect(await counts()).toEqual(before);
  });

  const valid = { code: "VALID-CODE", name: "Valid", kind: "STACKING", mode: "NOTIFY", parameters: { x: 1 } };
  const tooMany = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i]));
  it.each([
    ["a code starting with a digit", { ...valid, code: "1ABC" }],
    ["a one-letter code", { ...valid, code: "A" }],
    ["a code with a space", { ...valid, code: "NO OVERLAP" }],
    ["a code over 40 characters", { ...valid, code: `A${"B".repeat(40)}` }],
    ["an empty name", { ...valid, name: "   " }],
    ["parameters that are an array", { ...valid, parameters: [1, 2] }],
    ["parameters that are a string", { ...valid, parameters: '{"a":1}' }],
    ["parameters that are null", { ...valid, parameters: null }],
    ["parameters with more than 50 keys", { ...valid, parameters: tooMany }],
    ["an unknown product", { ...valid, productId: MISSING }],
    ["a malformed product id", { ...valid, productId: "ukpn" }],
    ["an unknown kind", { ...valid, kind: "VIBES" }],
    ["a malformed effectiveFrom", { ...valid, effectiveFrom: "next tuesday" }],
    ["a missing required field (kind)", { code: "VALID-CODE", name: "Valid", mode: "NOTIFY", parameters: {} }],
  ])("createMarketRule rejects %s with BAD_USER_INPUT and writes nothing", async (_case, input) => {
    const before = await counts();
    const result = await execute(subgraph, CREATE_RULE, { input });
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    expect(await counts()).toEqual(before);
  });

  let bounded: { id: string } | undefined;
  beforeAll(async () => {
    bounded = await createRule({ code: "BOUNDED-UPD", name: "Bounded", parameters: { maxOverlapMinutes: 0 } });
  });

  it.each([
    ["a capacity over 2 GW", { minimumCapacityKw: 2_000_001 }, "parameters.minimumCapacityKw", "from -2,000,000 to 2,000,000 kW (2 GW)"],
    ["1e308 MW", { maxDeliveryMw: 1e308 }, "parameters.maxDeliveryMw", "from -10,000 to 10,000 MW (10 GW)"],
    ["a percentage over 100", { maxSharePct: 100.5 }, "parameters.maxSharePct", "≥ 0 and ≤ 100 %"],
    ["a negative percentage", { scope: { thresholdPercent: -1 } }, "parameters.scope.thresholdPercent", "≥ 0 and ≤ 100 %"],
    ["a price beyond £100,000", { capGbpPerMwh: 250_000 }, "parameters.capGbpPerMwh", "from -100,000 to 100,000 £ (£100,000)"],
    ["minutes beyond a year", { maxOverlapMinutes: 600_000 }, "parameters.maxOverlapMinutes", "from -527,040 to 527,040 minutes (a year)"],
    ["a unitless number beyond 10⁹", { limits: [1, 1e12] }, "parameters.limits[1]", "from -1,000,000,000 to 1,000,000,000"],
  ])("bounds the numbers in parameters: refuses %s, naming it and its bound", async (_case, parameters, field, bound) => {
    for (const write of [
      () => execute(subgraph, CREATE_RULE, { input: { ...valid, code: "BOUNDED", parameters } }),
      () => execute(subgraph, UPDATE_RULE, { input: { id: bounded!.id, parameters } }),
    ]) {
      const before = await counts();
      const result = await write();
      expect(result.errors?.[0]).toMatchObject({
        message: `${field} must be a number ${bound}`,
        extensions: { code: "BAD_USER_INPUT", field },
      });
      expect(await counts()).toEqual(before);
    }
  });

  it("takes numbers at their bounds, and states the bounds in the schema", async () => {
    const parameters = { minimumCapacityKw: 2_000_000, maxSharePct: 100, maxDeliveryMw: -10_000, capGbpPerMwh: 100_000, n: 1e9 };
    const rule = await createRule({ code: "AT-BOUNDS", name: "At bounds", parameters });
    expect(rule.parameters).toEqual(parameters);
    const sdl = print(typeDefs);
    for (const bound of ["0 to 100", "±100,000", "±2,000,000 (2 GW)", "±10,000 (10 GW)", "±1,000,000,000"]) expect(sdl).toContain(bound);
  });

  it("names the field in BAD_USER_INPUT errors", async () => {
    const result = await execute(subgraph, CREATE_RULE, { input: { ...valid, productId: MISSING } });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "productId" });
    expect(result.errors?.[0]?.message).toContain(MISSING);
  });

  it("rejects bad updates with BAD_USER_INPUT, unknown ids with NOT_FOUND, writing nothing", async () => {
    const rule = await createRule({ code: "UPD-BAD", name: "Stays" });
    const before = await counts();
    expect(errorCodes(await execute(subgraph, UPDATE_RULE, { input: { id: rule.id, name: "" } }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await execute(subgraph, UPDATE_RULE, { input: { id: rule.id, parameters: [1] } }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await execute(subgraph, UPDATE_RULE, { input: { id: rule.id, parameters: tooMany } }))).toEqual(["BAD_USER_INPUT"]);
    expect(errorCodes(await execute(subgraph, UPDATE_RULE, { input: { id: MISSING, name: "Y" } }))).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await execute(subgraph, UPDATE_RULE, { input: { id: "not-an-id", name: "Y" } }))).toEqual(["BAD_USER_INPUT"]);
    expect(await counts()).toEqual(before);
    const found = await execute(subgraph, `query ($id: ID!) { marketRule(id: $id) { name } }`, { id: rule.id });
    expect(found.data?.marketRule).toEqual({ name: "Stays" });
  });

  it("answers null for unknown and malformed rule ids", async () => {
    const q = `query ($id: ID!) { marketRule(id: $id) { id } }`;
    expect((await execute(subgraph, q, { id: MISSING })).data).toEqual({ marketRule: null });
    expect((await execute(subgraph, q, { id: "not-an-id" })).data).toEqual({ marketRule: null });
  });
});

describe("conflicts", () => {
  let primacy: Rule;
  beforeAll(async () => {
    primacy = await createRule({
      code: "DSO-PRIMACY",
      name: "DSO instructions take primacy",
      kind: "PRIMACY",
      parameters: { order: ["DSO", "ESO"] },
      mode: "NOTIFY",
    });
  });

  it("records the battery's opposing instructions and reads them back with assets, instructions, parties and rule", async () => {
    const before = await counts();
    const conflict = await recordConflict(opposing(primacy.id));
    expect(conflict).toMatchObject({
      kind: "OPPOSING_INSTRUCTIONS",
      status: "OPEN",
      assetIds: [battery],
      instructions: expect.arrayContaining([{ id: ukpnExport }, { id: nesoImport }]),
      overlapStart: "2025-06-23T16:30:00.000Z",
      overlapEnd: "2025-06-23T16:45:00.000Z",
      rule: { id: primacy.id, code: "DSO-PRIMACY" },
      description: opposing().description,
      resolution: null,
    });
    expect(conflict.instructions).toHaveLength(2);
    // Its parties: the battery's owner and the issuers of both instructions.
    expect(conflict.parties.map((p) => p.id).sort()).toEqual([fsp, ukpn, neso].sort());
    expect(await counts()).toEqual({
      ...before,
      conflicts: before.conflicts + 1,
      assets: before.assets + 1,
      instructions: before.instructions + 2,
      parties: before.parties + 3,
      audit: before.audit + 1,
    });

    const found = await execute(subgraph, `query ($id: ID!) { conflict(id: $id) { ${CONFLICT_FIELDS} } }`, { id: conflict.id });
    expect(found.errors).toBeUndefined();
    expect(found.data?.conflict).toEqual(conflict);
  });

  it("records a conflict with no rule and no instructions, de-duplicating asset ids", async () => {
    const conflict = await recordConflict({
      kind: "OVERLAPPING_COMMITMENT",
      assetIds: [heatPump, evFleet, heatPump],
      overlapStart: "2025-06-24T10:00:00Z",
      overlapEnd: "2025-06-24T11:00:00Z",
    });
    expect([...conflict.assetIds].sort()).toEqual([heatPump, evFleet].sort());
    expect(conflict.instructions).toEqual([]);
    expect(conflict.parties).toEqual([{ id: fsp }]); // one owner of both assets, no issuers
    expect(conflict.rule).toBeNull();
  });

  it("moves a conflict OPEN → NOTIFIED → ACKNOWLEDGED → RESOLVED with a resolution, auditing each step", async () => {
    const conflict = await recordConflict(opposing(primacy.id));
    const auditBefore = await count("audit_events");
    for (const status of ["NOTIFIED", "ACKNOWLEDGED"]) {
      const moved = await moveConflict(conflict.id, status);
      expect(moved.errors).toBeUndefined();
      expect(moved.data?.updateConflictStatus.conflict).toMatchObject({ status, assetIds: [battery], rule: { code: "DSO-PRIMACY" } });
    }
    const resolved = await moveConflict(conflict.id, "RESOLVED", " DSO primacy: the UKPN export stands ");
    expect(resolved.errors).toBeUndefined();
    expect(resolved.data?.updateConflictStatus.conflict).toMatchObject({
      status: "RESOLVED",
      resolution: "DSO primacy: the UKPN export stands",
      instructions: expect.arrayContaining([{ id: ukpnExport }, { id: nesoImport }]),
    });
    expect(await count("audit_events")).toBe(auditBefore + 3);
  });

  it("allows ESCALATED → DISMISSED and keeps an earlier resolution note", async () => {
    const conflict = await recordConflict(opposing());
    expect((await moveConflict(conflict.id, "ESCALATED", "Sent to the Market Facilitator")).errors).toBeUndefined();
    const dismissed = await moveConflict(conflict.id, "DISMISSED");
    expect(dismissed.data?.updateConflictStatus.conflict).toMatchObject({
      status: "DISMISSED",
      resolution: "Sent to the Market Facilitator",
    });
  });

  it.each([
    [["RESOLVED"], "ESCALATED"],
    [["RESOLVED"], "OPEN"],
    [["DISMISSED"], "RESOLVED"],
    [["NOTIFIED"], "OPEN"],
    [["ACKNOWLEDGED"], "NOTIFIED"],
    [["ESCALATED"], "ACKNOWLEDGED"],
    [["ESCALATED"], "NOTIFIED"],
  ])("refuses an invalid transition after %j to %s with CONFLICT naming both, writing nothing", async (path, to) => {
    const conflict = await recordConflict(opposing());
    for (const status of path) expect((await moveConflict(conflict.id, status, "done")).errors).toBeUndefined();
    const from = path.at(-1) ?? "OPEN";
    const before = await counts();
    const result = await moveConflict(conflict.id, to, "done");
    expect(errorCodes(result)).toEqual(["CONFLICT"]);
    expect(result.errors?.[0]?.message).toMatch(new RegExp(`^Conflict ${conflict.id} is ${from}: it cannot become ${to}[ ;]`));
    expect(result.errors?.[0]?.extensions).toEqual({ code: "CONFLICT", currentStatus: from, requestedStatus: to });
    expect(await counts()).toEqual(before);
    const found = await execute(subgraph, `query ($id: ID!) { conflict(id: $id) { status } }`, { id: conflict.id });
    expect(found.data?.conflict).toEqual({ status: from });
  });

  it.each([
    [[], "OPEN"],
    [["ACKNOWLEDGED"], "ACKNOWLEDGED"],
    [["RESOLVED"], "RESOLVED"],
  ])("after %j, asking for %s changes nothing, its resolution note neither: no audit event", async (path, status) => {
    const conflict = await recordConflict(opposing());
    for (const step of path) expect((await moveConflict(conflict.id, step, "done")).errors).toBeUndefined();
    const before = await counts();
    const again = await moveConflict(conflict.id, status, "a different note");
    expect(again.errors).toBeUndefined();
    expect(again.data?.updateConflictStatus.conflict).toMatchObject({ status, resolution: path.length > 0 ? "done" : null });
    expect(await counts()).toEqual(before);
  });

  it("refuses RESOLVED without a resolution, writing nothing", async () => {
    const conflict = await recordConflict(opposing());
    const before = await counts();
    for (const resolution of [undefined, "", "   "]) {
      const result = await moveConflict(conflict.id, "RESOLVED", resolution);
      expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
      expect(result.errors?.[0]?.extensions?.field).toBe("resolution");
    }
    expect(await counts()).toEqual(before);
  });

  it("answers NOT_FOUND when updating an unknown conflict, BAD_USER_INPUT for a malformed id", async () => {
    expect(errorCodes(await moveConflict(MISSING, "NOTIFIED"))).toEqual(["NOT_FOUND"]);
    expect(errorCodes(await moveConflict("not-an-id", "NOTIFIED"))).toEqual(["BAD_USER_INPUT"]);
  });

  it("answers null for unknown and malformed conflict ids", async () => {
    const q = `query ($id: ID!) { conflict(id: $id) { id } }`;
    expect((await execute(subgraph, q, { id: MISSING })).data).toEqual({ conflict: null });
    expect((await execute(subgraph, q, { id: "not-an-id" })).data).toEqual({ conflict: null });
  });

  it.each([
    ["an unknown asset", { assetIds: [battery, MISSING] }, "assetIds"],
    ["a malformed asset id", { assetIds: ["battery-1"] }, "assetIds"],
    ["no assets", { assetIds: [] }, "assetIds"],
    ["an unknown instruction", { instructionIds: [ukpnExport, MISSING] }, "instructionIds"],
    ["an unknown rule", { ruleId: MISSING }, "ruleId"],
    ["a malformed rule id", { ruleId: "DSO-PRIMACY" }, "ruleId"],
    ["overlapEnd before overlapStart", { overlapStart: "2025-06-23T16:45:00Z", overlapEnd: "2025-06-23T16:30:00Z" }, "overlapEnd"],
    ["an empty overlap window", { overlapStart: "2025-06-23T16:30:00Z", overlapEnd: "2025-06-23T16:30:00Z" }, "overlapEnd"],
    ["a malformed overlapStart", { overlapStart: "half five" }, undefined],
    ["an unknown kind", { kind: "CLASH" }, undefined],
    ["a missing required field (kind)", { kind: undefined }, undefined],
    ["a missing required field (overlapEnd)", { overlapEnd: undefined }, undefined],
  ])("recordConflict rejects %s with BAD_USER_INPUT and writes nothing", async (_case, change, field) => {
    const before = await counts();
    const result = await execute(subgraph, RECORD, { input: { ...opposing(), ...change } });
    expect(errorCodes(result)).toEqual(["BAD_USER_INPUT"]);
    if (field) expect(result.errors?.[0]?.extensions?.field).toBe(field);
    expect(await counts()).toEqual(before);
  });

  it("writes a conflict and its links all-or-nothing (a failing link insert leaves nothing)", async () => {
    const before = await counts();
    await expect(
      repos.conflicts.record(
        { kind: "DOUBLE_REGISTRATION", overlapStart: new Date("2025-06-01T00:00:00Z"), overlapEnd: new Date("2025-06-02T00:00:00Z") },
        { assetIds: [battery], instructionIds: ["not-a-uuid"], partyIds: [fsp] },
        null,
      ),
    ).rejects.toThrow();
    await expect(
      repos.conflicts.record(
        { kind: "DOUBLE_REGISTRATION", overlapStart: new Date("2025-06-01T00:00:00Z"), overlapEnd: new Date("2025-06-02T00:00:00Z") },
        { assetIds: [battery], instructionIds: [ukpnExport], partyIds: [fsp, "not-a-uuid"] }, // the party insert fails last
        null,
      ),
    ).rejects.toThrow();
    await expect(
      repos.conflicts.record(
        { kind: "DOUBLE_REGISTRATION", overlapStart: new Date("2025-06-02T00:00:00Z"), overlapEnd: new Date("2025-06-01T00:00:00Z") },
        { assetIds: [battery], instructionIds: [], partyIds: [fsp] },
        null,
      ),
    ).rejects.toThrow(); // the CHECK constraint backs requireWindow
    expect(await counts()).toEqual(before);
  });

  describe("lists", () => {
    const asset = randomUUID();
    const ids: Record<string, string> = {};
    let filtered: ReturnType<typeof createRulesSubgraph>;
    beforeAll(async () => {
      // A subgraph whose reference checker knows one more asset, so these conflicts are its alone.
      const owned = { owner: { id: fsp } };
      filtered = createRulesSubgraph({
        db: handle.db,
        references: staticReferences({ Asset: { [asset]: owned, [battery]: owned } }),
        repos,
      });
      const record = async (name: string, kind: string, day: number) => {
        const result = await execute(filtered, RECORD, {
          input: { kind, assetIds: [asset], overlapStart: `2025-07-0${day}T10:00:00Z`, overlapEnd: `2025-07-0${day}T11:00:00Z` },
        });
        expect(result.errors).toBeUndefined();
        ids[name] = result.data!.recordConflict.conflict.id;
      };
      await record("first", "OVERLAPPING_COMMITMENT", 1);
      await record("second", "EXCEEDS_CAPABILITY", 2);
      await record("third", "OVERLAPPING_COMMITMENT", 3);
      await record("fourth", "CONNECTION_LIMIT", 4);
      expect((await moveConflict(ids.second!, "DISMISSED")).errors).toBeUndefined();
    });

    const list = async (args: string) => {
      const result = await execute(subgraph, `{ conflicts(${args}) { id } }`);
      expect(result.errors).toBeUndefined();
      return ((result.data?.conflicts ?? []) as { id: string }[]).map((c) => c.id);
    };

    it("filters by asset, status and kind, newest first, with paging", async () => {
      const newestFirst = [ids.fourth, ids.third, ids.second, ids.first];
      expect(await list(`assetId: "${asset}"`)).toEqual(newestFirst);
      expect(await list(`assetId: "${asset}", status: OPEN`)).toEqual([ids.fourth, ids.third, ids.first]);
      expect(await list(`assetId: "${asset}", status: DISMISSED`)).toEqual([ids.second]);
      expect(await list(`assetId: "${asset}", kind: OVERLAPPING_COMMITMENT`)).toEqual([ids.third, ids.first]);
      expect(await list(`assetId: "${asset}", first: 2`)).toEqual(newestFirst.slice(0, 2));
      expect(await list(`assetId: "${asset}", first: 2, offset: 2`)).toEqual(newestFirst.slice(2));
      expect(await list(`assetId: "${MISSING}"`)).toEqual([]);
      expect(await list(`assetId: "not-an-id"`)).toEqual([]);
      expect(await list(`kind: CONNECTION_LIMIT`)).toEqual([ids.fourth]);
      expect(await list("first: 500")).toEqual(expect.arrayContaining(newestFirst));
      expect(errorCodes(await execute(subgraph, `{ conflicts(first: 1000) { id } }`))).toEqual(["BAD_USER_INPUT"]);
    });

    it("lists an asset's conflicts through Asset.conflicts, optionally by status", async () => {
      const result = await execute(
        subgraph,
        `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Asset { id all: conflicts { id } open: conflicts(status: OPEN) { id kind } } } }`,
        {
          r: [
            { __typename: "Asset", id: asset },
            { __typename: "Asset", id: MISSING },
            { __typename: "Asset", id: "not-an-id" },
          ],
        },
      );
      expect(result.errors).toBeUndefined();
      expect(result.data?._entities).toEqual([
        {
          id: asset,
          all: [ids.fourth, ids.third, ids.second, ids.first].map((id) => ({ id })),
          open: [
            { id: ids.fourth, kind: "CONNECTION_LIMIT" },
            { id: ids.third, kind: "OVERLAPPING_COMMITMENT" },
            { id: ids.first, kind: "OVERLAPPING_COMMITMENT" },
          ],
        },
        { id: MISSING, all: [], open: [] },
        { id: "not-an-id", all: [], open: [] },
      ]);
    });
  });
});

describe("entities and batching", () => {
  const ENTITIES = (fragment: string) => `query ($r: [_Any!]!) { _entities(representations: $r) { ${fragment} } }`;

  it("answers 100 Asset representations (with duplicates) asking for conflicts with ONE repository call", async () => {
    const assets = [battery, heatPump, evFleet, ...Array.from({ length: 37 }, () => randomUUID())]; // 40 distinct
    const representations = Array.from({ length: 100 }, (_, i) => ({ __typename: "Asset", id: assets[i % assets.length]! }));
    const spy = vi.spyOn(repos.conflicts, "byAssetIds");
    try {
      const result = await execute(subgraph, ENTITIES(`... on Asset { id conflicts { id kind } open: conflicts(status: OPEN) { id } }`), {
        r: representations,
      });
      expect(result.errors).toBeUndefined();
      const entities = result.data?._entities as { id: string; conflicts: { id: string; kind: string }[] }[];
      expect(entities).toHaveLength(100);
      expect(entities.map((e) => e.id)).toEqual(representations.map((r) => r.id));
      expect(entities[0]!.conflicts.length).toBeGreaterThan(0); // the battery has conflicts
      expect(entities[0]!.conflicts).toContainEqual({ id: expect.any(String), kind: "OPPOSING_INSTRUCTIONS" });
      expect(entities[3]!.conflicts).toEqual([]);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.calls[0]?.[0]).toHaveLength(40);
    } finally {
      spy.mockRestore();
    }
  });

  it("resolves MarketRule references, collapsing duplicates into one batched read", async () => {
    const a = await createRule({ code: "REF-A", name: "Ref A" });
    const b = await createRule({ code: "REF-B", name: "Ref B" });
    const spy = vi.spyOn(repos.marketRules, "byIds");
    try {
      const representations = [a, b, a, a, b].map(({ id }) => ({ __typename: "MarketRule", id }));
      representations.push({ __typename: "MarketRule", id: MISSING }, { __typename: "MarketRule", id: "not-an-id" });
      const result = await execute(subgraph, ENTITIES("... on MarketRule { id code }"), { r: representations });
      expect(result.errors).toBeUndefined();
      expect(result.data?._entities).toEqual([
        { id: a.id, code: "REF-A" },
        { id: b.id, code: "REF-B" },
        { id: a.id, code: "REF-A" },
        { id: a.id, code: "REF-A" },
        { id: b.id, code: "REF-B" },
        null,
        null,
      ]);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.calls[0]?.[0]).toHaveLength(4);
    } finally {
      spy.mockRestore();
    }
  });

  it("resolves Conflict references and their rules, each in one batched read", async () => {
    const rule = await createRule({ code: "REF-CONFLICT-RULE", name: "Rule of the conflicts", kind: "TIMING" });
    const a = await recordConflict(opposing(rule.id));
    const b = await recordConflict({ ...opposing(rule.id), kind: "EXCEEDS_CAPABILITY" });
    const conflictSpy = vi.spyOn(repos.conflicts, "byIds");
    const ruleSpy = vi.spyOn(repos.marketRules, "byIds");
    try {
      const representations = [a, b, b, a, b].map(({ id }) => ({ __typename: "Conflict", id }));
      representations.push({ __typename: "Conflict", id: MISSING });
      const result = await execute(subgraph, ENTITIES("... on Conflict { id kind rule { code } assetIds }"), { r: representations });
      expect(result.errors).toBeUndefined();
      const one = (c: ConflictResult, kind: string) => ({ id: c.id, kind, rule: { code: "REF-CONFLICT-RULE" }, assetIds: [battery] });
      expect(result.data?._entities).toEqual([
        one(a, "OPPOSING_INSTRUCTIONS"),
        one(b, "EXCEEDS_CAPABILITY"),
        one(b, "EXCEEDS_CAPABILITY"),
        one(a, "OPPOSING_INSTRUCTIONS"),
        one(b, "EXCEEDS_CAPABILITY"),
        null,
      ]);
      expect(conflictSpy).toHaveBeenCalledTimes(1);
      expect(conflictSpy.mock.calls[0]?.[0]).toHaveLength(3);
      expect(ruleSpy).toHaveBeenCalledTimes(1);
      expect(ruleSpy.mock.calls[0]?.[0]).toEqual([rule.id]);
    } finally {
      conflictSpy.mockRestore();
      ruleSpy.mockRestore();
    }
  });

  it("answers Product.rules for many products with one read, and lists' rule hops with one read", async () => {
    const productSpy = vi.spyOn(repos.marketRules, "byProductIds");
    try {
      const representations = [ukpnProduct, nesoProduct, ukpnProduct, MISSING].map((id) => ({ __typename: "Product", id }));
      const result = await execute(subgraph, ENTITIES("... on Product { id rules { code product { id } } }"), { r: representations });
      expect(result.errors).toBeUndefined();
      const entities = result.data?._entities as { id: string; rules: { code: string; product: { id: string } }[] }[];
      expect(entities.map((e) => e.id)).toEqual([ukpnProduct, nesoProduct, ukpnProduct, MISSING]);
      expect(entities[0]!.rules).toContainEqual({ code: "UKPN-NO-OVERLAP", product: { id: ukpnProduct } });
      expect(entities[1]!.rules.map((r) => r.code)).toEqual(["LIST-A", "LIST-B", "LIST-C", "LIST-D"]);
      expect(entities[3]!.rules).toEqual([]);
      expect(productSpy).toHaveBeenCalledTimes(1);
      expect(productSpy.mock.calls[0]?.[0]).toHaveLength(3);
    } finally {
      productSpy.mockRestore();
    }

    const ruleSpy = vi.spyOn(repos.marketRules, "byIds");
    try {
      const result = await execute(subgraph, `{ conflicts(first: 500) { id rule { code } } }`);
      expect(result.errors).toBeUndefined();
      expect((result.data?.conflicts as unknown[] | undefined)?.length).toBeGreaterThan(5);
      expect(ruleSpy).toHaveBeenCalledTimes(1);
    } finally {
      ruleSpy.mockRestore();
    }
  });
});
