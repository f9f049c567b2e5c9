-- Quarantined rows of $table that a document may be leaving out: the date as read (its
-- column $date_column) falls from $first through $last or cannot be read, and, when a
-- patient is given ($patient), the row as read names the patient (or, for a CSV line that
-- is not a row, its text holds the id as a field). A document that left them out without
-- saying so would claim more than the records show.
WITH q AS (
    SELECT source_row, reason,
        trim(json_extract_string(row_json, '$.' || $id_column)) AS record_id,
        json_extract_string(row_json, '$.' || $date_column) AS date_text,
        trim(json_extract_string(row_json, '$.patient_id')) AS patient_id,
        json_extract_string(row_json, '$.text') AS line_text
    FROM quarantine
    WHERE table_name = $table
)
SELECT source_row AS "row", coalesce(record_id, '') AS record_id,
    coalesce(date_text, '') AS "date as read", reason
FROM q
WHERE ($patient::VARCHAR IS NULL
       OR patient_id = $patient
       OR list_contains(regexp_split_to_array(coalesce(line_text, ''), '[^A-Za-z0-9_-]+'),
                        $patient))
  AND coalesce(
        timezone($tz, TRY_CAST(date_text AS TIMESTAMPTZ))::DATE BETWEEN $first AND $last,
        true)
ORDER BY source_row
