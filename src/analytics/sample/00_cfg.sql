-- The generator's settings as one row (seed, size, time zone and the profile's volumes), bound in order.
CREATE TEMP TABLE cfg AS SELECT ?::UBIGINT AS seed, ?::INTEGER AS n_patients, ?::VARCHAR AS tz,
    ?::INTEGER AS sms_campaigns, ?::DOUBLE AS requests_per_3000, ?::DOUBLE AS disclosure_rate,
    ?::BOOLEAN AS encounter_records
