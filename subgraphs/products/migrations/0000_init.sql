CREATE SCHEMA "products";
--> statement-breakpoint
CREATE TABLE "products"."audit_events" (
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
CREATE TABLE "products"."products" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"service_type" text NOT NULL,
	"directions" text[] NOT NULL,
	"minimum_capacity_kw" double precision NOT NULL,
	"response_time_seconds" double precision,
	"duration_minutes" integer,
	"service_windows" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"eligible_technologies" text[] DEFAULT '{}' NOT NULL,
	"locations" text[] DEFAULT '{}' NOT NULL,
	"status" text DEFAULT 'DRAFT' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "products_owner_code_unique" ON "products"."products" USING btree ("owner_id","code");--> statement-breakpoint
CREATE INDEX "products_owner_idx" ON "products"."products" USING btree ("owner_id");