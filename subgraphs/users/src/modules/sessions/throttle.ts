import { retryAfterSeconds } from "@sfe/kit";
import { sha256 } from "../../crypto.js";
import { onePerRequest, tooManyRequests } from "../../errors.js";
import type { Context } from "../../loaders.js";
import { HOUR, MINUTE, type ServiceDeps } from "../../services/context.js";

/**
 * How password guesses are throttled; sign-in and password changes share one budget per account (the
 * SHA-256 of its e-mail, so an unknown e-mail throttles exactly like a registered one). Only failures
 * count: a success gives its hit back and clears the account's count.
 * - one account from one address: 5 failures per 15 minutes, then refused until the 15 minutes are over;
 * - one address across accounts: 50 failures per 15 minutes, then refused likewise;
 * - one account from anywhere: 10 failures per hour free, then each attempt waits 1 s, 2 s, 4 s … after the
 *   previous one, never more than 60 s. Strangers can delay the owner by a minute at most, never lock them
 *   out, and get at most about 75 guesses an hour at any one account, however many addresses they use.
 */
export const PASSWORD_THROTTLE = {
  perAccountAndSource: { max: 5, windowMs: 15 * MINUTE },
  perSource: { max: 50, windowMs: 15 * MINUTE },
  perAccount: { windowMs: HOUR, backoff: { free: 10, firstMs: 1000, maxMs: 60_000 } },
} as const;

/** How often stale counters are deleted (by whichever attempt comes first after that). */
const PRUNE_EVERY_MS = 15 * MINUTE;

/** Where a password attempt comes from: the caller's address (the gateway's `clientAddress`) and its request. */
export interface AttemptSource {
  clientAddress: string | null;
  /** This GraphQL request's state (lives in its loaders): at most one password attempt per request. */
  request: { passwordAttempted: boolean };
}

/** Where a resolver's password attempt comes from: the caller's address and this request. */
export const attemptSource = (context: Context): AttemptSource => ({
  clientAddress: context.clientAddress,
  request: context.loaders.request,
});

export function createPasswordAttempts(deps: ServiceDeps) {
  const { throttle } = deps.repos;
  let prunedAt = 0;

  /** Takes this request's one attempt; a second one is refused before any work. */
  function once(source: AttemptSource): void {
    if (source.request.passwordAttempted) throw onePerRequest();
    source.request.passwordAttempted = true;
  }

  return {
    once,

    /**
     * Runs `check` (one password check for `account`, an e-mail's SHA-256) if this request has not made one
     * and the throttle lets it; the hit is taken atomically BEFORE the check, so racing requests never get
     * more checks than the limits. A non-null result is a success.
     */
    async guard<T>(account: string, source: AttemptSource, check: () => Promise<T | null>): Promise<T | null> {
      once(source);
      const now = deps.now();
      const from = sha256(source.clientAddress ?? "unknown");
      const keys = {
        account: `password:account:${account}`,
        accountSource: `password:account:${account}:${from}`,
        source: `password:source:${from}`,
      };
      const verdict = await throttle.hit(
        [
          { key: keys.accountSource, ...PASSWORD_THROTTLE.perAccountAndSource },
          { key: keys.source, ...PASSWORD_THROTTLE.perSource },
          { key: keys.account, ...PASSWORD_THROTTLE.perAccount },
        ],
        now,
      );
      if (!verdict.allowed) throw tooManyRequests(retryAfterSeconds(verdict.retryAfterMs));
      const result = await check();
      if (result !== null) {
        await throttle.reset([keys.account, keys.accountSource]);
        await throttle.refund([keys.source]);
      }
      if (now.getTime() - prunedAt >= PRUNE_EVERY_MS) {
        prunedAt = now.getTime();
        await throttle.prune(now);
      }
      return result;
    },
  };
}

export type PasswordAttempts = ReturnType<typeof createPasswordAttempts>;
