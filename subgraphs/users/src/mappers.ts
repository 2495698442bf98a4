import type { organisations, users } from "./db/schema.js";

/** Row types resolvers return; codegen maps the GraphQL types onto them. */
export type OrganisationMapper = typeof organisations.$inferSelect;
export type UserMapper = typeof users.$inferSelect;
