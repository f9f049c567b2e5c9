-- Records grouped by the months that matter to them, as month indices
-- (year * 12 + month - 1): held from the month of creation to the month before
-- destruction; overdue from the month after the due date; due within 90 days from the
-- month of due - 90 to the month before the due date; destroyed in the month of
-- destruction. Records with the same months are counted together: a few thousand rows
-- for millions of records.
SELECT record_class,
    legal_hold IS TRUE AS on_hold, legal_hold IS FALSE AS not_on_hold,
    (disposed_date < retention_end) IS TRUE AS premature,
    (year(created_date) * 12 + month(created_date) - 1) AS created_m,
    (year(disposed_date) * 12 + month(disposed_date) - 1) AS disposed_m,
    (year(disposal_due + 1) * 12 + month(disposal_due + 1) - 1) AS overdue_m,
    (year(disposal_due - 90) * 12 + month(disposal_due - 90) - 1) AS due_from_m,
    (year(disposal_due) * 12 + month(disposal_due) - 1) AS due_m,
    count(*) AS records
FROM record_retention GROUP BY ALL
