import { isUuid, parseConfig, z } from "@sfe/kit";
import type { SoProductApiConfig } from "./catalogue.js";

const api = z.object({
  /** Unique; names the API in `Product.source` and in errors (`extensions.registry`). Default `<kind>-products`. */
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,39}$/, "must be 2–40 lower-case letters, digits or '-', starting with a letter")
    .optional(),
  /** The contract it speaks: the adapter that translates it. */
  kind: z.enum(["neso", "dso"]),
  /** The organisation (system operator) that publishes the products: their owner in the hub. */
  operatorId: z.string().refine(isUuid, "must be an organisation id (UUID)"),
  url: z.string().url(),
});

/** What the SO product APIs module reads (through the products subgraph's settings). */
export const soProductApisEnv = {
  /** A JSON list of the SO product APIs: [{"kind":"neso","operatorId":"<org uuid>","url":"http://…","name"?:"…"}]. */
  SO_PRODUCT_APIS: z
    .string()
    .default("[]")
    .transform((text, context) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        context.addIssue({ code: "custom", message: "must be a JSON list" });
        return z.NEVER;
      }
    })
    .pipe(z.array(api))
    .transform((apis) => apis.map((a) => ({ ...a, name: a.name ?? `${a.kind}-products` })))
    .refine(
      (apis) => new Set(apis.map((a) => a.name)).size === apis.length,
      "names must be unique (give two APIs of one kind a name each)",
    ),
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
