CREATE TABLE "assets"."asset_transfers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"asset_id" uuid NOT NULL,
	"from_organisation_id" uuid NOT NULL,
	"to_organisation_id" uuid NOT NULL,
	"status" text DEFAULT 'PENDING' NOT NULL,
	"requested_by" uuid,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_at" timestamp with time zone,
	"decided_by" uuid,
	"note" text,
	CONSTRAINT "asset_transfers_status_known" CHECK (status in ('PENDING', 'ACCEPTED', 'DECLINED', 'CANCELLED')),
	CONSTRAINT "asset_transfers_parties_differ" CHECK (from_organisation_id <> to_organisation_id),
	CONSTRAINT "asset_transfers_decided_when_not_pending" CHECK ((status = 'PENDING') = (decided_at is null))
);
--> statement-breakpoint
ALTER TABLE "assets"."asset_transfers" ADD CONSTRAINT "asset_transfers_asset_id_assets_id_fk" FOREIGN KEY ("asset_id") REFERENCES "assets"."assets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "asset_transfers_pending_unique" ON "assets"."asset_transfers" USING btree ("asset_id") WHERE status = 'PENDING';--> statement-breakpoint
CREATE INDEX "asset_transfers_asset_idx" ON "assets"."asset_transfers" USING btree ("asset_id");--> statement-breakpoint
CREATE INDEX "asset_transfers_from_idx" ON "assets"."asset_transfers" USING btree ("from_organisation_id","requested_at");--> statement-breakpoint
CREATE INDEX "asset_transfers_to_idx" ON "assets"."asset_transfers" USING btree ("to_organisation_id","requested_at");