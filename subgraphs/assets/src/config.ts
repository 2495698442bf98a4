import { parseConfig, z } from "@sfe/kit";
import { type CarClient, createCarClient } from "./clients/car.js";

/** What the assets subgraph reads besides the kit's variables. */
export const assetsEnv = {
  /** The Central Asset Register's base URL (the stand-in in registries/car listens on 4100). */
  CAR_URL: z.string().url().default("http://127.0.0.1:4100"),
  /** Per-attempt timeout of a CAR call; with two retries a call is bounded by about 3× this. */
  CAR_TIMEOUT_MS: z.coerce.number().int().min(50).max(10_000).default(800),
  /** How long CAR answers are reused (0 turns the cache off). */
  CAR_CACHE_TTL_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
};

/** The assets subgraph's own dependencies, from its settings (the environment, via index.ts or the stack). */
export function assetsSettings(env: Record<string, string | undefined>): { car: CarClient } {
  const config = parseConfig(assetsEnv, env);
  return { car: createCarClient({ baseUrl: config.CAR_URL, timeoutMs: config.CAR_TIMEOUT_MS, cacheTtlMs: config.CAR_CACHE_TTL_MS }) };
}
