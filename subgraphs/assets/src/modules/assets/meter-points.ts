import { gatewayJsonRequest, type HttpRoute, type IdentityVerifier, type Identity, sendError, sendJson } from "@sfe/kit";
import { canSeeAsset } from "../../access.js";
import type { AssetRow } from "./repository.js";

export const METER_POINTS_PATH = "/internal/assets/meter-points";
/** As many as one ingest chunk (or one recordMeterReadings call) names. */
export const MAX_METER_POINTS = 5_000;

/**
 * What the caller learns of one meter point: the asset and its owner when it may see the asset; only that it is
 * registered when it may not (registerAsset already tells anyone that a meter point is registered by another
 * organisation, never which one); null when no asset has it.
 */
export type MeterPointAnswer =
  | { meterPointId: string; assetId: string; ownerId: string }
  | { meterPointId: string; registered: true }
  | null;

/** Spaces dropped, as registerAsset stores an MPAN core. */
export const normaliseMeterPoint = (value: string) => value.replace(/\s+/g, "");

export function meterPointAnswers(identity: Identity | null, asked: readonly string[], rows: readonly AssetRow[]): MeterPointAnswer[] {
  const byMeterPoint = new Map(rows.map((row) => [row.meterPointId, row]));
  return asked.map((value) => {
    const meterPointId = normaliseMeterPoint(value);
    const asset = byMeterPoint.get(meterPointId);
    if (!asset) return null;
    return canSeeAsset(identity, asset) ? { meterPointId, assetId: asset.id, ownerId: asset.ownerId } : { meterPointId, registered: true };
  });
}

/**
 * Gateway-only route (the gateway's identity tokens for `assets`): `POST /internal/assets/meter-points`
 * `{ "meterPointIds": ["1200012345678", …] }` (≤ 5,000) → `{ "assets": [MeterPointAnswer, …] }`, one per id in order,
 * answered as the caller may see them. The transactions subgraph links a meter reading that names only its meter
 * (MPAN) to the asset, one call per ingest chunk.
 */
export function meterPointRoute(deps: {
  byMeterPointIds(ids: readonly string[]): Promise<AssetRow[]>;
  verifier?: IdentityVerifier | undefined;
}): HttpRoute {
  return {
    method: "POST",
    path: METER_POINTS_PATH,
    async handle(req, res) {
      const request = await gatewayJsonRequest(deps.verifier, req, res, { maxBytes: 512 * 1024, usage: "Send a JSON object" });
      if (!request) return;
      const ids = (request.body as Record<string, unknown> | null)?.meterPointIds;
      if (!Array.isArray(ids) || ids.length > MAX_METER_POINTS || ids.some((id) => typeof id !== "string" || id.length > 64)) {
        return sendError(res, 400, "BAD_USER_INPUT", `Send { "meterPointIds": ["<MPAN core>", …] } (at most ${MAX_METER_POINTS})`);
      }
      const asked = ids as string[];
      const rows = await deps.byMeterPointIds(asked.map(normaliseMeterPoint));
      sendJson(res, 200, { assets: meterPointAnswers(request.caller.identity, asked, rows) });
    },
  };
}
