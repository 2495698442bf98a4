ALTER TABLE "transactions"."clearing_results" ADD COLUMN "ingest_batch_id" uuid;--> statement-breakpoint
ALTER TABLE "transactions"."clearing_results" ADD COLUMN "source_row" integer;--> statement-breakpoint
ALTER TABLE "transactions"."availability_declarations" ADD COLUMN "ingest_batch_id" uuid;--> statement-breakpoint
ALTER TABLE "transactions"."availability_declarations" ADD COLUMN "source_row" integer;--> statement-breakpoint
ALTER TABLE "transactions"."unavailability_notices" ADD COLUMN "ingest_batch_id" uuid;--> statement-breakpoint
ALTER TABLE "transactions"."unavailability_notices" ADD COLUMN "source_row" integer;--> statement-breakpoint
ALTER TABLE "transactions"."ingest_batches" ADD COLUMN "skipped" integer DEFAULT 0 NOT NULL;