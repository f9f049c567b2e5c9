-- The first $limit quarantined rows of each table and reason, as read (for the officer).
SELECT table_name AS "table", reason, source_row,
    replace(row_json, ',"', ', "') AS "row as read"
FROM quarantine
QUALIFY row_number() OVER (PARTITION BY table_name, reason ORDER BY source_row) <= $limit
ORDER BY table_name, reason, source_row
