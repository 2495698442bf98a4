ALTER TABLE "rules"."conflicts" ADD COLUMN "detected_by" text DEFAULT 'MANUAL' NOT NULL;--> statement-breakpoint
ALTER TABLE "rules"."conflicts" ADD COLUMN "detection_key" text;--> statement-breakpoint
ALTER TABLE "rules"."conflicts" ADD COLUMN "rule_code" text;--> statement-breakpoint
ALTER TABLE "rules"."conflicts" ADD COLUMN "overlap_mw" double precision;--> statement-breakpoint
ALTER TABLE "rules"."conflicts" ADD COLUMN "items" jsonb;--> statement-breakpoint
ALTER TABLE "rules"."conflicts" ADD COLUMN "primacy" jsonb;--> statement-breakpoint
CREATE UNIQUE INDEX "conflicts_detection_key_unique" ON "rules"."conflicts" USING btree ("detection_key");