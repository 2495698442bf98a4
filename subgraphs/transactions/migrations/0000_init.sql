CREATE SCHEMA "transactions";
--> statement-breakpoint
CREATE TABLE "transactions"."audit_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_user_id" uuid,
	"actor_organisation_id" uuid,
	"action" text NOT NULL,
	"entity_type" text NOT NULL,
	"entity_id" text NOT NULL,
	"before" jsonb,
	"after" jsonb
);
--> statement-breakpoint
CREATE TABLE "transactions"."awards" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"bid_id" uuid,
	"asset_id" uuid NOT NULL,
	"product_id" uuid NOT NULL,
	"awarded_mw" double precision NOT NULL,
	"availability_price_gbp_per_mw_h" numeric(12, 4),
	"utilisation_price_gbp_per_mwh" numeric(12, 4),
	"start_at" timestamp with time zone NOT NULL,
	"end_at" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'AWARDED' NOT NULL,
	"source" text DEFAULT 'API' NOT NULL,
	"external_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "awards_window_check" CHECK ("transactions"."awards"."end_at" > "transactions"."awards"."start_at"),
	CONSTRAINT "awards_awarded_mw_check" CHECK ("transactions"."awards"."awarded_mw" > 0)
);
--> statement-breakpoint
CREATE TABLE "transactions"."bids" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"asset_id" uuid NOT NULL,
	"product_id" uuid NOT NULL,
	"bidder_id" uuid NOT NULL,
	"direction" text NOT NULL,
	"quantity_mw" double precision NOT NULL,
	"availability_price_gbp_per_mw_h" numeric(12, 4),
	"utilisation_price_gbp_per_mwh" numeric(12, 4),
	"start_at" timestamp with time zone NOT NULL,
	"end_at" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'SUBMITTED' NOT NULL,
	"source" text DEFAULT 'API' NOT NULL,
	"external_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "bids_window_check" CHECK ("transactions"."bids"."end_at" > "transactions"."bids"."start_at"),
	CONSTRAINT "bids_quantity_check" CHECK ("transactions"."bids"."quantity_mw" > 0)
);
--> statement-breakpoint
CREATE TABLE "transactions"."dispatch_instructions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"asset_id" uuid,
	"unit_reference" text,
	"product_id" uuid NOT NULL,
	"issued_by_id" uuid NOT NULL,
	"direction" text NOT NULL,
	"set_point_mw" double precision NOT NULL,
	"start_at" timestamp with time zone NOT NULL,
	"end_at" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'ISSUED' NOT NULL,
	"source" text DEFAULT 'API' NOT NULL,
	"external_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dispatch_instructions_window_check" CHECK ("transactions"."dispatch_instructions"."end_at" > "transactions"."dispatch_instructions"."start_at"),
	CONSTRAINT "dispatch_instructions_set_point_check" CHECK ("transactions"."dispatch_instructions"."set_point_mw" >= 0),
	CONSTRAINT "dispatch_instructions_target_check" CHECK ("transactions"."dispatch_instructions"."asset_id" is not null or "transactions"."dispatch_instructions"."unit_reference" is not null)
);
--> statement-breakpoint
ALTER TABLE "transactions"."awards" ADD CONSTRAINT "awards_bid_id_bids_id_fk" FOREIGN KEY ("bid_id") REFERENCES "transactions"."bids"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "awards_asset_idx" ON "transactions"."awards" USING btree ("asset_id");--> statement-breakpoint
CREATE INDEX "awards_product_idx" ON "transactions"."awards" USING btree ("product_id");--> statement-breakpoint
CREATE INDEX "awards_bid_idx" ON "transactions"."awards" USING btree ("bid_id");--> statement-breakpoint
CREATE UNIQUE INDEX "awards_source_external_id_unique" ON "transactions"."awards" USING btree ("source","external_id");--> statement-breakpoint
CREATE INDEX "bids_asset_idx" ON "transactions"."bids" USING btree ("asset_id");--> statement-breakpoint
CREATE INDEX "bids_product_idx" ON "transactions"."bids" USING btree ("product_id");--> statement-breakpoint
CREATE INDEX "bids_bidder_idx" ON "transactions"."bids" USING btree ("bidder_id");--> statement-breakpoint
CREATE UNIQUE INDEX "bids_source_external_id_unique" ON "transactions"."bids" USING btree ("source","external_id");--> statement-breakpoint
CREATE INDEX "dispatch_instructions_asset_idx" ON "transactions"."dispatch_instructions" USING btree ("asset_id");--> statement-breakpoint
CREATE INDEX "dispatch_instructions_product_idx" ON "transactions"."dispatch_instructions" USING btree ("product_id");--> statement-breakpoint
CREATE INDEX "dispatch_instructions_issued_by_idx" ON "transactions"."dispatch_instructions" USING btree ("issued_by_id");--> statement-breakpoint
CREATE UNIQUE INDEX "dispatch_instructions_source_external_id_unique" ON "transactions"."dispatch_instructions" USING btree ("source","external_id");