import { parseConfig, z } from "@sfe/kit";
import { type Mailer, outboxMailer, smtpMailer } from "./mail.js";
import type { OidcIssuer } from "./clients/oidc.js";

/** What the users subgraph reads besides the kit's variables (PORT, DATABASE_URL, SUBGRAPH_SECRET, …). */
export const usersEnv = {
  /** smtp:// or smtps:// URL; without it mails go to OUTBOX_DIR/outbox.jsonl. */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL")
    .optional(),
  OUTBOX_DIR: z.string().min(1).default(".data/outbox"),
  /** The front end's URL: links in mails point there. */
  PUBLIC_URL: z.string().url().default("http://127.0.0.1:4000"),
  /** JSON: [{ "issuer": "https://…", "jwksUrl": "https://…/jwks", "audience": "client-id" }] */
  OIDC_ISSUERS: z
    .string()
    .default("[]")
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "must be a JSON array" });
        return z.NEVER;
      }
    })
    .pipe(z.array(z.object({ issuer: z.string().min(1), jwksUrl: z.string().url(), audience: z.string().min(1) }))),
};

/** The users subgraph's own dependencies, from its settings (the environment, in index.ts and the stack). */
export function usersSettings(env: Record<string, string | undefined>): {
  mailer: Mailer;
  publicUrl: string;
  auth: { oidcIssuers: OidcIssuer[] };
} {
  const config = parseConfig(usersEnv, env);
  return {
    mailer: config.SMTP_URL ? smtpMailer(config.SMTP_URL) : outboxMailer(config.OUTBOX_DIR),
    publicUrl: config.PUBLIC_URL,
    auth: { oidcIssuers: config.OIDC_ISSUERS },
  };
}
