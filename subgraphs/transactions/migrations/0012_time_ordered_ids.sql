-- A time-ordered uuid (the layout of RFC 9562 version 7: 48 bits of Unix milliseconds, then random bits), built in
-- SQL because Postgres 15 has no uuidv7(). As a primary key's default it fills the index left to right: a bulk
-- insert writes its rightmost pages instead of a random page per row.
CREATE FUNCTION "transactions"."uuid_time_ordered"() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
  select encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing
    substring(int8send(floor(extract(epoch from clock_timestamp()) * 1000)::bigint) from 3) from 1 for 6), 52, 1), 53, 1), 'hex')::uuid
$$;
