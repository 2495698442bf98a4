CREATE TABLE "products"."external_products" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"api" text NOT NULL,
	"external_id" text NOT NULL,
	"operator_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "external_products_api_external_id_unique" ON "products"."external_products" USING btree ("api","external_id");