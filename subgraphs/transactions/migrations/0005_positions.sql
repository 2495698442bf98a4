CREATE TABLE "transactions"."availability_declarations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"supersedes_id" uuid,
	"asset_id" uuid,
	"market_unit_id" uuid,
	"product_id" uuid NOT NULL,
	"award_id" uuid,
	"provider_id" uuid NOT NULL,
	"buyer_id" uuid NOT NULL,
	"start_at" timestamp with time zone NOT NULL,
	"end_at" timestamp with time zone NOT NULL,
	"declared_mw" double precision NOT NULL,
	"declared_at" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_at" timestamp with time zone NOT NULL,
	"reason" text,
	"status" text DEFAULT 'DECLARED' NOT NULL,
	"source" text DEFAULT 'API' NOT NULL,
	"external_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "availability_declarations_window_check" CHECK ("transactions"."availability_declarations"."end_at" > "transactions"."availability_declarations"."start_at"),
	CONSTRAINT "availability_declarations_declared_mw_check" CHECK ("transactions"."availability_declarations"."declared_mw" >= 0),
	CONSTRAINT "availability_declarations_lock_check" CHECK ("transactions"."availability_declarations"."locked_at" <= "transactions"."availability_declarations"."start_at"),
	CONSTRAINT "availability_declarations_target_check" CHECK (("transactions"."availability_declarations"."asset_id" is null) <> ("transactions"."availability_declarations"."market_unit_id" is null))
);
--> statement-breakpoint
CREATE TABLE "transactions"."unavailability_notices" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"asset_id" uuid,
	"market_unit_id" uuid,
	"provider_id" uuid NOT NULL,
	"gsp_groups" text[] DEFAULT '{}'::text[] NOT NULL,
	"from_at" timestamp with time zone NOT NULL,
	"to_at" timestamp with time zone NOT NULL,
	"reduced_mw" double precision NOT NULL,
	"reason" text NOT NULL,
	"conflict_id" uuid,
	"status" text DEFAULT 'ACTIVE' NOT NULL,
	"source" text DEFAULT 'API' NOT NULL,
	"external_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "unavailability_notices_window_check" CHECK ("transactions"."unavailability_notices"."to_at" > "transactions"."unavailability_notices"."from_at"),
	CONSTRAINT "unavailability_notices_reduced_mw_check" CHECK ("transactions"."unavailability_notices"."reduced_mw" >= 0),
	CONSTRAINT "unavailability_notices_target_check" CHECK (("transactions"."unavailability_notices"."asset_id" is null) <> ("transactions"."unavailability_notices"."market_unit_id" is null))
);
--> statement-breakpoint
ALTER TABLE "transactions"."availability_declarations" ADD CONSTRAINT "availability_declarations_supersedes_id_availability_declarations_id_fk" FOREIGN KEY ("supersedes_id") REFERENCES "transactions"."availability_declarations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "availability_declarations_asset_idx" ON "transactions"."availability_declarations" USING btree ("asset_id","start_at");--> statement-breakpoint
CREATE INDEX "availability_declarations_unit_idx" ON "transactions"."availability_declarations" USING btree ("market_unit_id","start_at");--> statement-breakpoint
CREATE INDEX "availability_declarations_provider_idx" ON "transactions"."availability_declarations" USING btree ("provider_id");--> statement-breakpoint
CREATE INDEX "availability_declarations_buyer_idx" ON "transactions"."availability_declarations" USING btree ("buyer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "availability_declarations_supersedes_unique" ON "transactions"."availability_declarations" USING btree ("supersedes_id");--> statement-breakpoint
CREATE UNIQUE INDEX "availability_declarations_source_external_id_unique" ON "transactions"."availability_declarations" USING btree ("source","external_id");--> statement-breakpoint
CREATE INDEX "unavailability_notices_asset_idx" ON "transactions"."unavailability_notices" USING btree ("asset_id","from_at");--> statement-breakpoint
CREATE INDEX "unavailability_notices_unit_idx" ON "transactions"."unavailability_notices" USING btree ("market_unit_id","from_at");--> statement-breakpoint
CREATE INDEX "unavailability_notices_provider_idx" ON "transactions"."unavailability_notices" USING btree ("provider_id");--> statement-breakpoint
CREATE UNIQUE INDEX "unavailability_notices_source_external_id_unique" ON "transactions"."unavailability_notices" USING btree ("source","external_id");