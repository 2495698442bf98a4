import { type EntityReferences, type Identity, parseConfig, SfeError, z } from "@sfe/kit";
import type { ConflictRecord, ConflictRepository } from "../../repositories/conflicts.js";
import { type Capability, type Commitment, type DetectedConflict, detectConflicts, type OperatorKind } from "./detector.js";

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
}

interface CommitmentsPage {
  commitments?: Commitment[];
  next?: string | null;
}

/** Every commitment overlapping [from, to), page by page (one call per page, never one per asset). */
export async function fetchCommitments(references: EntityReferences, from: Date, to: Date): Promise<Commitment[]> {
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

const describe = (c: DetectedConflict) => {
  const primacy = `${c.primacy.type === "NONE" ? "no primacy" : `${c.primacy.type} primacy`} (${c.primacy.ruleId}), winning ${c.primacy.winningItemId}`;
  return `${c.rule ? `${c.rule}: ` : ""}${c.items.length} items, ${c.overlap.mw} MW ${c.overlap.start}–${c.overlap.end}; ${primacy}`;
};

/**
 * Runs the detector over [from, to): reads the commitments (one call per page), the assets' capability and the SOs'
 * kinds (one lookup each), keeps the conflicts `keep` accepts, and records those not yet recorded (status OPEN,
 * parties: the items' SOs and FSPs). Running it twice records nothing the second time.
 */
export async function sweepConflicts(
  deps: SweepDeps,
  window: { from: Date; to: Date },
  options: { detectedBy: "PROACTIVE" | "REACTIVE"; actor: Identity | null; keep?: (conflict: DetectedConflict) => boolean },
): Promise<SweepResult> {
  const commitments = await fetchCommitments(deps.references, window.from, window.to);
  const [capabilityMw, kinds] = await Promise.all([
    capabilities(deps.references, commitments),
    operatorKinds(deps.references, commitments),
  ]);
  const found = detectConflicts(commitments, { capabilityMw, operatorKinds: kinds }).filter((c) => options.keep?.(c) ?? true);
  const existing = await deps.conflicts.existingKeys(found.map((c) => c.key));
  const recorded: ConflictRecord[] = [];
  for (const c of found) {
    if (existing.has(c.key)) continue;
    const record = await deps.conflicts.recordDetected(
      {
        kind: c.kind,
        overlapStart: new Date(c.overlap.start),
        overlapEnd: new Date(c.overlap.end),
        overlapMw: c.overlap.mw,
        description: describe(c),
        detectedBy: options.detectedBy,
        detectionKey: c.key,
        ruleCode: c.rule,
        items: c.items,
        primacy: c.primacy,
      },
      {
        assetIds: c.target.assetId ? [c.target.assetId] : [],
        instructionIds: c.items.filter((i) => i.kind === "DISPATCH_INSTRUCTION").map((i) => i.id),
        partyIds: c.partyIds,
      },
      options.actor,
    );
    if (record) recorded.push(record);
  }
  return { examined: commitments.length, found: found.length, recorded };
}

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
