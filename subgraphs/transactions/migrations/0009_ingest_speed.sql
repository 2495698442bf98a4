DROP INDEX "transactions"."meter_readings_provider_idx";--> statement-breakpoint
DROP INDEX "transactions"."meter_readings_unit_interval_idx";--> statement-breakpoint
CREATE INDEX "meter_readings_unit_interval_idx" ON "transactions"."meter_readings" USING btree ("market_unit_id","interval_start") WHERE "transactions"."meter_readings"."market_unit_id" is not null;