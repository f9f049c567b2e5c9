-- Quarantined incident records that may belong to the year ($first to $last): their
-- discovery date as read is in the year or cannot be read. A log that left them out would
-- claim more than the records show.
WITH q AS (
    SELECT source_row, reason,
        trim(json_extract_string(row_json, '$.incident_id')) AS incident_id,
        json_extract_string(row_json, '$.discovered_at') AS discovered_text
    FROM quarantine
    WHERE table_name = 'incidents'
)
SELECT source_row AS "row", coalesce(incident_id, '') AS incident_id,
    coalesce(discovered_text, '') AS "date as read", reason
FROM q
WHERE coalesce(
        timezone($tz, TRY_CAST(discovered_text AS TIMESTAMPTZ))::DATE BETWEEN $first AND $last,
        true)
ORDER BY source_row
