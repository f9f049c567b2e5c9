-- For each month of `periods`, each member active on its as-of date (hired on or before
-- it, not yet terminated) and each required course: the latest completion on or before the
-- as-of date and the course's due date (never completed: hired_on + initial days; else the
-- latest completion + refresh months, a month-end when the target month is shorter).
-- Course names are compared trimmed and ignoring case.
WITH params AS (SELECT * FROM safeguard_params),
active AS (
    SELECT p.period, p.as_of, w.member_id, w.role, w.hired_on
    FROM periods p
    JOIN workforce w
      ON w.hired_on <= p.as_of AND (w.terminated_on IS NULL OR p.as_of < w.terminated_on)
),
required AS (SELECT DISTINCT unnest(courses) AS course FROM params),  -- lower-cased, trimmed
latest AS (
    SELECT a.period, a.as_of, a.member_id, a.role, a.hired_on, r.course,
        max(t.completed_on) AS last_completed
    FROM active a
    CROSS JOIN required r
    LEFT JOIN training t
      ON t.member_id = a.member_id AND lower(trim(t.course)) = r.course
     AND t.completed_on <= a.as_of
    GROUP BY ALL
)
SELECT latest.*,
    CASE WHEN last_completed IS NULL
         THEN hired_on + (SELECT initial_days FROM params)
         ELSE (last_completed + to_months((SELECT refresh_months FROM params)))::DATE
    END AS due_date
FROM latest
