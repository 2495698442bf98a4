import type { DeliveredEvent } from "@sfe/kit";
import type { Commitment } from "./detector.js";
import { fetchCommitments, recordFound, type SweepDeps, type SweepResult } from "./sweep.js";

/** At most this many ids of one kind per commitments call (the route's limit). */
const IDS_PER_CALL = 1000;
/** The route's longest window is 93 days: a longer span is read in windows of 90. */
const WINDOW_MS = 90 * 86_400_000;

/** What a commitment event asks the detector to look at (transactions' commitments/events.ts). */
interface ConflictScope {
  assetIds: string[];
  marketUnitIds: string[];
  unitReferences: string[];
  from: Date;
  to: Date;
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string" && v.length > 0 && v.length <= 200) : [];

function scopeOf(event: DeliveredEvent): ConflictScope | null {
  const raw = (event.payload as { conflictScope?: Record<string, unknown> }).conflictScope;
  if (!raw || typeof raw !== "object") return null;
  const from = new Date(String(raw.from));
  const to = new Date(String(raw.to));
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || to <= from) return null;
  return {
    assetIds: strings(raw.assetIds),
    marketUnitIds: strings(raw.marketUnitIds),
    unitReferences: strings(raw.unitReferences),
    from,
    to,
  };
}

/**
 * The reactive trigger (domain §7.7 conflict path step 1, FO.UC11): the events of commitments written (an award,
 * declaration or instruction by mutation, a batch by ingest) carry the targets and span written; the detector runs
 * over just those targets and that span, reading their commitments from the transactions subgraph, and records and
 * notifies what it finds. One run per batch of events: their scopes merged.
 */
export async function reactToEvents(deps: SweepDeps, events: readonly DeliveredEvent[]): Promise<SweepResult | null> {
  const scopes = events.flatMap((event) => {
    const scope = scopeOf(event);
    return scope ? [scope] : [];
  });
  if (scopes.length === 0) return null;
  const union = (pick: (s: ConflictScope) => string[]) => [...new Set(scopes.flatMap(pick))].sort();
  const assetIds = union((s) => s.assetIds);
  const marketUnitIds = union((s) => s.marketUnitIds);
  const unitReferences = union((s) => s.unitReferences);
  if (assetIds.length + marketUnitIds.length + unitReferences.length === 0) return null;
  const from = Math.min(...scopes.map((s) => s.from.getTime()));
  const to = Math.max(...scopes.map((s) => s.to.getTime()));
  const calls = Math.ceil(Math.max(assetIds.length, marketUnitIds.length, unitReferences.length) / IDS_PER_CALL);
  // Commitments by id: a window boundary or a second id slice reading one twice keeps it once.
  const read = new Map<string, Commitment>();
  for (let start = from; start < to; start += WINDOW_MS) {
    const end = Math.min(to, start + WINDOW_MS);
    for (let k = 0; k < calls; k++) {
      const slice = (ids: string[]) => ids.slice(k * IDS_PER_CALL, (k + 1) * IDS_PER_CALL);
      const filter = { assetIds: slice(assetIds), marketUnitIds: slice(marketUnitIds), unitReferences: slice(unitReferences) };
      for (const c of await fetchCommitments(deps.references, new Date(start), new Date(end), filter)) read.set(`${c.kind}:${c.id}`, c);
    }
  }
  return recordFound(deps, [...read.values()], { detectedBy: "REACTIVE", actor: null });
}
