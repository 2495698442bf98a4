CREATE TABLE "transactions"."buy_requirements" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"product_id" uuid NOT NULL,
	"buyer_id" uuid NOT NULL,
	"cmz_id" uuid,
	"cmz_code" text,
	"required_service" text NOT NULL,
	"gate_open" timestamp with time zone NOT NULL,
	"gate_close" timestamp with time zone NOT NULL,
	"windows" jsonb NOT NULL,
	"start_at" timestamp with time zone NOT NULL,
	"end_at" timestamp with time zone NOT NULL,
	"min_mw" double precision DEFAULT 0 NOT NULL,
	"max_mw" double precision NOT NULL,
	"availability_ceiling_gbp_per_mw_h" numeric(12, 4),
	"utilisation_ceiling_gbp_per_mwh" numeric(12, 4),
	"requirement_type" text DEFAULT 'LIVE' NOT NULL,
	"guaranteed_acceptance_price_gbp_per_mwh" numeric(12, 4),
	"eligible_participant_ids" uuid[],
	"status" text DEFAULT 'DRAFT' NOT NULL,
	"published_at" timestamp with time zone,
	"source" text DEFAULT 'API' NOT NULL,
	"external_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "buy_requirements_gate_check" CHECK ("transactions"."buy_requirements"."gate_close" > "transactions"."buy_requirements"."gate_open"),
	CONSTRAINT "buy_requirements_window_check" CHECK ("transactions"."buy_requirements"."end_at" > "transactions"."buy_requirements"."start_at"),
	CONSTRAINT "buy_requirements_mw_check" CHECK ("transactions"."buy_requirements"."min_mw" >= 0 and "transactions"."buy_requirements"."max_mw" > 0 and "transactions"."buy_requirements"."min_mw" <= "transactions"."buy_requirements"."max_mw")
);
--> statement-breakpoint
CREATE TABLE "transactions"."clearing_results" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"buy_requirement_id" uuid,
	"auction_ref" text,
	"product_id" uuid NOT NULL,
	"buyer_id" uuid NOT NULL,
	"service_type" text NOT NULL,
	"delivery_start" timestamp with time zone NOT NULL,
	"delivery_end" timestamp with time zone NOT NULL,
	"cleared_volume_mw" double precision NOT NULL,
	"clearing_price" numeric(12, 4) NOT NULL,
	"method" text NOT NULL,
	"published_at" timestamp with time zone,
	"source" text DEFAULT 'API' NOT NULL,
	"external_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "clearing_results_window_check" CHECK ("transactions"."clearing_results"."delivery_end" > "transactions"."clearing_results"."delivery_start"),
	CONSTRAINT "clearing_results_volume_check" CHECK ("transactions"."clearing_results"."cleared_volume_mw" >= 0)
);
--> statement-breakpoint
ALTER TABLE "transactions"."dispatch_instructions" DROP CONSTRAINT "dispatch_instructions_target_check";--> statement-breakpoint
ALTER TABLE "transactions"."awards" ALTER COLUMN "asset_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "transactions"."bids" ALTER COLUMN "asset_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "transactions"."awards" ADD COLUMN "market_unit_id" uuid;--> statement-breakpoint
ALTER TABLE "transactions"."awards" ADD COLUMN "buy_requirement_id" uuid;--> statement-breakpoint
ALTER TABLE "transactions"."awards" ADD COLUMN "clearing_result_id" uuid;--> statement-breakpoint
ALTER TABLE "transactions"."awards" ADD COLUMN "cmz_id" uuid;--> statement-breakpoint
ALTER TABLE "transactions"."awards" ADD COLUMN "windows" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "transactions"."awards" ADD COLUMN "awarded_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "transactions"."bids" ADD COLUMN "market_unit_id" uuid;--> statement-breakpoint
ALTER TABLE "transactions"."bids" ADD COLUMN "buy_requirement_id" uuid;--> statement-breakpoint
ALTER TABLE "transactions"."bids" ADD COLUMN "min_quantity_mw" double precision;--> statement-breakpoint
ALTER TABLE "transactions"."bids" ADD COLUMN "periods" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "transactions"."bids" ADD COLUMN "basket_id" text;--> statement-breakpoint
ALTER TABLE "transactions"."bids" ADD COLUMN "parent_bid_id" uuid;--> statement-breakpoint
ALTER TABLE "transactions"."bids" ADD COLUMN "looped_with_bid_id" uuid;--> statement-breakpoint
ALTER TABLE "transactions"."dispatch_instructions" ADD COLUMN "market_unit_id" uuid;--> statement-breakpoint
ALTER TABLE "transactions"."dispatch_instructions" ADD COLUMN "award_id" uuid;--> statement-breakpoint
ALTER TABLE "transactions"."dispatch_instructions" ADD COLUMN "energy_mwh" numeric(16, 6);--> statement-breakpoint
ALTER TABLE "transactions"."dispatch_instructions" ADD COLUMN "price_gbp_per_mwh" numeric(12, 4);--> statement-breakpoint
ALTER TABLE "transactions"."dispatch_instructions" ADD COLUMN "dispatch_method" text;--> statement-breakpoint
ALTER TABLE "transactions"."dispatch_instructions" ADD COLUMN "ramp_start" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "transactions"."dispatch_instructions" ADD COLUMN "cease_ramp_end" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "transactions"."dispatch_instructions" ADD COLUMN "issued_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "transactions"."dispatch_instructions" ADD COLUMN "acknowledge_by" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "transactions"."dispatch_instructions" ADD COLUMN "acknowledged_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "transactions"."dispatch_instructions" ADD COLUMN "rationale" text;--> statement-breakpoint
ALTER TABLE "transactions"."dispatch_instructions" ADD COLUMN "in_conflict" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "transactions"."dispatch_instructions" ADD COLUMN "ceased_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "transactions"."dispatch_instructions" ADD COLUMN "actual_start" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "transactions"."dispatch_instructions" ADD COLUMN "actual_stop" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "transactions"."clearing_results" ADD CONSTRAINT "clearing_results_buy_requirement_id_buy_requirements_id_fk" FOREIGN KEY ("buy_requirement_id") REFERENCES "transactions"."buy_requirements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "buy_requirements_product_idx" ON "transactions"."buy_requirements" USING btree ("product_id");--> statement-breakpoint
CREATE INDEX "buy_requirements_buyer_idx" ON "transactions"."buy_requirements" USING btree ("buyer_id");--> statement-breakpoint
CREATE INDEX "buy_requirements_status_idx" ON "transactions"."buy_requirements" USING btree ("status");--> statement-breakpoint
CREATE UNIQUE INDEX "buy_requirements_source_external_id_unique" ON "transactions"."buy_requirements" USING btree ("source","external_id");--> statement-breakpoint
CREATE INDEX "clearing_results_requirement_idx" ON "transactions"."clearing_results" USING btree ("buy_requirement_id");--> statement-breakpoint
CREATE INDEX "clearing_results_product_idx" ON "transactions"."clearing_results" USING btree ("product_id");--> statement-breakpoint
CREATE UNIQUE INDEX "clearing_results_source_external_id_unique" ON "transactions"."clearing_results" USING btree ("source","external_id");--> statement-breakpoint
ALTER TABLE "transactions"."dispatch_instructions" ADD CONSTRAINT "dispatch_instructions_award_id_awards_id_fk" FOREIGN KEY ("award_id") REFERENCES "transactions"."awards"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "awards_market_unit_idx" ON "transactions"."awards" USING btree ("market_unit_id");--> statement-breakpoint
CREATE INDEX "bids_market_unit_idx" ON "transactions"."bids" USING btree ("market_unit_id");--> statement-breakpoint
CREATE INDEX "bids_buy_requirement_idx" ON "transactions"."bids" USING btree ("buy_requirement_id");--> statement-breakpoint
CREATE INDEX "dispatch_instructions_market_unit_idx" ON "transactions"."dispatch_instructions" USING btree ("market_unit_id");--> statement-breakpoint
CREATE INDEX "dispatch_instructions_award_idx" ON "transactions"."dispatch_instructions" USING btree ("award_id");--> statement-breakpoint
ALTER TABLE "transactions"."awards" ADD CONSTRAINT "awards_target_check" CHECK ("transactions"."awards"."asset_id" is not null or "transactions"."awards"."market_unit_id" is not null);--> statement-breakpoint
ALTER TABLE "transactions"."bids" ADD CONSTRAINT "bids_target_check" CHECK ("transactions"."bids"."asset_id" is not null or "transactions"."bids"."market_unit_id" is not null);--> statement-breakpoint
ALTER TABLE "transactions"."bids" ADD CONSTRAINT "bids_min_quantity_check" CHECK ("transactions"."bids"."min_quantity_mw" is null or ("transactions"."bids"."min_quantity_mw" > 0 and "transactions"."bids"."min_quantity_mw" <= "transactions"."bids"."quantity_mw"));--> statement-breakpoint
ALTER TABLE "transactions"."dispatch_instructions" ADD CONSTRAINT "dispatch_instructions_target_check" CHECK ("transactions"."dispatch_instructions"."asset_id" is not null or "transactions"."dispatch_instructions"."market_unit_id" is not null or "transactions"."dispatch_instructions"."unit_reference" is not null);