// The market rules on bid, award and availability-declaration ingest (issue 11 item 2), as dispatch-checks.ts does
// for dispatch: a chunk's facts are gathered in batched lookups (the products' codes once, the units' capacities once
// per entity type, the bids' qualifications in ONE products call), then the rules engine is asked about every
// distinct subject of the chunk (rows with the same facts are one group) in one call (kit evaluateMany), never per
// row. BLOCK refuses the group's rows with RULE_VIOLATION naming every failed rule and its values; NOTIFY lets them
// through with the warnings, which the engine puts in the report and in the batch's notification. Fail closed: no route to the rules (or products) subgraph, or
// an answer that is not one, is UPSTREAM_UNAVAILABLE and the file is not ingested.
import { SfeError, evaluateMany, knownFacts as known } from "@sfe/kit";
import {
  QUALIFICATION_CHECK_PATH,
  type RuleWarning,
  type SubjectKind,
  type Target,
  newSubjectId,
  ruleViolation,
  warningsOf,
} from "../../rule-checks.js";
import type { IngestContext, Resolved } from "./entities.js";
import type { IngestRowError } from "./tables.js";

export interface RuleCandidate {
  kind: Exclude<SubjectKind, "DISPATCH_INSTRUCTION">;
  /** The bid's, award's or declaration's unit or asset. */
  target: Target;
  productId: string;
  /** The FSP and the SO it concerns: they read the evaluation and are told of its warnings. */
  partyIds: (string | null)[];
  /** When it applies (delivery start): the rules in force then, and a bid's qualification then. */
  at: string;
  /** Its own facts (capacityMw, direction, prices, awardedMw, declaredMw); the product's and unit's are added here. */
  facts: Record<string, unknown>;
  /** The unit's capacities when the spec's own lookup fetched them already: not asked for again. */
  unit?: Unit | null;
}

type Unit = { importCapacityKw?: number | null; exportCapacityKw?: number | null; energyCapacityKwh?: number | null };

/** The products subgraph's qualification check takes at most this many checks a call. */
const QUALIFICATION_CHECKS_PER_CALL = 1_000;

const SUBJECT_TYPE: Record<RuleCandidate["kind"], string> = {
  BID: "Bid",
  AWARD: "Award",
  AVAILABILITY_DECLARATION: "AvailabilityDeclaration",
};

const kwToMw = (kw: unknown) => (typeof kw === "number" && Number.isFinite(kw) ? kw / 1000 : null);
const unavailable = (what: string, status: number) =>
  new SfeError("UPSTREAM_UNAVAILABLE", `The products subgraph could not check the ${what} (HTTP ${status})`, { subgraph: "products" });

/** Each candidate's facts as its mutation would send them (rule-checks.ts bidFacts, awardFacts, declarationFacts). */
async function factsOf(context: IngestContext, candidates: readonly RuleCandidate[]): Promise<Record<string, unknown>[]> {
  const { references } = context;
  const productIds = [...new Set(candidates.map((c) => c.productId))];
  const byType = (typename: "Asset" | "MarketUnit") => [
    ...new Set(candidates.filter((c) => c.target.typename === typename && c.unit === undefined).map((c) => c.target.id)),
  ];
  const bids = candidates.filter((c) => c.kind === "BID");
  const checks = [...new Map(bids.map((c) => [`${c.target.id}|${c.productId}|${c.at}`, c])).values()];
  const [products, assets, units, qualifications] = await Promise.all([
    references.lookup<{ code?: string }>("Product", productIds, "code"),
    byType("Asset").length ? references.lookup<Unit>("Asset", byType("Asset"), "importCapacityKw exportCapacityKw energyCapacityKwh") : [],
    byType("MarketUnit").length
      ? references.lookup<Unit>("MarketUnit", byType("MarketUnit"), "importCapacityKw exportCapacityKw energyCapacityKwh")
      : [],
    (async () => {
      if (checks.length === 0) return new Map<string, { qualified?: boolean; counterpartyQualified?: boolean }>();
      const call = references.call;
      if (!call) throw unavailable("qualifications", 0);
      type Answer = { results?: { qualified?: boolean; counterpartyQualified?: boolean }[] };
      // The route takes up to 1,000 checks a call: a 5,000-row chunk is five calls, not 5,000.
      const slices = Array.from({ length: Math.ceil(checks.length / QUALIFICATION_CHECKS_PER_CALL) }, (_, k) =>
        checks.slice(k * QUALIFICATION_CHECKS_PER_CALL, (k + 1) * QUALIFICATION_CHECKS_PER_CALL),
      );
      const answers = await Promise.all(
        slices.map(async (slice) => {
          const { status, body } = await call<Answer>("products", QUALIFICATION_CHECK_PATH, {
            checks: slice.map((c) => ({ subjectId: c.target.id, productId: c.productId, at: c.at })),
          });
          if (status !== 200 || body?.results?.length !== slice.length) throw unavailable("qualifications", status);
          return body.results;
        }),
      );
      const results = answers.flat();
      return new Map(checks.map((c, i) => [`${c.target.id}|${c.productId}|${c.at}`, results[i]!]));
    })(),
  ]);
  const codeOf = new Map(productIds.map((id, i) => [id, products[i]?.code ?? null]));
  const unitOf = new Map<string, Unit | null>([
    ...byType("Asset").map((id, i) => [`Asset:${id}`, assets[i] ?? null] as const),
    ...byType("MarketUnit").map((id, i) => [`MarketUnit:${id}`, units[i] ?? null] as const),
  ]);
  return candidates.map((c) => {
    const unit = c.unit !== undefined ? c.unit : (unitOf.get(`${c.target.typename}:${c.target.id}`) ?? null);
    const [importMw, exportMw] = [kwToMw(unit?.importCapacityKw), kwToMw(unit?.exportCapacityKw)];
    const code = codeOf.get(c.productId);
    const qualification = c.kind === "BID" ? qualifications.get(`${c.target.id}|${c.productId}|${c.at}`) : undefined;
    return known({
      productCodes: code ? [code] : null,
      unitCapacityMw: importMw === null && exportMw === null ? null : Math.max(importMw ?? 0, exportMw ?? 0),
      ...(c.kind === "BID" && { energyMwh: kwToMw(unit?.energyCapacityKwh) }),
      ...c.facts,
      ...(qualification && {
        qualified: qualification.qualified === true,
        counterpartyQualified: qualification.counterpartyQualified === true,
      }),
    });
  });
}

/**
 * The rules over a chunk's resolved rows: `candidates[i]` is row i's subject (null: the row is refused already, or
 * has none). A BLOCKed row becomes its RULE_VIOLATION; a NOTIFY one keeps its values and gains the warnings.
 */
export async function withRules(
  context: IngestContext,
  resolved: readonly Resolved[],
  candidates: readonly (RuleCandidate | null)[],
): Promise<Resolved[]> {
  const asked = candidates.flatMap((c, i) => (c ? [{ c, i }] : []));
  if (asked.length === 0) return [...resolved];
  const facts = await factsOf(
    context,
    asked.map((a) => a.c),
  );
  const groups = new Map<string, { candidate: RuleCandidate; facts: Record<string, unknown>; rows: number[] }>();
  asked.forEach(({ c, i }, k) => {
    const key = JSON.stringify([c.kind, c.target, c.productId, c.at, [...new Set(c.partyIds)].sort(), facts[k]]);
    const group = groups.get(key) ?? { candidate: c, facts: facts[k]!, rows: [] };
    group.rows.push(i);
    groups.set(key, group);
  });
  const outcome = new Map<number, { error: IngestRowError } | { warnings: RuleWarning[] }>();
  const list = [...groups.values()];
  const requests = list.map(({ candidate: c, facts: f }) => ({
    subjectKind: c.kind,
    subject: { type: SUBJECT_TYPE[c.kind], id: newSubjectId() },
    facts: f,
    productIds: [c.productId],
    partyIds: c.partyIds,
    at: new Date(c.at),
  }));
  const results = await evaluateMany(context.references, requests);
  for (const [g, { candidate: c, rows }] of list.entries()) {
    const result = results[g]!;
    if (result.decision === "BLOCK") {
      const violation = ruleViolation(c.kind, requests[g]!.subject, result);
      const rules = violation.extensions.rules as { code: string; values: Record<string, unknown> }[];
      const values = rules.map((r) => `${r.code} ${JSON.stringify(r.values)}`).join("; ");
      for (const i of rows) {
        outcome.set(i, {
          error: {
            row: resolved[i]!.row,
            field: "rule",
            code: "RULE_VIOLATION",
            reason: rules.map((r) => r.code).join(",") || "RULE_VIOLATION",
            message: `${violation.message} (values compared: ${values})`,
          },
        });
      }
    } else {
      const warnings = warningsOf(result);
      for (const i of rows) outcome.set(i, { warnings });
    }
  }
  return resolved.map((r, i) => {
    const o = outcome.get(i);
    if (!o || "error" in r) return r;
    if ("error" in o) return { row: r.row, error: o.error };
    return o.warnings.length ? { ...r, warnings: o.warnings, notify: candidates[i]!.partyIds } : r;
  });
}
