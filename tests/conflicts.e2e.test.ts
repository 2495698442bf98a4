/**
 * Conflicts found, not recorded by hand (issue 11 item 4), through the gateway over real HTTP, on the §7.7 worked
 * example: Louis's battery LOUIS-SPG-01 in UKPN's Hendon Way; UKPN instructs +1.5 MW export 17:00–19:00 (under its
 * Hendon Way award), NESO −1.0 MW 17:30–17:45. detectConflicts finds one OPPOSING_INSTRUCTIONS conflict, overlap
 * 17:30–17:45, 1 MW, DSO primacy (R-PRI-1), UKPN's instruction winning; running it again adds nothing; only its parties
 * see it; commitments are read from transactions with one call per page. Then the real UKPN dispatches, ingested
 * through POST /ingest/dispatch-instructions, swept quarter by quarter: what the detector records agrees with a count
 * written here independently over the same file (same unit, overlapping windows, different products).
 */
import { readFileSync } from "node:fs";
import { penalties, performanceAssessments } from "@sfe/transactions/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, type Credential, gql, gqlOk, mpan, startTestStack } from "./helpers.js";

let stack: Awaited<ReturnType<typeof startTestStack>>;
let louis: Awaited<ReturnType<typeof stack.signUp>>;
let rival: Awaited<ReturnType<typeof stack.signUp>>;
const so = {} as Record<"ukpn" | "neso" | "nged", { id: string; as: Credential }>;
const ids = { battery: "", saou: "", nqr: "", ukpnDispatch: "", nesoDispatch: "", conflict: "" };
const DAY = { from: "2030-06-21T00:00:00Z", to: "2030-06-22T00:00:00Z" };

async function systemOperator(email: string, name: string, areas: string[]) {
  const account = await stack.signUpVerifiedSo(email, name, areas);
  return { id: account.organisationId, as: account.verified };
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

const AWARD = `mutation ($i: RecordAwardInput!) { recordAward(input: $i) { award { id } } }`;
const DISPATCH = `mutation ($i: IssueDispatchInstructionInput!) { issueDispatchInstruction(input: $i) { dispatchInstruction { id } } }`;
const DETECT = `mutation ($from: DateTime!, $to: DateTime!) { detectConflicts(from: $from, to: $to) { examined found recorded {
  id kind status detectedBy overlapStart overlapEnd overlapMw ruleCode parties { id } instructions { id }
  items { kind id soOrganisationId direction mw start end } primacy { type winningItemId ruleId } } } }`;

beforeAll(async () => {
  stack = await startTestStack();
  so.ukpn = await systemOperator("ed@ukpn-conflicts.test", "UK Power Networks", ["_C"]);
  so.neso = await systemOperator("ed@neso-conflicts.test", "NESO", ["*"]);
  so.nged = await systemOperator("ed@nged-conflicts.test", "National Grid Electricity Distribution", ["_B"]);
  const cmz = (
    await gqlOk(
      stack.url,
      `mutation ($o: ID!) { createConstraintManagedZone(input: { operatorId: $o, code: "UKPN_HENDON_WAY", name: "Hendon Way",
        licenceArea: "London", gspGroups: ["_C"] }) { constraintManagedZone { id } } }`,
      { o: so.ukpn.id },
      stack.admin,
    )
  ).createConstraintManagedZone.constraintManagedZone.id as string;
  ids.saou = await product(so.ukpn.id, "SAOU", ["UKPN_HENDON_WAY"]);
  ids.nqr = await product(so.neso.id, "NQR", ["GB"]);
  louis = await stack.signUp("louis@conflicts-flex.test", "FSP", "Conflicts Flex Ltd");
  rival = await stack.signUp("rival@conflicts-other.test", "FSP", "Conflicts Other Ltd");
  ids.battery = (
    await gqlOk(
      stack.url,
      `mutation ($o: ID!, $m: String!) { registerAsset(input: { ownerId: $o, name: "LOUIS-SPG-01", categoryCode: "BESS",
        importCapacityKw: 2000, exportCapacityKw: 2000, energyCapacityKwh: 4000, meterPointId: $m }) { asset { id } } }`,
      { o: louis.organisationId, m: mpan(12, 8101) },
      louis.as,
    )
  ).registerAsset.asset.id;
  const window = { start: "2030-06-21T17:00:00Z", end: "2030-06-21T19:00:00Z" };
  const ukpnAward = (
    await gqlOk(
      stack.url,
      AWARD,
      { i: { assetId: ids.battery, productId: ids.saou, cmzId: cmz, awardedMw: 1.5, availabilityPriceGbpPerMwH: "12.50", ...window } },
      so.ukpn.as,
    )
  ).recordAward.award.id;
  const dispatch = async (i: Record<string, unknown>, as: Credential) =>
    (await gqlOk(stack.url, DISPATCH, { i: { assetId: ids.battery, ...i } }, as)).issueDispatchInstruction.dispatchInstruction.id as string;
  ids.ukpnDispatch = await dispatch(
    { productId: ids.saou, awardId: ukpnAward, issuedById: so.ukpn.id, direction: "GENERATION_TURN_UP", setPointMw: 1.5, ...window },
    so.ukpn.as,
  );
  ids.nesoDispatch = await dispatch(
    {
      productId: ids.nqr,
      issuedById: so.neso.id,
      direction: "DEMAND_TURN_UP",
      setPointMw: 1,
      start: "2030-06-21T17:30:00Z",
      end: "2030-06-21T17:45:00Z",
    },
    so.neso.as,
  );
}, 180_000);
afterAll(() => stack?.stop());

const CONFLICT_FIELDS = `id kind status detectedBy overlapStart overlapEnd overlapMw ruleCode parties { id } instructions { id inConflict }
  items { kind id soOrganisationId direction mw start end } primacy { type winningItemId ruleId }`;

/** Polls (the relay and the detector run on their own) until `check` answers something; fails after `seconds`. */
async function eventually<T>(check: () => Promise<T | null | undefined>, seconds = 30): Promise<T> {
  for (let i = 0; i < seconds * 10; i++) {
    const value = await check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not within ${seconds} s`);
}

describe("reactive detection: NESO's instruction written is enough (§7.7 worked example)", () => {
  it("records the opposing instructions on its own: overlap 17:30–17:45, 1 MW, DSO primacy, UKPN's instruction wins; NOTIFIED", async () => {
    const conflict = await eventually(async () => {
      const [found] = (await gqlOk(stack.url, `query { conflicts(status: NOTIFIED) { ${CONFLICT_FIELDS} } }`, {}, stack.admin)).conflicts;
      return found;
    });
    ids.conflict = conflict.id;
    expect(conflict).toMatchObject({
      kind: "OPPOSING_INSTRUCTIONS",
      status: "NOTIFIED",
      detectedBy: "REACTIVE",
      overlapStart: "2030-06-21T17:30:00.000Z",
      overlapEnd: "2030-06-21T17:45:00.000Z",
      overlapMw: 1,
      ruleCode: null,
      primacy: { type: "DSO", winningItemId: ids.ukpnDispatch, ruleId: "R-PRI-1" },
    });
    expect(conflict.parties.map((p: { id: string }) => p.id).sort()).toEqual([so.ukpn.id, so.neso.id, louis.organisationId].sort());
    expect(conflict.instructions.map((i: { id: string }) => i.id).sort()).toEqual([ids.ukpnDispatch, ids.nesoDispatch].sort());
    expect(
      conflict.items
        .map((i: { id: string; soOrganisationId: string; direction: string; mw: number }) => [i.soOrganisationId, i.direction, i.mw])
        .sort(),
    ).toEqual(
      [
        [so.ukpn.id, "GENERATION_TURN_UP", 1.5],
        [so.neso.id, "DEMAND_TURN_UP", 1],
      ].sort(),
    );
    // The losing instruction (NESO's) is flagged in conflict; the winner's is not.
    const flags = Object.fromEntries(conflict.instructions.map((i: { id: string; inConflict: boolean }) => [i.id, i.inConflict]));
    expect(flags).toEqual({ [ids.ukpnDispatch]: false, [ids.nesoDispatch]: true });
  });

  it("tells every party once (both SOs, the FSP): a CONFLICT_DETECTED notification with the overlap window and MW; nobody else", async () => {
    const inbox = `query { notifications(type: "CONFLICT_DETECTED") { type subject { id } payload } }`;
    for (const as of [louis.as, so.ukpn.as, so.neso.as]) {
      const { notifications } = await gqlOk(stack.url, inbox, {}, as);
      expect(notifications).toHaveLength(1);
      expect(notifications[0]).toMatchObject({
        subject: { id: ids.conflict },
        payload: {
          overlapStart: "2030-06-21T17:30:00.000Z",
          overlapEnd: "2030-06-21T17:45:00.000Z",
          overlapMw: 1,
          kind: "OPPOSING_INSTRUCTIONS",
        },
      });
    }
    for (const as of [rival.as, so.nged.as]) expect((await gqlOk(stack.url, inbox, {}, as)).notifications).toEqual([]);
  });
});

describe("detectConflicts through the gateway (§7.7 worked example)", () => {
  it("finds the same conflict again and records nothing new; one commitments call", async () => {
    const transactions = stack.subgraphs.get("transactions")!;
    const before = transactions.routeRequestCount("/internal/commitments");
    const { detectConflicts } = await gqlOk(stack.url, DETECT, DAY, stack.admin);
    expect(transactions.routeRequestCount("/internal/commitments") - before).toBe(1);
    expect(detectConflicts).toMatchObject({ examined: 3, found: 1, recorded: [] }); // the award, both instructions
  });

  it("records nothing the second time, whoever runs it; an SO of elsewhere finds none of its own", async () => {
    const again = (await gqlOk(stack.url, DETECT, DAY, stack.admin)).detectConflicts;
    expect([again.found, again.recorded]).toEqual([1, []]);
    const ukpn = (await gqlOk(stack.url, DETECT, DAY, so.ukpn.as)).detectConflicts;
    expect([ukpn.found, ukpn.recorded]).toEqual([1, []]);
    const nged = (await gqlOk(stack.url, DETECT, DAY, so.nged.as)).detectConflicts;
    expect([nged.found, nged.recorded]).toEqual([0, []]);
    const all = await gqlOk(stack.url, `query { conflicts { id } }`, {}, stack.admin);
    expect(all.conflicts).toEqual([{ id: ids.conflict }]);
  });

  it("R-SET-4 set-up: each instruction's FINAL assessment carries a £50 non-delivery penalty; both SOs set terms", async () => {
    // Assessed and penalised as verification would (rows of the transactions subgraph, written as its repository does).
    for (const [instruction, productId, buyerId] of [
      [ids.ukpnDispatch, ids.saou, so.ukpn.id],
      [ids.nesoDispatch, ids.nqr, so.neso.id],
    ] as const) {
      const [assessment] = await stack.database.db
        .insert(performanceAssessments)
        .values({
          dispatchInstructionId: instruction,
          assetId: ids.battery,
          productId,
          providerId: louis.organisationId,
          buyerId,
          direction: instruction === ids.ukpnDispatch ? "GENERATION_TURN_UP" : "DEMAND_TURN_UP",
          start: new Date(instruction === ids.ukpnDispatch ? "2030-06-21T17:00:00Z" : "2030-06-21T17:30:00Z"),
          end: new Date(instruction === ids.ukpnDispatch ? "2030-06-21T19:00:00Z" : "2030-06-21T17:45:00Z"),
          baselineMethod: "ZERO",
          baselineWh: 0n,
          meteredWh: 0n,
          deliveredWh: 0n,
          instructedWh: 250_000n,
          creditedWh: 0n,
          deliveryRatio: "0.000000",
          status: "FINAL",
        })
        .returning();
      await stack.database.db
        .insert(penalties)
        .values({ assessmentId: assessment!.id, type: "NON_DELIVERY", amountPence: 5000n, basis: "Delivered 0% of the instruction" });
    }
    const TERMS = `mutation ($p: ID!) { setSettlementTerms(input: { productId: $p, utilisationScale: SLIDING, floorRatio: "0.5", fullRatio: "0.95",
      availabilityRule: PRO_RATA, vatRate: "0.2", invoiceDayOfMonth: 15, paymentDays: 30 }) { terms { vatRate } } }`;
    await gqlOk(stack.url, TERMS, { p: ids.saou }, so.ukpn.as);
    await gqlOk(stack.url, TERMS, { p: ids.nqr }, so.neso.as);
  });

  it("shows the conflict to its parties only: Louis, UKPN and NESO see it; NGED and the rival FSP see nothing", async () => {
    const list = `query { conflicts { id kind } }`;
    for (const as of [louis.as, so.ukpn.as, so.neso.as]) {
      expect((await gqlOk(stack.url, list, {}, as)).conflicts).toEqual([{ id: ids.conflict, kind: "OPPOSING_INSTRUCTIONS" }]);
    }
    for (const as of [rival.as, so.nged.as]) expect((await gqlOk(stack.url, list, {}, as)).conflicts).toEqual([]);
    const one = await gql(stack.url, `query ($id: ID!) { conflict(id: $id) { id } }`, { id: ids.conflict }, rival.as);
    expect(one.data?.conflict ?? null).toBeNull();
    // A non-party cannot move it on (NOT_FOUND, as for an unknown conflict); Louis acknowledges, NESO resolves.
    const move = `mutation ($i: UpdateConflictStatusInput!) { updateConflictStatus(input: $i) { conflict { status resolution } } }`;
    expect(codes(await gql(stack.url, move, { i: { id: ids.conflict, status: "DISMISSED" } }, so.nged.as))).toEqual(["NOT_FOUND"]);
    expect(
      (await gqlOk(stack.url, move, { i: { id: ids.conflict, status: "ACKNOWLEDGED" } }, louis.as)).updateConflictStatus.conflict.status,
    ).toBe("ACKNOWLEDGED");
    const resolved = await gqlOk(
      stack.url,
      move,
      { i: { id: ids.conflict, status: "RESOLVED", resolution: "DSO primacy (R-PRI-1)" } },
      so.neso.as,
    );
    expect(resolved.updateConflictStatus.conflict).toEqual({ status: "RESOLVED", resolution: "DSO primacy (R-PRI-1)" });
  });

  it("R-SET-4: once resolved, the losing side (NESO's instruction) is not penalised in its statement; the winner's penalty stands", async () => {
    const STATEMENT = `mutation ($i: GenerateSettlementStatementInput!) { generateSettlementStatement(input: $i) { statement {
      lines { type amountGbp assessmentId } } } }`;
    const penaltyLines = async (productId: string, as: Credential) =>
      (
        await gqlOk(stack.url, STATEMENT, { i: { productId, providerId: louis.organisationId, month: "2030-06" } }, as)
      ).generateSettlementStatement.statement.lines.filter((line: { type: string }) => line.type === "PENALTY");
    expect(await penaltyLines(ids.nqr, so.neso.as)).toEqual([]);
    const winner = await penaltyLines(ids.saou, so.ukpn.as);
    expect(winner.map((line: { amountGbp: string }) => line.amountGbp)).toEqual(["-50.00"]);
    // The waiver names the conflict record, on the losing penalty only.
    const waived = await stack.database.db
      .select({ by: penalties.waivedByConflictId, instruction: performanceAssessments.dispatchInstructionId })
      .from(penalties)
      .innerJoin(performanceAssessments, eq(performanceAssessments.id, penalties.assessmentId));
    expect(Object.fromEntries(waived.map((w) => [w.instruction, w.by]))).toEqual({
      [ids.nesoDispatch]: ids.conflict,
      [ids.ukpnDispatch]: null,
    });
  });

  it("refuses an FSP (FORBIDDEN), a window ending before it starts or over 93 days (BAD_USER_INPUT naming to)", async () => {
    expect(codes(await gql(stack.url, DETECT, DAY, louis.as))).toEqual(["FORBIDDEN"]);
    const backwards = await gql(stack.url, DETECT, { from: DAY.to, to: DAY.from }, stack.admin);
    expect([codes(backwards), backwards.errors?.[0]?.extensions?.field]).toEqual([["BAD_USER_INPUT"], "to"]);
    expect(codes(await gql(stack.url, DETECT, { from: DAY.from, to: "2030-10-01T00:00:00Z" }, stack.admin))).toEqual(["BAD_USER_INPUT"]);
  });

  it("keeps POST /internal/commitments, /internal/dispatch-conflicts and /internal/conflict-waivers to the hub's own subgraphs", async () => {
    for (const path of ["internal/commitments", "internal/dispatch-conflicts", "internal/conflict-waivers"]) {
      const route = await fetch(stack.subgraphs.get("transactions")!.url.replace(/graphql$/, path), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ...DAY, instructionIds: [ids.ukpnDispatch], inConflict: false }),
      });
      expect([path, route.status]).toEqual([path, 401]);
    }
    const flags = await gqlOk(
      stack.url,
      `query ($id: ID!) { dispatchInstruction(id: $id) { inConflict } }`,
      { id: ids.nesoDispatch },
      so.neso.as,
    );
    expect(flags.dispatchInstruction.inConflict).toBe(true); // unchanged by the refused call
  });
});

const UKPN_FILE = new URL("../stack/data/ukpn-flexibility-dispatches-ev-dsr-subset-2024-05-to-2025-12.csv", import.meta.url);

/**
 * The independent count: the file read as plain text (it has no quoted fields), each (unit, product, start, end) once,
 * then every pair of rows of one unit whose windows overlap and whose products differ, by brute force.
 */
function independentCount(csv: string): { pairs: number; units: number } {
  const [header = "", ...lines] = csv
    .replace(/^\uFEFF/, "")
    .split(/\r?\n/)
    .filter((line) => line.trim() !== "");
  const column = Object.fromEntries(header.split(",").map((name, i) => [name.trim(), i]));
  const rows = new Map<string, { unit: string; product: string; start: number; end: number }>();
  for (const line of lines) {
    const cells = line.split(",");
    const [unit, product, start, end] = ["fu_id", "product", "start_time_utc", "end_time_utc"].map((name) => cells[column[name]!]!.trim());
    rows.set([unit, product, start, end].join("|"), { unit: unit!, product: product!, start: Date.parse(start!), end: Date.parse(end!) });
  }
  const all = [...rows.values()];
  let pairs = 0;
  const units = new Set<string>();
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const [a, b] = [all[i]!, all[j]!];
      if (a.unit === b.unit && a.product !== b.product && a.start < b.end && b.start < a.end) {
        pairs++;
        units.add(a.unit);
      }
    }
  }
  return { pairs, units: units.size };
}

describe("the detector over the real UKPN dispatches", () => {
  it("records as many conflicts as the independent count finds, on the same units; a second sweep adds none", async () => {
    const csv = readFileSync(UKPN_FILE, "utf8");
    const products = {
      SCHEDULED_AVAILABILITY: await product(so.ukpn.id, "UKPN_SA", ["_C"]),
      PEAK_REDUCTION: await product(so.ukpn.id, "UKPN_PR", ["_C"]),
      DAY_AHEAD: await product(so.ukpn.id, "UKPN_DA", ["_C"]),
      LONG_TERM_UTILISATION: await product(so.ukpn.id, "UKPN_LTU", ["_C"]),
    };
    const query = new URLSearchParams(Object.entries(products).map(([code, id]): [string, string] => [`product.${code}`, id]));
    const bearer = { authorization: `Bearer ${(so.ukpn.as as { token: string }).token}` };
    const ingested = await fetch(`${stack.url.replace(/graphql$/, "ingest/dispatch-instructions")}?${query}`, {
      method: "POST",
      headers: { "content-type": "text/csv", ...bearer },
      body: csv,
    });
    expect(ingested.status).toBe(200);
    expect(await ingested.json()).toMatchObject({ status: "COMPLETED", rejected: 0 });

    const sweep = async () => {
      const recorded: { kind: string; ruleCode: string | null; instructions: { unitReference: string }[] }[] = [];
      const SWEEP = `mutation ($from: DateTime!, $to: DateTime!) { detectConflicts(from: $from, to: $to) { recorded {
        kind ruleCode instructions { unitReference } } } }`;
      for (let quarter = Date.UTC(2024, 4, 1); quarter < Date.UTC(2026, 0, 1); quarter += 90 * 86_400_000) {
        const window = { from: new Date(quarter).toISOString(), to: new Date(quarter + 90 * 86_400_000).toISOString() };
        recorded.push(...(await gqlOk(stack.url, SWEEP, window, so.ukpn.as)).detectConflicts.recorded);
      }
      return recorded;
    };
    // Reactive: the batch's one event runs the detector over its unit references and span; nothing to run by hand.
    const expected = independentCount(csv);
    expect(expected.pairs).toBeGreaterThan(0);
    const LIST = `query { conflicts(kind: OVERLAPPING_COMMITMENT, first: 500) { kind ruleCode detectedBy status instructions { unitReference } } }`;
    const found: {
      kind: string;
      ruleCode: string | null;
      detectedBy: string;
      status: string;
      instructions: { unitReference: string }[];
    }[] = await eventually(async () => {
      const { conflicts } = await gqlOk(stack.url, LIST, {}, so.ukpn.as);
      // Recorded, then told: each is NOTIFIED once its parties' notifications are written.
      const told = conflicts.every((c: { status: string }) => c.status === "NOTIFIED");
      return conflicts.length >= expected.pairs && told ? conflicts : null;
    }, 240); // a loaded machine: the relay retries a batch the detector could not finish in time
    expect(found.length).toBe(expected.pairs);
    expect(new Set(found.map((c) => `${c.detectedBy} ${c.status}`))).toEqual(new Set(["REACTIVE NOTIFIED"]));
    expect(new Set(found.map((c) => c.kind))).toEqual(new Set(["OVERLAPPING_COMMITMENT"])); // one SO, one direction: R-STK-1
    expect(new Set(found.map((c) => c.ruleCode))).toEqual(new Set(["R-STK-1"]));
    expect(found.every((c) => c.instructions.length === 2 && c.instructions[0]!.unitReference === c.instructions[1]!.unitReference)).toBe(
      true,
    );
    expect(new Set(found.map((c) => c.instructions[0]!.unitReference)).size).toBe(expected.units);
    expect(await sweep()).toEqual([]);
  }, 400_000);
});
