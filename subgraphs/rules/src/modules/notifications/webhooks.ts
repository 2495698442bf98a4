import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { badInput, parseConfig, webhookHeaders, z } from "@sfe/kit";
import type { NotificationsRepository } from "./repository.js";

/** The notification module's settings (rules' index.ts / the stack pass the environment). */
export const notificationSettingsShape = {
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  /** Encrypts webhook secrets at rest (any string of 32+ characters; in production without it no endpoint can be made). */
  WEBHOOK_SECRET_KEY: z.string().min(32).optional(),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(8),
  /** The first retry's wait; each next one doubles, ±50 % jitter. */
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(1).max(3_600_000).default(30_000),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  WEBHOOK_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  /** SSE heartbeat comment interval on the live stream. */
  NOTIFICATION_HEARTBEAT_MS: z.coerce.number().int().min(50).max(300_000).default(15_000),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL")
    .optional(),
  OUTBOX_DIR: z.string().min(1).default(".data/outbox"),
};

export interface NotificationSettings {
  production: boolean;
  /** Null in production without WEBHOOK_SECRET_KEY: webhooks are off (createWebhookEndpoint refuses). */
  secretKey: Buffer | null;
  maxAttempts: number;
  retryBaseMs: number;
  timeoutMs: number;
  pollMs: number;
  heartbeatMs: number;
  smtpUrl: string | undefined;
  outboxDir: string;
}

const DEVELOPMENT_KEY = "sfe-hub development webhook secret key, not for production";

export function notificationSettings(env: Record<string, string | undefined>): NotificationSettings {
  const config = parseConfig(notificationSettingsShape, env);
  const production = config.NODE_ENV === "production";
  const key = config.WEBHOOK_SECRET_KEY ?? (production ? undefined : DEVELOPMENT_KEY);
  return {
    production,
    secretKey: key === undefined ? null : createHash("sha256").update(key).digest(),
    maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
    retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    pollMs: config.WEBHOOK_POLL_MS,
    heartbeatMs: config.NOTIFICATION_HEARTBEAT_MS,
    smtpUrl: config.SMTP_URL,
    outboxDir: config.OUTBOX_DIR,
  };
}

// Secrets ------------------------------------------------------------------------------------------------------------

/** A new endpoint secret: shown once; `prefix` names it afterwards. */
export function newWebhookSecret(): { secret: string; prefix: string } {
  const secret = `whsec_${randomBytes(32).toString("base64url")}`;
  return { secret, prefix: secret.slice(0, 12) };
}

/**
 * Signing needs the secret itself (a hash cannot sign), so it is kept encrypted: AES-256-GCM, a fresh 96-bit IV each,
 * `v1.<iv>.<tag>.<ciphertext>` in base64url. A database dump without the key reveals no secret.
 */
export function encryptSecret(key: Buffer, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const ciphertext = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return ["v1", iv, cipher.getAuthTag(), ciphertext]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
    .join(".");
}

export function decryptSecret(key: Buffer, stored: string): string {
  const [version, iv, tag, ciphertext] = stored.split(".");
  if (version !== "v1" || !iv || !tag || !ciphertext) throw new Error("unreadable webhook secret");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
}

// URLs ---------------------------------------------------------------------------------------------------------------

/**
 * Loopback, private, link-local, carrier-grade NAT, unspecified, multicast and reserved ranges, IPv4 and IPv6 (an
 * IPv4-mapped IPv6 address is judged as its IPv4 address; BlockList would match IPv4 against mapped IPv6 rules).
 */
const NOT_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 3],
] as const)
  NOT_PUBLIC.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  NOT_PUBLIC.addSubnet(net, prefix, "ipv6");

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6 && address.toLowerCase().startsWith("::ffff:")) {
    const v4 = address.slice(7);
    if (isIP(v4) === 4) return !NOT_PUBLIC.check(v4, "ipv4");
  }
  return !NOT_PUBLIC.check(address, family === 4 ? "ipv4" : "ipv6");
}

/**
 * An endpoint URL, or BAD_USER_INPUT naming `url` with a `reason`: http(s) only, no credentials, at most 2,000
 * characters; in production https only and every address its host resolves to public (not loopback, private or
 * link-local). Development and tests allow http and loopback receivers.
 */
export async function checkWebhookUrl(raw: string, production: boolean, resolve = defaultResolve): Promise<string> {
  const refuse = (reason: string, message: string) => {
    const error = badInput(`url: ${message}`, "url");
    error.extensions.reason = reason;
    return error;
  };
  if (raw.length > 2000) throw refuse("TOO_LONG", "at most 2000 characters");
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse("INVALID_URL", "not a URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw refuse("SCHEME", "must be https");
  if (url.username || url.password) throw refuse("CREDENTIALS", "must not carry a user name or password");
  if (!production) return url.toString();
  if (url.protocol !== "https:") throw refuse("HTTPS_REQUIRED", "must be https");
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch {
    throw refuse("UNRESOLVABLE", `${host} does not resolve`);
  }
  if (addresses.length === 0) throw refuse("UNRESOLVABLE", `${host} does not resolve`);
  const inner = addresses.find((address) => !isPublicAddress(address));
  if (inner) throw refuse("PRIVATE_ADDRESS", `${host} resolves to ${inner}, a loopback, private or link-local address`);
  return url.toString();
}

const defaultResolve = async (host: string) => (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

// Delivery -----------------------------------------------------------------------------------------------------------

/** The wait before retry `attempt` (1 = the first retry): base × 2^(attempt−1), ±50 % jitter, at most a day. */
export function retryDelayMs(baseMs: number, attempt: number, random = Math.random): number {
  const exponential = Math.min(baseMs * 2 ** Math.max(0, attempt - 1), 86_400_000);
  return Math.round(exponential * (0.5 + random()));
}

export interface WebhookDispatcher {
  /** One pass now (also made after each batch of received events). */
  flush(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Sends due deliveries: POST of the stored body, signed at each attempt (kit webhookHeaders: id, timestamp,
 * HMAC-SHA256 over `timestamp.body`); a 2xx is DELIVERED; anything else (a status, a timeout, a refused
 * address) RETRYING with backoff until `maxAttempts`, then DEAD_LETTER. Redirects are not followed.
 */
export function startWebhookDispatcher(
  repo: NotificationsRepository,
  settings: NotificationSettings,
  log = console.error,
): WebhookDispatcher {
  let running: Promise<number> | undefined;
  let stopped = false;
  async function attempt(delivery: Awaited<ReturnType<NotificationsRepository["claimDue"]>>[number]): Promise<void> {
    const { delivery: row, endpoint } = delivery;
    const attemptNumber = row.attempts + 1;
    const fail = (statusCode: number | null, error: string) =>
      repo.recordAttempt(row.id, {
        delivered: false,
        statusCode,
        error,
        retryInMs: attemptNumber >= settings.maxAttempts ? null : retryDelayMs(settings.retryBaseMs, attemptNumber),
      });
    if (!endpoint.active) return void (await fail(null, "endpoint inactive"));
    try {
      // Checked again at each attempt: a host may come to resolve to an inner address after it was saved.
      await checkWebhookUrl(endpoint.url, settings.production);
    } catch (error) {
      return void (await fail(null, (error as Error).message));
    }
    try {
      if (!settings.secretKey) return void (await fail(null, "webhooks are not configured (WEBHOOK_SECRET_KEY)"));
      const secret = decryptSecret(settings.secretKey, endpoint.secretCiphertext);
      // fetch, not following redirects: a 3xx is a failed attempt, never a hop to another host.
      const response = await fetch(endpoint.url, {
        method: "POST",
        redirect: "manual",
        headers: {
          "content-type": "application/json",
          "user-agent": "SFE-Hub-Webhooks/1",
          ...webhookHeaders(secret, row.eventId, row.body),
        },
        body: row.body,
        signal: AbortSignal.timeout(settings.timeoutMs),
      });
      await response.body?.cancel().catch(() => {});
      const statusCode = response.status;
      if (statusCode >= 200 && statusCode < 300) await repo.recordAttempt(row.id, { delivered: true, statusCode });
      else await fail(statusCode, `the endpoint answered ${statusCode}`);
    } catch (error) {
      await fail(null, (error as Error).message || "the endpoint did not answer");
    }
  }
  async function pass(): Promise<number> {
    const due = await repo.claimDue(50, settings.timeoutMs * 3);
    await Promise.all(due.map((delivery) => attempt(delivery).catch((error) => log(`webhook delivery ${delivery.delivery.id}: ${error}`))));
    return due.length;
  }
  const flush = (): Promise<number> => {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    if (!stopped && !running) flush().catch((error) => log(`webhook dispatcher: ${(error as Error).message}`));
  }, settings.pollMs);
  timer.unref();
  return {
    flush,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
