CREATE SCHEMA "assets";
--> statement-breakpoint
CREATE TABLE "assets"."asset_categories" (
	"code" text PRIMARY KEY NOT NULL,
	"label" text NOT NULL,
	"definition" text,
	"requires_energy_capacity" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "assets"."assets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid NOT NULL,
	"name" text NOT NULL,
	"category_code" text NOT NULL,
	"import_capacity_kw" double precision NOT NULL,
	"export_capacity_kw" double precision NOT NULL,
	"energy_capacity_kwh" double precision,
	"postcode" text,
	"gsp_group" text,
	"licence_area" text,
	"dno_group" text,
	"meter_point_id" text,
	"external_id" text,
	"status" text DEFAULT 'REGISTERED' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "assets"."audit_events" (
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
ALTER TABLE "assets"."assets" ADD CONSTRAINT "assets_category_code_asset_categories_code_fk" FOREIGN KEY ("category_code") REFERENCES "assets"."asset_categories"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "assets_owner_idx" ON "assets"."assets" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "assets_category_idx" ON "assets"."assets" USING btree ("category_code");--> statement-breakpoint
CREATE INDEX "assets_name_idx" ON "assets"."assets" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "assets_meter_point_id_unique" ON "assets"."assets" USING btree ("meter_point_id") WHERE meter_point_id is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "assets_external_id_unique" ON "assets"."assets" USING btree ("external_id") WHERE external_id is not null;