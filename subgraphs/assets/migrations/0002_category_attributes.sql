ALTER TABLE "assets"."asset_categories" ADD COLUMN "attributes" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "assets"."asset_categories" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "assets"."assets" ADD COLUMN "attributes" jsonb DEFAULT '{}'::jsonb NOT NULL;