/**
 * `npm run verify-audit`: recomputes every subgraph's audit-trail hash chain in the database the hub uses
 * (DATABASE_URL, or the embedded PGlite folder: stop `npm start` first, one process at a time may open it)
 * and names the first broken link of each. Exits 1 when any trail is broken, 0 when every link holds.
 */
import { type AuditChainReport, exitWith, openDatabase, parseConfig, subgraphEnv, verifyAuditChain } from "@sfe/kit";
import { SUBGRAPH_MODULES } from "./modules.js";

export function describeReport({ schema, events, firstBroken }: AuditChainReport): string {
  if (!firstBroken) return `${schema.padEnd(13)} ${events} events, every link holds`;
  const where = firstBroken.id ? `event ${firstBroken.chainIndex} (${firstBroken.id})` : `after event ${events}`;
  return `${schema.padEnd(13)} BROKEN at ${where}: ${firstBroken.reason}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const { DATABASE_URL, PGLITE_DIR } = parseConfig(subgraphEnv(4000), process.env);
    const database = await openDatabase({ url: DATABASE_URL, dataDir: PGLITE_DIR });
    try {
      const reports = [];
      for (const { name } of SUBGRAPH_MODULES) reports.push(await verifyAuditChain(database.db, name));
      for (const report of reports) console.log(describeReport(report));
      process.exitCode = reports.some((report) => report.firstBroken) ? 1 : 0;
    } finally {
      await database.close();
    }
  } catch (error) {
    exitWith(error);
  }
}
