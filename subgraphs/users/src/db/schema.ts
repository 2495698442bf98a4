import { auditColumns, defineLifecycle, type Role, throttleTable } from "@sfe/kit";
import { bigint, boolean, index, jsonb, pgSchema, text, timestamp, unique, uuid } from "drizzle-orm/pg-core";

export const usersSchema = pgSchema("users");

const at = (name: string) => timestamp(name, { withTimezone: true });
const timestamps = {
  createdAt: at("created_at").notNull().defaultNow(),
  updatedAt: at("updated_at").notNull().defaultNow(),
};

export type OrganisationStatus = "PENDING_VERIFICATION" | "ACTIVE" | "SUSPENDED" | "DEREGISTRATION_REQUESTED" | "INACTIVE";
export type UserStatus =
  | "PENDING_EMAIL_VERIFICATION"
  | "ACTIVE"
  | "PENDING_ROLE_VERIFICATION"
  | "VERIFIED_SO"
  | "SUSPENDED"
  | "DEACTIVATED";

// Lifecycles as data: every status change of an organisation or a user goes through the kit's guardedUpdate,
// which checks it against these with the row locked (CONFLICT naming both statuses otherwise). Setting the
// status a record has writes nothing. A move's own narrower rule (only a hub administrator reinstates; a
// reinstatement is not a verification) stays with the move, in the repositories.

/**
 * Organisations: signed up PENDING_VERIFICATION (registered by the hub ACTIVE); verified (SO verification, or
 * a hub administrator) ACTIVE; suspended by a hub administrator; de-registered INACTIVE from any live status;
 * reinstated ACTIVE from SUSPENDED, DEREGISTRATION_REQUESTED or INACTIVE.
 */
export const organisationLifecycle = defineLifecycle<OrganisationStatus>("Organisation", {
  PENDING_VERIFICATION: ["ACTIVE", "SUSPENDED", "INACTIVE"],
  ACTIVE: ["SUSPENDED", "DEREGISTRATION_REQUESTED", "INACTIVE"],
  SUSPENDED: ["ACTIVE", "INACTIVE"],
  DEREGISTRATION_REQUESTED: ["ACTIVE", "SUSPENDED", "INACTIVE"],
  INACTIVE: ["ACTIVE"],
});

/**
 * Users: the e-mail link makes them ACTIVE (PENDING_ROLE_VERIFICATION when they claim SYSTEM_OPERATOR); a hub
 * administrator verifies a system operator (VERIFIED_SO); a role change to or from SYSTEM_OPERATOR moves
 * between ACTIVE and PENDING_ROLE_VERIFICATION / VERIFIED_SO; a hub administrator suspends or deactivates
 * anyone and reactivates (ACTIVE) the suspended and the deactivated.
 */
export const userLifecycle = defineLifecycle<UserStatus>("User", {
  PENDING_EMAIL_VERIFICATION: ["ACTIVE", "PENDING_ROLE_VERIFICATION", "SUSPENDED", "DEACTIVATED"],
  ACTIVE: ["PENDING_ROLE_VERIFICATION", "VERIFIED_SO", "SUSPENDED", "DEACTIVATED"],
  PENDING_ROLE_VERIFICATION: ["ACTIVE", "VERIFIED_SO", "SUSPENDED", "DEACTIVATED"],
  VERIFIED_SO: ["ACTIVE", "SUSPENDED", "DEACTIVATED"],
  SUSPENDED: ["ACTIVE", "DEACTIVATED"],
  DEACTIVATED: ["ACTIVE"],
});

export const organisations = usersSchema.table(
  "organisations",
  {
    id: uuid().primaryKey().defaultRandom(),
    name: text().notNull(),
    companyNumber: text("company_number").unique("organisations_company_number_unique"),
    roles: text().array().$type<Role[]>().notNull(),
    status: text().$type<OrganisationStatus>().notNull().default("ACTIVE"),
    ...timestamps,
    /** A system operator's area: the GSP groups it covers (`_A` … `_P`), or ["*"] for a national SO. */
    areas: text().array().notNull().default([]),
  },
  (t) => [index("organisations_name_idx").on(t.name)],
);

export const users = usersSchema.table(
  "users",
  {
    id: uuid().primaryKey().defaultRandom(),
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    email: text().notNull().unique("users_email_unique"),
    name: text().notNull(),
    role: text().$type<Role>().notNull(),
    status: text().$type<UserStatus>().notNull().default("PENDING_EMAIL_VERIFICATION"),
    ...timestamps,
    orgAdmin: boolean("org_admin").notNull().default(false),
    /** `scrypt$N$r$p$salt$hash` (base64); null for users who only sign in with SSO or were seeded. */
    passwordHash: text("password_hash"),
    emailVerifiedAt: at("email_verified_at"),
    lastSignInAt: at("last_sign_in_at"),
    /** The OpenID Connect issuer and subject this user signs in with, once linked. */
    ssoIssuer: text("sso_issuer"),
    ssoSubject: text("sso_subject"),
    /** Access tokens issued before this (a password change) are no longer good; null: none refused. */
    sessionsValidAfter: at("sessions_valid_after"),
  },
  (t) => [index("users_organisation_idx").on(t.organisationId), unique("users_sso_identity_unique").on(t.ssoIssuer, t.ssoSubject)],
);

/** One-time e-mail verification links: only the SHA-256 of the token is kept. */
export const emailVerifications = usersSchema.table(
  "email_verifications",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    tokenHash: text("token_hash").notNull().unique("email_verifications_token_hash_unique"),
    expiresAt: at("expires_at").notNull(),
    usedAt: at("used_at"),
    createdAt: at("created_at").notNull(),
  },
  (t) => [index("email_verifications_user_idx").on(t.userId)],
);

/** Invitations to join an organisation: only the SHA-256 of the token is kept. */
export const invitations = usersSchema.table(
  "invitations",
  {
    id: uuid().primaryKey().defaultRandom(),
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    email: text().notNull(),
    role: text().$type<Role>().notNull(),
    tokenHash: text("token_hash").notNull().unique("invitations_token_hash_unique"),
    invitedByUserId: uuid("invited_by_user_id"),
    expiresAt: at("expires_at").notNull(),
    acceptedAt: at("accepted_at"),
    createdAt: at("created_at").notNull(),
  },
  (t) => [index("invitations_organisation_idx").on(t.organisationId)],
);

/** The ES256 key pairs access tokens are signed with; shared by every replica, public halves published as JWKS. */
export const signingKeys = usersSchema.table("signing_keys", {
  kid: text().primaryKey(),
  privateJwk: jsonb("private_jwk").$type<Record<string, unknown>>().notNull(),
  publicJwk: jsonb("public_jwk").$type<Record<string, unknown>>().notNull(),
  createdAt: at("created_at").notNull().defaultNow(),
});

/** Rotating refresh tokens (SHA-256 only); one family per sign-in, so reuse of a rotated token revokes the family. */
export const refreshTokens = usersSchema.table(
  "refresh_tokens",
  {
    id: uuid().primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    familyId: uuid("family_id").notNull(),
    tokenHash: text("token_hash").notNull().unique("refresh_tokens_token_hash_unique"),
    expiresAt: at("expires_at").notNull(),
    revokedAt: at("revoked_at"),
    /** The token this one was swapped for by `refreshSession`. */
    replacedBy: uuid("replaced_by"),
    createdAt: at("created_at").notNull(),
  },
  (t) => [index("refresh_tokens_family_idx").on(t.familyId), index("refresh_tokens_user_idx").on(t.userId)],
);

/**
 * Password attempts (sign-in and password changes): the kit's atomic counters, keyed by hashes of the
 * account's e-mail and of the caller's address (src/modules/sessions/throttle.ts).
 */
export const throttleCounters = throttleTable(usersSchema);

/** API keys of third-party platforms: only the SHA-256 of the whole key is kept. */
export const apiKeys = usersSchema.table(
  "api_keys",
  {
    id: uuid().primaryKey().defaultRandom(),
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    name: text().notNull(),
    prefix: text().notNull().unique("api_keys_prefix_unique"),
    secretHash: text("secret_hash").notNull().unique("api_keys_secret_hash_unique"),
    scopes: text().array().notNull(),
    createdByUserId: uuid("created_by_user_id"),
    createdAt: at("created_at").notNull(),
    lastUsedAt: at("last_used_at"),
    revokedAt: at("revoked_at"),
  },
  (t) => [index("api_keys_organisation_idx").on(t.organisationId)],
);

/**
 * The append-only audit trail: the kit's `auditEventsTable` columns plus `organisation_id`, the organisation
 * concerned, so an organisation can read its own trail (written by repositories/audit.ts).
 */
export const auditEvents = usersSchema.table(
  "audit_events",
  {
    ...auditColumns(),
    organisationId: uuid("organisation_id"),
    /** Write order: events of one transaction can share a timestamp, so the trail is ordered by this. */
    seq: bigint("seq", { mode: "number" }).generatedAlwaysAsIdentity(),
  },
  (t) => [index("audit_events_organisation_idx").on(t.organisationId, t.occurredAt)],
);
