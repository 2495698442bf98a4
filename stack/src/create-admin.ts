/**
 * `npm run create-admin`: creates the first hub administrator (ADMIN_EMAIL, ADMIN_PASSWORD, ADMIN_NAME)
 * in the database the hub uses (DATABASE_URL, or the embedded PGlite folder). Stop `npm start` first on
 * the embedded default: one process at a time may open a PGlite folder.
 */
import { exitWith, migrateSubgraph, openDatabase, parseConfig, subgraphEnv, z } from "@sfe/kit";
import { usersModule } from "@sfe/users";
import { ensureAdministrator } from "./accounts.js";

try {
  const { DATABASE_URL, PGLITE_DIR } = parseConfig(subgraphEnv(4000), process.env);
  const admin = parseConfig(
    {
      ADMIN_EMAIL: z.string().email("must be an e-mail address"),
      ADMIN_PASSWORD: z.string().min(12, "must be at least 12 characters"),
      ADMIN_NAME: z.string().min(1).default("Hub administrator"),
    },
    process.env,
  );
  const database = await openDatabase({ url: DATABASE_URL, dataDir: PGLITE_DIR });
  try {
    await migrateSubgraph(database, usersModule.name, usersModule.migrationsFolder);
    const result = await ensureAdministrator(database.db, {
      email: admin.ADMIN_EMAIL,
      password: admin.ADMIN_PASSWORD,
      name: admin.ADMIN_NAME,
    });
    console.log(result.created ? `administrator ${admin.ADMIN_EMAIL} created` : `${admin.ADMIN_EMAIL} exists already: unchanged`);
  } finally {
    await database.close();
  }
} catch (error) {
  exitWith(error);
}
