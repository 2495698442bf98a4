CREATE TABLE "products"."constraint_managed_zones" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"operator_id" uuid NOT NULL,
	"licence_area" text NOT NULL,
	"gsp_groups" text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "constraint_managed_zones_code_unique" ON "products"."constraint_managed_zones" USING btree ("code");--> statement-breakpoint
CREATE INDEX "constraint_managed_zones_operator_idx" ON "products"."constraint_managed_zones" USING btree ("operator_id");