import { conflict, isUuid, quote } from "./errors.js";

/**
 * Lifecycles declared as data: for each status, the statuses it may become. A status that lists none is
 * final. Every status of the union must appear (the type says so), so adding one to the union without
 * deciding its transitions does not compile.
 */
export type TransitionTable<S extends string> = { readonly [K in S]: readonly S[] };

export interface Lifecycle<S extends string> {
  /** The entity whose status this is, e.g. "Bid": named in refusals (and by callers in audit entries). */
  readonly entity: string;
  /** Every status, in the table's order. */
  readonly states: readonly S[];
  readonly transitions: TransitionTable<S>;
  /** Whether the table lets `from` become `to`. A status never "becomes" itself: false. */
  allows(from: S, to: S): boolean;
  /** A status with no way out. */
  isFinal(state: S): boolean;
  /**
   * Checks a requested status change of the record `id`, whose `current` status was read in the
   * transaction that will write it, with the row locked (`select … for update`), so that a racing change
   * waits and is then checked against this one's outcome.
   *
   * Answers whether there is anything to write: `false` when the record already has the requested status
   * (asking again is a no-op, so a retried request or a re-sent feed does no harm), `true` when the table
   * allows the change. Anything else throws CONFLICT, naming the entity and both statuses, with
   * `extensions { currentStatus, requestedStatus }`.
   */
  check(id: string, current: S, requested: S): boolean;
  /** The table as one line of text, e.g. "A → B | C; B → C; C is final." (for schema descriptions). */
  describe(): string;
}

/**
 * Declares a lifecycle, e.g.
 * `defineLifecycle<BidStatus>("Bid", { SUBMITTED: ["ACCEPTED", "WITHDRAWN"], ACCEPTED: [], WITHDRAWN: [] })`.
 * Throws at definition (a programming error) when a target is not a status of the table, is listed twice,
 * or is the status itself.
 */
export function defineLifecycle<S extends string>(entity: string, transitions: TransitionTable<S>): Lifecycle<S> {
  const states = Object.keys(transitions) as S[];
  const next = new Map<string, ReadonlySet<string>>();
  for (const state of states) {
    const targets: readonly string[] = transitions[state];
    for (const target of targets) {
      if (!(target in transitions)) throw new Error(`${entity} lifecycle: ${state} → ${target}, which is not a ${entity} status`);
      if (target === state) throw new Error(`${entity} lifecycle: ${state} lists itself (setting the same status is always a no-op)`);
    }
    if (new Set(targets).size !== targets.length) throw new Error(`${entity} lifecycle: ${state} lists a status twice`);
    next.set(state, new Set(targets));
  }
  const allows = (from: S, to: S) => next.get(from)?.has(to) ?? false;
  const isFinal = (state: S) => (next.get(state)?.size ?? 0) === 0;
  return {
    entity,
    states,
    transitions,
    allows,
    isFinal,
    check(id, current, requested) {
      if (current === requested) return false;
      if (allows(current, requested)) return true;
      // The id was read from the database, but a caller may pass anything: quote what is not an id.
      const name = isUuid(id) ? id : quote(id);
      const targets = next.get(current);
      const reason = !targets
        ? ` (${current} is not a ${entity} status)`
        : targets.size === 0
          ? ` (${current} is final)`
          : `; from ${current} it may become ${[...targets].join(", ")}`;
      throw conflict(`${entity} ${name} is ${current}: it cannot become ${requested}${reason}`, {
        currentStatus: current,
        requestedStatus: requested,
      });
    },
    describe() {
      const moves = states.filter((s) => !isFinal(s)).map((s) => `${s} → ${transitions[s].join(" | ")}`);
      const finals = states.filter(isFinal);
      const last = finals.length === 0 ? [] : [`${finals.join(", ")} ${finals.length === 1 ? "is" : "are"} final`];
      return `${[...moves, ...last].join("; ")}.`;
    },
  };
}
