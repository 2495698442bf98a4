// The demo's conflicts are what the conflict detector (the rules subgraph's, issue 11 item 4) records over the demo's
// commitments, the real UKPN dispatches among them — not a list computed here. Run by the seed once its rows are in,
// before the subgraphs start: the commitments are read by the transactions subgraph's own reader (the code of its
// POST /internal/commitments), the assets' capability and the SOs' areas from the rows the assets and users
// subgraphs own (what their entity lookups answer), then the rules subgraph's recordFound records and flags.
import { assets } from "@sfe/assets/db";
import type { Database, EntityReferences } from "@sfe/kit";
import { createRepositories } from "@sfe/rules";
import { type Commitment, recordFound } from "@sfe/rules/conflicts";
import { readCommitments } from "@sfe/transactions/commitments";
import { dispatchInstructions } from "@sfe/transactions/db";
import { organisations } from "@sfe/users/db";
import { inArray } from "drizzle-orm";

/** Entity lookups of the two fields the detector reads (Asset capacities, Organisation areas), from their rows. */
function rowReferences(db: Database): EntityReferences {
  return {
    missing: async () => [],
    async lookup<T>(typename: string, ids: readonly string[]) {
      const found = new Map<string, Record<string, unknown>>();
      for (let i = 0; i < ids.length; i += 5000) {
        const slice = [...ids.slice(i, i + 5000)];
        const rows =
          typename === "Asset"
            ? await db
                .select({ id: assets.id, importCapacityKw: assets.importCapacityKw, exportCapacityKw: assets.exportCapacityKw })
                .from(assets)
                .where(inArray(assets.id, slice))
            : typename === "Organisation"
              ? await db
                  .select({ id: organisations.id, areas: organisations.areas })
                  .from(organisations)
                  .where(inArray(organisations.id, slice))
              : [];
        for (const row of rows) found.set(row.id, row);
      }
      return ids.map((id) => (found.get(id) as (T & { id: string }) | undefined) ?? null);
    },
  };
}

/**
 * Runs the detector over every commitment of the demo data and records what it finds (PROACTIVE, OPEN: the parties
 * are told when someone sweeps; the data is history); the losing instructions flagged `inConflict`. A second run
 * records nothing. Answers how many were found and recorded.
 */
export async function detectDemoConflicts(db: Database): Promise<{ found: number; recorded: number }> {
  const commitments: Commitment[] = [];
  let after: { kind: Commitment["kind"]; id: string } | undefined;
  for (;;) {
    const page = await readCommitments(db, {
      from: new Date("2000-01-01T00:00:00Z"),
      to: new Date("2100-01-01T00:00:00Z"),
      limit: 5000,
      after,
    });
    commitments.push(...(page.commitments as Commitment[]));
    if (!page.next) break;
    const [kind, id] = page.next.split(":") as [Commitment["kind"], string];
    after = { kind, id };
  }
  const repos = createRepositories(db);
  const result = await recordFound({ references: rowReferences(db), conflicts: repos.conflicts }, commitments, {
    detectedBy: "PROACTIVE",
    actor: null,
  });
  const losing = result.recorded.flatMap((r) =>
    (r.items ?? []).filter((i) => i.kind === "DISPATCH_INSTRUCTION" && i.id !== r.primacy?.winningItemId).map((i) => i.id),
  );
  for (let i = 0; i < losing.length; i += 5000) {
    await db
      .update(dispatchInstructions)
      .set({ inConflict: true })
      .where(inArray(dispatchInstructions.id, losing.slice(i, i + 5000)));
  }
  return { found: result.found, recorded: result.recorded.length };
}
