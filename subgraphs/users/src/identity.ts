import type { Identity, Role } from "@sfe/kit";
import type { ApiKeyRow } from "./modules/api-keys/repository.js";
import type { OrganisationRow } from "./modules/organisations/repository.js";
import { CLOSED_ORGANISATION, type UserRow } from "./modules/accounts/repository.js";

/** Who may do what, from an `Identity` (the gateway's) or from rows (when issuing one). */

/** User statuses that may sign in: e-mail verified, not suspended or deactivated. */
const SIGN_IN_STATUSES: readonly UserRow["status"][] = ["ACTIVE", "PENDING_ROLE_VERIFICATION", "VERIFIED_SO"];

export const statusMaySignIn = (status: UserRow["status"]) => SIGN_IN_STATUSES.includes(status);

export const canSignIn = (user: UserRow, organisation: OrganisationRow) =>
  statusMaySignIn(user.status) && !CLOSED_ORGANISATION.includes(organisation.status);

/** The organisation's roles, less SYSTEM_OPERATOR until a hub administrator has verified the user (R-USR-2). */
export const effectiveRoles = (user: UserRow, organisation: OrganisationRow): Role[] =>
  organisation.roles.filter((role) => role !== "SYSTEM_OPERATOR" || user.status === "VERIFIED_SO");

/**
 * An API key acts with no more than its creator may do now: the creator's effective roles, less ADMIN (hub
 * administration is done by people) and less SYSTEM_OPERATOR unless the organisation is ACTIVE.
 */
export const apiKeyRoles = (organisation: OrganisationRow, creator: UserRow): Role[] =>
  effectiveRoles(creator, organisation).filter(
    (role) => role !== "ADMIN" && (role !== "SYSTEM_OPERATOR" || organisation.status === "ACTIVE"),
  );

/** A key is usable while its creator may sign in and still belongs to the key's (open) organisation. */
export const apiKeyUsable = (key: ApiKeyRow, organisation: OrganisationRow, creator: UserRow | null): creator is UserRow =>
  creator !== null && creator.organisationId === key.organisationId && canSignIn(creator, organisation);

/** The organisation's SO areas, for an identity acting as a (verified) system operator only. */
const areasFor = (roles: Role[], organisation: OrganisationRow) => (roles.includes("SYSTEM_OPERATOR") ? organisation.areas : []);

export function userIdentity(user: UserRow, organisation: OrganisationRow): Identity {
  const roles = effectiveRoles(user, organisation);
  return {
    kind: "user",
    userId: user.id,
    organisationId: organisation.id,
    roles,
    orgAdmin: user.orgAdmin,
    scopes: ["*"],
    areas: areasFor(roles, organisation),
  };
}

export function apiKeyIdentity(key: ApiKeyRow, organisation: OrganisationRow, creator: UserRow): Identity {
  const roles = apiKeyRoles(organisation, creator);
  return {
    kind: "apiKey",
    userId: null,
    organisationId: organisation.id,
    roles,
    orgAdmin: false,
    scopes: key.scopes,
    areas: areasFor(roles, organisation),
  };
}

export const isPerson = (identity: Identity | null): identity is Identity & { userId: string } =>
  identity?.kind === "user" && typeof identity.userId === "string";

/** A person whose organisation holds ADMIN: a hub administrator. */
export const isHubAdmin = (identity: Identity | null) => isPerson(identity) && identity.roles.includes("ADMIN");

/** A person who administers `organisationId`. */
export const isOrgAdmin = (identity: Identity | null, organisationId: string) =>
  isPerson(identity) && identity.orgAdmin && identity.organisationId === organisationId;

/** May read users-subgraph data at all: any person, or an API key with a users scope. */
export const canRead = (identity: Identity | null): identity is Identity =>
  identity !== null &&
  (identity.kind === "user" || identity.scopes.some((scope) => scope === "*" || scope === "users:read" || scope === "users:write"));

/** Acts for `organisationId` (a member, or its API key with a users scope). */
export const isMember = (identity: Identity | null, organisationId: string) =>
  canRead(identity) && identity.organisationId === organisationId;

/** Yourself, a member of your organisation, or anyone for a hub administrator. */
export const canSeeUser = (identity: Identity | null, user: UserRow) =>
  isHubAdmin(identity) || (isPerson(identity) && identity.userId === user.id) || isMember(identity, user.organisationId);

/** The signed-in caller a mutation's policy admitted (its resolvers get a typed actor). */
export const actor = (identity: Identity | null): Identity & { userId: string } => {
  if (!identity?.userId) throw new Error("the policy let an anonymous caller through"); // never: see the modules' policy.ts
  return identity as Identity & { userId: string };
};
