import { appendAudit, type Database, guardedUpdate, type Identity, isUuid } from "@sfe/kit";
import { and, asc, desc, eq, inArray, or, type SQL } from "drizzle-orm";
import { assetLifecycle, assets, assetTransfers, auditEvents, type TransferStatus, transferLifecycle } from "../../db/schema.js";
import type { AssetRow } from "../assets/repository.js";
import type { Decision } from "./validation.js";
import { leaveUnits, liveUnitsOfAsset, type UnitWithMembers } from "../market-units/repository.js";

/**
 * An asset's life cycle after registration (domain digest §7.2 steps 8–9, §7.3 step 4): transfer to another
 * organisation with the owner's consent, de-registration (soft: kept for audit) and reinstatement. Every write is one
 * transaction with its audit events; each takes a `check` that sees the locked rows and may refuse (writing nothing).
 *
 * Lock order, shared with market-units.ts: transfer row, then asset row, then unit rows (by id). Joining a unit
 * takes the asset FOR SHARE first, so an asset cannot join a unit while it changes owner or is de-registered.
 */

export type TransferRow = typeof assetTransfers.$inferSelect;

/**
 * Which transfers a caller may see (built by `visibleTransferFilter` in access.ts): every one, or those from or to
 * `organisationIds` (none when empty).
 */
export type TransferVisibility = { all: true } | { all: false; organisationIds: readonly string[] };

export interface TransferFilter {
  /** What the caller may see: required, so no listing can forget it. */
  visible: TransferVisibility;
  status?: TransferStatus | null;
  limit: number;
  offset: number;
}

export interface TransferRequest {
  assetId: string;
  toOrganisationId: string;
  note: string | null;
}

/** What a transfer request is checked against: the locked asset, its pending transfer, the units it would leave. */
export type RequestCheck = (asset: AssetRow, pending: TransferRow | null, units: UnitWithMembers[]) => void;
/** What accepting is checked against: the locked transfer and asset, and the locked units the asset would leave. */
export type AcceptCheck = (transfer: TransferRow, asset: AssetRow, units: UnitWithMembers[]) => void;
/** What de-registering is checked against: the locked asset, the live units it is in, its pending transfer. */
export type DeregisterCheck = (asset: AssetRow, units: UnitWithMembers[], pending: TransferRow | null) => void;

/** The SQL condition for `visible`: undefined for every transfer, null when none is visible (no query needed). */
function visibleTransferCondition(visible: TransferVisibility): SQL | undefined | null {
  if (visible.all) return undefined;
  const ids = visible.organisationIds.filter(isUuid);
  if (ids.length === 0) return null;
  return or(inArray(assetTransfers.fromOrganisationId, ids), inArray(assetTransfers.toOrganisationId, ids));
}

const pendingOf = (assetId: string) => and(eq(assetTransfers.assetId, assetId), eq(assetTransfers.status, "PENDING"));
const newestFirst = [desc(assetTransfers.requestedAt), asc(assetTransfers.id)];

export function createLifecycleRepository(db: Database) {
  /** The asset row, locked FOR UPDATE for the rest of `tx`. */
  async function lockAsset(tx: Database, id: string): Promise<AssetRow | undefined> {
    const [row] = await tx.select().from(assets).where(eq(assets.id, id)).for("update");
    return row;
  }

  /**
   * Sets the asset's status (DEREGISTERED or back to REGISTERED) in `tx`, following `assetLifecycle`, once `check`
   * passes against the locked row; audited with `reason`.
   */
  const changeStatus = (
    tx: Database,
    id: string,
    status: AssetRow["status"],
    check: (asset: AssetRow) => void,
    reason: string | null,
    actor: Identity | null,
  ): Promise<AssetRow | null> =>
    guardedUpdate(tx, {
      table: assets,
      lifecycle: assetLifecycle,
      id,
      change: (before) => {
        check(before);
        return { status };
      },
      record: (tx, event) => appendAudit(tx, auditEvents, actor, { ...event, after: { ...event.after, reason } }),
    });

  /** The transfer's decision, following `transferLifecycle`, by `actor` now; audited. */
  const decide = (tx: Database, id: string, status: Decision, check: (transfer: TransferRow) => void, actor: Identity | null) =>
    guardedUpdate(tx, {
      table: assetTransfers,
      audit: auditEvents,
      lifecycle: transferLifecycle,
      id,
      actor,
      change: (before) => {
        check(before);
        return { status, decidedAt: new Date(), decidedBy: actor?.userId ?? null };
      },
    });

  return {
    /** The `visible` transfers among `ids`, in any order (the loader orders them). */
    async transfersByIds(ids: readonly string[], visible: TransferVisibility): Promise<TransferRow[]> {
      const valid = [...new Set(ids.filter(isUuid))];
      const condition = visibleTransferCondition(visible);
      if (valid.length === 0 || condition === null) return [];
      return db
        .select()
        .from(assetTransfers)
        .where(and(inArray(assetTransfers.id, valid), condition));
    },

    /** The `visible` PENDING transfer of each asset (at most one each), in one query for every asset. */
    async pendingTransfers(assetIds: readonly string[], visible: TransferVisibility): Promise<TransferRow[]> {
      const valid = [...new Set(assetIds.filter(isUuid))];
      const condition = visibleTransferCondition(visible);
      if (valid.length === 0 || condition === null) return [];
      return db
        .select()
        .from(assetTransfers)
        .where(and(inArray(assetTransfers.assetId, valid), eq(assetTransfers.status, "PENDING"), condition));
    },

    /** The `visible` transfers matching `filter`, newest first. */
    async transfers(filter: TransferFilter): Promise<TransferRow[]> {
      const visible = visibleTransferCondition(filter.visible);
      if (visible === null) return [];
      const conditions: SQL[] = visible ? [visible] : [];
      if (filter.status != null) conditions.push(eq(assetTransfers.status, filter.status));
      return db
        .select()
        .from(assetTransfers)
        .where(and(...conditions))
        .orderBy(...newestFirst)
        .limit(filter.limit)
        .offset(filter.offset);
    },

    /**
     * Records a PENDING transfer of the asset from its owner (read from the locked row) to `toOrganisationId`, once
     * `check` passes; audited. Null when the asset does not exist. The asset lock makes a second request wait and
     * then see the first one's pending transfer; the partial unique index is the backstop.
     */
    async requestTransfer(request: TransferRequest, check: RequestCheck, actor: Identity | null): Promise<TransferRow | null> {
      if (!isUuid(request.assetId)) return null;
      return db.transaction(async (tx) => {
        const asset = await lockAsset(tx, request.assetId);
        if (!asset) return null;
        const [pending] = await tx.select().from(assetTransfers).where(pendingOf(asset.id)).limit(1);
        check(asset, pending ?? null, await liveUnitsOfAsset(tx, asset.id, false));
        const [row] = await tx
          .insert(assetTransfers)
          .values({
            assetId: asset.id,
            fromOrganisationId: asset.ownerId,
            toOrganisationId: request.toOrganisationId,
            note: request.note,
            requestedBy: actor?.userId ?? null,
          })
          .returning();
        if (!row) throw new Error("insert returned no row");
        await appendAudit(tx, auditEvents, actor, { action: "CREATE", entityType: "AssetTransfer", entityId: row.id, after: row });
        return row;
      });
    },

    /**
     * Accepts a transfer in one transaction, once `check` passes against the locked rows: the asset changes owner,
     * leaves the live market units of its former owner (leaveUnits: memberships ended, an ACTIVE unit
     * REASSESSMENT_REQUIRED), the transfer becomes ACCEPTED; the asset, each unit and the transfer are audited. Null
     * when the transfer does not exist.
     */
    async acceptTransfer(
      id: string,
      check: AcceptCheck,
      actor: Identity | null,
    ): Promise<{ transfer: TransferRow; asset: AssetRow } | null> {
      if (!isUuid(id)) return null;
      return db.transaction(async (tx) => {
        const [before] = await tx.select().from(assetTransfers).where(eq(assetTransfers.id, id)).for("update");
        if (!before) return null;
        const asset = await lockAsset(tx, before.assetId);
        if (!asset) throw new Error(`asset ${before.assetId} of transfer ${id} is missing`); // a foreign key guarantees it
        const units = before.status === "PENDING" ? await liveUnitsOfAsset(tx, asset.id, true) : [];
        check(before, asset, units);

        const moved = await guardedUpdate(tx, {
          table: assets,
          lifecycle: assetLifecycle,
          id: asset.id,
          change: () => ({ ownerId: before.toOrganisationId }),
          record: (tx, event) =>
            appendAudit(tx, auditEvents, actor, {
              ...event,
              after: { ...event.after, transferId: id, leftMarketUnitIds: units.map((u) => u.unit.id) },
            }),
        });
        await leaveUnits(tx, asset.id, units, actor);
        const transfer = await decide(tx, id, "ACCEPTED", () => {}, actor);
        if (!moved || !transfer) throw new Error("a locked row is missing");
        return { transfer, asset: moved };
      });
    },

    /** Declines or cancels a transfer once `check` passes against the locked row; audited. Null when it does not exist. */
    closeTransfer: (
      id: string,
      status: "DECLINED" | "CANCELLED",
      check: (transfer: TransferRow) => void,
      actor: Identity | null,
    ): Promise<TransferRow | null> => decide(db, id, status, check, actor),

    /**
     * De-registers the asset (status DEREGISTERED; the row, its memberships and transfers stay), once `check` passes
     * against the locked asset, the live units it is a member of and its pending transfer; audited with `reason`.
     * Null when the asset does not exist.
     */
    async deregister(id: string, reason: string | null, check: DeregisterCheck, actor: Identity | null): Promise<AssetRow | null> {
      if (!isUuid(id)) return null;
      return db.transaction(async (tx) => {
        // Locked before its units and transfers are read: a unit cannot take it, nor a transfer start, meanwhile.
        if (!(await lockAsset(tx, id))) return null;
        const [pending] = await tx.select().from(assetTransfers).where(pendingOf(id)).limit(1);
        const units = await liveUnitsOfAsset(tx, id, false);
        return changeStatus(tx, id, "DEREGISTERED", (asset) => check(asset, units, pending ?? null), reason, actor);
      });
    },

    /** A DEREGISTERED asset becomes REGISTERED again once `check` passes against the locked row; audited. */
    reinstate: (id: string, reason: string | null, check: (asset: AssetRow) => void, actor: Identity | null) =>
      changeStatus(db, id, "REGISTERED", check, reason, actor),
  };
}

export type LifecycleRepository = ReturnType<typeof createLifecycleRepository>;
