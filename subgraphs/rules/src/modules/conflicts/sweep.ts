import {
  type DeliveredEvent,
  type EntityReferences,
  type Identity,
  parseConfig,
  runInRequestScope,
  SfeError,
  setScopeIdentity,
  z,
} from "@sfe/kit";
import type { ConflictRecord, ConflictRepository } from "../../repositories/conflicts.js";
import type { MarketRuleRepository } from "../../repositories/marketRules.js";
import {
  type Capability,
  type Commitment,
  type DetectedConflict,
  detectConflicts,
  type ExclusivityRule,
  type OperatorKind,
} from "./detector.js";

/** The transactions subgraph's gateway-only route the sweep reads commitments from (one call per page). */
export const COMMITMENTS_PATH = "/internal/commitments";
const PAGE = 5000;
/** A sweep reads at most this many pages (500 000 commitments); more is refused, never silently cut. */
const MAX_PAGES = 100;

export const conflictSweepShape = {
  /** Interval of the scheduled sweep in ms; 0 (the default, and in tests): no scheduled sweep. */
  CONFLICT_SWEEP_MS: z.coerce.number().int().min(0).max(86_400_000).default(0),
  /** How far back and ahead of now a scheduled sweep looks, in ms. */
  CONFLICT_SWEEP_LOOKBACK_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(31 * 86_400_000)
    .default(86_400_000),
  CONFLICT_SWEEP_HORIZON_MS: z.coerce
    .number()
    .int()
    .min(60_000)
    .max(31 * 86_400_000)
    .default(2 * 86_400_000),
};
export interface ConflictSweepSettings {
  intervalMs: number;
  lookbackMs: number;
  horizonMs: number;
}
export function conflictSweepSettings(env: Record<string, string | undefined>): ConflictSweepSettings {
  const config = parseConfig(conflictSweepShape, env);
  return {
    intervalMs: config.CONFLICT_SWEEP_MS,
    lookbackMs: config.CONFLICT_SWEEP_LOOKBACK_MS,
    horizonMs: config.CONFLICT_SWEEP_HORIZON_MS,
  };
}

export interface SweepResult {
  /** Commitments and instructions read. */
  examined: number;
  /** Conflicts the detector found in the window (kept for the caller). */
  found: number;
  /** Those recorded now (the others were recorded before). */
  recorded: ConflictRecord[];
}

export interface SweepDeps {
  references: EntityReferences;
  conflicts: ConflictRepository;
  /** The exclusivity clauses (market rules, data), read once per run; absent: no EXCLUSIVITY_BREACH is looked for. */
  marketRules?: Pick<MarketRuleRepository, "exclusivityInForce">;
  /** Tells every party (notifications module): one event per conflict, its id the conflict's (told once). */
  notify?: (events: DeliveredEvent[]) => Promise<unknown>;
}

/** Only these targets (the reactive trigger's): commitments of the assets, units or unit references named. */
export interface CommitmentFilter {
  assetIds?: readonly string[];
  marketUnitIds?: readonly string[];
  unitReferences?: readonly string[];
}

/** The transactions subgraph's gateway-only route that flags dispatch instructions in conflict. */
export const DISPATCH_CONFLICTS_PATH = "/internal/dispatch-conflicts";

interface CommitmentsPage {
  commitments?: Commitment[];
  next?: string | null;
}

/** Every commitment overlapping [from, to), page by page (one call per page, never one per asset). */
export async function fetchCommitments(
  references: EntityReferences,
  from: Date,
  to: Date,
  filter?: CommitmentFilter,
): Promise<Commitment[]> {
  if (!references.call) throw new Error("the conflict sweep needs references that can call the transactions subgraph");
  const all: Commitment[] = [];
  let after: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer: { status: number; body: CommitmentsPage | null } = await references.call<CommitmentsPage | null>(
      "transactions",
      COMMITMENTS_PATH,
      {
        from: from.toISOString(),
        to: to.toISOString(),
        limit: PAGE,
        ...(after ? { after } : {}),
        ...(filter
          ? { assetIds: filter.assetIds ?? [], marketUnitIds: filter.marketUnitIds ?? [], unitReferences: filter.unitReferences ?? [] }
          : {}),
      },
    );
    const { status, body } = answer;
    if (status !== 200 || !body || !Array.isArray(body.commitments)) {
      throw new SfeError("UPSTREAM_UNAVAILABLE", "The transactions subgraph could not answer commitments", { subgraph: "transactions" });
    }
    all.push(...body.commitments);
    after = body.next ?? null;
    if (!after) return all;
  }
  throw new SfeError("BAD_USER_INPUT", `More than ${MAX_PAGES * PAGE} commitments in the window: sweep a shorter one`, { field: "to" });
}

/**
 * Who the detector's lookups of assets and organisations run as: the hub itself (a hub administrator's reading, in a
 * request scope of its own), since capability and an SO's kind decide a conflict whoever triggered the run.
 */
const DETECTOR: Identity = {
  kind: "user",
  userId: null,
  organisationId: null,
  roles: ["ADMIN"],
  orgAdmin: false,
  scopes: ["*"],
  areas: [],
};
const asDetector = <T>(work: () => Promise<T>): Promise<T> =>
  runInRequestScope(async () => {
    setScopeIdentity(DETECTOR);
    return work();
  });

/** Export and import capability of the assets (kW in the assets subgraph), one batched lookup; unknown ones left out. */
async function capabilities(references: EntityReferences, commitments: readonly Commitment[]): Promise<Map<string, Capability>> {
  const ids = [...new Set(commitments.flatMap((c) => (c.assetId ? [c.assetId] : [])))];
  const map = new Map<string, Capability>();
  if (ids.length === 0) return map;
  const assets = await references.lookup<{ importCapacityKw?: number | null; exportCapacityKw?: number | null }>(
    "Asset",
    ids,
    "importCapacityKw exportCapacityKw",
  );
  for (const asset of assets) {
    if (asset && typeof asset.exportCapacityKw === "number" && typeof asset.importCapacityKw === "number") {
      map.set(asset.id, { exportMw: asset.exportCapacityKw / 1000, importMw: asset.importCapacityKw / 1000 });
    }
  }
  return map;
}

/** NESO is the national SO (areas ["*"]); an SO with GSP groups is a DSO. One batched lookup. */
async function operatorKinds(references: EntityReferences, commitments: readonly Commitment[]): Promise<Map<string, OperatorKind>> {
  const ids = [...new Set(commitments.map((c) => c.soOrgId))];
  const map = new Map<string, OperatorKind>();
  if (ids.length === 0) return map;
  const organisations = await references.lookup<{ areas?: string[] | null }>("Organisation", ids, "areas");
  for (const org of organisations) {
    if (!org || !Array.isArray(org.areas) || org.areas.length === 0) continue;
    map.set(org.id, org.areas.includes("*") ? "NESO" : "DSO");
  }
  return map;
}

/** The clauses in force over the commitments' span: one read per run, whatever the number of commitments. */
async function exclusivity(deps: SweepDeps, commitments: readonly Commitment[]): Promise<ExclusivityRule[]> {
  if (!deps.marketRules || commitments.length === 0) return [];
  let [from, to] = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (const c of commitments) {
    from = Math.min(from, Date.parse(c.start));
    to = Math.max(to, Date.parse(c.end));
  }
  if (!(to > from)) return [];
  return deps.marketRules.exclusivityInForce(new Date(from), new Date(to));
}

const describe = (c: DetectedConflict) => {
  const primacy = `${c.primacy.type === "NONE" ? "no primacy" : `${c.primacy.type} primacy`} (${c.primacy.ruleId}), winning ${c.primacy.winningItemId}`;
  return `${c.rule ? `${c.rule}: ` : ""}${c.items.length} items, ${c.overlap.mw} MW ${c.overlap.start}–${c.overlap.end}; ${primacy}`;
};

/**
 * Runs the detector over [from, to) (of `filter`'s targets only, when given): reads the commitments (one call per
 * page), the assets' capability and the SOs' kinds (one lookup each), keeps the conflicts `keep` accepts, records
 * those not yet recorded (one transaction), flags their losing dispatch instructions `inConflict`, tells every party
 * (a CONFLICT_DETECTED notification per party organisation, with the overlap window and MW) and marks them NOTIFIED.
 * A conflict found OPEN (recorded, its parties not yet told: a run that broke off) is told now. Running it twice
 * records nothing the second time.
 */
export async function sweepConflicts(
  deps: SweepDeps,
  window: { from: Date; to: Date },
  options: {
    detectedBy: "PROACTIVE" | "REACTIVE";
    actor: Identity | null;
    keep?: (conflict: DetectedConflict) => boolean;
    filter?: CommitmentFilter;
  },
): Promise<SweepResult> {
  const commitments = await fetchCommitments(deps.references, window.from, window.to, options.filter);
  return recordFound(deps, commitments, options);
}

/** The detector over `commitments`, then record, flag, notify (as sweepConflicts). */
export async function recordFound(
  deps: SweepDeps,
  commitments: readonly Commitment[],
  options: { detectedBy: "PROACTIVE" | "REACTIVE"; actor: Identity | null; keep?: (conflict: DetectedConflict) => boolean },
): Promise<SweepResult> {
  // The hub's own reading (capability of record, SO kinds): not the caller's, who may see neither, and none on an event.
  const [[capabilityMw, kinds], clauses] = await Promise.all([
    asDetector(() => Promise.all([capabilities(deps.references, commitments), operatorKinds(deps.references, commitments)])),
    exclusivity(deps, commitments),
  ]);
  const found = detectConflicts(commitments, { capabilityMw, operatorKinds: kinds, exclusivity: clauses }).filter(
    (c) => options.keep?.(c) ?? true,
  );
  if (found.length === 0) return { examined: commitments.length, found: 0, recorded: [] };
  const existing = await deps.conflicts.existingKeys(found.map((c) => c.key));
  const fresh = found.filter((c) => !existing.has(c.key));
  const recorded = await deps.conflicts.recordDetectedMany(
    fresh.map((c) => ({
      values: {
        kind: c.kind,
        overlapStart: new Date(c.overlap.start),
        overlapEnd: new Date(c.overlap.end),
        overlapMw: c.overlap.mw,
        description: describe(c),
        detectedBy: options.detectedBy,
        detectionKey: c.key,
        ruleCode: c.rule,
        ruleId: c.marketRuleId,
        items: c.items,
        primacy: c.primacy,
      },
      links: {
        assetIds: c.target.assetId ? [c.target.assetId] : [],
        instructionIds: c.items.filter((i) => i.kind === "DISPATCH_INSTRUCTION").map((i) => i.id),
        partyIds: c.partyIds,
      },
    })),
    options.actor,
  );
  const untold = existing.size > 0 ? await deps.conflicts.openByKeys([...existing]) : [];
  const toTell = [...recorded, ...untold];
  // Flagging and telling are independent (both idempotent: a rerun after a failure repeats them for the conflicts
  // still OPEN, flagging included), so they run together rather than one round trip after the other.
  await Promise.all([flagInstructions(deps.references, toTell), deps.notify?.(toTell.map(conflictEvent))]);
  if (deps.notify) {
    const told = await deps.conflicts.markNotified(
      toTell.map((r) => r.id),
      options.actor,
    );
    if (told > 0) for (const record of recorded) record.status = "NOTIFIED";
  }
  return { examined: commitments.length, found: found.length, recorded };
}

/**
 * The losing dispatch instructions of `records` (every instruction of a conflict without a winner), flagged
 * `inConflict` through the transactions subgraph's gateway-only route, one call per 1000.
 */
async function flagInstructions(references: EntityReferences, records: readonly ConflictRecord[]) {
  const ids = [
    ...new Set(
      records.flatMap((r) =>
        (r.items ?? []).filter((i) => i.kind === "DISPATCH_INSTRUCTION" && i.id !== r.primacy?.winningItemId).map((i) => i.id),
      ),
    ),
  ];
  if (ids.length === 0 || !references.call) return;
  for (let i = 0; i < ids.length; i += 1000) {
    const { status } = await references.call("transactions", DISPATCH_CONFLICTS_PATH, {
      instructionIds: ids.slice(i, i + 1000),
      inConflict: true,
    });
    if (status !== 200) {
      throw new SfeError("UPSTREAM_UNAVAILABLE", "The transactions subgraph could not flag the instructions in conflict", {
        subgraph: "transactions",
      });
    }
  }
}

/** The notification event of a recorded conflict: to each party organisation, the overlap window and MW in it. */
export function conflictEvent(record: ConflictRecord): DeliveredEvent {
  const [start, end] = [record.overlapStart.toISOString(), record.overlapEnd.toISOString()];
  const mw = record.overlapMw ?? null;
  return {
    // The conflict's id: telling the parties again (a retried run) is a no-op for the notifications module.
    id: record.id,
    type: CONFLICT_DETECTED,
    subject: { type: "Conflict", id: record.id },
    recipients: { users: [], organisations: record.partyIds },
    payload: {
      title: `Conflict detected: ${record.kind.toLowerCase().replaceAll("_", " ")}${mw === null ? "" : `, ${mw} MW`}`,
      body: `${record.description ?? record.kind}. Overlap ${start}–${end}${mw === null ? "" : `, ${mw} MW`}.`,
      conflictId: record.id,
      kind: record.kind,
      ruleCode: record.ruleCode,
      overlapStart: start,
      overlapEnd: end,
      overlapMw: mw,
      primacy: record.primacy,
      items: record.items,
    },
    occurredAt: record.detectedAt.toISOString(),
    source: "rules",
  };
}

/** The notification type of a conflict found (its parties' inbox, live stream, webhooks, e-mail). */
export const CONFLICT_DETECTED = "CONFLICT_DETECTED";

/** The scheduled sweep: every `intervalMs` over [now − lookback, now + horizon); `stop` waits for a running one. */
export function startConflictSweep(deps: SweepDeps, settings: ConflictSweepSettings, onError: (error: unknown) => void = () => {}) {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    const now = Date.now();
    running = running
      .then(() =>
        sweepConflicts(
          deps,
          { from: new Date(now - settings.lookbackMs), to: new Date(now + settings.horizonMs) },
          { detectedBy: "PROACTIVE", actor: null },
        ),
      )
      .catch(onError);
  }, settings.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

/** The transactions subgraph's gateway-only route that attaches a conflict record to penalties (R-SET-4). */
export const CONFLICT_WAIVERS_PATH = "/internal/conflict-waivers";

/**
 * R-SET-4: a RESOLVED conflict with a primacy winner reaches settlement: every item but the winner (the losing side)
 * has its penalties over the overlap window waived by the conflict's record; the winner's are left as they are.
 * Nothing for a conflict without items (recorded by hand) or without a winner. Idempotent (a waived penalty stays
 * waived), so a resolution sent again after a failure is safe.
 */
export async function waiveLosingSide(references: EntityReferences, record: ConflictRecord): Promise<number> {
  const winner = record.primacy?.winningItemId;
  if (record.status !== "RESOLVED" || !winner || !record.items?.length) return 0;
  const losing = record.items.filter((item) => item.id !== winner);
  if (losing.length === 0) return 0;
  if (!references.call) throw new Error("the conflict waiver needs references that can call the transactions subgraph");
  const { status, body } = await references.call<{ waived?: number } | null>("transactions", CONFLICT_WAIVERS_PATH, {
    conflictId: record.id,
    instructionIds: losing.filter((i) => i.kind === "DISPATCH_INSTRUCTION").map((i) => i.id),
    awardIds: losing.filter((i) => i.kind === "AWARD").map((i) => i.id),
    from: record.overlapStart.toISOString(),
    to: record.overlapEnd.toISOString(),
  });
  if (status !== 200) {
    throw new SfeError(
      "UPSTREAM_UNAVAILABLE",
      "The conflict is resolved, but its record did not reach settlement (penalty waiver): resolve it again to retry",
      { subgraph: "transactions" },
    );
  }
  return body?.waived ?? 0;
}
