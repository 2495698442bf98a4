import { z } from "zod";
import { loadIdentityKey } from "./identity-token.js";

/** A configuration value is wrong: start-up stops with one line naming the variable. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses `env` against `shape`; the first problem becomes one line that names the variable. */
export function parseConfig<S extends z.ZodRawShape>(shape: S, env: Record<string, string | undefined>): z.infer<z.ZodObject<S>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const variable = String(issue?.path[0] ?? "(unknown)");
  const value = env[variable];
  // A variable holding JSON (a list of settings) names where inside it the problem is.
  const inside = (issue?.path.length ?? 0) > 1 ? ` at ${issue!.path.slice(1).join(".")}` : "";
  throw new ConfigError(
    `Invalid configuration: ${variable}=${value === undefined ? "(unset)" : JSON.stringify(value)}${inside}: ${issue?.message ?? "invalid"}`,
  );
}

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/** The gateway's identity-token key (PKCS#8 PEM, P-256), shared by the gateway and the hub's subgraphs. */
export const identitySigningKey = z
  .string()
  .refine((pem) => {
    try {
      loadIdentityKey(pem);
      return true;
    } catch {
      return false;
    }
  }, "must be a PKCS#8 PEM P-256 private key (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256)")
  .optional();

/** The variables every subgraph reads. Defaults run the embedded setup. */
export const subgraphEnv = (defaultPort: number) => ({
  PORT: port(defaultPort),
  HOST: z.string().min(1).default("127.0.0.1"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
    .optional(),
  PGLITE_DIR: z.string().min(1).default(".data/pglite"),
  IDENTITY_SIGNING_KEY: identitySigningKey,
});

/** A setting's name for a configured external API: 2–40 lower-case letters, digits or '-', starting with a letter. */
export const settingName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{1,39}$/, "must be 2–40 lower-case letters, digits or '-', starting with a letter");

/**
 * A setting holding a JSON list of configured APIs (SO product APIs, SO rules APIs): each checked by `item`, named as
 * given or by `defaultName`, the names unique (they name the API in errors and in `/readyz`).
 */
export function namedJsonList<I extends { name?: string | undefined }>(
  item: z.ZodType<I>,
  defaultName: (item: I, index: number) => string,
  duplicateMessage = "names must be unique",
) {
  return z
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
    .pipe(z.array(item))
    .transform((items) => items.map((entry, i) => ({ ...entry, name: entry.name ?? defaultName(entry, i) })))
    .refine((items) => new Set(items.map((entry) => entry.name)).size === items.length, duplicateMessage);
}

export { port, z };
