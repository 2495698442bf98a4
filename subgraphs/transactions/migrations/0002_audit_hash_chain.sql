ALTER TABLE "transactions"."audit_events" ADD COLUMN "chain_index" bigint;--> statement-breakpoint
ALTER TABLE "transactions"."audit_events" ADD COLUMN "prev_hash" text;--> statement-breakpoint
ALTER TABLE "transactions"."audit_events" ADD COLUMN "hash" text;