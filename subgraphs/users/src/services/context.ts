import { SfeError } from "@sfe/kit";
import type { OidcIssuer } from "../clients/oidc.js";
import type { PasswordVerifier } from "../crypto.js";
import type { Mail, Mailer } from "../mail.js";
import type { Repositories } from "../repositories/index.js";
import type { TokenIssuer } from "../tokens.js";

/** What the identity services are built from (see `createUsersSubgraph`). */
export interface ServiceDeps {
  repos: Repositories;
  mailer: Mailer;
  /** Where the hub's front end lives: links in mails point there. */
  publicUrl: string;
  now: () => Date;
  tokens: TokenIssuer;
  oidcIssuers: readonly OidcIssuer[];
  /** Every password check goes through this (an unknown account's too, against no hash: the same work). */
  verifyPassword: PasswordVerifier;
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const later = (from: Date, ms: number) => new Date(from.getTime() + ms);

/** A link to the front end carrying a token. */
export const link = (deps: ServiceDeps, path: string, token: string) =>
  `${deps.publicUrl.replace(/\/+$/, "")}${path}?token=${encodeURIComponent(token)}`;

/** Sends after the change is committed; a mail server failure is reported, never masked as success. */
export async function send(deps: ServiceDeps, mail: Mail): Promise<void> {
  try {
    await deps.mailer.send(mail);
  } catch (error) {
    console.error("mail not sent:", error);
    throw new SfeError("UPSTREAM_UNAVAILABLE", "The e-mail could not be sent; try again later", { service: "mail" });
  }
}
