CREATE TABLE "assets"."market_unit_members" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"unit_id" uuid NOT NULL,
	"asset_id" uuid NOT NULL,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	"removed_at" timestamp with time zone,
	CONSTRAINT "market_unit_members_removed_after_added" CHECK (removed_at is null or removed_at >= added_at)
);
--> statement-breakpoint
CREATE TABLE "assets"."market_units" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid NOT NULL,
	"name" text NOT NULL,
	"unit_type" text NOT NULL,
	"status" text DEFAULT 'DRAFT' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "assets"."market_unit_members" ADD CONSTRAINT "market_unit_members_unit_id_market_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "assets"."market_units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assets"."market_unit_members" ADD CONSTRAINT "market_unit_members_asset_id_assets_id_fk" FOREIGN KEY ("asset_id") REFERENCES "assets"."assets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "market_unit_members_current_unique" ON "assets"."market_unit_members" USING btree ("unit_id","asset_id") WHERE removed_at is null;--> statement-breakpoint
CREATE INDEX "market_unit_members_asset_idx" ON "assets"."market_unit_members" USING btree ("asset_id") WHERE removed_at is null;--> statement-breakpoint
CREATE INDEX "market_unit_members_unit_idx" ON "assets"."market_unit_members" USING btree ("unit_id");--> statement-breakpoint
CREATE INDEX "market_units_owner_idx" ON "assets"."market_units" USING btree ("owner_id","name");