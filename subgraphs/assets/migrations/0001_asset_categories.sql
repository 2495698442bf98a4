-- Asset categories (FMAR catalogue "AssetCategory"): codes, labels and definitions are taken unchanged from
-- Elexon Ltd's draft FMAR (Flexibility Market Asset Register) asset data definitions v1.1, sheet
-- "Git FMAR_CodeCatalogue_Master" (repository elexon-data/Market-Facilitator; copy in stack/data/elexon-fmar-code-catalogue.csv).
-- Contains Elexon Ltd draft FMAR code lists, licensed under CC-BY-4.0. Attribution: Elexon Ltd.
-- These are pre-go-live drafts. requires_energy_capacity (storage categories) is the hub's own rule.
INSERT INTO "assets"."asset_categories" ("code", "label", "definition", "requires_energy_capacity") VALUES
  ('BESS', 'Battery Energy Storage System', 'Stationary electrochemical storage capable of import and export.', true),
  ('SOLAR_PV', 'Solar PV', 'Inverter-connected photovoltaic generation.', false),
  ('WIND_TURBINE', 'Wind Turbine', 'Small/medium wind generation connected behind the distribution network.', false),
  ('EV_CHARGER', 'EV Charger', 'Charger supplying EVs; may enable export (V2G) if technically capable.', false),
  ('HEAT_PUMP', 'Heat Pump', 'Electrically driven heat pump able to modulate demand for flexibility.', false),
  ('ELECTRIC_BOILER', 'Electric Boiler', 'Resistive/electric boiler load that can be shifted or curtailed.', false),
  ('HVAC', 'HVAC', 'Building HVAC plant (fans/chillers/air handlers) controllable for demand response.', false),
  ('REFRIGERATION', 'Refrigeration', 'Cold stores/refrigeration that can provide demand response.', false),
  ('INDUSTRIAL_LOAD', 'Industrial Load', 'Controllable industrial process load aggregated for flexibility.', false),
  ('CHP', 'CHP', 'Combined heat & power exporting electricity (non-intermittent).', false),
  ('OTHER', 'Other', 'Asset providing flexibility that does not fit the above categories.', false)
ON CONFLICT ("code") DO NOTHING;
