import { auditEventsTable, type Role } from "@sfe/kit";
import { index, pgSchema, text, timestamp, uuid } from "drizzle-orm/pg-core";

export const usersSchema = pgSchema("users");

const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
};

export type OrganisationStatus = "PENDING_VERIFICATION" | "ACTIVE" | "SUSPENDED" | "DEREGISTRATION_REQUESTED" | "INACTIVE";
export type UserStatus =
  | "PENDING_EMAIL_VERIFICATION"
  | "ACTIVE"
  | "PENDING_ROLE_VERIFICATION"
  | "VERIFIED_SO"
  | "SUSPENDED"
  | "DEACTIVATED";

export const organisations = usersSchema.table(
  "organisations",
  {
    id: uuid().primaryKey().defaultRandom(),
    name: text().notNull(),
    companyNumber: text("company_number").unique("organisations_company_number_unique"),
    roles: text().array().$type<Role[]>().notNull(),
    status: text().$type<OrganisationStatus>().notNull().default("ACTIVE"),
    ...timestamps,
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
  },
  (t) => [index("users_organisation_idx").on(t.organisationId)],
);

export const auditEvents = auditEventsTable(usersSchema);
