import type { IncomingHttpHeaders } from "node:http";

/** Roles an organisation (and so its users) may hold: ARCHITECTURE.md, "Entities and who owns them". */
export const ROLES = ["FSP", "SYSTEM_OPERATOR", "INVESTOR", "THIRD_PARTY", "ADMIN", "REGULATOR"] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, as established by the gateway and forwarded to every subgraph. */
export interface Identity {
  /** A signed-in person, or a third-party platform's API key. */
  kind: "user" | "apiKey";
  /** The person (null for an API key). */
  userId: string | null;
  /** The organisation acted for. */
  organisationId: string | null;
  /**
   * Effective roles: the organisation's roles, less SYSTEM_OPERATOR until a hub administrator has
   * verified the account (an unverified SO can do nothing an SO can do).
   */
  roles: Role[];
  /** May manage the organisation: members, roles, API keys. */
  orgAdmin: boolean;
  /** What an API key may do, e.g. "assets:read", "transactions:write"; ["*"] for a person. */
  scopes: string[];
  /** A system operator's area: the GSP groups it covers (`_A` … `_P`), or ["*"] for a national SO. */
  areas: string[];
}

/** The header the gateway forwards the caller's identity in (JSON). */
export const IDENTITY_HEADER = "x-sfe-identity";
/** The header carrying the gateway's shared secret, when one is configured. */
export const SECRET_HEADER = "x-sfe-gateway-secret";

/** The header the gateway forwards the caller's network address in. */
export const CLIENT_ADDRESS_HEADER = "x-sfe-client-address";

/** The forwarded client address, or null. */
export function readClientAddress(headers: IncomingHttpHeaders | Headers): string | null {
  const raw = headers instanceof Headers ? headers.get(CLIENT_ADDRESS_HEADER) : headers[CLIENT_ADDRESS_HEADER];
  return typeof raw === "string" && raw !== "" && raw.length <= 64 ? raw : null;
}

/** Reads the forwarded identity; absent or malformed means anonymous. */
export function readIdentity(headers: IncomingHttpHeaders | Headers): Identity | null {
  const raw = headers instanceof Headers ? headers.get(IDENTITY_HEADER) : headers[IDENTITY_HEADER];
  if (typeof raw !== "string" || raw === "") return null;
  try {
    const value = JSON.parse(raw) as Partial<Identity>;
    const roles = (value.roles ?? []).filter((r): r is Role => (ROLES as readonly string[]).includes(r));
    return {
      kind: value.kind === "apiKey" ? "apiKey" : "user",
      userId: value.userId ?? null,
      organisationId: value.organisationId ?? null,
      roles,
      orgAdmin: value.orgAdmin === true,
      scopes: strings(value.scopes),
      areas: strings(value.areas),
    };
  } catch {
    return null;
  }
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((s): s is string => typeof s === "string") : []);

/** Whether an SO's area covers a GSP group (a national SO covers everything, including unknown). */
export const areaCovers = (identity: Identity, gspGroup: string | null) =>
  identity.areas.includes("*") || (gspGroup !== null && identity.areas.includes(gspGroup));
