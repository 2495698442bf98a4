import { type EntityReferences, SfeError } from "@sfe/kit";

/** The assets subgraph's gateway-only route (assets' modules/assets/meter-points.ts). */
export const METER_POINTS_PATH = "/internal/assets/meter-points";
/** The route's limit: one ingest chunk, or one recordMeterReadings call. */
const MAX_PER_CALL = 5_000;

/**
 * What a meter reference (MPAN core) names, as the caller may see it: its asset and owner; `registered` when another
 * organisation's asset has it (the caller learns no more, as registerAsset tells it no more); `unknown` when no asset.
 */
export type MeterPoint = { assetId: string; ownerId: string } | "registered" | "unknown";

type Answer = { meterPointId: string; assetId?: string; ownerId?: string; registered?: true } | null;

/**
 * The assets the distinct `references` name, one call to the assets subgraph per 5,000 (as the caller: the answer is
 * what it may see). Keyed by the reference as given.
 */
export async function meterPointsOf(references: EntityReferences, meterReferences: Iterable<string>): Promise<Map<string, MeterPoint>> {
  const distinct = [...new Set(meterReferences)];
  const found = new Map<string, MeterPoint>();
  if (distinct.length === 0) return found;
  if (!references.call) throw new Error("meter references need references that can call the assets subgraph");
  for (let i = 0; i < distinct.length; i += MAX_PER_CALL) {
    const part = distinct.slice(i, i + MAX_PER_CALL);
    const { status, body } = await references.call<{ assets?: Answer[] }>("assets", METER_POINTS_PATH, { meterPointIds: part });
    const answers = body?.assets;
    if (status !== 200 || !Array.isArray(answers) || answers.length !== part.length) {
      throw new SfeError("UPSTREAM_UNAVAILABLE", "The assets subgraph could not answer which assets these meter references name", {
        subgraph: "assets",
      });
    }
    part.forEach((reference, n) => {
      const answer = answers[n];
      found.set(
        reference,
        !answer ? "unknown" : answer.assetId && answer.ownerId ? { assetId: answer.assetId, ownerId: answer.ownerId } : "registered",
      );
    });
  }
  return found;
}
