-- The default per-category attributes of the asset taxonomy (domain digest §4.4, after Elexon's draft FMAR
-- asset data definitions: round-trip efficiency, charger count and OCPP version, thermal storage, curtailable
-- generation, fuel). Hub administrators change them with updateAssetCategory; each attribute's "since" is the
-- category version its rule last changed in (1: the taxonomy as first published). Only categories still
-- without attributes are touched, so re-running this never overwrites an administrator's taxonomy.
UPDATE "assets"."asset_categories" AS c
SET "attributes" = d.attributes
FROM (VALUES
  ('BESS', '[{"key":"roundTripEfficiencyPct","label":"Round-trip efficiency","type":"NUMBER","unit":"%","required":false,"minimum":0,"since":1}]'::jsonb),
  ('EV_CHARGER', '[{"key":"chargePointCount","label":"Charge points","type":"INTEGER","unit":null,"required":true,"minimum":1,"since":1},{"key":"ocppVersion","label":"OCPP version","type":"TEXT","unit":null,"required":false,"minimum":null,"since":1}]'::jsonb),
  ('HEAT_PUMP', '[{"key":"thermalStorageKwh","label":"Thermal storage","type":"NUMBER","unit":"kWh","required":false,"minimum":null,"since":1}]'::jsonb),
  ('SOLAR_PV', '[{"key":"curtailable","label":"Curtailable","type":"BOOLEAN","unit":null,"required":false,"minimum":null,"since":1}]'::jsonb),
  ('WIND_TURBINE', '[{"key":"curtailable","label":"Curtailable","type":"BOOLEAN","unit":null,"required":false,"minimum":null,"since":1}]'::jsonb),
  ('CHP', '[{"key":"fuel","label":"Fuel","type":"TEXT","unit":null,"required":false,"minimum":null,"since":1}]'::jsonb)
) AS d ("code", "attributes")
WHERE c."code" = d."code" AND c."attributes" = '[]'::jsonb;
