-- Quarantined disclosures that may be the patient's ($patient) and dated from $first through
-- $as_of: the row as read names the patient (or, for a CSV line that is not a row, its text
-- holds the id as a field), and its date is in the window or cannot be read. An accounting
-- that left them out would claim more than the records show.
WITH q AS (
    SELECT source_row, reason,
        trim(json_extract_string(row_json, '$.patient_id')) AS patient_id,
        trim(json_extract_string(row_json, '$.disclosure_id')) AS disclosure_id,
        json_extract_string(row_json, '$.disclosed_at') AS disclosed_text,
        json_extract_string(row_json, '$.text') AS line_text
    FROM quarantine
    WHERE table_name = 'disclosures'
)
SELECT source_row AS "row", coalesce(disclosure_id, '') AS disclosure_id,
    coalesce(disclosed_text, '') AS "date as read", reason
FROM q
WHERE (patient_id = $patient
       OR list_contains(regexp_split_to_array(coalesce(line_text, ''), '[^A-Za-z0-9_-]+'), $patient))
  AND coalesce(
        timezone($tz, TRY_CAST(disclosed_text AS TIMESTAMPTZ))::DATE BETWEEN $first AND $as_of,
        true)
ORDER BY source_row
