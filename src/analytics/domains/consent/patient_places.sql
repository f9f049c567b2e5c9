-- Where each patient is, for the local-time rules: the IANA zone as DuckDB names it (the
-- export's name matched ignoring case; the loader quarantined unknown ones) and the state
-- in capitals. A patient without a row, or without a zone, is in the clinic's zone.
SELECT patient.patient_id, upper(patient.state) AS state, zone.name AS time_zone
FROM patients patient
LEFT JOIN pg_timezone_names() zone ON lower(zone.name) = lower(patient.time_zone)
