// What a dispatch instruction's row must pass beyond its product (issue 10 item 2, D.3): the unit it names is the hub's
// asset (by externalId, one batched lookup per chunk), that asset lies in the issuing SO's service area (ONE call to
// the products subgraph per file and SO, memoised on the run's context), and the market rules allow it (evaluated
// once per distinct (SO, product, unit) group, never per row, all groups of a chunk in ONE call to the rules subgraph:
// BLOCK refuses the group's rows naming the rule).

import { evaluateMany } from "@sfe/kit";
import { type RuleCheckRequest, type RuleWarning, dispatchFacts, newSubjectId, ruleViolation, warningsOf } from "../../rule-checks.js";
import { covers, fetchServiceAreas, type ServiceArea } from "../positions/service-area.js";
import type { IngestContext } from "./entities.js";
import type { IngestRowError } from "./tables.js";

export interface DispatchCandidate {
  row: number;
  unitReference: string;
  productId: string;
  /** The SO issuing it (the product's owner). */
  issuerId: string;
  setPointMw: number;
  start: string;
}

export interface DispatchUnit {
  assetId: string;
  providerId: string;
}

/** A row the checks let through: its unit's asset (null: none the caller may see) and the rules' NOTIFY findings. */
export interface DispatchCheck {
  unit: DispatchUnit | null;
  warnings: RuleWarning[];
}

/** The areas asked so far in this run, by SO: a file asks the products subgraph once per SO, not per chunk. */
const areasOfRun = new WeakMap<IngestContext, Map<string, Promise<ServiceArea>>>();

async function areasFor(context: IngestContext, organisationIds: string[]): Promise<Map<string, ServiceArea>> {
  const memo = areasOfRun.get(context) ?? new Map<string, Promise<ServiceArea>>();
  areasOfRun.set(context, memo);
  const missing = organisationIds.filter((id) => !memo.has(id));
  if (missing.length > 0) {
    const asked = fetchServiceAreas(context.references, missing);
    for (const [i, id] of missing.entries())
      memo.set(
        id,
        asked.then((areas) => areas[i]!),
      );
  }
  return new Map(await Promise.all(organisationIds.map(async (id) => [id, await memo.get(id)!] as const)));
}

/**
 * Per candidate: the asset its unit reference names (null: the hub holds none the caller may see; the instruction
 * keeps the reference alone, as before), or why the row is refused.
 */
export async function checkDispatches(
  context: IngestContext,
  candidates: readonly DispatchCandidate[],
): Promise<(DispatchCheck | { error: IngestRowError })[]> {
  const { references } = context;
  const units = [...new Set(candidates.map((c) => c.unitReference))];
  const found =
    units.length === 0
      ? []
      : await references.lookup<{ owner?: { id: string } | null; location?: { gspGroup?: string | null } | null }>(
          "Asset",
          units,
          "owner { id } location { gspGroup }",
          "externalId",
        );
  const assetOf = new Map(
    units.map((u, i) => {
      const f = found[i];
      return [u, f?.owner?.id ? { assetId: f.id, providerId: f.owner.id, gspGroup: f.location?.gspGroup ?? null } : null] as const;
    }),
  );
  const located = candidates.filter((c) => assetOf.get(c.unitReference));
  // In-process tests' static references reach no other subgraph: no service areas to ask (as rule-checks' evaluate).
  const areas = located.length > 0 && references.call ? await areasFor(context, [...new Set(located.map((c) => c.issuerId))]) : null;

  const outside = (c: DispatchCandidate) => {
    const asset = assetOf.get(c.unitReference);
    const area = areas?.get(c.issuerId);
    return asset && area && !covers(area, asset.gspGroup) ? asset : null;
  };
  // The rules, once per (SO, product, unit), on the group's largest set point (the most any of its rows instructs).
  const groups = new Map<string, DispatchCandidate[]>();
  for (const c of candidates) {
    if (outside(c)) continue;
    const key = `${c.issuerId}|${c.productId}|${c.unitReference}`;
    const list = groups.get(key);
    if (list) list.push(c);
    else groups.set(key, [c]);
  }
  const blocked = new Map<string, string>();
  const ruleOf = new Map<string, string>();
  const warned = new Map<string, RuleWarning[]>();
  // The product's facts once per product (a product lookup), not per group.
  const productFacts = new Map<string, Promise<Record<string, unknown>>>();
  const factsOf = (productId: string, setPointMw: number) => {
    const base = productFacts.get(productId) ?? dispatchFacts(references, { productId, setPointMw: 0 });
    productFacts.set(productId, base);
    return base.then((facts) => ({ ...facts, instructedMw: setPointMw }));
  };
  const keys = [...groups.keys()];
  const requests: RuleCheckRequest[] = await Promise.all(
    [...groups.values()].map(async (list) => {
      const first = list[0]!;
      const asset = assetOf.get(first.unitReference) ?? null;
      return {
        subjectKind: "DISPATCH_INSTRUCTION",
        subject: { type: "DispatchInstruction", id: newSubjectId() },
        facts: await factsOf(first.productId, Math.max(...list.map((c) => c.setPointMw))),
        productIds: [first.productId],
        partyIds: [asset?.providerId, first.issuerId],
        at: new Date(list.map((c) => c.start).sort()[0]!),
      };
    }),
  );
  const results = await evaluateMany(references, requests);
  for (const [i, result] of results.entries()) {
    if (result.decision !== "BLOCK") {
      warned.set(keys[i]!, warningsOf(result));
      continue;
    }
    const violation = ruleViolation("DISPATCH_INSTRUCTION", requests[i]!.subject, result);
    blocked.set(keys[i]!, violation.message);
    ruleOf.set(keys[i]!, String(violation.extensions.rule ?? ""));
  }

  return candidates.map((c) => {
    const far = outside(c);
    if (far) {
      const where = far.gspGroup ? `GSP group ${far.gspGroup}` : "an unknown GSP group";
      return {
        error: {
          row: c.row,
          field: "unitReference",
          code: "BAD_USER_INPUT",
          reason: "OUTSIDE_SERVICE_AREA",
          message: `Unit ${c.unitReference} (asset ${far.assetId}, ${where}) lies outside the service area of system operator ${c.issuerId}`,
        },
      };
    }
    const key = `${c.issuerId}|${c.productId}|${c.unitReference}`;
    const message = blocked.get(key);
    if (message) {
      return { error: { row: c.row, field: "rule", code: "RULE_VIOLATION", reason: ruleOf.get(key) || "RULE_VIOLATION", message } };
    }
    const asset = assetOf.get(c.unitReference);
    return { unit: asset ? { assetId: asset.assetId, providerId: asset.providerId } : null, warnings: warned.get(key) ?? [] };
  });
}
