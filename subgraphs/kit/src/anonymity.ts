import { type SQL, type SQLWrapper, sql } from "drizzle-orm";

/**
 * The anonymisation rule for published aggregates (issue 7, D3): when a group of records (e.g. the assets of
 * one category in one GSP group, or the awards of one product in one month) may be reported to a caller.
 *
 * A count threshold alone can be differenced: an FSP that adds two assets of its own to a group holding one
 * asset of another FSP meets "at least 3 assets", subtracts its own capacities and reads the other's exactly.
 * So a group is judged **without the caller's own records** (the caller's organisation is taken out before
 * anything is counted), and then must have
 *
 * 1. at least `minOwners` distinct owners (a k-anonymity threshold on owners, not on records: one owner with
 *    three assets is still one owner), and
 * 2. no owner holding more than `maxOwnerShare` of the group's total of any reported measure (the (1, k)
 *    dominance rule of statistical disclosure control).
 *
 * The totals reported are the whole group's (the caller's records included): the caller knows its own part,
 * so what it can learn by subtracting is a sum over at least `minOwners` other owners, none of whom makes up
 * more than half of it. With a 50% share, whatever one other owner contributes is matched by what the rest
 * contribute together, so the residual never mostly describes one owner; the smaller the share, the more
 * groups are suppressed (with 3 owners no share below 1/3 can be met).
 *
 * What the rule does not cover: owners colluding with each other (or one owner posing as several
 * organisations), and differencing over time (reading a group before and after another owner's change).
 *
 * Two forms that must agree (test/anonymity.test.ts runs both on the same data): `isReportable` over per-owner
 * partial sums in memory, and `anonymityHaving`, the SQL HAVING clause over a per-owner subquery, so the
 * database suppresses the groups and no suppressed figure ever leaves it.
 */
export interface AnonymityRule {
  /** Distinct owners, the caller's organisation not counted, a group needs to be reported. */
  minOwners: number;
  /** The largest share (0–1] of any measure's total, the caller's records left out, one owner may hold. */
  maxOwnerShare: number;
}

/** Distinct owners (other than the caller's organisation) every reported group has. */
export const MIN_DISTINCT_OWNERS = 3;
/**
 * No other owner holds more than this share of any reported total (the caller's records left out). 50%: the
 * largest contributor never outweighs the others together, a common (1, k) dominance setting in statistical
 * disclosure control, and still satisfiable by small groups (three owners of similar size).
 */
export const MAX_OWNER_SHARE = 0.5;

/** The hub's rule for every anonymised aggregate (assetStatistics, awardStatistics). */
export const ANONYMITY_RULE: AnonymityRule = Object.freeze({ minOwners: MIN_DISTINCT_OWNERS, maxOwnerShare: MAX_OWNER_SHARE });

function checkRule(rule: AnonymityRule): AnonymityRule {
  if (!Number.isInteger(rule.minOwners) || rule.minOwners < 1) throw new RangeError(`minOwners must be a whole number ≥ 1`);
  if (!(rule.maxOwnerShare > 0 && rule.maxOwnerShare <= 1)) throw new RangeError(`maxOwnerShare must be in (0, 1]`);
  return rule;
}

/** One owner's part of a group: its id and its partial sum of each measure (in the same order for every owner). */
export interface OwnerPartial {
  ownerId: string;
  sums: readonly number[];
}

/**
 * Whether a group whose owners contributed `partials` may be reported to a caller of organisation
 * `callerOrganisationId` (null: a caller with no organisation, for whom nothing is left out). Measures are
 * compared by magnitude, so a signed measure cannot hide a dominant owner behind cancelling values.
 */
export function isReportable(
  partials: readonly OwnerPartial[],
  callerOrganisationId: string | null,
  rule: AnonymityRule = ANONYMITY_RULE,
): boolean {
  checkRule(rule);
  const others = new Map<string, number[]>();
  for (const { ownerId, sums } of partials) {
    if (ownerId === callerOrganisationId) continue;
    const total = others.get(ownerId) ?? [];
    sums.forEach((value, i) => {
      total[i] = (total[i] ?? 0) + value;
    });
    others.set(ownerId, total);
  }
  if (others.size < rule.minOwners) return false;
  const width = Math.max(0, ...[...others.values()].map((sums) => sums.length));
  for (let i = 0; i < width; i++) {
    const magnitudes = [...others.values()].map((sums) => Math.abs(sums[i] ?? 0));
    const total = magnitudes.reduce((a, b) => a + b, 0);
    if (Math.max(...magnitudes) > rule.maxOwnerShare * total) return false;
  }
  return true;
}

export interface AnonymityHavingOptions {
  /** The owner column of a subquery holding one row per group and owner. */
  owner: SQLWrapper;
  /** That subquery's per-owner partial sums of each reported measure (not null: coalesce them to 0). */
  measures: readonly SQLWrapper[];
  /** The caller's organisation, whose rows are left out; null leaves nothing out. */
  excludeOwner: string | null;
  rule?: AnonymityRule;
}

/**
 * `isReportable` as an SQL condition for the HAVING of a query grouped by the group's keys over a per-owner
 * subquery (one row per group × owner, with the owner and its partial sums):
 *
 * ```sql
 * select category, gsp_group, sum(total) … from (
 *   select category, gsp_group, owner_id, sum(x) as total … group by category, gsp_group, owner_id
 * ) per_owner group by category, gsp_group
 * having count(*) filter (where owner_id is distinct from $caller) >= 3
 *    and coalesce(max(abs(total)) filter (where …), 0) <= 0.5 * coalesce(sum(abs(total)) filter (where …), 0)
 * ```
 */
export function anonymityHaving({ owner, measures, excludeOwner, rule = ANONYMITY_RULE }: AnonymityHavingOptions): SQL {
  const { minOwners, maxOwnerShare } = checkRule(rule);
  const other = sql`(${owner})::text is distinct from ${excludeOwner}::text`;
  const conditions = [sql`count(distinct ${owner}) filter (where ${other}) >= ${minOwners}::int`];
  for (const measure of measures) {
    const magnitude = sql`abs((${measure})::double precision)`;
    conditions.push(
      sql`coalesce(max(${magnitude}) filter (where ${other}), 0) <= ${maxOwnerShare}::double precision * coalesce(sum(${magnitude}) filter (where ${other}), 0)`,
    );
  }
  return sql.join(conditions, sql` and `);
}
