CREATE TABLE "transactions"."baselines" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"asset_id" uuid NOT NULL,
	"product_id" uuid NOT NULL,
	"provider_id" uuid NOT NULL,
	"buyer_id" uuid NOT NULL,
	"method" text NOT NULL,
	"version" integer NOT NULL,
	"parameters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"profile_wh" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"der_count" integer,
	"locked_at" timestamp with time zone,
	"submitted_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "baselines_version_check" CHECK ("transactions"."baselines"."version" >= 1)
);
--> statement-breakpoint
CREATE UNIQUE INDEX "baselines_asset_product_version_unique" ON "transactions"."baselines" USING btree ("asset_id","product_id","version");--> statement-breakpoint
CREATE INDEX "baselines_provider_idx" ON "transactions"."baselines" USING btree ("provider_id");--> statement-breakpoint
CREATE INDEX "baselines_buyer_idx" ON "transactions"."baselines" USING btree ("buyer_id");