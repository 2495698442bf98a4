import { type SQL, sql } from "drizzle-orm";
import { assetCategories, assets } from "../../db/schema.js";
import { MAX_TEXT_ATTRIBUTE_LENGTH } from "./validation.js";

/**
 * The SQL form of `attributeIssues` (validation.ts): true for an asset (joined to its category) whose
 * attributes or energy capacity fail the category as it is now. Kept beside the query builders so a list or
 * count of such assets is one query; test/taxonomy.test.ts checks the two agree.
 *
 * A definition d fails when its key is absent and it is required, or present and of the wrong JSON type (an
 * INTEGER's value with a fraction, a TEXT over 200 characters), or a number under d.minimum. Each cast is
 * behind a CASE on the JSON type, so a malformed value is a failure, never an SQL error. A key the category
 * does not define fails too.
 */
export function needsAttention(): SQL {
  const definitions = sql`jsonb_array_elements(${assetCategories.attributes}) as d(def)`;
  const value = sql`(${assets.attributes} -> (d.def ->> 'key'))`;
  const number = sql`((${value})::text)::numeric`;
  const belowMinimum = sql`coalesce(${number} < (d.def ->> 'minimum')::numeric, false)`;
  const fails = sql`case
    when ${value} is null then coalesce((d.def ->> 'required')::boolean, false)
    when d.def ->> 'type' = 'NUMBER' then
      case when jsonb_typeof(${value}) = 'number' then ${belowMinimum} else true end
    when d.def ->> 'type' = 'INTEGER' then
      case when jsonb_typeof(${value}) = 'number' then ${number} <> trunc(${number}) or ${belowMinimum} else true end
    when d.def ->> 'type' = 'BOOLEAN' then jsonb_typeof(${value}) <> 'boolean'
    when d.def ->> 'type' = 'TEXT' then
      case when jsonb_typeof(${value}) = 'string' then char_length(${value} #>> '{}') > ${MAX_TEXT_ATTRIBUTE_LENGTH} else true end
    else true
  end`;
  return sql`(
    (${assetCategories.requiresEnergyCapacity} and not coalesce(${assets.energyCapacityKwh} > 0, false))
    or exists (select 1 from ${definitions} where ${fails})
    or exists (
      select 1 from jsonb_object_keys(${assets.attributes}) as k(key)
      where not exists (select 1 from jsonb_array_elements(${assetCategories.attributes}) as e(def) where e.def ->> 'key' = k.key)
    )
  )`;
}
