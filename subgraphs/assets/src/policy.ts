import {
  allow,
  type FieldRule,
  forbidden,
  type Identity,
  type PolicyEntry,
  requireUuid,
  type RowRule,
  type Rule as IdentityRule,
  SfeError,
  unauthenticated,
} from "@sfe/kit";
import { canSeeAsset, changeRefusal, registrationRefusal } from "./access.js";
import type { Context } from "./loaders.js";
import type { AssetRow } from "./modules/assets/repository.js";

/**
 * The pieces of the assets subgraph's policy, on the kit's model (subgraphs/kit/src/policy.ts): each module's
 * policy.ts says who may call each of its operations (deny by default: every Query and Mutation field needs a
 * rule) and which rows a lookup may answer. Call rules see the identity and the arguments, and read what they need
 * through the request's loaders (the resolver then reads the same row from the loader's cache); row rules see the
 * row a resolver answered. Two kinds of check stay out of the tables: lists filtered in SQL (access.ts's visibility
 * filters, which the repositories apply), and checks of the row a write has locked (they run inside its
 * transaction). API keys need the assets:read scope to read, assets:write to write.
 */
export type Rule = FieldRule<Context>;

export const read = allow.scope("assets", "read");
export const write = allow.scope("assets", "write");
/** Roles that see individual assets and units (investors and regulators read aggregates only). */
export const seesRecords = allow.roles("ADMIN", "FSP", "SYSTEM_OPERATOR");
export const fspOrAdminWrite = allow.all(allow.signedIn(), write, allow.roles("FSP", "ADMIN"));

/** `first` on the identity alone, then `next` on the call: the first refusal is the answer. */
export const both =
  (first: IdentityRule, next: Rule): Rule =>
  (identity, call) =>
    first(identity) ?? next(identity, call);

/** An asset the caller may not see is null, or left out of a list (README, "Who sees what"). */
export const seesAsset: RowRule<Context, AssetRow> = (identity, asset) => canSeeAsset(identity, asset) || "hide";

/**
 * A change of the asset whose id `idOf` reads from the arguments (`field` in errors), for its owning FSP or a hub
 * administrator: BAD_USER_INPUT for an id that is not one, NOT_FOUND for an asset the caller may not see (as for an
 * unknown id), FORBIDDEN for one it sees but does not own. The write asks it again of the locked row.
 */
export const changesAsset = (field: string, idOf: (args: Record<string, any>) => string): Rule =>
  both(fspOrAdminWrite, async (identity, { args, context }) => {
    const id = idOf(args);
    return changeRefusal(identity, await context.loaders.asset.load(requireUuid(id, field)), id) ?? true;
  });

/**
 * Registering an asset for the owner `ownerIdOf` reads from the arguments: an FSP for its own organisation, a hub
 * administrator for anyone (BAD_USER_INPUT for an ownerId that is not an id). It answers at once: the CSV import
 * asks registerAsset's of every row.
 */
export const registersFor = (ownerIdOf: (args: Record<string, any>) => string): Rule =>
  both(fspOrAdminWrite, (identity, { args }) => registrationRefusal(identity, requireUuid(ownerIdOf(args), "ownerId")) ?? true);

/** The call rule of a policy entry, for asking it outside GraphQL (refusal when there is none, as in the policy). */
export function callRuleOf(entry: PolicyEntry<Context> | undefined): Rule {
  if (typeof entry === "function") return entry;
  if (entry?.row) throw new Error("A rule with a row rule cannot be asked outside GraphQL: the rows are not checked there");
  return entry?.call ?? (() => false);
}

/**
 * A call rule asked outside GraphQL (the CSV routes, with the arguments the GraphQL operation would get): its
 * refusal as the policy would answer it, or null. Only rules that read the identity and arguments and answer at
 * once can be asked so (no context, no loaders).
 */
export function refusalOf(rule: Rule, identity: Identity | null, args: Record<string, unknown> = {}): SfeError | null {
  const verdict = rule(identity, { identity, args, parent: undefined, context: undefined as unknown as Context });
  if (typeof (verdict as PromiseLike<unknown> | null)?.then === "function") throw new Error("refusalOf asks rules that answer at once");
  if (verdict === null || verdict === true) return null;
  if (verdict instanceof SfeError) return verdict;
  return identity ? forbidden() : unauthenticated();
}
