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

/** The header the gateway (and a subgraph looking up another's entities) sends its identity token in. */
export const IDENTITY_HEADER = "x-sfe-identity";

/** An identity from a verified token's claim; anything malformed in it is dropped, never trusted. */
export function parseIdentity(raw: unknown): Identity {
  const value = (typeof raw === "object" && raw !== null ? raw : {}) as Partial<Identity>;
  const roles = strings(value.roles).filter((r): r is Role => (ROLES as readonly string[]).includes(r));
  return {
    kind: value.kind === "apiKey" ? "apiKey" : "user",
    userId: typeof value.userId === "string" ? value.userId : null,
    organisationId: typeof value.organisationId === "string" ? value.organisationId : null,
    roles,
    orgAdmin: value.orgAdmin === true,
    scopes: strings(value.scopes),
    areas: strings(value.areas),
  };
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((s): s is string => typeof s === "string") : []);

/** Whether an SO's area covers a GSP group (a national SO covers everything, including unknown). */
export const areaCovers = (identity: Identity, gspGroup: string | null) =>
  identity.areas.includes("*") || (gspGroup !== null && identity.areas.includes(gspGroup));
