import { isUuid, namedJsonList, parseConfig, settingName, z } from "@sfe/kit";
import type { SoProductApiConfig } from "./catalogue.js";

const api = z.object({
  /** Unique; names the API in `Product.source` and in errors (`extensions.registry`). Default `<kind>-products`. */
  name: settingName.optional(),
  /** The contract it speaks: the adapter that translates it. */
  kind: z.enum(["neso", "dso"]),
  /** The organisation (system operator) that publishes the products: their owner in the hub. */
  operatorId: z.string().refine(isUuid, "must be an organisation id (UUID)"),
  url: z.string().url(),
});

/** What the SO product APIs module reads (through the products subgraph's settings). */
export const soProductApisEnv = {
  /** A JSON list of the SO product APIs: [{"kind":"neso","operatorId":"<org uuid>","url":"http://…","name"?:"…"}]. */
  SO_PRODUCT_APIS: namedJsonList(api, (a) => `${a.kind}-products`, "names must be unique (give two APIs of one kind a name each)"),
  /** Per-attempt timeout of an SO product API call; with the retries a call is bounded by about 3× this. */
  SO_PRODUCT_API_TIMEOUT_MS: z.coerce.number().int().min(50).max(10_000).default(800),
  /** How long listings and products are reused (0 turns the cache off). */
  SO_PRODUCT_API_CACHE_TTL_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
};

export function soProductApisSettings(env: Record<string, string | undefined>): {
  apis: SoProductApiConfig[];
  timeoutMs: number;
  cacheTtlMs: number;
} {
  const config = parseConfig(soProductApisEnv, env);
  return { apis: config.SO_PRODUCT_APIS, timeoutMs: config.SO_PRODUCT_API_TIMEOUT_MS, cacheTtlMs: config.SO_PRODUCT_API_CACHE_TTL_MS };
}
