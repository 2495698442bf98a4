/**
 * The conflict detector (domain §7.7 conflict path, §8.4 R-STK-1…3 and R-PRI-1…3): pure functions, no I/O.
 * Per asset or unit, a timeline of commitments (awards, availability declarations) and dispatch instructions;
 * every pair of the same class (commitment with commitment, instruction with instruction) on one target,
 * overlapping in time, for different products, is checked, then Σ MW per direction against capability.
 * Commitments on a product with an exclusivity clause (a STACKING market rule, data) clash with any other product's.
 * MW are compared as whole kW (integers), so no float sum decides a conflict.
 */

export type Direction = "DEMAND_TURN_DOWN" | "DEMAND_TURN_UP" | "GENERATION_TURN_UP" | "GENERATION_TURN_DOWN";
export type CommitmentKind = "AWARD" | "AVAILABILITY_DECLARATION" | "DISPATCH_INSTRUCTION";
export type DetectedKind = "OPPOSING_INSTRUCTIONS" | "EXCEEDS_CAPABILITY" | "OVERLAPPING_COMMITMENT" | "EXCLUSIVITY_BREACH";
export type RuleCode = "R-STK-1" | "R-STK-2" | "R-STK-3";
export type PrimacyType = "DSO" | "NESO" | "JOINT" | "NONE";
export type PrimacyRule = "R-PRI-1" | "R-PRI-2" | "R-PRI-3";
/** A system operator's kind: NESO covers the whole of GB (areas ["*"]), a DSO its GSP groups. */
export type OperatorKind = "DSO" | "NESO";

/** One commitment or instruction, as `POST /internal/commitments` returns it (times ISO 8601 UTC). */
export interface Commitment {
  kind: CommitmentKind;
  id: string;
  assetId: string | null;
  marketUnitId: string | null;
  /** The source's unit name when the hub knows no asset (ingested dispatches). */
  unitReference: string | null;
  productId: string;
  /** The system operator buying or instructing. */
  soOrgId: string;
  /** The FSP providing; null when only a unit reference is known. */
  providerId: string | null;
  /** Unknown (an ingested award without a bid): the item is skipped. */
  direction: Direction | null;
  mw: number;
  start: string;
  end: string;
  /** A declaration's award: the award stands for it, so it is skipped. */
  awardId?: string | null;
  /** When it was made (awarded, declared, issued): R-PRI-3's "first committed". */
  committedAt: string;
  /** The constraint managed zone it serves (an instruction: its award's), if any: a thermal-constraint action. */
  cmzId: string | null;
}

export interface ConflictItem {
  kind: CommitmentKind;
  id: string;
  soOrgId: string;
  direction: Direction;
  mw: number;
  start: string;
  end: string;
}

export interface PrimacyOutcome {
  type: PrimacyType;
  winningItemId: string | null;
  ruleId: PrimacyRule;
}

export interface DetectedConflict {
  /** Stable for the same items: recording it twice is a no-op. */
  key: string;
  kind: DetectedKind;
  /** The §8.4 rule applied, or an exclusivity breach's market rule code. */
  rule: RuleCode | string | null;
  /** The market rule whose exclusivity clause was breached (EXCLUSIVITY_BREACH only). */
  marketRuleId: string | null;
  /** The asset, unit or unit reference the items share. */
  target: { assetId: string | null; marketUnitId: string | null; unitReference: string | null };
  items: ConflictItem[];
  overlap: { start: string; end: string; mw: number };
  primacy: PrimacyOutcome;
  /** Every party: the SOs of the items and the FSPs providing them. */
  partyIds: string[];
}

/**
 * An exclusivity clause as the market rules hold it (an ACTIVE STACKING rule with scope.exclusive): a commitment on
 * productIds[0] may not overlap one on productIds[1] (null: on any other product) on one target, while in force.
 */
export interface ExclusivityRule {
  ruleId: string;
  code: string;
  productIds: [string, string | null];
  effectiveFrom: string;
  /** Exclusive; null: open-ended. */
  effectiveTo: string | null;
}

export interface Capability {
  exportMw: number;
  importMw: number;
}

export interface DetectOptions {
  /**
   * Capability in MW per asset or unit id (after connection limit): one figure, or export and import apart; unknown: no
   * R-STK-2 check, R-STK-1 on any overlap in one direction.
   */
  capabilityMw?: ReadonlyMap<string, number | Capability>;
  /** Which SOs are NESO and which DSOs; unknown ones: no primacy rule beyond R-PRI-3. */
  operatorKinds?: ReadonlyMap<string, OperatorKind>;
  /** The exclusivity clauses in force over the run's span (loaded once per run); none: no EXCLUSIVITY_BREACH. */
  exclusivity?: readonly ExclusivityRule[];
}

/** +1 export (demand turn-down, generation turn-up), −1 import: the export-positive sign convention. */
export function sense(direction: Direction | null): 1 | -1 {
  return direction === "DEMAND_TURN_DOWN" || direction === "GENERATION_TURN_UP" ? 1 : -1;
}

/** Capability in kW by sense (+1 export, −1 import). */
type CapabilityKw = Record<1 | -1, number>;

const kw = (mw: number) => Math.round(mw * 1000);
const mwOf = (kilowatts: number) => kilowatts / 1000;
const ms = (iso: string) => Date.parse(iso);
const iso = (t: number) => new Date(t).toISOString();

function targetKey(c: Commitment): string | null {
  if (c.assetId) return `asset:${c.assetId}`;
  if (c.marketUnitId) return `unit:${c.marketUnitId}`;
  if (c.unitReference) return `ref:${c.unitReference.trim().toUpperCase()}`;
  return null;
}

const itemOf = (c: Commitment): ConflictItem => ({
  kind: c.kind,
  id: c.id,
  soOrgId: c.soOrgId,
  direction: c.direction!,
  mw: c.mw,
  start: iso(ms(c.start)),
  end: iso(ms(c.end)),
});

const isInstruction = (c: Commitment) => c.kind === "DISPATCH_INSTRUCTION";

/**
 * R-PRI-1…3 for two clashing items. Between a DSO and NESO: the DSO item serving a constraint managed zone (a
 * thermal constraint) wins ("into a constraint", cases 1 and 4, R-PRI-1); a DSO item made after NESO's and for
 * no constraint only absorbs headroom NESO created ("out of a constraint", cases 2 and 3): NESO wins (R-PRI-2).
 * Otherwise no primacy: the first committed wins, for manual resolution (R-PRI-3).
 */
export function primacy(a: Commitment, b: Commitment, operatorKinds?: ReadonlyMap<string, OperatorKind>): PrimacyOutcome {
  const kindA = operatorKinds?.get(a.soOrgId);
  const kindB = operatorKinds?.get(b.soOrgId);
  if (a.soOrgId !== b.soOrgId && kindA && kindB && kindA !== kindB) {
    const [dso, neso] = kindA === "DSO" ? [a, b] : [b, a];
    if (dso.cmzId) return { type: "DSO", winningItemId: dso.id, ruleId: "R-PRI-1" };
    if (ms(dso.committedAt) > ms(neso.committedAt)) return { type: "NESO", winningItemId: neso.id, ruleId: "R-PRI-2" };
  }
  const first = ms(a.committedAt) < ms(b.committedAt) || (ms(a.committedAt) === ms(b.committedAt) && a.id < b.id) ? a : b;
  return { type: "NONE", winningItemId: first.id, ruleId: "R-PRI-3" };
}

function parties(items: readonly Commitment[]): string[] {
  const ids = new Set<string>();
  for (const c of items) {
    ids.add(c.soOrgId);
    if (c.providerId) ids.add(c.providerId);
  }
  return [...ids].sort();
}

function conflictOf(
  kind: DetectedKind,
  rule: RuleCode | string | null,
  members: Commitment[],
  overlap: { start: number; end: number; kw: number },
  outcome: PrimacyOutcome,
  marketRuleId: string | null = null,
): DetectedConflict {
  const sorted = [...members].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  const first = sorted[0]!;
  return {
    key: `${kind}:${sorted.map((c) => c.id).join("+")}${kind === "EXCEEDS_CAPABILITY" ? `@${iso(overlap.start)}` : ""}`,
    kind,
    rule,
    marketRuleId,
    target: { assetId: first.assetId, marketUnitId: first.marketUnitId, unitReference: first.unitReference },
    items: sorted.map(itemOf),
    overlap: { start: iso(overlap.start), end: iso(overlap.end), mw: mwOf(overlap.kw) },
    primacy: outcome,
    partyIds: parties(sorted),
  };
}

/** The clauses by each product they name: the pair check reads two lists, not every clause. */
type Clauses = ReadonlyMap<string, readonly ExclusivityRule[]>;

function clausesByProduct(rules: readonly ExclusivityRule[] = []): Clauses {
  const map = new Map<string, ExclusivityRule[]>();
  const sorted = [...rules].sort((x, y) => (x.code < y.code ? -1 : x.code > y.code ? 1 : 0));
  for (const rule of sorted) {
    for (const id of new Set(rule.productIds)) if (id) map.set(id, [...(map.get(id) ?? []), rule]);
  }
  return map;
}

/**
 * The first clause (by code) under which products `p` and `q` exclude each other and that is in force during [start,
 * end), with the part of the window it covers; null when none.
 */
function exclusivityOf(p: string, q: string, start: number, end: number, clauses: Clauses) {
  for (const rule of clauses.get(p) ?? []) {
    const [x, y] = rule.productIds;
    if (!((x === p && (y === null || y === q)) || (x === q && (y === null || y === p)))) continue;
    const from = Math.max(start, ms(rule.effectiveFrom));
    const to = Math.min(end, rule.effectiveTo === null ? end : ms(rule.effectiveTo));
    if (to > from) return { rule, start: from, end: to };
  }
  return null;
}

/** Checks one pair on one target (same class, overlapping in time). Null when they may stand together. */
function pairConflict(
  a: Commitment,
  b: Commitment,
  capability: CapabilityKw | undefined,
  options: DetectOptions,
  clauses: Clauses,
): DetectedConflict | null {
  if (a.productId === b.productId && a.soOrgId === b.soOrgId) return null; // one SO's re-instruction or split of one product
  const start = Math.max(ms(a.start), ms(b.start));
  const end = Math.min(ms(a.end), ms(b.end));
  if (end <= start) return null;
  const [kwA, kwB] = [kw(a.mw), kw(b.mw)];
  const outcome = primacy(a, b, options.operatorKinds);
  // Exclusivity concerns what may be contracted (commitments), whatever the MW and direction: the pair may not stand
  // together at all, so it is this pair's one conflict (not also R-STK-1/3). The MW both hold over the window.
  const breach = isInstruction(a) || a.productId === b.productId ? null : exclusivityOf(a.productId, b.productId, start, end, clauses);
  if (breach) {
    const window = { start: breach.start, end: breach.end, kw: Math.min(kwA, kwB) };
    return conflictOf("EXCLUSIVITY_BREACH", breach.rule.code, [a, b], window, outcome, breach.rule.ruleId);
  }
  if (sense(a.direction) !== sense(b.direction)) {
    const opposing = isInstruction(a) && isInstruction(b) && a.soOrgId !== b.soOrgId;
    return conflictOf(
      opposing ? "OPPOSING_INSTRUCTIONS" : "OVERLAPPING_COMMITMENT",
      opposing ? null : "R-STK-3",
      [a, b],
      { start, end, kw: Math.min(kwA, kwB) },
      outcome,
    );
  }
  const capabilityKw = capability?.[sense(a.direction)];
  if (capabilityKw !== undefined && kwA + kwB <= capabilityKw) return null; // splitting: different MW of the asset
  const doubled = capabilityKw === undefined ? Math.min(kwA, kwB) : Math.min(kwA + kwB - capabilityKw, kwA, kwB);
  return conflictOf("OVERLAPPING_COMMITMENT", "R-STK-1", [a, b], { start, end, kw: doubled }, outcome);
}

/**
 * R-STK-2: the intervals where Σ MW of one class in one direction exceeds capability, with three or more items
 * active (two are one R-STK-1 pair). One conflict per maximal interval with the same active items.
 */
function capabilityConflicts(group: Commitment[], capability: CapabilityKw): DetectedConflict[] {
  const found: DetectedConflict[] = [];
  for (const direction of [1, -1] as const) {
    const capabilityKw = capability[direction];
    const items = group.filter((c) => sense(c.direction) === direction);
    const times = [...new Set(items.flatMap((c) => [ms(c.start), ms(c.end)]))].sort((x, y) => x - y);
    let open: { start: number; end: number; members: Commitment[]; kw: number } | null = null;
    const close = () => {
      if (!open) return;
      const sorted = [...open.members].sort((x, y) => ms(x.committedAt) - ms(y.committedAt) || (x.id < y.id ? -1 : 1));
      const outcome: PrimacyOutcome = { type: "NONE", winningItemId: sorted[0]!.id, ruleId: "R-PRI-3" };
      found.push(conflictOf("EXCEEDS_CAPABILITY", "R-STK-2", open.members, { start: open.start, end: open.end, kw: open.kw }, outcome));
      open = null;
    };
    for (let i = 0; i + 1 < times.length; i++) {
      const [from, to] = [times[i]!, times[i + 1]!];
      const active = items.filter((c) => ms(c.start) < to && ms(c.end) > from);
      const total = active.reduce((sum, c) => sum + kw(c.mw), 0);
      const ids = active
        .map((c) => c.id)
        .sort()
        .join("+");
      if (total > capabilityKw && active.length >= 3) {
        if (
          open &&
          open.end === from &&
          open.members
            .map((c) => c.id)
            .sort()
            .join("+") === ids
        ) {
          open.end = to;
          open.kw = Math.max(open.kw, total - capabilityKw);
        } else {
          close();
          open = { start: from, end: to, members: active, kw: total - capabilityKw };
        }
      } else close();
    }
    close();
  }
  return found;
}

/**
 * Every conflict among `commitments`: OPPOSING_INSTRUCTIONS (two SOs' instructions, opposite directions,
 * overlapping), OVERLAPPING_COMMITMENT (R-STK-1 the same MW twice; R-STK-3 opposite directions), EXCEEDS_CAPABILITY
 * (R-STK-2), EXCLUSIVITY_BREACH (two commitments on products an exclusivity clause keeps apart). Items without an asset, unit or unit reference, of unknown direction, or declarations against an award
 * (the award stands for them) are skipped. Sorted by key; each key once.
 */
export function detectConflicts(commitments: readonly Commitment[], options: DetectOptions = {}): DetectedConflict[] {
  const byTarget = new Map<string, Commitment[]>();
  for (const c of commitments) {
    const key = targetKey(c);
    if (!key || !(ms(c.end) > ms(c.start)) || c.direction === null) continue;
    if (c.kind === "AVAILABILITY_DECLARATION" && c.awardId) continue;
    const list = byTarget.get(key) ?? [];
    list.push(c);
    byTarget.set(key, list);
  }
  const found = new Map<string, DetectedConflict>();
  const clauses = clausesByProduct(options.exclusivity);
  for (const list of byTarget.values()) {
    const first = list[0]!;
    const capabilityMw = options.capabilityMw?.get(first.assetId ?? first.marketUnitId ?? "");
    const capabilityKw: CapabilityKw | undefined =
      capabilityMw === undefined
        ? undefined
        : typeof capabilityMw === "number"
          ? { 1: kw(capabilityMw), [-1]: kw(capabilityMw) }
          : { 1: kw(capabilityMw.exportMw), [-1]: kw(capabilityMw.importMw) };
    for (const cls of [list.filter(isInstruction), list.filter((c) => !isInstruction(c))]) {
      cls.sort((x, y) => ms(x.start) - ms(y.start));
      for (let i = 0; i < cls.length; i++) {
        const a = cls[i]!;
        for (let j = i + 1; j < cls.length; j++) {
          const b = cls[j]!;
          if (ms(b.start) >= ms(a.end)) break; // sorted by start: no later one overlaps a
          const conflict = pairConflict(a, b, capabilityKw, options, clauses);
          if (conflict) found.set(conflict.key, conflict);
        }
      }
      if (capabilityKw !== undefined) for (const conflict of capabilityConflicts(cls, capabilityKw)) found.set(conflict.key, conflict);
    }
  }
  return [...found.values()].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
}
