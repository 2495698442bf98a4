ALTER TABLE "assets"."assets" ADD COLUMN "car_id" text;--> statement-breakpoint
CREATE UNIQUE INDEX "assets_car_id_unique" ON "assets"."assets" USING btree ("car_id") WHERE car_id is not null;