import { pgSchema } from "drizzle-orm/pg-core";

/** The rules subgraph's Postgres schema, apart from schema.ts so modules' tables.ts (re-exported there) import it without a cycle. */
export const rulesSchema = pgSchema("rules");
